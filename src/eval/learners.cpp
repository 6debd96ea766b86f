#include "eval/learners.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/error.h"

namespace scopemia::eval {
namespace {

// One option swept over values, labelled "<label>=<value>".
template <typename T, typename Set>
TuningGrid sweep(const ModelOptions& base, const char* label, std::initializer_list<T> values, Set set) {
  TuningGrid grid;
  for (T v : values) {
    ModelOptions o = base;
    set(o, v);
    grid.emplace_back(fmt::format("{}={}", label, v), o);
  }
  return grid;
}

TuningGrid c_grid(const ModelOptions& base, int) {
  return sweep(base, "C", {1.0, 0.01, 0.1, 10.0, 100.0}, [](ModelOptions& o, double C) { o.C = C; });
}

std::vector<Learner> make_catalogue() {
  std::vector<Learner> c;
  c.push_back({"ridge", "Ridge", false, true, false, true,
               [](int, const ModelOptions& o) { return make_ridge(o.ridge_alpha); },
               [](const ModelOptions& base, int) {
                 return sweep(base, "alpha", {1.0, 0.01, 0.1, 10.0, 100.0},
                              [](ModelOptions& o, double a) { o.ridge_alpha = a; });
               }});
  c.push_back({"rf", "Random forest", true, true, true, true,
               [](int K, const ModelOptions& o) { return make_xgb_forest(K, o.seed, o.rf_max_depth); },
               [](const ModelOptions& base, int) {
                 return sweep(base, "max_depth", {20, 4, 8}, [](ModelOptions& o, int d) { o.rf_max_depth = d; });
               }});
  c.push_back({"svm", "SVM (RBF)", true, false, true, false,
               [](int K, const ModelOptions& o) { return make_svm(K, o.C, o.seed); }, c_grid});
  c.push_back({"knn", "KNN", true, true, true, false, [](int K, const ModelOptions& o) { return make_knn(K, o.knn_k); },
               [](const ModelOptions& base, int) {
                 return sweep(base, "k", {5, 3, 7, 11, 15, 21}, [](ModelOptions& o, int k) { o.knn_k = k; });
               }});
  c.push_back({"gb", "Gradient boosting", true, true, true, true,
               [](int K, const ModelOptions& o) {
                 return make_xgb_boosting(K, o.seed, o.gb_max_depth, o.gb_learning_rate);
               },
               [](const ModelOptions& base, int) {
                 TuningGrid grid;
                 for (int d : {3, 2, 5})
                   for (double lr : {0.1, 0.03}) {
                     ModelOptions o = base;
                     o.gb_max_depth = d;
                     o.gb_learning_rate = lr;
                     grid.emplace_back(fmt::format("max_depth={},learning_rate={}", d, lr), o);
                   }
                 return grid;
               }});
  c.push_back({"svr", "SVR (RBF)", false, true, false, true,
               [](int, const ModelOptions& o) { return make_svm(0, o.C, o.seed); }, c_grid});
  c.push_back({"gp", "Gaussian process", true, true, true, true,
               [](int K, const ModelOptions& o) { return make_gp(K, o.gp_length_scale); },
               [](const ModelOptions& base, int p) {
                 // The fixed default, then multiples of sqrt(p) (the typical distance of standardised rows).
                 TuningGrid grid{{fmt::format("length_scale={:.4g}", base.gp_length_scale), base}};
                 const double r = std::sqrt(static_cast<double>(std::max(p, 1)));
                 for (double f : {0.25, 0.5, 1.0, 2.0}) {
                   ModelOptions o = base;
                   o.gp_length_scale = f * r;
                   grid.emplace_back(fmt::format("length_scale={:.4g}", f * r), o);
                 }
                 return grid;
               }});
  c.push_back({"lda", "LDA", true, false, true, false,
               [](int K, const ModelOptions& o) { return make_lda(K, o.lda_shrinkage); },
               [](const ModelOptions& base, int) {
                 TuningGrid grid;
                 const auto add = [&](std::string label, double s) {
                   ModelOptions o = base;
                   o.lda_shrinkage = s;
                   grid.emplace_back(std::move(label), o);
                 };
                 add("shrinkage=none", -1);
                 for (double s : {0.1, 0.5, 0.9}) add(fmt::format("shrinkage={}", s), s);
                 add("shrinkage=auto", 2);
                 return grid;
               }});
  c.push_back({"logreg", "Logistic regression", true, false, true, false,
               [](int K, const ModelOptions& o) { return make_logistic_regression(K, o.C); }, c_grid});
  return c;
}

bool serves(const Learner& l, Task task) { return task == Task::Regression ? l.regression : l.classification; }

}  // namespace

const std::vector<Learner>& learners() {
  static const std::vector<Learner> catalogue = make_catalogue();
  return catalogue;
}

std::string canonical_learner(const std::string& name, Task task) {
  return task == Task::Regression && name == "svm" ? "svr" : name;
}

const Learner& find_learner(const std::string& name, Task task) {
  const std::string canonical = canonical_learner(name, task);
  for (const Learner& l : learners())
    if (l.name == canonical && serves(l, task)) return l;
  std::string names;
  for (const Learner& l : learners())
    if (serves(l, task)) names += (names.empty() ? "" : ", ") + l.name;
  throw InputError(fmt::format("unknown {} model '{}' (use {})", task == Task::Regression ? "regression" : "classification",
                               name, names));
}

std::string display_name(const std::string& model, Task task) {
  const std::string canonical = canonical_learner(model, task);
  for (const Learner& l : learners())
    if (l.name == canonical) return l.display;
  return model;
}

std::vector<std::string> default_models(Task task) {
  std::vector<std::string> names;
  for (const Learner& l : learners())
    if (task == Task::Regression ? l.default_regression : l.default_classification) names.push_back(l.name);
  return names;
}

TuningGrid tuning_grid(const std::string& name, const ModelOptions& base, int p) {
  for (const Learner& l : learners())
    if (l.name == name && l.tuning) return l.tuning(base, p);
  return {{"default", base}};
}

std::unique_ptr<Model> make_model(const std::string& name, Task task, int n_classes, const ModelOptions& options) {
  return find_learner(name, task).make(task == Task::Regression ? 0 : n_classes, options);
}

}  // namespace scopemia::eval
