#pragma once
// Repeated, stratified, grouped K-fold cross-validation in which everything
// that is estimated from data (imputation, scaling, filters, selection, the
// model) is fitted on the training part of each split only.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "eval/dataset.h"
#include "eval/folds.h"
#include "eval/models.h"
#include "eval/preprocess.h"

namespace scopemia::eval {

struct CvOptions {
  int folds = 5;
  int repeats = 10;
  uint64_t seed = 0;
  int threads = 1;  // splits evaluated in parallel
  PreprocessOptions preprocess;
  ModelOptions model;
  // --tune: in each split, hyperparameters (tuning_grid) are chosen by an
  // inner stratified grouped CV with tune_folds folds on the training part
  // only, preprocessing refitted inside each inner fold; then refitted on
  // the whole training part.
  bool tune = false;
  int tune_folds = 3;
  // Test hook: called after each split's preprocessing is fitted.
  std::function<void(const Split&, const Preprocessor&)> on_preprocess_fitted;
  // Called after each split (from worker threads), e.g. to advance a progress line.
  std::function<void()> on_split_done;
};

// Splits for a dataset: its fold column when it has one, else stratified
// (by class, or by target quintile for regression) and grouped K-fold.
std::vector<Split> make_splits(const Dataset& data, const CvOptions& options);

struct MetricSummary {
  std::string split;   // train | validation | test
  std::string metric;  // auc, auc_macro, auc_micro, accuracy, r2, and *_oof
  double mean = 0, std = 0;
  int n = 0;  // number of splits averaged (or cases, for *_oof)
};

struct CvResult {
  std::string model;
  std::vector<MetricSummary> metrics;
  // Out-of-fold predictions averaged over repeats: n x K probabilities
  // (classification) or n x 1 predictions (regression).
  Eigen::MatrixXd oof;
  // Per split metric values: validation AUC (or R^2), in split order.
  std::vector<double> validation_scores, train_scores;
  // With tuning: the chosen hyperparameters of each split.
  std::vector<std::string> chosen;
};

using ModelFactory = std::function<std::unique_ptr<Model>()>;

CvResult cross_validate(const Dataset& data, const std::string& model_name, const std::vector<Split>& splits,
                        const CvOptions& options);
CvResult cross_validate(const Dataset& data, const std::string& model_name, const ModelFactory& factory,
                        const std::vector<Split>& splits, const CvOptions& options);

// The main score of a task on some rows: AUC (binary), macro AUC
// (multiclass), R^2 (regression).
double primary_score(Task task, const std::vector<double>& y, const Eigen::MatrixXd& pred);
const char* primary_metric(Task task);

// Fits preprocessing + model on all of `train` and predicts `test` (hold-out evaluation).
Eigen::MatrixXd fit_predict(const Dataset& train, const Eigen::MatrixXd& test_X, const std::string& model_name,
                            const CvOptions& options);

}  // namespace scopemia::eval
