#pragma once
// What one `scopemia evaluate` run is asked for (eval/evaluate.h runs it;
// eval/target_evaluation.h computes and writes each target of it).
#include <string>
#include <vector>

#include "eval/binary_audit.h"
#include "eval/cross_validate.h"
#include "eval/dataset.h"

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

}  // namespace scopemia::eval
