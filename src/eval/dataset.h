#pragma once
// Feature tables joined to a labels table on a case-id column.
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "io/csv.h"

namespace scopemia::eval {

enum class Task { Binary, Multiclass, Regression };
Task parse_task(const std::string& name);  // binary | multiclass | regression
const char* task_name(Task task);
// Task from the target values: two classes -> binary; numbers with more than
// ten distinct values -> regression; otherwise multiclass.
Task infer_task(const std::vector<std::string>& values);

// The labels file: one row per case, the target and optional group / fold columns.
struct Labels {
  std::string source;
  std::vector<std::string> header;  // every column name (none is ever a feature)
  // groups/folds empty when not asked; an empty group value becomes a group of its own
  std::vector<std::string> ids, target, groups, folds;
};
Labels read_labels(const std::string& path, const std::string& id_column, const std::string& target_column,
                   const std::string& group_column, const std::string& fold_column);

// Which numeric columns of a feature table are features. By provenance (what
// `scopemia evaluate` does): the columns an extractor wrote — PyRadiomics's
// `<imageType>_<class>_<Feature>` (original_, wavelet-LLH_, log-sigma-1-0-mm-3D_,
// ...) and scopemia's `scope_*` (embed) and `hf_share_*` (embed --spectra) —
// plus those the regex `extra` names (--feature-columns, whole name); every
// other column (ratings, sizes, notes a cases file carried through) is
// carried along, listed, never learned from.
struct FeatureColumns {
  bool provenance = true;
  std::string extra;  // ECMAScript regex; empty = none
};
bool written_by_extractor(const std::string& column);

// A feature table: numeric columns only. Columns named diagnostics_*, columns
// that are not numeric (a non-empty cell that does not parse as a number),
// the id column and every column in `excluded` (the labels file's columns)
// are dropped. Empty cells and nan/NaN are missing values (NaN).
struct FeatureTable {
  std::string source;
  std::vector<std::string> ids;
  std::vector<std::string> names;
  Eigen::MatrixXd values;  // ids.size() x names.size()
  std::vector<std::string> dropped_non_numeric;
  std::vector<std::string> carried;  // numeric, but not features by `columns`
};
// `columns` null: every numeric column is a feature.
FeatureTable read_features(const std::string& path, const std::string& id_column,
                           const std::vector<std::string>& excluded, const FeatureColumns* columns = nullptr);
FeatureTable features_from_csv(const io::CsvTable& table, const std::string& source, const std::string& id_column,
                               const std::vector<std::string>& excluded, const FeatureColumns* columns = nullptr);

// Cases (rows) ready for learning.
struct Dataset {
  Task task = Task::Binary;
  std::vector<std::string> ids, groups, folds;
  std::vector<std::string> feature_names;
  Eigen::MatrixXd X;                    // NaN = missing
  Eigen::VectorXd y;                    // class index (0..K-1) or the regression target
  std::vector<std::string> class_names; // classification only; for binary, [negative, positive]
  int n_classes() const { return static_cast<int>(class_names.size()); }
  std::vector<int> labels() const;      // y as ints
};

// The cases `rows` (indices into `data`) of a dataset, in that order.
Dataset subset(const Dataset& data, const std::vector<int>& rows);

// Class names of a classification target: its distinct non-empty values,
// numerically sorted when all are numbers (so 0 < 1 and the larger is the
// positive class of a binary task), else lexicographically.
std::vector<std::string> class_order(const std::vector<std::string>& values);

// Joins labels and features on the id. Only `ids` (in that order) are kept
// when given; otherwise cases in both tables with a non-empty target, in the
// labels file's order. Duplicate ids in either table are an error.
Dataset join(const Labels& labels, const FeatureTable& features, Task task,
             const std::vector<std::string>& class_names, const std::vector<std::string>* ids = nullptr);

// Ids present in the labels (with a target) and in every feature table, in
// the labels file's order.
std::vector<std::string> common_ids(const Labels& labels, const std::vector<const FeatureTable*>& tables);

}  // namespace scopemia::eval
