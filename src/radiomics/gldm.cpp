#include "radiomics/gldm.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>

namespace scopemia::radiomics {

const std::vector<std::string>& gldm_feature_names() {
  static const std::vector<std::string> names = {
      "DependenceEntropy", "DependenceNonUniformity", "DependenceNonUniformityNormalized",
      "DependenceVariance", "GrayLevelNonUniformity", "GrayLevelVariance", "HighGrayLevelEmphasis",
      "LargeDependenceEmphasis", "LargeDependenceHighGrayLevelEmphasis", "LargeDependenceLowGrayLevelEmphasis",
      "LowGrayLevelEmphasis", "SmallDependenceEmphasis", "SmallDependenceHighGrayLevelEmphasis",
      "SmallDependenceLowGrayLevelEmphasis"};
  return names;
}

namespace {

// out[x] += index[x] >= 0 (the neighbour is in the ROI) and
// |g[x] - h[x]| <= alpha, for x < n: h and index are the neighbour's at one
// offset (alpha >= -1; levels below 2^31, so differences fit in int32). One
// call per span and offset: a loop over the offsets around this one is what
// GCC's unroll-and-jam turned into a scalar loop.
SCOPEMIA_SIMD_CLONES
void add_dependences(const int32_t* __restrict g, const int32_t* __restrict h, const int32_t* __restrict index,
                     int32_t alpha, int32_t* __restrict out, int64_t n) {
  for (int64_t x = 0; x < n; ++x) {
    const int32_t diff = g[x] - h[x];
    const int32_t magnitude = diff < 0 ? -diff : diff;
    out[x] += int32_t(index[x] >= 0) & int32_t(magnitude <= alpha);
  }
}

}  // namespace

GldmMatrix compute_gldm_matrix(const DiscretizedRoi& roi, const GldmSettings& settings) {
  GrayLevels own_levels;
  const GrayLevels& gl = roi_gray_levels(roi, own_levels);
  const std::vector<Angle> angles = texture_angles(roi.size, settings.distances, true,
                                                   force2d_axis(settings.force2d, settings.force2d_dimension));
  const int ng = static_cast<int>(gl.levels.size());
  const int ncols = static_cast<int>(angles.size()) + 1;  // 0..Na dependent neighbours
  std::vector<double> full(static_cast<size_t>(ng) * ncols, 0.0);
  NeighbourhoodGrid neighbourhood;
  neighbourhood_grid(roi, gl, angles, neighbourhood);
  const LocalGrid& grid = *neighbourhood.grid;
  const std::vector<int64_t>& deltas = neighbourhood.deltas;
  // |g - h| <= alpha between integers is |g - h| <= floor(alpha).
  const int32_t alpha = settings.alpha < 0 ? -1
                        : settings.alpha >= double(INT32_MAX) ? INT32_MAX
                                                              : static_cast<int32_t>(std::floor(settings.alpha));
  std::vector<int32_t> dependence(grid.index.size(), 0);
  for (const Span& span : interior_spans(grid))
    for (const int64_t d : deltas)
      add_dependences(grid.level.data() + span.start, grid.level.data() + span.start + d,
                      grid.index.data() + span.start + d, alpha, dependence.data() + span.start, span.length);
  for_each_roi_voxel(grid, [&](int64_t v, int32_t i) { full[static_cast<size_t>(i) * ncols + dependence[v]] += 1.0; });
  GldmMatrix m;
  m.gray_levels = gl.levels;
  m.ng = ng;
  std::vector<int> kept;
  for (int d = 0; d < ncols; ++d) {
    double sum = 0;
    for (int i = 0; i < ng; ++i) sum += full[static_cast<size_t>(i) * ncols + d];
    if (sum != 0) kept.push_back(d);
  }
  m.nd = static_cast<int>(kept.size());
  for (int d : kept) m.dependences.push_back(d + 1);
  m.p.assign(static_cast<size_t>(ng) * m.nd, 0.0);
  for (int i = 0; i < ng; ++i)
    for (int j = 0; j < m.nd; ++j) m.p[static_cast<size_t>(i) * m.nd + j] = full[static_cast<size_t>(i) * ncols + kept[j]];
  return m;
}

FeatureList gldm_features(const GldmMatrix& m) {
  std::vector<double> pg(m.ng, 0.0), pd(m.nd, 0.0);
  double nz = 0;
  for (int i = 0; i < m.ng; ++i)
    for (int j = 0; j < m.nd; ++j) {
      const double v = m.at(i, j);
      pg[i] += v;
      pd[j] += v;
      nz += v;
    }
  CellLog2 cell_log2;
  double de = 0, sdlgle = 0, sdhgle = 0, ldlgle = 0, ldhgle = 0;
  for (int i = 0; i < m.ng; ++i) {
    const double gi2 = double(m.gray_levels[i]) * m.gray_levels[i];
    for (int j = 0; j < m.nd; ++j) {
      const double v = m.at(i, j);
      const double dj2 = double(m.dependences[j]) * m.dependences[j];
      const double pn = v / nz;
      de -= pn * cell_log2(pn);
      sdlgle += v / (gi2 * dj2);
      sdhgle += v * gi2 / dj2;
      ldlgle += v * dj2 / gi2;
      ldhgle += v * gi2 * dj2;
    }
  }
  double gln = 0, lgle = 0, hgle = 0, ui = 0;
  for (int i = 0; i < m.ng; ++i) {
    const double gi = m.gray_levels[i];
    gln += pg[i] * pg[i];
    lgle += pg[i] / (gi * gi);
    hgle += pg[i] * gi * gi;
    ui += pg[i] / nz * gi;
  }
  double glv = 0;
  for (int i = 0; i < m.ng; ++i) {
    const double gi = m.gray_levels[i];
    glv += pg[i] / nz * (gi - ui) * (gi - ui);
  }
  double dn = 0, sde = 0, lde = 0, uj = 0;
  for (int j = 0; j < m.nd; ++j) {
    const double dj = m.dependences[j];
    dn += pd[j] * pd[j];
    sde += pd[j] / (dj * dj);
    lde += pd[j] * dj * dj;
    uj += pd[j] / nz * dj;
  }
  double dv = 0;
  for (int j = 0; j < m.nd; ++j) {
    const double dj = m.dependences[j];
    dv += pd[j] / nz * (dj - uj) * (dj - uj);
  }
  const double values[] = {de,         dn / nz,     dn / (nz * nz), dv,          gln / nz,
                           glv,        hgle / nz,   lde / nz,       ldhgle / nz, ldlgle / nz,
                           lgle / nz,  sde / nz,    sdhgle / nz,    sdlgle / nz};
  return named_values(gldm_feature_names(), values);
}

FeatureList gldm_features(const DiscretizedRoi& roi, const GldmSettings& settings) {
  return gldm_features(compute_gldm_matrix(roi, settings));
}

}  // namespace scopemia::radiomics
