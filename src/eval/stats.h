#pragma once
// Uncertainty of AUCs: DeLong's covariance (paired, on the same cases) and
// the percentile bootstrap.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <Eigen/Dense>

namespace scopemia::eval {

// DeLong, DeLong & Clarke-Pearson (1988), computed with the O(n log n)
// midrank algorithm of Sun & Xu (2014). scores[k][i] is modality k's score
// of case i; truth[i] is 1 for a positive case.
struct DeLongResult {
  std::vector<double> auc;  // one per modality
  Eigen::MatrixXd cov;      // covariance matrix of the AUC estimates
};
DeLongResult delong(const std::vector<int>& truth, const std::vector<std::vector<double>>& scores);

// Paired test of AUC_a == AUC_b on the same cases.
struct DeLongTest {
  double auc_a = 0, auc_b = 0;
  double diff = 0, se = 0, z = 0, p = 1;
  double ci_low = 0, ci_high = 0;  // 95 % CI of the difference (normal approximation)
};
DeLongTest delong_test(const std::vector<int>& truth, const std::vector<double>& a, const std::vector<double>& b);

// 95 % CI of a single AUC from DeLong's variance (normal approximation, clipped to [0,1]).
void delong_ci(const std::vector<int>& truth, const std::vector<double>& score, double* low, double* high);

// Percentile bootstrap of AUC(a), AUC(b) and AUC(a) - AUC(b) on the same
// resamples. Cases are resampled with replacement; when `groups` is not
// empty whole groups (patients) are resampled instead (cluster bootstrap).
// Resamples lacking a class are redrawn. Deterministic for a seed.
struct BootstrapResult {
  double auc_a_low = 0, auc_a_high = 0;
  double auc_b_low = 0, auc_b_high = 0;
  double diff_low = 0, diff_high = 0;
  double p_two_sided = 1;  // 2 * (min(#diff <= 0, #diff >= 0) + 1) / (resamples + 1), capped at 1
  int resamples = 0;
};
BootstrapResult bootstrap_auc(const std::vector<int>& truth, const std::vector<double>& a,
                              const std::vector<double>& b, const std::vector<std::string>& groups,
                              int resamples, uint64_t seed);

// The same percentile bootstrap for any paired statistic: metric_a/metric_b
// get the resampled case indices and return the statistic (NaN = redraw).
BootstrapResult bootstrap_paired(size_t n, const std::vector<std::string>& groups, int resamples, uint64_t seed,
                                 const std::function<double(const std::vector<size_t>&)>& metric_a,
                                 const std::function<double(const std::vector<size_t>&)>& metric_b);

// Holm's step-down adjustment of p-values (family-wise error rate): the
// k-th smallest p times (m - k + 1), made monotone, capped at 1; NaN stays NaN.
std::vector<double> holm_adjust(const std::vector<double>& p);

// Standard normal CDF.
double normal_cdf(double z);
// The q-quantile (0..1) of values, linear interpolation as numpy's default.
double quantile(std::vector<double> values, double q);

}  // namespace scopemia::eval
