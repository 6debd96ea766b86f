#include "radiomics/brain1_fixture.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "core/crop.h"
#include "core/label_map.h"
#include "io/csv.h"
#include "io/image_io.h"

namespace scopemia::radiomics::testing {

DiscretizedRoi discretize(const Volume& image, const LabelMap& labels_in, int label, const FixtureConfig& config,
                          int pad_distance) {
  // Resegmentation (imageoperations.resegmentMask) before the bounding box.
  LabelMap labels = labels_in.clone();
  if (!config.resegment_mode.empty()) {
    std::vector<double> thresholds = config.resegment_range;
    if (config.resegment_mode == "sigma") {
      double sum = 0, sum2 = 0;
      int64_t n = 0;
      for (int64_t i = 0; i < image.voxel_count(); ++i)
        if (labels[i] == label) {
          sum += image[i];
          ++n;
        }
      const double mean = sum / n;
      for (int64_t i = 0; i < image.voxel_count(); ++i)
        if (labels[i] == label) sum2 += (image[i] - mean) * (image[i] - mean);
      const double sd = std::sqrt(sum2 / n);  // numpy.std (ddof 0)
      for (double& t : thresholds) t = mean + sd * t;
    }
    std::sort(thresholds.begin(), thresholds.end());
    for (int64_t i = 0; i < image.voxel_count(); ++i) {
      if (labels[i] != label) continue;
      if (image[i] < thresholds[0] || (thresholds.size() > 1 && image[i] > thresholds[1])) labels[i] = 0;
    }
  }
  const auto box = bounding_box(labels, label);
  if (!box) throw std::runtime_error("fixture: label absent");
  const Region region = grow(*box, Size3{pad_distance, pad_distance, pad_distance});
  const Volume img = crop(image, region);  // crop clips to the image
  const LabelMap lab = crop(labels, region);

  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (int64_t i = 0; i < img.voxel_count(); ++i) {
    if (lab[i] != label) continue;
    lo = std::min(lo, double(img[i]));
    hi = std::max(hi, double(img[i]));
  }
  std::vector<double> edges;
  if (config.bin_count > 0) {
    // numpy.histogram(values, binCount)[1]: linspace(min, max, n + 1) as
    // k * step + min with the last edge exactly max; PyRadiomics adds 1 to it.
    double first = lo, last = hi;
    if (first == last) {
      first -= 0.5;
      last += 0.5;
    }
    const double step = (last - first) / config.bin_count;
    for (int k = 0; k <= config.bin_count; ++k) edges.push_back(k * step + first);
    edges.back() = last + 1;
  } else {
    const double bin_width = config.bin_width;
    // Python: minimum - (minimum % binWidth), % taking the sign of the divisor.
    double mod = std::fmod(lo, bin_width);
    if (mod != 0 && mod < 0) mod += bin_width;
    const double low_bound = lo - mod;
    const double high_bound = hi + 2 * bin_width;
    // numpy.arange(low, high, width): low + k*width
    const int64_t n_edges = static_cast<int64_t>(std::ceil((high_bound - low_bound) / bin_width));
    for (int64_t k = 0; k < n_edges; ++k) edges.push_back(low_bound + k * bin_width);
    if (edges.size() == 1) edges = {edges[0] - 0.5, edges[0] + 0.5};
  }

  DiscretizedRoi roi;
  roi.size = img.size();
  roi.spacing = img.geometry().spacing;
  roi.level.assign(static_cast<size_t>(img.voxel_count()), 0);
  roi.mask.assign(static_cast<size_t>(img.voxel_count()), 0);
  for (int64_t i = 0; i < img.voxel_count(); ++i) {
    if (lab[i] != label) continue;
    const double v = img[i];
    // numpy.digitize (increasing edges, right=False): count of edges <= v.
    const int32_t level = static_cast<int32_t>(std::upper_bound(edges.begin(), edges.end(), v) - edges.begin());
    roi.mask[i] = 1;
    roi.level[i] = level;
    roi.max_level = std::max(roi.max_level, level);
  }
  return roi;
}

DiscretizedRoi discretize_with_bin_width(const Volume& image, const LabelMap& labels, int label, double bin_width,
                                         int pad_distance) {
  FixtureConfig config;
  config.bin_width = bin_width;
  return discretize(image, labels, label, config, pad_distance);
}

DiscretizedRoi brain1_roi(const std::string& refdata_dir, const FixtureConfig& config) {
  const std::string base = refdata_dir + "/pyradiomics/";
  const Volume image = io::read_volume(base + "brain1_image.nrrd");
  const LabelMap labels = io::read_label_map(base + "brain1_label.nrrd");
  return discretize(image, labels, 1, config);
}

DiscretizedRoi brain1_roi(const std::string& refdata_dir) { return brain1_roi(refdata_dir, FixtureConfig{}); }

std::map<std::string, double> baseline_features(const std::string& refdata_dir, const std::string& feature_class,
                                                const std::string& column) {
  const io::CsvTable table =
      io::read_csv(refdata_dir + "/pyradiomics/baseline/baseline_" + feature_class + ".csv");
  const int col = table.column(column);
  if (col < 0) throw std::runtime_error("baseline: no column " + column);
  const std::string prefix = "original_" + feature_class + "_";
  std::map<std::string, double> out;
  for (const auto& row : table.rows) {
    if (row[0].compare(0, prefix.size(), prefix) != 0) continue;
    out[row[0].substr(prefix.size())] = std::stod(row[static_cast<size_t>(col)]);
  }
  return out;
}

DiscretizedRoi full_roi(const Size3& size, const std::vector<int32_t>& levels) {
  DiscretizedRoi roi;
  roi.size = size;
  roi.level = levels;
  roi.mask.assign(levels.size(), 1);
  roi.max_level = levels.empty() ? 0 : *std::max_element(levels.begin(), levels.end());
  return roi;
}

void expect_features_match(const FeatureList& actual, const std::map<std::string, double>& expected,
                           const std::vector<std::string>& expected_names, double rel) {
  ASSERT_EQ(actual.size(), expected_names.size());
  double worst = 0;
  std::string worst_name;
  for (size_t f = 0; f < actual.size(); ++f) {
    EXPECT_EQ(actual[f].first, expected_names[f]);
    const auto it = expected.find(actual[f].first);
    ASSERT_NE(it, expected.end()) << "no reference for " << actual[f].first;
    const double ref = it->second, got = actual[f].second;
    EXPECT_NEAR(got, ref, rel * std::max(std::abs(ref), 1e-6)) << actual[f].first;
    const double d = std::abs(got - ref) / std::max(std::abs(ref), 1e-6);
    if (d >= worst) {
      worst = d;
      worst_name = actual[f].first;
    }
  }
  std::printf("  largest relative difference: %.3g (%s)\n", worst, worst_name.c_str());
}

double feature(const FeatureList& features, const std::string& name) {
  for (const auto& [n, v] : features)
    if (n == name) return v;
  ADD_FAILURE() << "no feature " << name;
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace scopemia::radiomics::testing
