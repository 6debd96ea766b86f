#pragma once
// Preprocessing fitted on a training fold only, then applied to any rows.
#include <string>
#include <vector>

#include <Eigen/Dense>

namespace scopemia::eval {

struct PreprocessOptions {
  double variance_threshold = -1;  // >= 0: drop features whose training variance (raw, imputed) is <= this
  double max_correlation = 0;      // in (0,1): drop a feature whose |Pearson r| with an earlier kept one exceeds it
  int select_k = 0;                // > 0: keep the k features with the largest univariate F statistic
};

// Steps, in order, all estimated from the rows passed to fit():
//  1. median imputation of missing values (a column with no value imputes 0);
//  2. features constant on the training rows are dropped (they carry nothing;
//     sklearn's StandardScaler would leave them as zeros, same predictions);
//  3. optional variance threshold (sklearn VarianceThreshold);
//  4. standardisation to zero mean, unit variance (population sd, StandardScaler);
//  5. optional correlation filter (greedy in column order);
//  6. optional top-k by ANOVA F (classification, sklearn f_classif) or by the
//     F of a univariate linear regression (sklearn f_regression).
class Preprocessor {
 public:
  explicit Preprocessor(PreprocessOptions options = {}) : options_(options) {}
  // y: class indices (n_classes > 0) or a continuous target (n_classes == 0).
  void fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, int n_classes);
  Eigen::MatrixXd transform(const Eigen::MatrixXd& X) const;

  const std::vector<int>& kept() const { return kept_; }  // input columns kept, in output order
  const Eigen::VectorXd& medians() const { return median_; }
  const Eigen::VectorXd& means() const { return mean_; }  // per kept column
  const Eigen::VectorXd& scales() const { return scale_; }

 private:
  PreprocessOptions options_;
  Eigen::VectorXd median_;
  std::vector<int> kept_;
  Eigen::VectorXd mean_, scale_;
};

// Univariate F statistics (NaN-free: constant columns give 0).
Eigen::VectorXd f_classif(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, int n_classes);
Eigen::VectorXd f_regression(const Eigen::MatrixXd& X, const Eigen::VectorXd& y);

}  // namespace scopemia::eval
