#pragma once
// `scopemia evaluate`: feature sets against clinical endpoints, written as
// results.csv, markdown tables, ROC / scatter figures and paired comparisons.
#include <string>
#include <vector>

#include "eval/binary_audit.h"
#include "eval/cross_validate.h"

namespace scopemia::eval {

struct EvaluateOptions {
  std::vector<std::string> features;  // one CSV per feature set
  std::vector<std::string> names;     // display names (default: file stem)
  std::string labels;
  std::vector<std::string> targets;   // several targets -> one subfolder each + table3.md
  std::string id_column = "ID";
  std::string group_column, fold_column;
  FeatureColumns columns;             // which columns are features (dataset.h)
  std::string task;                   // "" = inferred from the target
  std::vector<std::string> holdout_features;
  std::string holdout_labels;
  std::vector<std::string> models;    // empty = all of the task's defaults
  CvOptions cv;
  int bootstrap = 2000;
  bool plots = true;
  std::string output;

  // Binary endpoints: subgroups, sites, operating point and the primary
  // learner of the audit (eval/binary_audit.h); its other fields come from
  // the options above.
  AuditOptions audit;

  // Time-to-event endpoint (instead of --target): one binary endpoint per
  // horizon (cases censored before it left out) and Harrell's C of a
  // penalised Cox model's out-of-fold risk per feature set.
  std::string time_column, event_column, time_unit = "months";
  std::vector<double> horizons;
  double cox_penalty = 1.0;

  // report.html: the exact command and the tool's version, for the record.
  std::string command;
  bool report = true;
};

// Runs everything and returns the text printed to the terminal (the tables).
std::string run_evaluation(const EvaluateOptions& options);

// S3: how well each column of `predict_features` (e.g. radiomics) is predicted
// from the feature set (e.g. embeddings) by a cross-validated regressor.
struct PredictFeaturesOptions {
  std::string predict_features;  // targets, one column each
  std::string features;          // predictors
  std::string labels;            // optional: for --group-column
  std::string id_column = "ID";
  std::string group_column;
  std::string model = "ridge";
  FeatureColumns columns;
  CvOptions cv;
  bool plots = true;
  std::string output;
};
std::string run_predict_features(const PredictFeaturesOptions& options);

// Task from the target values: two classes -> binary; numbers with more than
// ten distinct values -> regression; otherwise multiclass.
Task infer_task(const std::vector<std::string>& values);

}  // namespace scopemia::eval
