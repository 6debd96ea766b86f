// Calibration and operating points against scikit-learn and R on one table.
// Reference values computed once (Debian python3-sklearn 1.2.1, R 4.2.2):
//   sklearn.metrics.brier_score_loss(y, p)                      = 0.10175000000000001
//   R glm(y ~ qlogis(p), binomial, epsilon = 1e-15): a, b      = -0.32405780021539993, 4.7283237088020309
//   sklearn LogisticRegression(penalty=None, tol=1e-12) on logit(p): a, b = -0.32405751025569707, 4.728324498804576
//     (sklearn's L-BFGS stops at scipy's default ftol, ~1e-6 short of the maximum; R and Newton agree to 1e-15)
//   R glm(y ~ offset(qlogis(p)), binomial): calibration-in-the-large = -0.028046001211734964
//   sklearn.metrics.roc_auc_score(y, p)                         = 0.9750000000000001
#include <gtest/gtest.h>

#include "eval/calibration.h"
#include "eval/metrics.h"

namespace scopemia::eval {
namespace {

const std::vector<int> kY = {0, 0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 0};
const std::vector<double> kP = {0.1, 0.3, 0.8,  0.2,  0.6, 0.9,  0.4, 0.7,  0.35, 0.55,
                                0.65, 0.15, 0.45, 0.75, 0.05, 0.85, 0.5, 0.95, 0.25, 0.6};

TEST(Calibration, BrierSlopeAndInterceptEqualSklearnAndR) {
  const Calibration c = calibration(kY, kP);
  EXPECT_NEAR(c.brier, 0.10175000000000001, 1e-15);
  EXPECT_NEAR(c.intercept, -0.32405780021539993, 1e-10);
  EXPECT_NEAR(c.slope, 4.7283237088020309, 1e-10);
  EXPECT_NEAR(c.intercept, -0.32405751025569707, 1e-6);  // sklearn's, to its own tolerance
  EXPECT_NEAR(c.slope, 4.728324498804576, 1e-6);
  EXPECT_NEAR(c.intercept_in_the_large, -0.028046001211734964, 1e-10);
  EXPECT_NEAR(roc_auc(kY, kP), 0.9750000000000001, 1e-15);
}

TEST(Calibration, PerfectlyCalibratedProbabilitiesGiveSlopeOneInterceptZero) {
  // Outcomes drawn exactly at their probabilities: 1000 cases at each of p = 0.1..0.9.
  std::vector<int> y;
  std::vector<double> p;
  for (int k = 1; k <= 9; ++k)
    for (int i = 0; i < 1000; ++i) {
      p.push_back(k / 10.0);
      y.push_back(i < k * 100);
    }
  const Calibration c = calibration(y, p);
  EXPECT_NEAR(c.slope, 1.0, 1e-9);
  EXPECT_NEAR(c.intercept, 0.0, 1e-9);
  EXPECT_NEAR(c.intercept_in_the_large, 0.0, 1e-9);
  ASSERT_EQ(c.bins.size(), 10u);
  for (const auto& b : c.bins) EXPECT_EQ(b.n, 900);
  EXPECT_NEAR(c.bins.front().mean_predicted, 0.1, 0.02);
  // Too-extreme predictions (logit doubled) have slope 1/2.
  std::vector<double> extreme;
  for (double q : p) extreme.push_back(1 / (1 + std::pow((1 - q) / q, 2)));
  EXPECT_NEAR(calibration(y, extreme).slope, 0.5, 1e-9);
  // One class only: no recalibration fit.
  EXPECT_TRUE(std::isnan(calibration(std::vector<int>(5, 1), {0.2, 0.4, 0.6, 0.8, 0.9}).slope));
}

TEST(OperatingPoints, YoudenAndFixedSensitivityByHand) {
  // J = sensitivity + specificity - 1 per threshold (hand count): 0.8 at 0.55
  // (9 of 10 positives, 1 negative at 0.6), 0.9 at 0.5 (all positives, the
  // same one negative), 0.8 at 0.45.
  const OperatingPoint j = youden_point(kY, kP);
  EXPECT_DOUBLE_EQ(j.threshold, 0.5);
  EXPECT_EQ(j.tp, 10);
  EXPECT_EQ(j.fp, 1);
  EXPECT_EQ(j.tn, 9);
  EXPECT_EQ(j.fn, 0);
  EXPECT_DOUBLE_EQ(j.sensitivity, 1.0);
  EXPECT_DOUBLE_EQ(j.specificity, 0.9);
  EXPECT_DOUBLE_EQ(j.ppv, 10.0 / 11.0);
  EXPECT_DOUBLE_EQ(j.npv, 1.0);
  // The largest threshold with sensitivity >= 0.85 is 0.55 (0.9; at 0.6 it is 0.8).
  const OperatingPoint s = point_at_sensitivity(kY, kP, 0.85);
  EXPECT_DOUBLE_EQ(s.threshold, 0.55);
  EXPECT_EQ(s.tp, 9);
  EXPECT_EQ(s.fp, 1);
  EXPECT_EQ(s.rule, "sensitivity >= 0.85");
}

}  // namespace
}  // namespace scopemia::eval
