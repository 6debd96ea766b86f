#include "radiomics/firstorder.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "radiomics/preprocess.h"

namespace scopemia::radiomics {

double numpy_percentile(const std::vector<double>& sorted, double q) {
  const size_t n = sorted.size();
  if (n == 0) return NAN;
  const double virtual_index = double(n - 1) * (q / 100.0);
  double prev = std::floor(virtual_index);
  const double gamma = virtual_index - prev;
  size_t lo = size_t(std::max(0.0, std::min(prev, double(n - 1))));
  size_t hi = std::min(lo + 1, n - 1);
  const double a = sorted[lo], b = sorted[hi];
  const double diff = b - a;
  // numpy._lerp: from below for t < 0.5, from above for t >= 0.5
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

FeatureValues firstorder_values(const std::vector<double>& x, const std::vector<int32_t>& levels, const Vec3& spacing,
                                int voxel_array_shift) {
  const size_t n = x.size();
  const double nd = double(n);
  std::vector<double> tmp(n);

  const double mean = pairwise_sum(x.data(), n) / nd;
  double mn = INFINITY, mx = -INFINITY;
  for (double v : x) {
    mn = std::min(mn, v);
    mx = std::max(mx, v);
  }
  // Energy, RMS: sum of (x + c)^2
  for (size_t i = 0; i < n; ++i) {
    const double s = x[i] + double(voxel_array_shift);
    tmp[i] = s * s;
  }
  const double energy = pairwise_sum(tmp.data(), n);
  const double total_energy = energy * ((spacing[0] * spacing[1]) * spacing[2]);
  const double rms = n == 0 ? 0 : std::sqrt(energy / nd);
  // Central moments (numpy: mean of (x - mean)^k)
  for (size_t i = 0; i < n; ++i) tmp[i] = std::abs(x[i] - mean);
  const double mad = pairwise_sum(tmp.data(), n) / nd;
  for (size_t i = 0; i < n; ++i) {
    const double d = x[i] - mean;
    tmp[i] = d * d;
  }
  double m2 = pairwise_sum(tmp.data(), n) / nd;
  const double sd = std::sqrt(m2);
  const double variance = sd * sd;
  // numpy evaluates (x - mean)**3 and **4 with pow(); products differ from
  // it by an ulp or two per term (~1e-16 relative in the mean) and cost a
  // tenth of a pow call, which was 3.8 % of a LIDC case's instructions.
  for (size_t i = 0; i < n; ++i) {
    const double d = x[i] - mean;
    tmp[i] = d * d * d;
  }
  double m3 = pairwise_sum(tmp.data(), n) / nd;
  for (size_t i = 0; i < n; ++i) {
    const double d = x[i] - mean, d2 = d * d;
    tmp[i] = d2 * d2;
  }
  double m4 = pairwise_sum(tmp.data(), n) / nd;
  if (m2 == 0) {
    m2 = 1;
    m3 = 0;
    m4 = 0;
  }
  const double skewness = m3 / std::pow(m2, 1.5);
  const double kurtosis = m4 / (m2 * m2);

  // Histogram of the discretized levels (numpy.unique counts, ascending):
  // a counts vector over the level range, or a map where the levels are
  // sparse (binCount/binWidth far from the data).
  std::vector<int64_t> level_counts;
  int64_t level_lo = 0;
  bool dense_levels = false;
  if (!levels.empty()) {
    const auto [lo_it, hi_it] = std::minmax_element(levels.begin(), levels.end());
    level_lo = *lo_it;
    const int64_t range = int64_t(*hi_it) - level_lo + 1;
    dense_levels = range <= int64_t(4 * levels.size()) + 1024;
    if (dense_levels) {
      level_counts.assign(size_t(range), 0);
      for (int32_t l : levels) ++level_counts[size_t(l - level_lo)];
    }
  }

  // Only a few order statistics are read (the percentiles' neighbours and
  // the median). Binning is monotone, so the k-th smallest value lies in the
  // bin where the levels' cumulative count passes k: the values are placed
  // bin by bin (a counting sort by level), and each wanted index is then
  // found by nth_element inside its own bin only, in ascending index order
  // so that a search runs on what lies above the previous one. The values at
  // those indices are exactly those of a full sort.
  std::vector<double> sorted;
  std::vector<size_t> bin_start;  // sorted[bin_start[b] .. bin_start[b+1]) holds level level_lo + b
  if (n > 0 && dense_levels && levels.size() == n) {
    bin_start.assign(level_counts.size() + 1, 0);
    for (size_t b = 0; b < level_counts.size(); ++b) bin_start[b + 1] = bin_start[b] + size_t(level_counts[b]);
    std::vector<size_t> next(bin_start.begin(), bin_start.end() - 1);
    sorted.resize(n);
    for (size_t i = 0; i < n; ++i) sorted[next[size_t(levels[i] - level_lo)]++] = x[i];
  } else {
    sorted = x;
    bin_start = {0, n};  // one bin: the whole array
  }
  if (n > 0) {
    std::vector<size_t> wanted;
    for (double q : {10.0, 25.0, 75.0, 90.0}) {
      const double vi = std::floor(double(n - 1) * (q / 100.0));
      const size_t lo = size_t(std::max(0.0, std::min(vi, double(n - 1))));
      wanted.push_back(lo);
      wanted.push_back(std::min(lo + 1, n - 1));
    }
    wanted.push_back(n / 2);
    if (n % 2 == 0) wanted.push_back(n / 2 - 1);
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    size_t from = 0;
    for (size_t k : wanted) {
      const size_t b = size_t(std::upper_bound(bin_start.begin(), bin_start.end(), k) - bin_start.begin()) - 1;
      const size_t first = std::max(from, bin_start[b]);
      std::nth_element(sorted.begin() + std::ptrdiff_t(first), sorted.begin() + std::ptrdiff_t(k),
                       sorted.begin() + std::ptrdiff_t(bin_start[b + 1]));
      from = k + 1;
    }
  }
  const double p10 = numpy_percentile(sorted, 10), p90 = numpy_percentile(sorted, 90);
  const double p25 = numpy_percentile(sorted, 25), p75 = numpy_percentile(sorted, 75);
  const double median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;

  // Robust MAD: voxels inside [p10, p90]; numpy.nanmean sums the whole array
  // with the excluded voxels as 0.
  size_t kept = 0;
  for (size_t i = 0; i < n; ++i) {
    const bool in = !((x[i] - p10) < 0 || (x[i] - p90) > 0);
    tmp[i] = in ? x[i] : 0.0;
    kept += in;
  }
  const double robust_mean = pairwise_sum(tmp.data(), n) / double(kept);
  for (size_t i = 0; i < n; ++i) {
    const bool in = !((x[i] - p10) < 0 || (x[i] - p90) > 0);
    tmp[i] = in ? std::abs(x[i] - robust_mean) : 0.0;
  }
  const double rmad = pairwise_sum(tmp.data(), n) / double(kept);

  std::vector<double> p;
  if (dense_levels) {
    for (int64_t c : level_counts)
      if (c) p.push_back(double(c) / double(levels.size()));
  } else if (!levels.empty()) {
    std::map<int32_t, int64_t> counts;
    for (int32_t l : levels) ++counts[l];
    for (const auto& [level, c] : counts) p.push_back(double(c) / double(levels.size()));
  }
  const double eps = 2.220446049250313e-16;
  std::vector<double> e(p.size()), u(p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    e[i] = p[i] * std::log2(p[i] + eps);
    u[i] = p[i] * p[i];
  }
  const double entropy = -1.0 * pairwise_sum(e.data(), e.size());
  const double uniformity = pairwise_sum(u.data(), u.size());

  return {{"Energy", energy},
          {"TotalEnergy", total_energy},
          {"Entropy", entropy},
          {"Minimum", mn},
          {"10Percentile", p10},
          {"90Percentile", p90},
          {"Maximum", mx},
          {"Mean", mean},
          {"Median", median},
          {"InterquartileRange", p75 - p25},
          {"Range", mx - mn},
          {"MeanAbsoluteDeviation", mad},
          {"RobustMeanAbsoluteDeviation", rmad},
          {"RootMeanSquared", rms},
          {"StandardDeviation", sd},
          {"Skewness", skewness},
          {"Kurtosis", kurtosis},
          {"Variance", variance},
          {"Uniformity", uniformity}};
}

FeatureValues firstorder_features(const ClassInput& in) {
  std::vector<double> values;
  std::vector<int32_t> levels;
  const int64_t n = in.image->voxel_count();
  values.reserve(size_t(n));
  levels.reserve(size_t(n));
  for (int64_t i = 0; i < n; ++i)
    if ((*in.mask)[i]) {
      values.push_back((*in.image)[i]);
      levels.push_back(in.roi->level[size_t(i)]);
    }
  return firstorder_values(values, levels, in.image->geometry().spacing, in.settings->voxelArrayShift);
}

}  // namespace scopemia::radiomics
