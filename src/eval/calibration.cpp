#include "eval/calibration.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

namespace scopemia::eval {
namespace {

double logit(double p) {
  p = std::clamp(p, 1e-12, 1 - 1e-12);
  return std::log(p / (1 - p));
}

double sigmoid(double z) { return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z)); }

// Newton-Raphson for y ~ a + b*x (+ offset) by maximum likelihood; with
// `fixed_slope` only a is fitted and b*x is an offset. Returns false when it
// does not converge (separation, a single class).
bool fit_logistic(const std::vector<int>& y, const std::vector<double>& x, bool fixed_slope, double* a, double* b) {
  double ia = 0, ib = fixed_slope ? 1 : 0;
  for (int iter = 0; iter < 100; ++iter) {
    double g0 = 0, g1 = 0, h00 = 0, h01 = 0, h11 = 0;
    for (size_t i = 0; i < y.size(); ++i) {
      const double mu = sigmoid(ia + ib * x[i]);
      const double w = mu * (1 - mu);
      g0 += y[i] - mu;
      g1 += (y[i] - mu) * x[i];
      h00 += w;
      h01 += w * x[i];
      h11 += w * x[i] * x[i];
    }
    double da, db = 0;
    if (fixed_slope) {
      if (h00 <= 0) return false;
      da = g0 / h00;
    } else {
      const double det = h00 * h11 - h01 * h01;
      if (!(std::abs(det) > 1e-300)) return false;
      da = (h11 * g0 - h01 * g1) / det;
      db = (h00 * g1 - h01 * g0) / det;
    }
    ia += da;
    ib += db;
    if (!std::isfinite(ia) || !std::isfinite(ib) || std::abs(ia) > 1e6 || std::abs(ib) > 1e6) return false;
    if (std::abs(da) < 1e-13 * (1 + std::abs(ia)) && std::abs(db) < 1e-13 * (1 + std::abs(ib))) {
      *a = ia;
      *b = ib;
      return true;
    }
  }
  return false;
}

OperatingPoint at_threshold(const std::vector<int>& y, const std::vector<double>& s, double threshold,
                            const std::string& rule) {
  OperatingPoint o;
  o.rule = rule;
  o.threshold = threshold;
  for (size_t i = 0; i < y.size(); ++i) {
    const bool positive = s[i] >= threshold;
    if (y[i]) (positive ? o.tp : o.fn)++;
    else (positive ? o.fp : o.tn)++;
  }
  auto ratio = [](int a, int b) { return a + b > 0 ? double(a) / (a + b) : NAN; };
  o.sensitivity = ratio(o.tp, o.fn);
  o.specificity = ratio(o.tn, o.fp);
  o.ppv = ratio(o.tp, o.fp);
  o.npv = ratio(o.tn, o.fn);
  return o;
}

// Distinct score values, largest first: every threshold worth trying.
std::vector<double> thresholds(const std::vector<double>& s) {
  std::vector<double> t(s.begin(), s.end());
  std::sort(t.begin(), t.end(), std::greater<>());
  t.erase(std::unique(t.begin(), t.end()), t.end());
  return t;
}

}  // namespace

Calibration calibration(const std::vector<int>& y, const std::vector<double>& p, int bins) {
  Calibration c;
  const size_t n = y.size();
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += (p[i] - y[i]) * (p[i] - y[i]);
  c.brier = n ? sum / n : NAN;
  std::vector<double> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = logit(p[i]);
  double a, b;
  if (fit_logistic(y, x, false, &a, &b)) {
    c.intercept = a;
    c.slope = b;
  } else {
    c.intercept = c.slope = NAN;
  }
  c.intercept_in_the_large = fit_logistic(y, x, true, &a, &b) ? a : NAN;

  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t i, size_t j) { return p[i] < p[j]; });
  const int k = std::max(1, std::min<int>(bins, static_cast<int>(n)));
  for (int b_ = 0; b_ < k; ++b_) {
    const size_t lo = n * b_ / k, hi = n * (b_ + 1) / k;
    if (hi <= lo) continue;
    ReliabilityBin bin;
    bin.n = static_cast<int>(hi - lo);
    for (size_t r = lo; r < hi; ++r) {
      bin.mean_predicted += p[order[r]];
      bin.observed += y[order[r]];
    }
    bin.mean_predicted /= bin.n;
    bin.observed /= bin.n;
    c.bins.push_back(bin);
  }
  return c;
}

OperatingPoint youden_point(const std::vector<int>& y, const std::vector<double>& score) {
  OperatingPoint best;
  double best_j = -2;
  for (double t : thresholds(score)) {
    const OperatingPoint o = at_threshold(y, score, t, "Youden");
    const double j = o.sensitivity + o.specificity - 1;
    if (j > best_j) {
      best_j = j;
      best = o;
    }
  }
  return best;
}

OperatingPoint point_at_sensitivity(const std::vector<int>& y, const std::vector<double>& score, double sensitivity) {
  const std::string rule = fmt::format("sensitivity >= {:.2f}", sensitivity);
  OperatingPoint last;
  for (double t : thresholds(score)) {
    last = at_threshold(y, score, t, rule);
    if (last.sensitivity >= sensitivity - 1e-12) return last;
  }
  return last;
}

}  // namespace scopemia::eval
