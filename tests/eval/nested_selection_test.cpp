#include "eval/nested_selection.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <gtest/gtest.h>

#include "core/error.h"
#include "eval/folds.h"

namespace scopemia::eval {
namespace {

struct Table {
  std::vector<int> strata;
  std::vector<std::string> groups;
};

// 60 rows, 20 patients of 3 rows each, two classes.
Table patients() {
  Table t;
  for (int i = 0; i < 60; ++i) {
    t.strata.push_back((i / 3) % 2);
    t.groups.push_back("p" + std::to_string(i / 3));
  }
  return t;
}

TEST(NestedSelection, TheChoiceNeverSeesTheRowsItIsReportedOn) {
  const Table t = patients();
  const auto splits = stratified_group_kfold(t.strata, t.groups, 4, 1, 7);
  int inner_calls = 0;
  const auto inner = [&](int fold, const std::vector<int>& train, int candidate) {
    ++inner_calls;
    const std::set<int> test(splits[fold].test.begin(), splits[fold].test.end());
    std::set<std::string> test_groups;
    for (int r : test) test_groups.insert(t.groups[r]);
    for (int r : train) {
      EXPECT_EQ(test.count(r), 0u) << "fold " << fold << " selection saw test row " << r;
      EXPECT_EQ(test_groups.count(t.groups[r]), 0u) << "fold " << fold << " selection saw a test patient";
    }
    return double(candidate);
  };
  const auto outer = [&](int fold, const std::vector<int>& train, const std::vector<int>& test, int candidate) {
    EXPECT_EQ(test, splits[fold].test);
    EXPECT_EQ(train, splits[fold].train);
    return 0.5;
  };
  const NestedSelection r = nested_selection(t.strata, t.groups, 3, 4, 7, inner, outer);
  EXPECT_EQ(inner_calls, 4 * 3);
  ASSERT_EQ(r.folds.size(), 4u);
  for (const auto& f : r.folds) EXPECT_EQ(f.chosen, 2);
}

TEST(NestedSelection, ReportsTheChosenCandidateNotTheBestOnTheTestRows) {
  // Candidate 0 looks best inside every training part; candidate 1 would be
  // best on the test rows. A selection that peeked would report 0.9.
  const Table t = patients();
  const auto inner = [](int fold, const std::vector<int>&, int candidate) { return candidate == 0 ? 0.8 : 0.7; };
  const auto outer = [](int fold, const std::vector<int>&, const std::vector<int>&, int candidate) {
    return candidate == 0 ? 0.6 + 0.01 * fold : 0.9;
  };
  const NestedSelection r = nested_selection(t.strata, t.groups, 2, 3, 1, inner, outer);
  for (const auto& f : r.folds) {
    EXPECT_EQ(f.chosen, 0);
    EXPECT_DOUBLE_EQ(f.reported, 0.6 + 0.01 * f.fold);
    EXPECT_EQ(f.selection_scores, (std::vector<double>{0.8, 0.7}));
  }
  EXPECT_NEAR(r.mean, 0.61, 1e-12);
  EXPECT_NEAR(r.sd, 0.01, 1e-12);
}

TEST(NestedSelection, NaNScoresNeverWinAndTiesKeepTheFirst) {
  const Table t = patients();
  const auto inner = [](int, const std::vector<int>&, int c) { return c == 0 ? std::nan("") : 0.7; };
  const auto outer = [](int, const std::vector<int>&, const std::vector<int>&, int c) { return double(c); };
  const NestedSelection r = nested_selection(t.strata, t.groups, 3, 2, 0, inner, outer);
  for (const auto& f : r.folds) EXPECT_EQ(f.chosen, 1);
  EXPECT_THROW(nested_selection(t.strata, t.groups, 0, 2, 0, inner, outer), InputError);
}

}  // namespace
}  // namespace scopemia::eval
