#pragma once
// `scopemia evaluate`: feature sets against clinical endpoints, written as
// results.csv, markdown tables, ROC / scatter figures and paired comparisons.
#include <string>
#include <vector>

#include "eval/cross_validate.h"
#include "eval/evaluate_options.h"

namespace scopemia::eval {

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

}  // namespace scopemia::eval
