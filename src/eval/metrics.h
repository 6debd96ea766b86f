#pragma once
// Evaluation metrics with scikit-learn's definitions.
#include <vector>

#include <Eigen/Dense>

namespace scopemia::eval {

// ROC-AUC of scores for a binary truth (1 = positive). Ties count one half
// (the Mann-Whitney statistic with midranks, which equals the trapezoidal
// area under sklearn's roc_curve). NaN when a class is absent.
double roc_auc(const std::vector<int>& truth, const std::vector<double>& score);

struct RocCurve {
  std::vector<double> fpr, tpr;  // from (0,0) to (1,1); one point per distinct threshold
};
RocCurve roc_curve(const std::vector<int>& truth, const std::vector<double>& score);

// Multi-class one-vs-rest AUCs. `proba` is n x K, labels in [0, K).
// macro: mean over classes of the class-vs-rest AUC (classes without both
// positives and negatives are skipped); micro: one AUC over the n*K
// (indicator, score) pairs.
double roc_auc_macro(const std::vector<int>& labels, const Eigen::MatrixXd& proba);
double roc_auc_micro(const std::vector<int>& labels, const Eigen::MatrixXd& proba);

// Coefficient of determination, 1 - SS_res / SS_tot (sklearn's r2_score;
// NaN when the truth is constant).
double r2_score(const std::vector<double>& truth, const std::vector<double>& pred);
// Fraction of rows whose arg-max column equals the label.
double accuracy(const std::vector<int>& labels, const Eigen::MatrixXd& proba);

// Midranks (1-based; ties get the mean of their ranks).
std::vector<double> midranks(const std::vector<double>& x);

}  // namespace scopemia::eval
