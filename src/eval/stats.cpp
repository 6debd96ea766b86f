#include "eval/stats.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "core/random.h"
#include "eval/metrics.h"

namespace scopemia::eval {

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const double pos = q * (v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - lo) * (v[hi] - v[lo]);
}

DeLongResult delong(const std::vector<int>& truth, const std::vector<std::vector<double>>& scores) {
  std::vector<size_t> pos, neg;
  for (size_t i = 0; i < truth.size(); ++i) (truth[i] == 1 ? pos : neg).push_back(i);
  const size_t m = pos.size(), n = neg.size(), K = scores.size();
  if (m < 2 || n < 2) throw std::invalid_argument("DeLong needs at least two positive and two negative cases");
  Eigen::MatrixXd v10(K, m), v01(K, n);
  DeLongResult r;
  r.auc.resize(K);
  for (size_t k = 0; k < K; ++k) {
    const auto& s = scores[k];
    if (s.size() != truth.size()) throw std::invalid_argument("DeLong: size mismatch");
    std::vector<double> x(m), y(n);
    for (size_t i = 0; i < m; ++i) x[i] = s[pos[i]];
    for (size_t j = 0; j < n; ++j) y[j] = s[neg[j]];
    std::vector<double> z(x);
    z.insert(z.end(), y.begin(), y.end());
    const auto tx = midranks(x), ty = midranks(y), tz = midranks(z);
    double sum = 0;
    for (size_t i = 0; i < m; ++i) {
      // Negatives below positive i, ties counting one half.
      v10(k, i) = (tz[i] - tx[i]) / n;
      sum += tz[i];
    }
    // Positives above negative j, ties counting one half.
    for (size_t j = 0; j < n; ++j) v01(k, j) = 1.0 - (tz[m + j] - ty[j]) / m;
    r.auc[k] = (sum - m * (m + 1.0) / 2.0) / (static_cast<double>(m) * n);
  }
  auto cov = [](const Eigen::MatrixXd& v) {
    Eigen::MatrixXd c = v.colwise() - v.rowwise().mean();
    return Eigen::MatrixXd(c * c.transpose() / (v.cols() - 1.0));
  };
  r.cov = cov(v10) / static_cast<double>(m) + cov(v01) / static_cast<double>(n);
  return r;
}

DeLongTest delong_test(const std::vector<int>& truth, const std::vector<double>& a, const std::vector<double>& b) {
  const DeLongResult r = delong(truth, {a, b});
  DeLongTest t;
  t.auc_a = r.auc[0];
  t.auc_b = r.auc[1];
  t.diff = t.auc_a - t.auc_b;
  const double var = r.cov(0, 0) + r.cov(1, 1) - 2 * r.cov(0, 1);
  t.se = std::sqrt(std::max(var, 0.0));
  if (t.se > 0) {
    t.z = t.diff / t.se;
    t.p = 2 * (1 - normal_cdf(std::fabs(t.z)));
  } else {
    t.z = 0;
    t.p = t.diff == 0 ? 1.0 : 0.0;
  }
  t.ci_low = t.diff - 1.959963984540054 * t.se;
  t.ci_high = t.diff + 1.959963984540054 * t.se;
  return t;
}

void delong_ci(const std::vector<int>& truth, const std::vector<double>& score, double* low, double* high) {
  const DeLongResult r = delong(truth, {score});
  const double se = std::sqrt(std::max(r.cov(0, 0), 0.0));
  *low = std::max(0.0, r.auc[0] - 1.959963984540054 * se);
  *high = std::min(1.0, r.auc[0] + 1.959963984540054 * se);
}

BootstrapResult bootstrap_paired(size_t N, const std::vector<std::string>& groups, int resamples, uint64_t seed,
                                 const std::function<double(const std::vector<size_t>&)>& metric_a,
                                 const std::function<double(const std::vector<size_t>&)>& metric_b) {
  // Units to resample: single cases, or all cases of a group.
  std::vector<std::vector<size_t>> units;
  if (groups.empty()) {
    for (size_t i = 0; i < N; ++i) units.push_back({i});
  } else {
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < N; ++i) {
      auto it = index.find(groups[i]);
      if (it == index.end()) {
        index.emplace(groups[i], units.size());
        units.push_back({i});
      } else {
        units[it->second].push_back(i);
      }
    }
  }
  Random rng(seed, 0xB007);
  std::vector<double> va, vb, diff;
  std::vector<size_t> idx;
  int attempts = 0;
  while (static_cast<int>(diff.size()) < resamples && attempts < resamples * 20) {
    ++attempts;
    idx.clear();
    for (size_t u = 0; u < units.size(); ++u) {
      const auto& unit = units[static_cast<size_t>(rng.uniform() * units.size()) % units.size()];
      idx.insert(idx.end(), unit.begin(), unit.end());
    }
    const double x = metric_a(idx), y = metric_b(idx);
    if (std::isnan(x) || std::isnan(y)) continue;
    va.push_back(x);
    vb.push_back(y);
    diff.push_back(x - y);
  }
  BootstrapResult r;
  r.resamples = static_cast<int>(diff.size());
  if (diff.empty()) return r;
  r.auc_a_low = quantile(va, 0.025);
  r.auc_a_high = quantile(va, 0.975);
  r.auc_b_low = quantile(vb, 0.025);
  r.auc_b_high = quantile(vb, 0.975);
  r.diff_low = quantile(diff, 0.025);
  r.diff_high = quantile(diff, 0.975);
  double le = 0, ge = 0;
  for (double d : diff) {
    le += d <= 0;
    ge += d >= 0;
  }
  // (count + 1) / (B + 1): a p-value never below the resolution of B resamples.
  r.p_two_sided = std::min(1.0, 2 * (std::min(le, ge) + 1) / (diff.size() + 1.0));
  return r;
}

BootstrapResult bootstrap_auc(const std::vector<int>& truth, const std::vector<double>& a,
                              const std::vector<double>& b, const std::vector<std::string>& groups,
                              int resamples, uint64_t seed) {
  auto auc_of = [&](const std::vector<double>& s) {
    return [&truth, &s](const std::vector<size_t>& idx) {
      std::vector<int> t(idx.size());
      std::vector<double> v(idx.size());
      for (size_t k = 0; k < idx.size(); ++k) {
        t[k] = truth[idx[k]];
        v[k] = s[idx[k]];
      }
      return roc_auc(t, v);
    };
  };
  return bootstrap_paired(truth.size(), groups, resamples, seed, auc_of(a), auc_of(b.empty() ? a : b));
}

std::vector<double> holm_adjust(const std::vector<double>& p) {
  std::vector<size_t> order;
  for (size_t i = 0; i < p.size(); ++i)
    if (!std::isnan(p[i])) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
  std::vector<double> out(p.size(), std::nan(""));
  const size_t m = order.size();
  double running = 0;
  for (size_t k = 0; k < m; ++k) {
    running = std::max(running, std::min(1.0, p[order[k]] * double(m - k)));
    out[order[k]] = running;
  }
  return out;
}

}  // namespace scopemia::eval
