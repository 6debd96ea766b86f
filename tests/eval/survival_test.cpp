// Survival endpoints against hand counts and R's survival package (3.5.3,
// values computed once with Debian's r-cran-survival):
//   concordance(Surv(time, event) ~ risk, reverse = TRUE)  -> 0.90909090909090917
//     counts: concordant 29, discordant 2, tied.x 2, tied.y 0
//   coxph(Surv(time, event) ~ x, ties = "breslow")         -> coef 4.3623962538821681 (tight eps),
//     loglik -5.5817499001332127, null loglik -12.619505923287514, concordance(fit) 0.9285714285714286
#include <gtest/gtest.h>

#include "eval/survival.h"

namespace scopemia::eval {
namespace {

TEST(HarrellC, TiesAndCensoringEqualHandCountAndR) {
  const std::vector<double> time = {5, 8, 8, 10, 12, 12, 15, 20, 20, 25};
  const std::vector<int> event = {1, 1, 0, 1, 0, 1, 1, 0, 1, 0};
  const std::vector<double> risk = {0.9, 0.7, 0.7, 0.5, 0.6, 0.4, 0.4, 0.2, 0.3, 0.1};
  const Concordance c = harrell_c(time, event, risk);
  // By hand: 33 comparable pairs. Not concordant: (2,3) tied risk (same time,
  // 2 an event, 3 censored: 2 fails first), (4,5) discordant, (6,5)
  // discordant (same time 12, 6 the event), (6,7) tied risk.
  EXPECT_EQ(c.comparable(), 33);
  EXPECT_EQ(c.concordant, 29);
  EXPECT_EQ(c.discordant, 2);
  EXPECT_EQ(c.tied_risk, 2);
  EXPECT_DOUBLE_EQ(c.c, 30.0 / 33.0);
  EXPECT_NEAR(c.c, 0.90909090909090917, 1e-15);  // R

  // Two events at the same time make no pair (R's tied.y), an earlier censoring neither.
  const Concordance t = harrell_c({5, 8, 8, 10}, {1, 1, 1, 0}, {0.9, 0.7, 0.6, 0.5});
  EXPECT_EQ(t.comparable(), 5);
  EXPECT_DOUBLE_EQ(t.c, 1.0);
  EXPECT_EQ(harrell_c({1, 2}, {0, 1}, {0.2, 0.1}).comparable(), 0);
  EXPECT_TRUE(std::isnan(harrell_c({1, 2}, {0, 1}, {0.2, 0.1}).c));
}

TEST(Cox, OneCovariateEqualsR) {
  const std::vector<double> time = {2, 3, 4, 5, 6, 7, 9, 10, 11, 13, 14, 16};
  const std::vector<int> event = {1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0};
  Eigen::MatrixXd X(12, 1);
  X << 1.2, 0.3, 0.8, 1.1, -0.2, 0.5, 0.1, 0.4, -0.5, -0.1, -0.3, -0.9;
  const CoxModel m = fit_cox(X, time, event, 0.0);
  ASSERT_TRUE(m.converged);
  EXPECT_NEAR(m.beta(0), 4.3623962538821681, 1e-9);
  EXPECT_NEAR(m.log_partial_likelihood, -5.5817499001332127, 1e-10);
  EXPECT_NEAR(fit_cox(X, time, event, 1e12).log_partial_likelihood, -12.619505923287514, 1e-6);  // beta ~ 0
  const Eigen::VectorXd risk = m.risk(X);
  const Concordance c = harrell_c(time, event, std::vector<double>(risk.data(), risk.data() + risk.size()));
  EXPECT_NEAR(c.c, 0.9285714285714286, 1e-15);
  EXPECT_EQ(c.concordant, 39);
  EXPECT_EQ(c.discordant, 3);
  // A ridge penalty shrinks the coefficient.
  const CoxModel ridge = fit_cox(X, time, event, 1.0);
  EXPECT_GT(ridge.beta(0), 0.0);
  EXPECT_LT(ridge.beta(0), m.beta(0));
}

TEST(Cox, TiedEventTimesFollowBreslow) {
  // Two events at t = 3 share the risk set {all four}: Breslow's log partial
  // likelihood at beta = 0 is sum over events of -log(|risk set|):
  // -2 log 4 - log 2 (the event at 5 with two at risk).
  const std::vector<double> time = {3, 3, 5, 7};
  const std::vector<int> event = {1, 1, 1, 0};
  Eigen::MatrixXd X(4, 1);
  X << 0, 0, 0, 0;
  EXPECT_NEAR(fit_cox(X, time, event, 0.0).log_partial_likelihood, -2 * std::log(4.0) - std::log(2.0), 1e-12);
}

TEST(HorizonLabels, CensoredBeforeTheHorizonIsLeftOutNeverEventFree) {
  const std::vector<double> time = {2, 4, 6, 6, 8, 12, 14};
  const std::vector<int> event = {1, 0, 1, 0, 1, 0, 1};
  EXPECT_EQ(horizon_labels(time, event, 6), (std::vector<int>{1, -1, 1, -1, 0, 0, 0}));
  EXPECT_EQ(horizon_labels(time, event, 12), (std::vector<int>{1, -1, 1, -1, 1, -1, 0}));
}

}  // namespace
}  // namespace scopemia::eval
