#include "radiomics/glszm.h"

#include <algorithm>
#include <cmath>

namespace scopemia::radiomics {

const std::vector<std::string>& glszm_feature_names() {
  static const std::vector<std::string> names = {
      "GrayLevelNonUniformity", "GrayLevelNonUniformityNormalized", "GrayLevelVariance",
      "HighGrayLevelZoneEmphasis", "LargeAreaEmphasis", "LargeAreaHighGrayLevelEmphasis",
      "LargeAreaLowGrayLevelEmphasis", "LowGrayLevelZoneEmphasis", "SizeZoneNonUniformity",
      "SizeZoneNonUniformityNormalized", "SmallAreaEmphasis", "SmallAreaHighGrayLevelEmphasis",
      "SmallAreaLowGrayLevelEmphasis", "ZoneEntropy", "ZonePercentage", "ZoneVariance"};
  return names;
}

GlszmMatrix compute_glszm_matrix(const DiscretizedRoi& roi, const GlszmSettings& settings) {
  GrayLevels own_levels;
  const GrayLevels& gl = roi_gray_levels(roi, own_levels);
  const std::vector<Angle> angles =
      texture_angles(roi.size, {1}, true, force2d_axis(settings.force2d, settings.force2d_dimension));
  const int ng = static_cast<int>(gl.levels.size());

  // Flood fill every zone once on a copy of the ROI with a one-voxel border
  // (visited voxels are set to -1); (level index, size) per zone.
  LocalGrid own_grid;
  const LocalGrid& grid = roi_local_grid(roi, gl, 1, own_grid);
  std::vector<int64_t> deltas;
  for (const Angle& a : angles) deltas.push_back(grid.delta(a[2], a[1], a[0]));
  std::vector<int32_t> fill = grid.index;  // a copy of the indices only: the fill overwrites it
  int32_t* index = fill.data();
  std::vector<int64_t> stack;
  stack.reserve(static_cast<size_t>(gl.voxel_count));
  std::vector<std::pair<int, int64_t>> zones;
  int64_t max_size = 0;
  const int64_t n = static_cast<int64_t>(fill.size());
  for (int64_t i = 0; i < n; ++i) {
    const int32_t g = index[i];
    if (g < 0) continue;
    int64_t size = 0;
    index[i] = -1;
    stack.push_back(i);
    while (!stack.empty()) {
      const int64_t k = stack.back();
      stack.pop_back();
      ++size;
      for (int64_t d : deltas) {
        const int64_t j = k + d;
        if (index[j] == g) {
          index[j] = -1;
          stack.push_back(j);
        }
      }
    }
    zones.emplace_back(g, size);
    max_size = std::max(max_size, size);
  }

  // Columns: the zone sizes that occur, ascending (an ng x largest-zone
  // table would be mostly empty: one large zone makes it wide).
  GlszmMatrix m;
  m.gray_levels = gl.levels;
  m.ng = ng;
  std::vector<int> column(static_cast<size_t>(max_size) + 1, -1);  // by zone size
  for (const auto& zone : zones) column[static_cast<size_t>(zone.second)] = 0;
  for (int64_t size = 1; size <= max_size; ++size)
    if (column[static_cast<size_t>(size)] == 0) {
      column[static_cast<size_t>(size)] = m.ns++;
      m.zone_sizes.push_back(static_cast<int>(size));
    }
  m.p.assign(static_cast<size_t>(ng) * m.ns, 0.0);
  for (const auto& [gi, size] : zones) m.p[static_cast<size_t>(gi) * m.ns + column[static_cast<size_t>(size)]] += 1.0;
  return m;
}

FeatureList glszm_features(const GlszmMatrix& m) {
  std::vector<double> pg(m.ng, 0.0), ps(m.ns, 0.0);
  double nz = 0;
  for (int i = 0; i < m.ng; ++i)
    for (int j = 0; j < m.ns; ++j) {
      const double v = m.at(i, j);
      pg[i] += v;
      ps[j] += v;
      nz += v;
    }
  if (nz == 0) nz = 1;  // PyRadiomics: Nz[Nz == 0] = 1
  double np = 0;
  for (int j = 0; j < m.ns; ++j) np += ps[j] * m.zone_sizes[j];
  if (np == 0) np = 1;

  CellLog2 cell_log2;
  double ze = 0, salgle = 0, sahgle = 0, lalgle = 0, lahgle = 0;
  for (int i = 0; i < m.ng; ++i) {
    const double gi2 = double(m.gray_levels[i]) * m.gray_levels[i];
    for (int j = 0; j < m.ns; ++j) {
      const double v = m.at(i, j);
      const double sj2 = double(m.zone_sizes[j]) * m.zone_sizes[j];
      const double pn = v / nz;
      ze -= pn * cell_log2(pn);
      salgle += v / (gi2 * sj2);
      sahgle += v * gi2 / sj2;
      lalgle += v * sj2 / gi2;
      lahgle += v * gi2 * sj2;
    }
  }
  double gln = 0, lglze = 0, hglze = 0, ui = 0;
  for (int i = 0; i < m.ng; ++i) {
    const double gi = m.gray_levels[i];
    gln += pg[i] * pg[i];
    lglze += pg[i] / (gi * gi);
    hglze += pg[i] * gi * gi;
    ui += pg[i] / nz * gi;
  }
  double glv = 0;
  for (int i = 0; i < m.ng; ++i) {
    const double gi = m.gray_levels[i];
    glv += pg[i] / nz * (gi - ui) * (gi - ui);
  }
  double szn = 0, sae = 0, lae = 0, uj = 0;
  for (int j = 0; j < m.ns; ++j) {
    const double sj = m.zone_sizes[j];
    szn += ps[j] * ps[j];
    sae += ps[j] / (sj * sj);
    lae += ps[j] * sj * sj;
    uj += ps[j] / nz * sj;
  }
  double zv = 0;
  for (int j = 0; j < m.ns; ++j) {
    const double sj = m.zone_sizes[j];
    zv += ps[j] / nz * (sj - uj) * (sj - uj);
  }
  const double values[] = {gln / nz,     gln / (nz * nz), glv,          hglze / nz, lae / nz,  lahgle / nz,
                           lalgle / nz,  lglze / nz,      szn / nz,     szn / (nz * nz), sae / nz, sahgle / nz,
                           salgle / nz,  ze,              nz / np,      zv};
  return named_values(glszm_feature_names(), values);
}

FeatureList glszm_features(const DiscretizedRoi& roi, const GlszmSettings& settings) {
  return glszm_features(compute_glszm_matrix(roi, settings));
}

}  // namespace scopemia::radiomics
