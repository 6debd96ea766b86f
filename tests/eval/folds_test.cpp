// Splits: stratified, grouped, deterministic; preprocessing fitted on the
// training part only.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "core/random.h"
#include "support/noise_dataset.h"
#include "eval/cross_validate.h"
#include "eval/folds.h"
#include "eval/metrics.h"
#include "eval/preprocess.h"

namespace scopemia::eval {
namespace {

TEST(Folds, UngroupedClassCountsWithinOneOfBalanced) {
  std::vector<int> y;
  for (int i = 0; i < 103; ++i) y.push_back(i % 10 < 3 ? 1 : i % 10 < 5 ? 2 : 0);  // 3 classes
  const auto splits = stratified_group_kfold(y, {}, 5, 3, 7);
  ASSERT_EQ(splits.size(), 15u);
  std::map<int, int> total;
  for (int c : y) total[c]++;
  for (int r = 0; r < 3; ++r) {
    std::vector<int> seen(y.size(), 0);
    for (const auto& s : splits) {
      if (s.repeat != r) continue;
      std::map<int, int> count;
      for (int i : s.test) {
        count[y[i]]++;
        seen[i]++;
      }
      for (const auto& kv : total) {
        const double balanced = kv.second / 5.0;
        EXPECT_LE(std::fabs(count[kv.first] - balanced), 1.0) << "class " << kv.first;
      }
      EXPECT_EQ(s.train.size() + s.test.size(), y.size());
    }
    for (int v : seen) EXPECT_EQ(v, 1);  // every case validated exactly once per repeat
  }
}

TEST(Folds, GroupsNeverStraddleFoldsAndClassesStayNearBalanced) {
  Random rng(9);
  std::vector<int> y;
  std::vector<std::string> g;
  for (int p = 0; p < 80; ++p) {
    const int lesions = 1 + static_cast<int>(rng.uniform() * 4);
    for (int l = 0; l < lesions; ++l) {
      g.push_back("patient" + std::to_string(p));
      y.push_back(rng.uniform() < 0.3);
    }
  }
  const auto splits = stratified_group_kfold(y, g, 5, 4, 1);
  const double positives = std::count(y.begin(), y.end(), 1);
  for (int r = 0; r < 4; ++r) {
    std::map<std::string, std::set<int>> folds_of_group;
    for (const auto& s : splits) {
      if (s.repeat != r) continue;
      int pos = 0;
      for (int i : s.test) {
        folds_of_group[g[i]].insert(s.fold);
        pos += y[i];
      }
      // Within one group size (at most 4 cases) of a fifth of the positives.
      EXPECT_LE(std::fabs(pos - positives / 5), 4.0);
      std::set<std::string> train_groups;
      for (int i : s.train) train_groups.insert(g[i]);
      for (int i : s.test) EXPECT_EQ(train_groups.count(g[i]), 0u);
    }
    for (const auto& kv : folds_of_group) EXPECT_EQ(kv.second.size(), 1u) << kv.first;
  }
}

TEST(Folds, DeterministicForASeedAndRepeatsDiffer) {
  std::vector<int> y(60);
  for (int i = 0; i < 60; ++i) y[i] = i % 3 == 0;
  const auto a = stratified_group_kfold(y, {}, 5, 2, 123);
  const auto b = stratified_group_kfold(y, {}, 5, 2, 123);
  const auto c = stratified_group_kfold(y, {}, 5, 2, 124);
  for (size_t s = 0; s < a.size(); ++s) EXPECT_EQ(a[s].test, b[s].test);
  EXPECT_NE(a[0].test, a[5].test);  // repeat 1 reshuffles
  EXPECT_NE(a[0].test, c[0].test);
}

TEST(Folds, FromColumn) {
  const auto s = splits_from_column({"b", "a", "b", "c", "a"});
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].test, (std::vector<int>{1, 4}));
  EXPECT_EQ(s[1].test, (std::vector<int>{0, 2}));
  EXPECT_EQ(s[2].train, (std::vector<int>{0, 1, 2, 4}));
}

TEST(Preprocess, ParametersComeFromTrainingRowsOnly) {
  Eigen::MatrixXd train(4, 3), valid(2, 3);
  const double nan = std::nan("");
  train << 1, 10, 5,  //
      2, nan, 5,      //
      3, 30, 5,       //
      nan, 40, 5;
  valid << 1e9, -1e9, 7,  //
      nan, nan, 7;
  Preprocessor pre;
  pre.fit(train, Eigen::VectorXd::Zero(4), 0);
  // Column 2 is constant on the training rows: dropped.
  ASSERT_EQ(pre.kept(), (std::vector<int>{0, 1}));
  EXPECT_DOUBLE_EQ(pre.medians()(0), 2.0);
  EXPECT_DOUBLE_EQ(pre.medians()(1), 30.0);
  // Means after imputation: (1+2+3+2)/4 and (10+30+30+40)/4.
  EXPECT_DOUBLE_EQ(pre.means()(0), 2.0);
  EXPECT_DOUBLE_EQ(pre.means()(1), 27.5);
  const Eigen::MatrixXd z = pre.transform(valid);
  EXPECT_DOUBLE_EQ(z(1, 0), 0.0);  // imputed with the training median = the training mean here
  EXPECT_NEAR(z(0, 0), (1e9 - 2.0) / std::sqrt(0.5), 1e-3);
}

TEST(Preprocess, CorrelationFilterAndTopK) {
  Random rng(2);
  const int n = 200;
  Eigen::MatrixXd X(n, 4);
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) {
    y(i) = i % 2;
    X(i, 0) = rng.normal() + 2 * y(i);
    X(i, 1) = 3 * X(i, 0) + 1e-3 * rng.normal();  // duplicate of column 0
    X(i, 2) = rng.normal();
    X(i, 3) = rng.normal() + 0.5 * y(i);
  }
  Preprocessor corr(PreprocessOptions{-1, 0.95, 0});
  corr.fit(X, y, 2);
  EXPECT_EQ(corr.kept(), (std::vector<int>{0, 2, 3}));
  Preprocessor topk(PreprocessOptions{-1, 0, 2});
  topk.fit(X, y, 2);
  EXPECT_EQ(topk.kept(), (std::vector<int>{0, 1}));
  const Eigen::VectorXd F = f_classif(X, y, 2);
  EXPECT_GT(F(3), F(2));
}

TEST(CrossValidation, PreprocessingNeverSeesTheValidationFold) {
  Random rng(4);
  const int n = 60;
  Dataset d;
  d.task = Task::Binary;
  d.class_names = {"0", "1"};
  d.X.resize(n, 2);
  d.y.resize(n);
  for (int i = 0; i < n; ++i) {
    d.y(i) = i % 2;
    d.X(i, 0) = rng.normal() + d.y(i);
    d.X(i, 1) = i;  // canary: its training mean identifies the rows used
  }
  CvOptions o;
  o.folds = 5;
  o.repeats = 2;
  int calls = 0;
  o.on_preprocess_fitted = [&](const Split& s, const Preprocessor& pre) {
    double mean = 0;
    for (int i : s.train) mean += i;
    mean /= s.train.size();
    EXPECT_DOUBLE_EQ(pre.means()(1), mean);
    ++calls;
  };
  const auto splits = make_splits(d, o);
  cross_validate(d, "logreg", splits, o);
  EXPECT_EQ(calls, 10);
}

// Must-show 2: pure-noise features with top-k selection inside the folds give
// AUC 0.5 +- 0.05 over repeats; the same selection done once on all cases
// (the classic leak) inflates it, which shows the test can tell.
TEST(CrossValidation, NoiseWithFeatureSelectionStaysAtChance) {
  const int n = 120, p = 500;
  const Dataset d = testing::noise_dataset(n, p, 17);
  CvOptions o;
  o.folds = 5;
  o.repeats = 10;
  o.seed = 3;
  o.preprocess.select_k = 10;
  const auto splits = make_splits(d, o);
  const CvResult honest = cross_validate(d, "logreg", splits, o);
  double mean = 0;
  for (double v : honest.validation_scores) mean += v;
  mean /= honest.validation_scores.size();
  EXPECT_NEAR(mean, 0.5, 0.05);

  // Leaky: choose the 10 features on all cases, then cross-validate.
  Preprocessor leak(o.preprocess);
  leak.fit(d.X, d.y, 2);
  Dataset leaky = d;
  leaky.X.resize(n, 10);
  for (int c = 0; c < 10; ++c) leaky.X.col(c) = d.X.col(leak.kept()[static_cast<size_t>(c)]);
  CvOptions lo = o;
  lo.preprocess = {};
  const CvResult inflated = cross_validate(leaky, "logreg", splits, lo);
  double leak_mean = 0;
  for (double v : inflated.validation_scores) leak_mean += v;
  leak_mean /= inflated.validation_scores.size();
  EXPECT_GT(leak_mean, 0.65);
}

}  // namespace
}  // namespace scopemia::eval
