#pragma once
// Time-to-event endpoints (progression-free survival at 3/6/12 months, the
// paper's Table 3): Harrell's concordance of a risk score, a penalised Cox
// model for a continuous risk from features, and binary labels at a horizon
// that leave out cases censored before it (never counted as event-free).
#include <cstdint>
#include <vector>

#include <Eigen/Dense>

namespace scopemia::eval {

// Harrell's C: over comparable pairs, the fraction in which the case that
// failed first has the higher risk (risk ties count one half). A pair is
// comparable when the earlier time is an event, or when the times are equal
// and only one of the two is an event (that one fails first); two events at
// the same time, or an earlier censoring, make no comparable pair. This is
// R's survival::concordance(Surv(time, event) ~ risk, reverse = TRUE).
struct Concordance {
  double c = 0;
  int64_t concordant = 0, discordant = 0, tied_risk = 0;
  int64_t comparable() const { return concordant + discordant + tied_risk; }
};
Concordance harrell_c(const std::vector<double>& time, const std::vector<int>& event, const std::vector<double>& risk);

// Cox proportional hazards with a ridge penalty (lambda/2 * |beta|^2 on the
// columns as given; standardise first), Breslow's handling of tied event
// times, fitted by Newton-Raphson with step halving.
struct CoxModel {
  Eigen::VectorXd beta;
  double log_partial_likelihood = 0;  // unpenalised, at beta
  int iterations = 0;
  bool converged = false;
  // Linear predictor x * beta: the risk score (higher = earlier event).
  Eigen::VectorXd risk(const Eigen::MatrixXd& X) const { return X * beta; }
};
CoxModel fit_cox(const Eigen::MatrixXd& X, const std::vector<double>& time, const std::vector<int>& event,
                 double lambda);

// The binary label "event by `horizon`" per case: 1 (event at time <=
// horizon), 0 (followed beyond the horizon), -1 (censored at or before it:
// unknown, to be left out).
std::vector<int> horizon_labels(const std::vector<double>& time, const std::vector<int>& event, double horizon);

}  // namespace scopemia::eval
