#pragma once
// (Built into the scopemia_test_support library.)
// PyRadiomics's default preprocessing, rebuilt for the texture tests without
// the extraction pipeline: crop to the label's bounding box plus padDistance
// (clipped to the image, as imageoperations.cropToTumorMask does), then
// discretize the ROI with a fixed bin width exactly as
// imageoperations.binImage: edges lowBound + k*binWidth, lowBound = min -
// (min mod binWidth) (Python's floor modulo), up to max + 2*binWidth, levels by
// numpy.digitize (number of edges <= value).
#include <string>
#include <vector>

#include "core/image.h"
#include "radiomics/discretized_roi.h"

namespace scopemia::radiomics::testing {

DiscretizedRoi discretize_with_bin_width(const Volume& image, const LabelMap& labels, int label, double bin_width,
                                         int pad_distance = 5);

// The preprocessing options the baseline's other brain1 columns use.
struct FixtureConfig {
  double bin_width = 25;
  int bin_count = 0;                  // > 0: numpy.histogram edges (linspace min..max, last edge + 1)
  std::string resegment_mode;         // "", "absolute", "sigma"
  std::vector<double> resegment_range;
};
DiscretizedRoi discretize(const Volume& image, const LabelMap& labels, int label, const FixtureConfig& config,
                          int pad_distance = 5);
DiscretizedRoi brain1_roi(const std::string& refdata_dir, const FixtureConfig& config);

// brain1_image.nrrd + brain1_label.nrrd (label 1), binWidth 25: the `brain1`
// configuration of PyRadiomics's baseline. `refdata_dir` is the refdata root.
DiscretizedRoi brain1_roi(const std::string& refdata_dir);

}  // namespace scopemia::radiomics::testing

#include <map>

namespace scopemia::radiomics::testing {

// Column `column` of baseline/baseline_<feature_class>.csv: the
// original_<class>_<Feature> rows, keyed by <Feature>.
std::map<std::string, double> baseline_features(const std::string& refdata_dir, const std::string& feature_class,
                                                const std::string& column = "brain1");

}  // namespace scopemia::radiomics::testing

#include "radiomics/texture_common.h"

namespace scopemia::radiomics::testing {

// A ROI of the given size whose every voxel is inside the mask, levels in
// x-fastest order; max_level = the largest level given.
DiscretizedRoi full_roi(const Size3& size, const std::vector<int32_t>& levels);

// Expects every feature of `actual` (names in order `expected_names`) within
// `rel` of `expected` (relative; absolute near zero).
void expect_features_match(const FeatureList& actual, const std::map<std::string, double>& expected,
                           const std::vector<std::string>& expected_names, double rel);

// Looks a feature up by name; fails the test when absent.
double feature(const FeatureList& features, const std::string& name);

}  // namespace scopemia::radiomics::testing
