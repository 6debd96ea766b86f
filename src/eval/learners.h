#pragma once
// The learner catalogue: every classical learner `scopemia evaluate` (and the
// sweep) can run, one row each — its name on the command line, the name its
// tables print, the tasks it serves and is a default for, how it is built
// from ModelOptions, and the hyperparameter grid --tune searches. Adding a
// learner is adding a row (learners.cpp); nothing else lists them.
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "eval/dataset.h"
#include "eval/models.h"

namespace scopemia::eval {

using TuningGrid = std::vector<std::pair<std::string, ModelOptions>>;

struct Learner {
  std::string name;     // as given to --classifiers, e.g. "logreg"
  std::string display;  // as tables print it, e.g. "Logistic regression"
  bool classification = false, regression = false;  // tasks it serves
  bool default_classification = false, default_regression = false;  // run when none is named
  // n_classes 0 = regression.
  std::function<std::unique_ptr<Model>(int n_classes, const ModelOptions&)> make;
  // The candidates --tune searches around `base` (the defaults first), with a
  // label each; p = number of features. Empty: only the defaults.
  std::function<TuningGrid(const ModelOptions& base, int p)> tuning;
};

// Every learner, in the order default runs list them.
const std::vector<Learner>& learners();

// The learner `name` stands for in `task` ("svm" is the SVR in regression);
// InputError naming the learners of that task when there is none.
const Learner& find_learner(const std::string& name, Task task);

// Its catalogue name in `task` (resolves "svm" -> "svr" for regression).
std::string canonical_learner(const std::string& name, Task task);

// "Random forest", "SVM (RBF)" ("SVR (RBF)" for a regression task), ...; an
// unknown name as given.
std::string display_name(const std::string& model, Task task = Task::Binary);

// The learners run when none is named.
std::vector<std::string> default_models(Task task);

// Candidate hyperparameters searched by --tune for a model (the defaults
// first), with a short description of each; p = number of features.
TuningGrid tuning_grid(const std::string& name, const ModelOptions& base, int p);

// The learner `name` for `task`, built with `options`; n_classes is ignored
// for regression. InputError for an unknown name.
std::unique_ptr<Model> make_model(const std::string& name, Task task, int n_classes, const ModelOptions& options);

}  // namespace scopemia::eval
