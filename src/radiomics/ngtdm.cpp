#include "radiomics/ngtdm.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>

namespace scopemia::radiomics {

const std::vector<std::string>& ngtdm_feature_names() {
  static const std::vector<std::string> names = {"Busyness", "Coarseness", "Complexity", "Contrast", "Strength"};
  return names;
}

namespace {

// count[x] += index[x] >= 0 (in the ROI), sum[x] += level[x] (0 outside the
// ROI) for x < n: the neighbours at one offset. Integer sums, exact in any
// order (Sum is int32 where the largest sum fits: int64 sums cost 1.5 % of a
// LIDC case's instructions more; else int64). One call per span and offset,
// as gldm.cpp's add_dependences.
template <typename Sum>
SCOPEMIA_SIMD_CLONES void add_neighbours(const int32_t* __restrict level, const int32_t* __restrict index,
                                         int32_t* __restrict count, Sum* __restrict sum, int64_t n) {
  for (int64_t x = 0; x < n; ++x) {
    count[x] += index[x] >= 0;
    sum[x] += level[x];
  }
}

}  // namespace

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
  const std::vector<int>& levels = gl.levels;
  const std::vector<Span> spans = interior_spans(grid);
  std::vector<int32_t> count(grid.index.size(), 0);
  const auto accumulate = [&](auto* sum) {
    for (const Span& span : spans)
      for (const int64_t d : deltas)
        add_neighbours(grid.level.data() + span.start + d, grid.index.data() + span.start + d,
                       count.data() + span.start, sum + span.start, span.length);
    for_each_roi_voxel(grid, [&](int64_t v, int32_t i) {
      n[i] += 1.0;
      // A voxel without ROI neighbours counts with difference 0 (PyRadiomics 3.1).
      if (count[v] > 0) s[i] += std::abs(static_cast<double>(levels[i]) - double(sum[v]) / count[v]);
    });
  };
  if (double(gl.max_level) * double(deltas.size()) < double(INT32_MAX)) {
    std::vector<int32_t> sum(grid.index.size(), 0);
    accumulate(sum.data());
  } else {
    std::vector<int64_t> sum(grid.index.size(), 0);
    accumulate(sum.data());
  }
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
