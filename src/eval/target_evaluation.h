#pragma once
// One target of `scopemia evaluate`, in two steps that meet only here:
//   evaluate_target computes — labels and feature sets joined, the splits,
//     every learner's cross-validation on every set, the paired comparisons
//     (DeLong and bootstrap for binary AUCs, bootstrap of macro AUC / R²
//     otherwise), the hold-out scores, the warnings — and writes nothing;
//   write_target_report writes what was computed (feature_columns.csv,
//     results.csv, oof_predictions.csv, tuned_parameters.csv,
//     comparison.csv, table.md, the binary audit, figures) and returns the
//     console text.
#include <string>
#include <vector>

#include "eval/cross_validate.h"
#include "eval/dataset.h"
#include "eval/evaluate_options.h"
#include "eval/folds.h"
#include "eval/stats.h"

namespace scopemia::eval {

struct SetResult {
  std::string name;
  Dataset data;
  std::vector<CvResult> results;  // one per learner, in TargetEvaluation::models order
};

// The first feature set against set `b` with learner `m`, on out-of-fold scores.
struct BinaryComparison {
  size_t b = 0, m = 0;
  DeLongTest delong;
  BootstrapResult bootstrap;
  double p_holm = 0;     // Holm-adjusted over all comparisons of the target
  bool primary = false;  // the pre-declared comparison (--primary, second set)
};

// Multi-class / regression: the primary score (macro AUC, R²) of both and a
// paired bootstrap of the difference.
struct PairedComparison {
  size_t b = 0, m = 0;
  double value_a = 0, value_b = 0;
  BootstrapResult bootstrap;
};

// A learner fitted on all training cases of set `s`, scored on the hold-out cases.
struct HoldoutScore {
  size_t s = 0;
  std::string model;
  double score = 0;
  double ci_low = NAN, ci_high = NAN;  // binary: DeLong 95 % CI of the AUC
  int n = 0;
};

struct TargetEvaluation {
  std::string target;
  Task task = Task::Binary;
  std::vector<std::string> classes;  // class order (empty for regression)
  std::vector<std::string> models;   // learners, catalogue names
  std::vector<std::string> ids;      // cases with a target and every feature set
  std::vector<std::string> values;   // their target values
  size_t labelled_cases = 0;         // rows of the labels file
  std::vector<FeatureTable> tables;  // one per --features file
  std::vector<Split> splits;
  std::vector<SetResult> sets;
  std::vector<BinaryComparison> binary_comparisons;
  std::vector<PairedComparison> paired_comparisons;
  std::vector<HoldoutScore> holdout;
  std::vector<std::string> warnings;  // learners that did not learn
};

// `labels` given: those (survival horizons); else read from o.labels.
TargetEvaluation evaluate_target(const EvaluateOptions& o, const std::string& target, const Labels* labels = nullptr);

// Writes `e` into `dir` (created); returns the console text.
std::string write_target_report(const EvaluateOptions& o, const TargetEvaluation& e, const std::string& dir);

// Column `c` of out-of-fold scores or predictions.
std::vector<double> column(const Eigen::MatrixXd& m, Eigen::Index c);

// The summary of `metric` on `split` ("train", "validation"), or null.
const MetricSummary* find_metric(const CvResult& r, const std::string& split, const std::string& metric);

}  // namespace scopemia::eval
