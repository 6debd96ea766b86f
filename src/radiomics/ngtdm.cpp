#include "radiomics/ngtdm.h"

#include <algorithm>
#include <cmath>

namespace scopemia::radiomics {

const std::vector<std::string>& ngtdm_feature_names() {
  static const std::vector<std::string> names = {"Busyness", "Coarseness", "Complexity", "Contrast", "Strength"};
  return names;
}

NgtdmMatrix compute_ngtdm_matrix(const DiscretizedRoi& roi, const NgtdmSettings& settings) {
  GrayLevels own_levels;
  const GrayLevels& gl = roi_gray_levels(roi, own_levels);
  const std::vector<Angle> angles = texture_angles(roi.size, settings.distances, true,
                                                   force2d_axis(settings.force2d, settings.force2d_dimension));
  const int ng = static_cast<int>(gl.levels.size());
  std::vector<double> n(ng, 0.0), s(ng, 0.0);
  NeighbourhoodGrid neighbourhood;
  neighbourhood_grid(roi, gl, angles, neighbourhood);
  const LocalGrid& grid = *neighbourhood.grid;
  const std::vector<int64_t>& deltas = neighbourhood.deltas;
  const int32_t* index = grid.index.data();
  const std::vector<int>& levels = gl.levels;
  for_each_roi_voxel(grid, [&](int64_t v, int32_t i) {
    int count = 0;
    double sum = 0;
    for (int64_t d : deltas) {
      const int32_t j = index[v + d];
      if (j < 0) continue;
      ++count;
      sum += levels[j];
    }
    n[i] += 1.0;
    // A voxel without ROI neighbours counts with difference 0 (PyRadiomics 3.1).
    if (count > 0) s[i] += std::abs(static_cast<double>(levels[i]) - sum / count);
  });
  NgtdmMatrix m;
  for (int i = 0; i < ng; ++i) {
    if (n[i] == 0) continue;
    m.n.push_back(n[i]);
    m.s.push_back(s[i]);
    m.level.push_back(gl.levels[i]);
  }
  m.ng = static_cast<int>(m.n.size());
  return m;
}

FeatureList ngtdm_features(const NgtdmMatrix& m) {
  const int ng = m.ng;
  double nvp = 0;
  for (double v : m.n) nvp += v;
  std::vector<double> p(ng);
  for (int i = 0; i < ng; ++i) p[i] = m.n[i] / nvp;
  double sum_ps = 0, sum_s = 0;
  for (int i = 0; i < ng; ++i) {
    sum_ps += p[i] * m.s[i];
    sum_s += m.s[i];
  }
  const double coarseness = sum_ps != 0 ? 1.0 / sum_ps : 1e6;

  double contrast_sum = 0, absdiff = 0, complexity = 0, strength = 0;
  for (int i = 0; i < ng; ++i)
    for (int j = 0; j < ng; ++j) {
      const double d = m.level[i] - m.level[j];
      contrast_sum += p[i] * p[j] * d * d;
      absdiff += std::abs(m.level[i] * p[i] - m.level[j] * p[j]);
      double divisor = p[i] + p[j];
      if (divisor == 0) divisor = 1;
      complexity += std::abs(d) * (p[i] * m.s[i] + p[j] * m.s[j]) / divisor;
      strength += (p[i] + p[j]) * d * d;
    }
  const double ngp = ng;
  const double div = ngp * (ngp - 1);
  const double contrast = div != 0 ? contrast_sum * sum_s / nvp / div : 0.0;
  const double busyness = absdiff != 0 ? sum_ps / absdiff : 0.0;
  complexity /= nvp;
  strength = sum_s != 0 ? strength / sum_s : 0.0;
  const double values[] = {busyness, coarseness, complexity, contrast, strength};
  return named_values(ngtdm_feature_names(), values);
}

FeatureList ngtdm_features(const DiscretizedRoi& roi, const NgtdmSettings& settings) {
  return ngtdm_features(compute_ngtdm_matrix(roi, settings));
}

}  // namespace scopemia::radiomics
