// Metrics and AUC statistics against hand-computed values.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "core/random.h"
#include "eval/metrics.h"
#include "eval/stats.h"

namespace scopemia::eval {
namespace {

TEST(Auc, MatchesSklearnDocExample) {
  // sklearn.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
  EXPECT_DOUBLE_EQ(roc_auc({0, 0, 1, 1}, {0.1, 0.4, 0.35, 0.8}), 0.75);
}

TEST(Auc, TiesCountHalf) {
  // Pairs (pos, neg): (0.5,0.5)=1/2, (0.5,0.2)=1, (0.9,0.5)=1, (0.9,0.2)=1 -> 3.5/4.
  EXPECT_DOUBLE_EQ(roc_auc({0, 1, 0, 1}, {0.5, 0.5, 0.2, 0.9}), 0.875);
  // All scores equal: every pair is a tie.
  EXPECT_DOUBLE_EQ(roc_auc({0, 1, 0, 1, 1}, {3, 3, 3, 3, 3}), 0.5);
  // Perfect and reversed ranking.
  EXPECT_DOUBLE_EQ(roc_auc({0, 0, 1}, {1, 2, 3}), 1.0);
  EXPECT_DOUBLE_EQ(roc_auc({0, 0, 1}, {3, 2, 1}), 0.0);
  EXPECT_TRUE(std::isnan(roc_auc({1, 1}, {0.2, 0.3})));
  // 3 positives x 2 negatives: 0.9 beats both, 0.5 ties one and beats one,
  // 0.3 beats one -> 4.5 / 6 (training's val_auc is this function).
  EXPECT_DOUBLE_EQ(roc_auc({1, 1, 1, 0, 0}, {0.9, 0.5, 0.3, 0.1, 0.5}), 4.5 / 6.0);
}

TEST(Auc, EqualsTrapezoidalAreaOfRocCurve) {
  Random rng(3);
  std::vector<int> t;
  std::vector<double> s;
  for (int i = 0; i < 300; ++i) {
    t.push_back(rng.uniform() < 0.4);
    s.push_back(std::round((rng.normal() + t.back()) * 4) / 4);  // many ties
  }
  const RocCurve c = roc_curve(t, s);
  double area = 0;
  for (size_t i = 1; i < c.fpr.size(); ++i) area += (c.fpr[i] - c.fpr[i - 1]) * (c.tpr[i] + c.tpr[i - 1]) / 2;
  EXPECT_NEAR(area, roc_auc(t, s), 1e-12);
  EXPECT_DOUBLE_EQ(c.fpr.back(), 1.0);
  EXPECT_DOUBLE_EQ(c.tpr.back(), 1.0);
}

TEST(Auc, MulticlassMicroAndMacroByHand) {
  Eigen::MatrixXd P(4, 3);
  P << .6, .3, .1,  //
      .2, .5, .3,   //
      .3, .3, .4,   //
      .5, .1, .2;
  const std::vector<int> y{0, 1, 2, 2};
  // Per class: 1, 1, 3/4 (class 2: positives .4,.2 vs negatives .1,.3).
  EXPECT_NEAR(roc_auc_macro(y, P), (1 + 1 + 0.75) / 3, 1e-12);
  // Flattened: positives .6,.5,.4,.2 vs 8 negatives {.3,.1,.2,.3,.3,.3,.5,.1}:
  // 8 + 7.5 + 7 + 2.5 = 25 of 32 pairs.
  EXPECT_NEAR(roc_auc_micro(y, P), 25.0 / 32, 1e-12);
  EXPECT_DOUBLE_EQ(accuracy(y, P), 0.75);
}

TEST(R2, ByHand) {
  // SS_res = 1, SS_tot = 5.
  EXPECT_DOUBLE_EQ(r2_score({1, 2, 3, 4}, {1, 2, 3, 5}), 0.8);
  EXPECT_DOUBLE_EQ(r2_score({1, 2, 3}, {2, 2, 2}), 0.0);
  EXPECT_LT(r2_score({1, 2, 3}, {3, 2, 1}), 0.0);
}

TEST(DeLong, VarianceOfOneAucByHand) {
  // Positives .9 .7 .5, negatives .6 .5 .2 .1.
  // V10 = (1, 1, 0.625), V01 = (2/3, 5/6, 1, 1); AUC = 0.875.
  // S10 = 3/64, S01 = 11/432; Var = S10/3 + S01/4 = 19/864.
  const std::vector<int> t{1, 1, 1, 0, 0, 0, 0};
  const std::vector<double> s{.9, .7, .5, .6, .5, .2, .1};
  const DeLongResult r = delong(t, {s});
  EXPECT_DOUBLE_EQ(r.auc[0], 0.875);
  EXPECT_NEAR(r.cov(0, 0), 19.0 / 864.0, 1e-15);
}

// Published worked example: pROC's documentation of roc.test on its aSAH
// data set (113 patients after aneurysmal subarachnoid haemorrhage; Turck et
// al., Intensive Care Med 2010; outcome Poor = positive): WFNS score vs
// S100B, "DeLong's test for two correlated ROC curves: Z = 2.209,
// p-value = 0.02718, 95 percent confidence interval: 0.01040618 0.17421442,
// AUC 0.8236789 vs 0.7313686". Variances and covariance from pROC 1.18
// (var(roc, method = "delong"), cov(roc1, roc2)).
TEST(DeLong, MatchesPublishedProcExample) {
  const std::vector<int> poor{
      0, 0, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1,
      1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1,
      1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0,
      0, 1, 0, 0, 0};
  const std::vector<double> wfns{
      1, 1, 1, 1, 3, 2, 5, 4, 1, 2, 5, 2, 5, 5, 1, 2, 5, 2, 2, 5, 2, 1, 1, 1, 1, 2, 1, 2, 1, 1, 3, 4, 2, 1, 4, 5,
      4, 1, 4, 2, 5, 5, 1, 1, 2, 4, 1, 1, 2, 5, 5, 2, 1, 2, 5, 1, 2, 2, 2, 1, 5, 1, 1, 2, 5, 2, 1, 4, 5, 2, 4, 4,
      1, 4, 1, 2, 1, 4, 2, 1, 2, 3, 2, 4, 2, 1, 4, 5, 1, 1, 5, 4, 2, 2, 1, 1, 1, 3, 1, 2, 5, 2, 2, 5, 5, 5, 2, 4,
      4, 5, 1, 1, 1};
  const std::vector<double> s100b{
      0.13, 0.14, 0.1, 0.04, 0.13, 0.1, 0.47, 0.16, 0.18, 0.1, 0.12, 0.1, 0.44, 0.71, 0.04, 0.08, 0.49, 0.04,
      0.07, 0.33, 0.09, 0.09, 0.07, 0.11, 0.07, 0.17, 0.07, 0.11, 0.13, 0.19, 0.05, 0.16, 0.41, 0.14, 0.34, 0.35,
      0.48, 0.09, 0.96, 0.25, 0.5, 0.46, 0.16, 0.07, 0.43, 0.45, 0.11, 0.08, 0.09, 0.86, 0.52, 0.08, 0.06, 0.13,
      2.07, 0.1, 0.14, 0.15, 0.07, 0.06, 0.77, 0.05, 0.09, 0.3, 0.03, 0.09, 0.04, 0.23, 0.7, 0.09, 0.27, 0.71,
      0.08, 0.26, 0.08, 0.16, 0.09, 0.13, 0.1, 0.08, 0.11, 0.33, 0.11, 0.28, 0.07, 0.1, 0.32, 0.22, 0.07, 0.05,
      0.24, 0.38, 0.1, 0.15, 0.08, 0.14, 0.1, 0.07, 0.04, 0.19, 0.56, 0.14, 0.58, 0.32, 0.82, 0.74, 0.15, 0.47,
      0.17, 0.44, 0.15, 0.5, 0.48};
  const DeLongResult r = delong(poor, {wfns, s100b});
  EXPECT_NEAR(r.auc[0], 0.8236788618, 1e-9);
  EXPECT_NEAR(r.auc[1], 0.7313685637, 1e-9);
  EXPECT_NEAR(r.cov(0, 0), 0.00146991470882, 1e-13);
  EXPECT_NEAR(r.cov(1, 1), 0.00266868245717, 1e-13);
  EXPECT_NEAR(r.cov(0, 1), 0.00119615567377, 1e-13);
  const DeLongTest t = delong_test(poor, wfns, s100b);
  EXPECT_NEAR(t.z, 2.2089835914, 1e-8);
  EXPECT_NEAR(t.p, 0.0271757822, 1e-9);
  EXPECT_NEAR(t.ci_low, 0.01040618, 1e-7);
  EXPECT_NEAR(t.ci_high, 0.17421442, 1e-7);
}

// Direct O(m n) structural components (DeLong et al. 1988).
Eigen::MatrixXd delong_direct(const std::vector<int>& t, const std::vector<std::vector<double>>& scores) {
  std::vector<size_t> pos, neg;
  for (size_t i = 0; i < t.size(); ++i) (t[i] ? pos : neg).push_back(i);
  const size_t K = scores.size(), m = pos.size(), n = neg.size();
  Eigen::MatrixXd v10(K, m), v01(K, n);
  for (size_t k = 0; k < K; ++k) {
    auto psi = [&](size_t a, size_t b) {
      const double x = scores[k][a], y = scores[k][b];
      return x > y ? 1.0 : x == y ? 0.5 : 0.0;
    };
    for (size_t i = 0; i < m; ++i) {
      double s = 0;
      for (size_t j = 0; j < n; ++j) s += psi(pos[i], neg[j]);
      v10(k, i) = s / n;
    }
    for (size_t j = 0; j < n; ++j) {
      double s = 0;
      for (size_t i = 0; i < m; ++i) s += psi(pos[i], neg[j]);
      v01(k, j) = s / m;
    }
  }
  auto cov = [](const Eigen::MatrixXd& v) {
    const Eigen::MatrixXd c = v.colwise() - v.rowwise().mean();
    return Eigen::MatrixXd(c * c.transpose() / (v.cols() - 1.0));
  };
  return cov(v10) / m + cov(v01) / n;
}

TEST(DeLong, FastAlgorithmEqualsDirectDefinitionWithTies) {
  Random rng(11);
  std::vector<int> t;
  std::vector<double> a, b;
  for (int i = 0; i < 120; ++i) {
    t.push_back(rng.uniform() < 0.35);
    const double latent = rng.normal() + 1.2 * t.back();
    a.push_back(std::round(latent * 3));                      // ties
    b.push_back(std::round((latent + rng.normal()) * 2));     // correlated with a
  }
  const DeLongResult fast = delong(t, {a, b});
  const Eigen::MatrixXd direct = delong_direct(t, {a, b});
  EXPECT_NEAR((fast.cov - direct).cwiseAbs().maxCoeff(), 0.0, 1e-14);
  EXPECT_GT(fast.cov(0, 1), 0.0);  // paired: the AUCs covary
  EXPECT_NEAR(fast.auc[0], roc_auc(t, a), 1e-14);
  const DeLongTest test = delong_test(t, a, b);
  const double se = std::sqrt(direct(0, 0) + direct(1, 1) - 2 * direct(0, 1));
  EXPECT_NEAR(test.se, se, 1e-14);
  EXPECT_NEAR(test.z, (roc_auc(t, a) - roc_auc(t, b)) / se, 1e-10);
  EXPECT_NEAR(test.p, std::erfc(std::fabs(test.z) / std::sqrt(2.0)), 1e-12);
}

TEST(DeLong, IdenticalScoresGiveNoDifference) {
  const std::vector<int> t{1, 0, 1, 0, 1, 0};
  const std::vector<double> s{.9, .1, .4, .5, .8, .3};
  const DeLongTest r = delong_test(t, s, s);
  EXPECT_DOUBLE_EQ(r.diff, 0.0);
  EXPECT_DOUBLE_EQ(r.p, 1.0);
}

TEST(Bootstrap, DeterministicCoversTheAucAndRespectsGroups) {
  Random rng(5);
  std::vector<int> t;
  std::vector<double> a, b;
  std::vector<std::string> g;
  for (int i = 0; i < 200; ++i) {
    t.push_back(rng.uniform() < 0.5);
    a.push_back(rng.normal() + t.back());
    b.push_back(rng.normal() + 0.3 * t.back());
    g.push_back("p" + std::to_string(i / 2));
  }
  const BootstrapResult r1 = bootstrap_auc(t, a, b, {}, 500, 42);
  const BootstrapResult r2 = bootstrap_auc(t, a, b, {}, 500, 42);
  EXPECT_EQ(r1.resamples, 500);
  EXPECT_DOUBLE_EQ(r1.diff_low, r2.diff_low);
  EXPECT_DOUBLE_EQ(r1.auc_a_high, r2.auc_a_high);
  const double auc_a = roc_auc(t, a);
  EXPECT_LT(r1.auc_a_low, auc_a);
  EXPECT_GT(r1.auc_a_high, auc_a);
  EXPECT_GT(r1.diff_low, 0.0);  // a is clearly better than b
  // Width close to DeLong's normal interval.
  double lo, hi;
  delong_ci(t, a, &lo, &hi);
  EXPECT_NEAR(r1.auc_a_high - r1.auc_a_low, hi - lo, 0.03);
  const BootstrapResult rg = bootstrap_auc(t, a, b, g, 500, 42);
  EXPECT_EQ(rg.resamples, 500);
  EXPECT_NE(rg.auc_a_low, r1.auc_a_low);
}

}  // namespace
}  // namespace scopemia::eval
