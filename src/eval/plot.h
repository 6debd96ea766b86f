#pragma once
// Figures through gnuplot (Debian gnuplot-nox), run as a subprocess with the
// pngcairo terminal. Data and script go to a temporary folder that is removed.
#include <string>
#include <vector>

namespace scopemia::eval {

struct Series {
  std::string label;
  std::vector<double> x, y;
};

// True when a gnuplot binary runs (SCOPEMIA_GNUPLOT overrides the name).
bool gnuplot_available();

// Each returns false (and writes nothing) when gnuplot is unavailable or fails.
// ROC curves with the chance diagonal; axes 0..1.
bool plot_roc(const std::string& png, const std::string& title, const std::vector<Series>& curves);
// Actual (x) vs predicted (y) scatter with the identity line.
bool plot_scatter(const std::string& png, const std::string& title, const std::string& xlabel,
                  const std::string& ylabel, const Series& points);
// Values against their rank (a sorted profile) with horizontal reference lines.
bool plot_sorted(const std::string& png, const std::string& title, const std::string& ylabel,
                 const std::vector<double>& sorted_values, const std::vector<double>& reference_lines);

// Lines with points, one per series, e.g. a score against a hyperparameter;
// `err` (same length as y, optional per series) draws error bars.
bool plot_lines(const std::string& png, const std::string& title, const std::string& xlabel,
                const std::string& ylabel, const std::vector<Series>& series,
                const std::vector<std::vector<double>>& err = {});

// A curve with a pointwise band (low, high at each x), e.g. a bootstrap 95 %
// band around an ROC curve.
struct BandSeries {
  Series curve;
  std::vector<double> band_x, band_low, band_high;
};
// The question itself: ROC curves of feature sets A and B (one learner) with
// their bands, in the Okabe-Ito colour-blind-safe palette, legend outside the
// plot area below it.
bool plot_roc_bands(const std::string& png, const std::string& title, const std::vector<BandSeries>& curves);
// Reliability diagram: mean predicted probability (x) against the observed
// fraction of positives (y) per bin, one series per learner, and the
// diagonal of perfect calibration.
bool plot_reliability(const std::string& png, const std::string& title, const std::vector<Series>& series);

}  // namespace scopemia::eval
