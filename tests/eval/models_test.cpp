// Classifiers and regressors: optimality, separable vs noise, probability
// ranges, determinism.
#include <cmath>
#include <set>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/random.h"
#include "support/noise_dataset.h"
#include "eval/cross_validate.h"
#include "eval/metrics.h"
#include "eval/learners.h"
#include "eval/models.h"

namespace scopemia::eval {
namespace {

Dataset blobs(int n, int p, double shift, int classes, uint64_t seed) {
  Random rng(seed);
  Dataset d;
  d.task = classes == 2 ? Task::Binary : Task::Multiclass;
  for (int k = 0; k < classes; ++k) d.class_names.push_back(std::to_string(k));
  d.X.resize(n, p);
  d.y.resize(n);
  for (int i = 0; i < n; ++i) {
    const int c = i % classes;
    d.y(i) = c;
    for (int j = 0; j < p; ++j) d.X(i, j) = 10 * j + rng.normal() * (1 + j) + (j % classes == c ? shift * (1 + j) : 0);
  }
  return d;
}

double pooled_validation(const Dataset& d, const std::string& model, int repeats) {
  CvOptions o;
  o.folds = 5;
  o.repeats = repeats;
  o.seed = 1;
  const CvResult r = cross_validate(d, model, make_splits(d, o), o);
  double m = 0;
  for (double v : r.validation_scores) m += v;
  return m / r.validation_scores.size();
}

class EveryClassifier : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryClassifier, SeparableProblemGivesHighAuc) {
  EXPECT_GT(pooled_validation(blobs(150, 4, 2.5, 2, 1), GetParam(), 1), 0.95);
}

TEST_P(EveryClassifier, PureNoiseGivesChanceAuc) {
  EXPECT_NEAR(pooled_validation(blobs(400, 6, 0.0, 2, 2), GetParam(), 3), 0.5, 0.08);
}

TEST_P(EveryClassifier, MulticlassSeparableAndProbabilitiesValid) {
  const Dataset d = blobs(150, 3, 3.0, 3, 3);
  EXPECT_GT(pooled_validation(d, GetParam(), 1), 0.9);
  // Standardise by hand and check probabilities.
  Eigen::MatrixXd Z = d.X.rowwise() - d.X.colwise().mean();
  Z = Z.array().rowwise() / Z.array().square().colwise().mean().sqrt();
  auto m = make_model(GetParam(), d.task, 3, {});
  m->fit(Z, d.y);
  const Eigen::MatrixXd P = m->predict(Z);
  ASSERT_EQ(P.cols(), 3);
  EXPECT_GE(P.minCoeff(), 0.0);
  EXPECT_LE(P.maxCoeff(), 1.0);
  EXPECT_NEAR((P.rowwise().sum().array() - 1.0).abs().maxCoeff(), 0.0, 1e-5);
}

TEST_P(EveryClassifier, DeterministicForASeed) {
  const Dataset d = blobs(80, 3, 1.0, 2, 4);
  CvOptions o;
  o.folds = 4;
  o.repeats = 2;
  o.seed = 9;
  o.model.seed = 9;
  const auto splits = make_splits(d, o);
  const CvResult a = cross_validate(d, GetParam(), splits, o);
  o.threads = 2;
  const CvResult b = cross_validate(d, GetParam(), splits, o);
  EXPECT_EQ((a.oof - b.oof).cwiseAbs().maxCoeff(), 0.0);
}

// Every classifier of the catalogue (eval/learners.h): a new row gets these tests.
std::vector<std::string> catalogue_classifiers() {
  std::vector<std::string> names;
  for (const Learner& l : learners())
    if (l.classification) names.push_back(l.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Eval, EveryClassifier, ::testing::ValuesIn(catalogue_classifiers()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// The catalogue's rows are complete and consistent: names and display names
// unique, a tuning grid with distinct labels for every learner, the default
// runs as documented (docs/eval.md), "svm" meaning the SVR in regression, and
// a learner asked for a task it does not serve refused with the task's list.
TEST(Learners, TheCatalogueIsConsistent) {
  std::set<std::string> names, displays;
  for (const Learner& l : learners()) {
    EXPECT_TRUE(names.insert(l.name).second) << l.name;
    EXPECT_TRUE(displays.insert(l.display).second) << l.display;
    EXPECT_TRUE(l.classification || l.regression) << l.name;
    EXPECT_TRUE(!l.default_classification || l.classification) << l.name;
    EXPECT_TRUE(!l.default_regression || l.regression) << l.name;
    const TuningGrid grid = tuning_grid(l.name, ModelOptions{}, 9);
    ASSERT_FALSE(grid.empty()) << l.name;
    std::set<std::string> labels;
    for (const auto& [label, options] : grid) EXPECT_TRUE(labels.insert(label).second) << l.name << " " << label;
    EXPECT_EQ(display_name(l.name, l.regression && !l.classification ? Task::Regression : Task::Binary), l.display);
  }
  EXPECT_EQ(default_models(Task::Binary), (std::vector<std::string>{"rf", "svm", "knn", "gb", "gp", "lda", "logreg"}));
  EXPECT_EQ(default_models(Task::Regression), (std::vector<std::string>{"ridge", "rf", "gb", "svr", "gp"}));
  EXPECT_EQ(canonical_learner("svm", Task::Regression), "svr");
  EXPECT_EQ(canonical_learner("svm", Task::Binary), "svm");
  EXPECT_EQ(display_name("svm", Task::Regression), "SVR (RBF)");
  EXPECT_EQ(find_learner("svm", Task::Regression).name, "svr");
  try {
    find_learner("ridge", Task::Binary);
    ADD_FAILURE() << "ridge is no classifier";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("use rf, svm, knn, gb, gp, lda, logreg"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_model("logreg", Task::Regression, 0, {}), InputError);
  // The first candidate of a grid is the default: logistic regression's C = 1.
  EXPECT_EQ(tuning_grid("logreg", ModelOptions{}, 9).front().first, "C=1");
  EXPECT_EQ(tuning_grid("unknown", ModelOptions{}, 9).size(), 1u);
}

TEST(LogisticRegression, GradientIsZeroAtTheOptimum) {
  Random rng(6);
  const int n = 40, p = 3;
  Eigen::MatrixXd X(n, p);
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < p; ++j) X(i, j) = rng.normal();
    y(i) = rng.uniform() < 1 / (1 + std::exp(-(X(i, 0) - X(i, 1)))) ? 1 : 0;
  }
  const LogisticFit f = fit_binary_logistic(X, y, 1.0);
  // d/dw [0.5|w|^2 + C sum log(1+exp(-s z))] = w + X^T (sigmoid(z) - y), d/db = sum(sigmoid(z) - y).
  Eigen::VectorXd r(n);
  for (int i = 0; i < n; ++i) r(i) = 1 / (1 + std::exp(-(X.row(i).dot(f.w) + f.b))) - y(i);
  EXPECT_LT((f.w + X.transpose() * r).cwiseAbs().maxCoeff(), 1e-7);
  EXPECT_LT(std::fabs(r.sum()), 1e-7);
}

TEST(LogisticRegression, OneFeatureAnalyticOptimum) {
  // x = (-1, 1), y = (0, 1), C = 1: b = 0 by symmetry and w = 2 sigmoid(-w).
  Eigen::MatrixXd X(2, 1);
  X << -1, 1;
  Eigen::VectorXd y(2);
  y << 0, 1;
  double lo = 0, hi = 2;
  for (int it = 0; it < 200; ++it) {
    const double mid = 0.5 * (lo + hi);
    (mid - 2 / (1 + std::exp(mid)) > 0 ? hi : lo) = mid;
  }
  const LogisticFit f = fit_binary_logistic(X, y, 1.0);
  EXPECT_NEAR(f.w(0), lo, 1e-8);
  EXPECT_NEAR(f.b, 0.0, 1e-8);
}

// Softmax of x^T S^-1 mu_k - mu_k^T S^-1 mu_k / 2 + log prior_k with the
// pooled within-class covariance S = scatter / divisor.
Eigen::MatrixXd lda_by_hand(const Dataset& d, double divisor) {
  const int K = d.n_classes();
  const Eigen::Index n = d.X.rows(), p = d.X.cols();
  Eigen::MatrixXd mu = Eigen::MatrixXd::Zero(K, p);
  Eigen::VectorXd count = Eigen::VectorXd::Zero(K);
  for (Eigen::Index i = 0; i < n; ++i) {
    mu.row(static_cast<int>(d.y(i))) += d.X.row(i);
    count(static_cast<int>(d.y(i))) += 1;
  }
  for (int k = 0; k < K; ++k) mu.row(k) /= count(k);
  Eigen::MatrixXd S = Eigen::MatrixXd::Zero(p, p);
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::RowVectorXd c = d.X.row(i) - mu.row(static_cast<int>(d.y(i)));
    S += c.transpose() * c;
  }
  S /= divisor;
  const Eigen::MatrixXd W = S.ldlt().solve(mu.transpose()).transpose();
  Eigen::MatrixXd Z(n, K);
  for (int k = 0; k < K; ++k)
    Z.col(k) = (d.X * W.row(k).transpose()).array() - 0.5 * mu.row(k).dot(W.row(k)) + std::log(count(k) / n);
  for (Eigen::Index i = 0; i < n; ++i) {
    Z.row(i) = (Z.row(i).array() - Z.row(i).maxCoeff()).exp();
    Z.row(i) /= Z.row(i).sum();
  }
  return Z;
}

TEST(Lda, SolversMatchTheClosedForm) {
  const Dataset d = blobs(90, 4, 1.0, 3, 7);
  auto svd = make_lda(3, -1), lsqr = make_lda(3, 0.0);
  svd->fit(d.X, d.y);
  lsqr->fit(d.X, d.y);
  // sklearn: the 'svd' solver's covariance is scatter/(n-K), 'lsqr''s is scatter/n.
  EXPECT_LT((svd->predict(d.X) - lda_by_hand(d, 90 - 3)).cwiseAbs().maxCoeff(), 1e-8);
  EXPECT_LT((lsqr->predict(d.X) - lda_by_hand(d, 90)).cwiseAbs().maxCoeff(), 1e-8);
  auto lw = make_lda(3, 2.0);  // Ledoit-Wolf
  lw->fit(d.X, d.y);
  EXPECT_GT(roc_auc_macro(d.labels(), lw->predict(d.X)), 0.8);
}

TEST(Knn, ProbabilityIsTheFractionOfNeighbours) {
  Eigen::MatrixXd X(6, 1);
  X << 0, 1, 2, 3, 10, 11;
  Eigen::VectorXd y(6);
  y << 0, 0, 1, 1, 1, 0;
  auto m = make_knn(2, 5);
  m->fit(X, y);
  Eigen::MatrixXd q(1, 1);
  q << 0.4;  // nearest five: 0, 1, 2, 3, 10 -> labels 0 0 1 1 1
  EXPECT_DOUBLE_EQ(m->predict(q)(0, 1), 0.6);
}

TEST(Gp, ProbabilitiesInUnitIntervalAndFarPointsRevertToHalf) {
  const Dataset d = blobs(60, 2, 2.0, 2, 8);
  Eigen::MatrixXd Z = d.X.rowwise() - d.X.colwise().mean();
  Z = Z.array().rowwise() / Z.array().square().colwise().mean().sqrt();
  auto m = make_gp(2, 1.0);
  m->fit(Z, d.y);
  const Eigen::MatrixXd P = m->predict(Z);
  EXPECT_GT(P.minCoeff(), 0.0);
  EXPECT_LT(P.maxCoeff(), 1.0);
  EXPECT_GT(roc_auc(d.labels(), std::vector<double>(P.col(1).data(), P.col(1).data() + P.rows())), 0.9);
  Eigen::MatrixXd far = Eigen::MatrixXd::Constant(1, 2, 100.0);
  EXPECT_NEAR(m->predict(far)(0, 1), 0.5, 1e-12);  // prior mean 0 -> sigmoid 0.5
}

Dataset regression_data(int n, uint64_t seed) {
  Random rng(seed);
  Dataset d;
  d.task = Task::Regression;
  d.X.resize(n, 3);
  d.y.resize(n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < 3; ++j) d.X(i, j) = rng.normal();
    d.y(i) = 2 * d.X(i, 0) - d.X(i, 1) + 0.2 * rng.normal() + 5;
  }
  return d;
}

TEST(Regressors, RecoverALinearSignal) {
  const Dataset d = regression_data(200, 10);
  CvOptions o;
  o.folds = 5;
  o.repeats = 1;
  const auto splits = make_splits(d, o);
  for (const std::string name : {"ridge", "rf", "gb", "svr", "knn"}) {
    const CvResult r = cross_validate(d, name, splits, o);
    double m = 0;
    for (double v : r.validation_scores) m += v;
    EXPECT_GT(m / r.validation_scores.size(), name == "ridge" ? 0.98 : 0.75) << name;
  }
}

TEST(Regressors, RidgeMatchesNormalEquationsAndGpInterpolates) {
  const Dataset d = regression_data(30, 11);
  auto ridge = make_ridge(1.0);
  ridge->fit(d.X, d.y);
  // Primal and dual forms agree: fit on the transposed-size problem too.
  Eigen::MatrixXd Xc = d.X.rowwise() - d.X.colwise().mean();
  Eigen::MatrixXd A = Xc.transpose() * Xc + Eigen::MatrixXd::Identity(3, 3);
  const Eigen::VectorXd w = A.ldlt().solve(Xc.transpose() * (d.y.array() - d.y.mean()).matrix());
  const Eigen::VectorXd expect = (Xc * w).array() + d.y.mean();
  EXPECT_LT((ridge->predict(d.X).col(0) - expect).cwiseAbs().maxCoeff(), 1e-9);
  auto gp = make_gp(0, 1.0);
  gp->fit(d.X, d.y);
  EXPECT_LT((gp->predict(d.X).col(0) - d.y).cwiseAbs().maxCoeff(), 1e-3);
}

TEST(Regressors, ForestPredictionsStayInTheTargetRange) {
  // A forest averages its trees: predictions lie within the training range.
  const Dataset d = regression_data(100, 12);
  auto rf = make_xgb_forest(0, 1);
  rf->fit(d.X, d.y);
  const Eigen::MatrixXd p = rf->predict(d.X);
  EXPECT_GE(p.minCoeff(), d.y.minCoeff() - 1e-3);
  EXPECT_LE(p.maxCoeff(), d.y.maxCoeff() + 1e-3);
  EXPECT_GT(r2_score(std::vector<double>(d.y.data(), d.y.data() + d.y.size()),
                     std::vector<double>(p.data(), p.data() + p.rows())),
            0.8);
}

}  // namespace
}  // namespace scopemia::eval

namespace scopemia::eval {
namespace {

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / v.size();
}

TEST(Tuning, NestedCvOnNoiseStaysAtChance) {
  // Choosing the best of five C values (and 10 of 300 features) on inner
  // folds must not leak into the outer estimate.
  const int n = 120, p = 300;
  const Dataset d = testing::noise_dataset(n, p, 23);
  CvOptions o;
  o.folds = 5;
  o.repeats = 4;
  o.tune = true;
  o.preprocess.select_k = 10;
  const CvResult r = cross_validate(d, "logreg", make_splits(d, o), o);
  EXPECT_NEAR(mean_of(r.validation_scores), 0.5, 0.06);
  ASSERT_EQ(r.chosen.size(), 20u);
  for (const auto& c : r.chosen) EXPECT_EQ(c.rfind("C=", 0), 0u) << c;
}

TEST(Tuning, GpLengthScaleSearchBeatsTheFixedDefaultInHighDimension) {
  // 40 standardised features: the default length scale 1 makes all kernel
  // values tiny; the grid's sqrt(p)-scaled values recover the signal.
  const Dataset d = blobs(150, 40, 0.4, 2, 31);
  CvOptions o;
  o.folds = 5;
  o.repeats = 1;
  const auto splits = make_splits(d, o);
  const double fixed = mean_of(cross_validate(d, "gp", splits, o).validation_scores);
  o.tune = true;
  const CvResult tuned = cross_validate(d, "gp", splits, o);
  EXPECT_GT(mean_of(tuned.validation_scores), fixed + 0.05);
  EXPECT_GT(mean_of(tuned.validation_scores), 0.9);
}

}  // namespace
}  // namespace scopemia::eval
