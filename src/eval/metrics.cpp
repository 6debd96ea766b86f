#include "eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace scopemia::eval {

std::vector<double> midranks(const std::vector<double>& x) {
  const size_t n = x.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
  std::vector<double> rank(n);
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j + 1 < n && x[order[j + 1]] == x[order[i]]) ++j;
    const double r = 0.5 * (static_cast<double>(i) + static_cast<double>(j)) + 1.0;
    for (size_t k = i; k <= j; ++k) rank[order[k]] = r;
    i = j + 1;
  }
  return rank;
}

double roc_auc(const std::vector<int>& truth, const std::vector<double>& score) {
  if (truth.size() != score.size()) throw std::invalid_argument("roc_auc: size mismatch");
  const std::vector<double> r = midranks(score);
  double n_pos = 0, n_neg = 0, rank_sum = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    if (truth[i] == 1) {
      ++n_pos;
      rank_sum += r[i];
    } else {
      ++n_neg;
    }
  }
  if (n_pos == 0 || n_neg == 0) return std::numeric_limits<double>::quiet_NaN();
  return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg);
}

RocCurve roc_curve(const std::vector<int>& truth, const std::vector<double>& score) {
  std::vector<size_t> order(truth.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] > score[b]; });
  double P = 0, N = 0;
  for (int t : truth) (t == 1 ? P : N) += 1;
  RocCurve c;
  c.fpr.push_back(0);
  c.tpr.push_back(0);
  double tp = 0, fp = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    (truth[order[i]] == 1 ? tp : fp) += 1;
    if (i + 1 == order.size() || score[order[i + 1]] != score[order[i]]) {
      c.fpr.push_back(N > 0 ? fp / N : 0);
      c.tpr.push_back(P > 0 ? tp / P : 0);
    }
  }
  return c;
}

double roc_auc_macro(const std::vector<int>& labels, const Eigen::MatrixXd& proba) {
  double sum = 0;
  int used = 0;
  for (int k = 0; k < proba.cols(); ++k) {
    std::vector<int> t(labels.size());
    std::vector<double> s(labels.size());
    for (size_t i = 0; i < labels.size(); ++i) {
      t[i] = labels[i] == k;
      s[i] = proba(static_cast<Eigen::Index>(i), k);
    }
    const double a = roc_auc(t, s);
    if (!std::isnan(a)) {
      sum += a;
      ++used;
    }
  }
  return used ? sum / used : std::numeric_limits<double>::quiet_NaN();
}

double roc_auc_micro(const std::vector<int>& labels, const Eigen::MatrixXd& proba) {
  std::vector<int> t;
  std::vector<double> s;
  for (size_t i = 0; i < labels.size(); ++i)
    for (int k = 0; k < proba.cols(); ++k) {
      t.push_back(labels[i] == k);
      s.push_back(proba(static_cast<Eigen::Index>(i), k));
    }
  return roc_auc(t, s);
}

double r2_score(const std::vector<double>& truth, const std::vector<double>& pred) {
  if (truth.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double mean = std::accumulate(truth.begin(), truth.end(), 0.0) / truth.size();
  double ss_res = 0, ss_tot = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    ss_res += (truth[i] - pred[i]) * (truth[i] - pred[i]);
    ss_tot += (truth[i] - mean) * (truth[i] - mean);
  }
  if (ss_tot == 0) return std::numeric_limits<double>::quiet_NaN();
  return 1.0 - ss_res / ss_tot;
}

double accuracy(const std::vector<int>& labels, const Eigen::MatrixXd& proba) {
  if (labels.empty()) return std::numeric_limits<double>::quiet_NaN();
  int correct = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    Eigen::Index k;
    proba.row(static_cast<Eigen::Index>(i)).maxCoeff(&k);
    correct += k == labels[i];
  }
  return static_cast<double>(correct) / labels.size();
}

}  // namespace scopemia::eval
