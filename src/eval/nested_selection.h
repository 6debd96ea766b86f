#pragma once
// Nested, grouped model selection (`scopemia sweep`): the outer folds report
// a score; the choice among candidates (e.g. pretraining hyperparameters) is
// made inside each outer training part only, so no reported number is tuned
// on its own cases.
//
//   for each outer fold f (stratified, grouped: a patient in one fold only):
//     selection[c] = inner_score(train_f, c)      every candidate c; sees train_f only
//     chosen      = argmax_c selection[c]          (ties: the lower index)
//     reported_f  = outer_score(train_f, test_f, chosen)
//   reported = mean and sd of reported_f over folds
//
// inner_score and outer_score are what the caller does with rows: pretrain
// on train rows, embed, cross-validate inside train rows, fit on train rows
// and score test rows. Rows are indices into the caller's table.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace scopemia::eval {

struct NestedFold {
  int fold = 0;
  std::vector<int> train, test;
  std::vector<double> selection_scores;  // one per candidate, from train rows only
  int chosen = 0;
  double reported = 0;  // the chosen candidate on the test rows
};

struct NestedSelection {
  std::vector<NestedFold> folds;
  double mean = 0, sd = 0;  // of the reported scores over folds
};

using InnerScore = std::function<double(int fold, const std::vector<int>& train, int candidate)>;
using OuterScore =
    std::function<double(int fold, const std::vector<int>& train, const std::vector<int>& test, int candidate)>;

// `strata` (class per row) and `groups` (empty: one per row) define the
// outer folds (stratified_group_kfold, one repeat, `seed`).
NestedSelection nested_selection(const std::vector<int>& strata, const std::vector<std::string>& groups,
                                 int candidates, int outer_folds, uint64_t seed, const InnerScore& inner_score,
                                 const OuterScore& outer_score);

}  // namespace scopemia::eval
