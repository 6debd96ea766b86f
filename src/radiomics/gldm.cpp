#include "radiomics/gldm.h"

#include <algorithm>
#include <cmath>
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
  const int32_t* index = grid.index.data();
  const std::vector<int>& levels = gl.levels;
  for_each_roi_voxel(grid, [&](int64_t v, int32_t i) {
    const int g = levels[i];
    int dep = 0;
    for (int64_t d : deltas) {
      const int32_t j = index[v + d];
      if (j >= 0 && std::abs(g - levels[j]) <= settings.alpha) ++dep;
    }
    full[static_cast<size_t>(i) * ncols + dep] += 1.0;
  });
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
  const double eps = kTextureEps;
  std::vector<double> pg(m.ng, 0.0), pd(m.nd, 0.0);
  double nz = 0;
  for (int i = 0; i < m.ng; ++i)
    for (int j = 0; j < m.nd; ++j) {
      const double v = m.at(i, j);
      pg[i] += v;
      pd[j] += v;
      nz += v;
    }
  double de = 0, sdlgle = 0, sdhgle = 0, ldlgle = 0, ldhgle = 0;
  for (int i = 0; i < m.ng; ++i) {
    const double gi2 = double(m.gray_levels[i]) * m.gray_levels[i];
    for (int j = 0; j < m.nd; ++j) {
      const double v = m.at(i, j);
      const double dj2 = double(m.dependences[j]) * m.dependences[j];
      const double pn = v / nz;
      de -= pn * std::log2(pn + eps);
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
