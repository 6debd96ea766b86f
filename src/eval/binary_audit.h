#pragma once
// What a clinical paper needs beyond cross-validated AUCs, for a binary
// endpoint, all from the out-of-fold predictions `evaluate` already has:
// calibration (Brier, slope, intercept, reliability diagrams), operating
// points (Youden, a fixed sensitivity), the ROC of feature set A against B
// per learner with bootstrap bands, AUC per subgroup (sex, age bins, site)
// with DeLong intervals, and leave-one-site-out validation.
#include <string>
#include <vector>

#include "eval/cross_validate.h"
#include "eval/dataset.h"

namespace scopemia::eval {

// One feature set's data and its cross-validation result per learner
// (results[m] belongs to the m-th model of binary_audit's `models`).
struct ScoredSet {
  std::string name;
  const Dataset* data = nullptr;
  std::vector<const CvResult*> results;
};

struct AuditOptions {
  std::vector<std::string> subgroup_columns;  // labels-file columns
  std::string age_column;
  std::vector<double> age_cuts;  // "<c1", "c1-<c2", ..., ">=ck"
  std::string site_column;       // leave-one-site-out validation
  double sensitivity = 0.9;      // the fixed-sensitivity operating point
  std::string primary;           // when given, the A-vs-B figures are drawn for this learner only
  // Set by evaluate from its own options:
  std::string labels_path, id_column;  // the labels file holds the subgroup and site columns
  int bootstrap = 2000;                // resamples of the ROC bands (cluster bootstrap when the data has groups)
  uint64_t seed = 0;
  bool plots = true;
};

struct AuditOutput {
  std::string markdown;
  std::vector<std::string> files;  // written CSVs and figures
};

AuditOutput binary_audit(const std::string& dir, const std::string& target, const std::vector<std::string>& models,
                         const std::vector<ScoredSet>& sets, const AuditOptions& options, const CvOptions& cv);

// Subgroup labels of a numeric column: "<68", ">=68" for cuts {68};
// empty or non-numeric values stay empty (the case is left out).
std::vector<std::string> age_bins(const std::vector<std::string>& values, const std::vector<double>& cuts);

struct SubgroupAuc {
  std::string column, value;
  int n = 0, positives = 0;
  double auc = 0, ci_low = 0, ci_high = 0;  // NaN when it lacks a class (CI: fewer than two of one)
};
// AUC of `score` within each value of `values` (empty values left out), with
// DeLong 95 % intervals; subgroups in sorted order of their values.
std::vector<SubgroupAuc> subgroup_aucs(const std::string& column, const std::vector<std::string>& values,
                                       const std::vector<int>& truth, const std::vector<double>& score);

}  // namespace scopemia::eval
