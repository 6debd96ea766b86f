#pragma once
// Cross-validation splits: stratified and grouped K-fold, repeated, seeded.
#include <cstdint>
#include <string>
#include <vector>

namespace scopemia::eval {

struct Split {
  int repeat = 0, fold = 0;
  std::vector<int> train, test;  // row indices, ascending
};

// K folds per repeat. Every group (e.g. a patient) lies in exactly one fold;
// within that constraint each fold gets as near as possible 1/K of every
// stratum (class). Groups are visited largest first (ties in a seeded random
// order) and each goes to the fold where it least raises
// sum_c (count_fc / total_c)^2, ties to the smaller fold then the lower index.
// With one case per group this deals each class round-robin, so per-fold
// class counts differ by at most one. `groups` empty = one group per row.
// Deterministic for a seed; repeat r uses stream r.
std::vector<Split> stratified_group_kfold(const std::vector<int>& strata, const std::vector<std::string>& groups,
                                          int folds, int repeats, uint64_t seed);

// Splits from a given fold column: fold f's test set is the rows whose value
// is the f-th distinct value (sorted). One repeat.
std::vector<Split> splits_from_column(const std::vector<std::string>& fold_values);

// Strata for a continuous target: quantile bins (at most `bins`).
std::vector<int> quantile_strata(const std::vector<double>& values, int bins);

}  // namespace scopemia::eval
