#pragma once
// Classical learners with scikit-learn's default hyperparameters (by name,
// with their tuning grids: eval/learners.h).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "eval/dataset.h"

namespace scopemia::eval {

struct ModelOptions {
  uint64_t seed = 0;
  double lda_shrinkage = -1;     // LDA: < 0 = sklearn default (solver 'svd', no shrinkage);
                                 // in [0,1] = solver 'lsqr' with that shrinkage; 2 = 'lsqr' with Ledoit-Wolf ('auto')
  double gp_length_scale = 1.0;  // GP RBF length scale (sklearn default 1.0, fixed)
  int knn_k = 5;
  double C = 1.0;                // logistic regression, SVC, SVR
  double ridge_alpha = 1.0;
  int rf_max_depth = 20;
  int gb_max_depth = 3;          // sklearn GradientBoosting: 3
  double gb_learning_rate = 0.1; // sklearn GradientBoosting: 0.1
};

class Model {
 public:
  virtual ~Model() = default;
  // Classification: y holds class indices 0..K-1; regression: the target.
  virtual void fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) = 0;
  // Classification: n x K class probabilities (rows sum to 1);
  // regression: n x 1 predictions.
  virtual Eigen::MatrixXd predict(const Eigen::MatrixXd& X) const = 0;
};

// The individual learners; eval/learners.h builds them by name.
std::unique_ptr<Model> make_logistic_regression(int n_classes, double C);
std::unique_ptr<Model> make_lda(int n_classes, double shrinkage);
std::unique_ptr<Model> make_knn(int n_classes, int k);  // n_classes 0 = regression (mean of neighbours)
std::unique_ptr<Model> make_ridge(double alpha);
std::unique_ptr<Model> make_svm(int n_classes, double C, uint64_t seed);  // n_classes 0 = epsilon-SVR
std::unique_ptr<Model> make_xgb_forest(int n_classes, uint64_t seed, int max_depth = 20);  // n_classes 0 = regression
std::unique_ptr<Model> make_xgb_boosting(int n_classes, uint64_t seed, int max_depth = 3, double learning_rate = 0.1);
std::unique_ptr<Model> make_gp(int n_classes, double length_scale);       // n_classes 0 = regression

// Binary logistic regression internals, for tests: minimises
// 0.5*|w|^2 + C * sum_i log(1 + exp(-s_i (x_i.w + b))), s_i = +-1.
struct LogisticFit {
  Eigen::VectorXd w;
  double b = 0;
};
LogisticFit fit_binary_logistic(const Eigen::MatrixXd& X, const Eigen::VectorXd& y01, double C);

// Minimises f with L-BFGS (m = 10) and a backtracking Armijo line search.
// fg(x, grad) returns f(x) and writes its gradient. Stops when
// max|grad| <= gtol or after max_iter iterations.
struct LbfgsResult {
  int iterations = 0;
  double f = 0, grad_max = 0;
};
LbfgsResult minimize_lbfgs(const std::function<double(const Eigen::VectorXd&, Eigen::VectorXd&)>& fg,
                           Eigen::VectorXd& x, double gtol, int max_iter);

}  // namespace scopemia::eval
