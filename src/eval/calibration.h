#pragma once
// How well predicted probabilities match outcomes, and what a threshold on
// them gives: the numbers a clinical reader asks for beside the AUC.
#include <string>
#include <vector>

namespace scopemia::eval {

struct ReliabilityBin {
  int n = 0;
  double mean_predicted = 0, observed = 0;  // observed = fraction of positives
};

struct Calibration {
  double brier = 0;  // mean (p - y)^2 (scikit-learn's brier_score_loss)
  // Logistic recalibration y ~ intercept + slope * logit(p), maximum
  // likelihood (R's glm(y ~ qlogis(p), binomial)): slope 1 and intercept 0
  // when calibrated; slope < 1 means predictions too extreme (overfitting).
  double slope = 0, intercept = 0;
  // Calibration-in-the-large: the intercept with the slope fixed at 1
  // (glm(y ~ offset(qlogis(p)), binomial)); 0 when the mean risk is right.
  double intercept_in_the_large = 0;
  std::vector<ReliabilityBin> bins;  // equal-count bins of the predictions, in increasing order
};

// y in {0, 1}; p in [0, 1] (clipped to [1e-12, 1 - 1e-12] for the logit).
// NaN slope/intercept when a class is absent or the fit does not converge.
Calibration calibration(const std::vector<int>& y, const std::vector<double>& p, int bins = 10);

// A threshold on the scores and what it gives (score >= threshold is positive).
struct OperatingPoint {
  std::string rule;  // "Youden" or "sensitivity >= 0.90"
  double threshold = 0;
  double sensitivity = 0, specificity = 0, ppv = 0, npv = 0;
  int tp = 0, fp = 0, tn = 0, fn = 0;
};
// The threshold maximising sensitivity + specificity - 1 (the largest one on ties).
OperatingPoint youden_point(const std::vector<int>& y, const std::vector<double>& score);
// The largest threshold whose sensitivity reaches `sensitivity`.
OperatingPoint point_at_sensitivity(const std::vector<int>& y, const std::vector<double>& score, double sensitivity);

}  // namespace scopemia::eval
