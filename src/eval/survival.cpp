#include "eval/survival.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace scopemia::eval {

Concordance harrell_c(const std::vector<double>& time, const std::vector<int>& event, const std::vector<double>& risk) {
  Concordance out;
  const size_t n = time.size();
  // O(n^2): cohorts of a radiomics study are hundreds of cases.
  for (size_t i = 0; i < n; ++i) {
    if (!event[i]) continue;  // only an event can be the earlier member of a comparable pair
    for (size_t j = 0; j < n; ++j) {
      if (i == j) continue;
      const bool later = time[j] > time[i] || (time[j] == time[i] && !event[j]);
      if (!later) continue;
      if (risk[i] > risk[j]) ++out.concordant;
      else if (risk[i] < risk[j]) ++out.discordant;
      else ++out.tied_risk;
    }
  }
  const int64_t total = out.comparable();
  out.c = total > 0 ? (out.concordant + 0.5 * out.tied_risk) / double(total) : NAN;
  return out;
}

namespace {

struct CoxTerms {
  double loglik = 0;
  Eigen::VectorXd gradient;
  Eigen::MatrixXd hessian;  // of -loglik (positive semi-definite)
};

// Breslow: every event at time t shares the risk set {j : time_j >= t}.
CoxTerms cox_terms(const Eigen::MatrixXd& X, const std::vector<size_t>& by_time_desc, const std::vector<double>& time,
                   const std::vector<int>& event, const Eigen::VectorXd& beta) {
  const Eigen::Index p = X.cols();
  CoxTerms t;
  t.gradient = Eigen::VectorXd::Zero(p);
  t.hessian = Eigen::MatrixXd::Zero(p, p);
  const Eigen::VectorXd eta = X * beta;
  const double shift = eta.size() ? eta.maxCoeff() : 0;  // exp without overflow
  double s0 = 0;
  Eigen::VectorXd s1 = Eigen::VectorXd::Zero(p);
  Eigen::MatrixXd s2 = Eigen::MatrixXd::Zero(p, p);
  size_t k = 0;
  const size_t n = by_time_desc.size();
  while (k < n) {
    // All cases with this time enter the risk set before its events are scored.
    size_t end = k;
    const double t_now = time[by_time_desc[k]];
    while (end < n && time[by_time_desc[end]] == t_now) {
      const size_t i = by_time_desc[end];
      const double w = std::exp(eta(Eigen::Index(i)) - shift);
      const Eigen::VectorXd xi = X.row(Eigen::Index(i)).transpose();
      s0 += w;
      s1 += w * xi;
      s2.noalias() += w * xi * xi.transpose();
      ++end;
    }
    for (size_t r = k; r < end; ++r) {
      const size_t i = by_time_desc[r];
      if (!event[i]) continue;
      const Eigen::VectorXd mean = s1 / s0;
      t.loglik += eta(Eigen::Index(i)) - shift - std::log(s0);
      t.gradient += X.row(Eigen::Index(i)).transpose() - mean;
      t.hessian += s2 / s0 - mean * mean.transpose();
    }
    k = end;
  }
  return t;
}

}  // namespace

CoxModel fit_cox(const Eigen::MatrixXd& X, const std::vector<double>& time, const std::vector<int>& event,
                 double lambda) {
  const Eigen::Index p = X.cols();
  std::vector<size_t> order(time.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return time[a] > time[b]; });
  CoxModel m;
  m.beta = Eigen::VectorXd::Zero(p);
  auto objective = [&](const CoxTerms& t, const Eigen::VectorXd& b) { return t.loglik - 0.5 * lambda * b.squaredNorm(); };
  CoxTerms terms = cox_terms(X, order, time, event, m.beta);
  double value = objective(terms, m.beta);
  for (m.iterations = 1; m.iterations <= 100; ++m.iterations) {
    const Eigen::VectorXd g = terms.gradient - lambda * m.beta;
    const Eigen::MatrixXd H = terms.hessian + lambda * Eigen::MatrixXd::Identity(p, p);
    const Eigen::VectorXd step = H.ldlt().solve(g);
    double scale = 1;
    Eigen::VectorXd next;
    CoxTerms next_terms;
    double next_value = -INFINITY;
    for (int half = 0; half < 30; ++half, scale /= 2) {
      next = m.beta + scale * step;
      next_terms = cox_terms(X, order, time, event, next);
      next_value = objective(next_terms, next);
      if (next_value >= value - 1e-12 * std::abs(value)) break;
    }
    const double change = std::abs(next_value - value);
    m.beta = next;
    terms = next_terms;
    value = next_value;
    if (change < 1e-10 * (1 + std::abs(value)) && (scale * step).norm() < 1e-9 * (1 + m.beta.norm())) {
      m.converged = true;
      break;
    }
  }
  // The unpenalised log partial likelihood (the shift inside cox_terms cancels).
  const CoxTerms final_terms = cox_terms(X, order, time, event, m.beta);
  m.log_partial_likelihood = final_terms.loglik;
  return m;
}

std::vector<int> horizon_labels(const std::vector<double>& time, const std::vector<int>& event, double horizon) {
  std::vector<int> out(time.size());
  for (size_t i = 0; i < time.size(); ++i)
    out[i] = (event[i] && time[i] <= horizon) ? 1 : time[i] > horizon ? 0 : -1;
  return out;
}

}  // namespace scopemia::eval
