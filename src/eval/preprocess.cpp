#include "eval/preprocess.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace scopemia::eval {

namespace {

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  const size_t h = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + h, v.end());
  const double hi = v[h];
  if (v.size() % 2) return hi;
  return 0.5 * (hi + *std::max_element(v.begin(), v.begin() + h));
}

}  // namespace

Eigen::VectorXd f_classif(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, int K) {
  const Eigen::Index n = X.rows(), p = X.cols();
  Eigen::VectorXd F = Eigen::VectorXd::Zero(p);
  if (K < 2 || n <= K) return F;
  const Eigen::RowVectorXd grand = X.colwise().mean();
  Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(K, p);
  Eigen::VectorXd counts = Eigen::VectorXd::Zero(K);
  for (Eigen::Index i = 0; i < n; ++i) {
    sums.row(static_cast<Eigen::Index>(y(i))) += X.row(i);
    counts(static_cast<Eigen::Index>(y(i))) += 1;
  }
  Eigen::RowVectorXd between = Eigen::RowVectorXd::Zero(p), within = Eigen::RowVectorXd::Zero(p);
  int present = 0;
  for (int k = 0; k < K; ++k) {
    if (counts(k) == 0) continue;
    ++present;
    const Eigen::RowVectorXd m = sums.row(k) / counts(k);
    between += counts(k) * (m - grand).array().square().matrix();
  }
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::Index k = static_cast<Eigen::Index>(y(i));
    within += (X.row(i) - sums.row(k) / counts(k)).array().square().matrix();
  }
  if (present < 2) return F;
  for (Eigen::Index j = 0; j < p; ++j)
    F(j) = within(j) > 0 ? (between(j) / (present - 1)) / (within(j) / (n - present)) : 0.0;
  return F;
}

Eigen::VectorXd f_regression(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) {
  const Eigen::Index n = X.rows(), p = X.cols();
  Eigen::VectorXd F = Eigen::VectorXd::Zero(p);
  if (n < 3) return F;
  const Eigen::VectorXd yc = y.array() - y.mean();
  const double syy = yc.squaredNorm();
  for (Eigen::Index j = 0; j < p; ++j) {
    const Eigen::VectorXd xc = X.col(j).array() - X.col(j).mean();
    const double sxx = xc.squaredNorm();
    if (sxx <= 0 || syy <= 0) continue;
    const double r = xc.dot(yc) / std::sqrt(sxx * syy);
    const double r2 = std::min(r * r, 1.0 - 1e-15);
    F(j) = r2 / (1 - r2) * (n - 2);
  }
  return F;
}

void Preprocessor::fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, int n_classes) {
  const Eigen::Index n = X.rows(), p = X.cols();
  median_.resize(p);
  for (Eigen::Index j = 0; j < p; ++j) {
    std::vector<double> v;
    v.reserve(static_cast<size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i)
      if (!std::isnan(X(i, j))) v.push_back(X(i, j));
    median_(j) = median_of(std::move(v));
  }
  Eigen::MatrixXd Z = X;
  for (Eigen::Index j = 0; j < p; ++j)
    for (Eigen::Index i = 0; i < n; ++i)
      if (std::isnan(Z(i, j))) Z(i, j) = median_(j);
  const Eigen::RowVectorXd mean = Z.colwise().mean();
  const Eigen::RowVectorXd var = (Z.rowwise() - mean).array().square().colwise().mean();
  std::vector<int> cols;
  for (Eigen::Index j = 0; j < p; ++j) {
    const double scale_ref = std::max(std::fabs(mean(j)), 1e-300);
    const bool constant = var(j) <= 1e-24 * scale_ref * scale_ref || var(j) == 0;
    if (constant) continue;
    if (options_.variance_threshold >= 0 && var(j) <= options_.variance_threshold) continue;
    cols.push_back(static_cast<int>(j));
  }
  // Standardised training data of the surviving columns.
  Eigen::MatrixXd S(n, static_cast<Eigen::Index>(cols.size()));
  for (size_t c = 0; c < cols.size(); ++c)
    S.col(static_cast<Eigen::Index>(c)) = (Z.col(cols[c]).array() - mean(cols[c])) / std::sqrt(var(cols[c]));
  if (options_.max_correlation > 0 && options_.max_correlation < 1 && !cols.empty()) {
    const Eigen::MatrixXd R = (S.transpose() * S) / static_cast<double>(n);  // correlations
    std::vector<int> keep_local;
    for (Eigen::Index a = 0; a < R.rows(); ++a) {
      bool ok = true;
      for (int b : keep_local)
        if (std::fabs(R(a, b)) > options_.max_correlation) {
          ok = false;
          break;
        }
      if (ok) keep_local.push_back(static_cast<int>(a));
    }
    std::vector<int> next;
    Eigen::MatrixXd S2(n, static_cast<Eigen::Index>(keep_local.size()));
    for (size_t c = 0; c < keep_local.size(); ++c) {
      next.push_back(cols[keep_local[c]]);
      S2.col(static_cast<Eigen::Index>(c)) = S.col(keep_local[c]);
    }
    cols = std::move(next);
    S = std::move(S2);
  }
  if (options_.select_k > 0 && options_.select_k < static_cast<int>(cols.size())) {
    const Eigen::VectorXd F = n_classes > 0 ? f_classif(S, y, n_classes) : f_regression(S, y);
    std::vector<int> idx(cols.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return F(a) > F(b); });
    idx.resize(static_cast<size_t>(options_.select_k));
    std::sort(idx.begin(), idx.end());
    std::vector<int> next;
    for (int i : idx) next.push_back(cols[i]);
    cols = std::move(next);
  }
  kept_ = cols;
  mean_.resize(static_cast<Eigen::Index>(cols.size()));
  scale_.resize(static_cast<Eigen::Index>(cols.size()));
  for (size_t c = 0; c < cols.size(); ++c) {
    mean_(static_cast<Eigen::Index>(c)) = mean(cols[c]);
    scale_(static_cast<Eigen::Index>(c)) = std::sqrt(var(cols[c]));
  }
}

Eigen::MatrixXd Preprocessor::transform(const Eigen::MatrixXd& X) const {
  Eigen::MatrixXd out(X.rows(), static_cast<Eigen::Index>(kept_.size()));
  for (size_t c = 0; c < kept_.size(); ++c) {
    const Eigen::Index j = kept_[c], o = static_cast<Eigen::Index>(c);
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      const double v = std::isnan(X(i, j)) ? median_(j) : X(i, j);
      out(i, o) = (v - mean_(o)) / scale_(o);
    }
  }
  return out;
}

}  // namespace scopemia::eval
