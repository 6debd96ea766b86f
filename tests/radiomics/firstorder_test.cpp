// First-order features against PyRadiomics: its brain1 baseline (every
// column, configured from the column's diagnostics rows) and its output on
// LIDC nodules (default settings).
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "io/csv.h"
#include "io/image_io.h"
#include "radiomics/extractor.h"
#include "radiomics/firstorder.h"
#include "support/refdata.h"

namespace scopemia::radiomics {
namespace {

bool close_to(double got, double want, double rel = 1e-6, double abs_near_zero = 1e-9) {
  if (std::isnan(want)) return std::isnan(got);
  return std::abs(got - want) <= std::max(rel * std::abs(want), abs_near_zero);
}

TEST(FirstOrder, AnalyticSmallSet) {
  // values 1..10, one level each
  std::vector<double> v;
  std::vector<int32_t> l;
  for (int i = 1; i <= 10; ++i) {
    v.push_back(i);
    l.push_back(i);
  }
  const FeatureValues f = firstorder_values(v, l, {1, 1, 2}, 0);
  std::map<std::string, double> m(f.begin(), f.end());
  EXPECT_DOUBLE_EQ(m["Mean"], 5.5);
  EXPECT_DOUBLE_EQ(m["Median"], 5.5);
  EXPECT_DOUBLE_EQ(m["Energy"], 385);
  EXPECT_DOUBLE_EQ(m["TotalEnergy"], 770);
  EXPECT_DOUBLE_EQ(m["Variance"], 8.25);
  EXPECT_DOUBLE_EQ(m["10Percentile"], 1.9);  // numpy linear: 1 + 0.9
  EXPECT_DOUBLE_EQ(m["90Percentile"], 9.1);
  EXPECT_DOUBLE_EQ(m["InterquartileRange"], 4.5);
  EXPECT_DOUBLE_EQ(m["Range"], 9);
  EXPECT_DOUBLE_EQ(m["MeanAbsoluteDeviation"], 2.5);
  EXPECT_NEAR(m["Entropy"], std::log2(10.0), 1e-12);
  EXPECT_DOUBLE_EQ(m["Uniformity"], 0.1);
  EXPECT_NEAR(m["Skewness"], 0, 1e-15);
  // robust MAD over 2..9: mean 5.5, mean |dev| = 2
  EXPECT_DOUBLE_EQ(m["RobustMeanAbsoluteDeviation"], 2.0);
  EXPECT_DOUBLE_EQ(m["RootMeanSquared"], std::sqrt(38.5));
}

// The order statistics are looked for inside the levels' bins: with few wide
// bins (many values per bin, several wanted indices in one bin, repeated
// values) and with one value per bin, the percentiles and the median equal
// numpy's from a full sort, bit for bit.
TEST(FirstOrder, PercentilesFromBinsEqualAFullSort) {
  std::mt19937 rng(3);
  for (const double bin_width : {40.0, 1.0}) {
    for (const size_t n : {size_t(2), size_t(7), size_t(100), size_t(1001)}) {
      std::vector<double> v(n);
      std::uniform_int_distribution<int> hu(-900, 300);
      for (double& x : v) x = hu(rng);
      std::vector<int32_t> l;
      for (double x : v) l.push_back(int32_t(std::floor((x + 1000) / bin_width)) + 1);  // monotone binning
      std::vector<double> sorted = v;
      std::sort(sorted.begin(), sorted.end());
      const FeatureValues f = firstorder_values(v, l, {1, 1, 1}, 0);
      std::map<std::string, double> m(f.begin(), f.end());
      const double median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
      EXPECT_EQ(m["10Percentile"], numpy_percentile(sorted, 10)) << n << " values, bin width " << bin_width;
      EXPECT_EQ(m["90Percentile"], numpy_percentile(sorted, 90)) << n << " values, bin width " << bin_width;
      EXPECT_EQ(m["InterquartileRange"], numpy_percentile(sorted, 75) - numpy_percentile(sorted, 25))
          << n << " values, bin width " << bin_width;
      EXPECT_EQ(m["Median"], median) << n << " values, bin width " << bin_width;
    }
  }
}

TEST(FirstOrder, FlatRegionGivesZeroMoments) {
  const FeatureValues f = firstorder_values({7, 7, 7, 7}, {1, 1, 1, 1}, {1, 1, 1}, 0);
  std::map<std::string, double> m(f.begin(), f.end());
  EXPECT_EQ(m["Skewness"], 0);
  EXPECT_EQ(m["Kurtosis"], 0);
  EXPECT_EQ(m["Variance"], 0);
  EXPECT_NEAR(m["Entropy"], 0, 1e-15);
  EXPECT_EQ(m["Uniformity"], 1);
}

TEST(FirstOrder, Brain1BaselineEveryColumn) {
  SCOPEMIA_REFDATA(csv_path, "pyradiomics/baseline/baseline_firstorder.csv");
  SCOPEMIA_REFDATA(image_path, "pyradiomics/brain1_image.nrrd");
  SCOPEMIA_REFDATA(mask_path, "pyradiomics/brain1_label.nrrd");
  const io::CsvTable table = io::read_csv(csv_path);
  std::map<std::string, const std::vector<std::string>*> rows;
  for (const auto& r : table.rows) rows[r[0]] = &r;
  ASSERT_TRUE(rows.count("diagnostics_Configuration_Settings"));
  int compared = 0;
  double worst = 0;
  for (size_t col = 1; col < table.header.size(); ++col) {
    SCOPED_TRACE(table.header[col]);
    Params p = params_from_diagnostics((*rows["diagnostics_Configuration_Settings"])[col],
                                       (*rows["diagnostics_Configuration_EnabledImageTypes"])[col],
                                       csv_path + ":" + table.header[col]);
    p.feature_classes = {{"firstorder", {}}};
    const Extractor extractor(p);
    const CaseResult r = extractor.execute_files(image_path, mask_path);
    std::map<std::string, double> got(r.features.begin(), r.features.end());
    for (const auto& [name, row] : rows) {
      if (name.rfind("original_firstorder_", 0) != 0 || (*row)[col].empty()) continue;
      const double want = std::stod((*row)[col]);
      ASSERT_TRUE(got.count(name)) << name;
      EXPECT_TRUE(close_to(got[name], want)) << name << ": got " << got[name] << " want " << want;
      if (want != 0) worst = std::max(worst, std::abs(got[name] - want) / std::abs(want));
      ++compared;
    }
  }
  EXPECT_EQ(compared, 18 * int(table.header.size() - 1));
  std::cout << "brain1 baseline: " << compared << " values, worst relative error " << worst << "\n";
}

// A subset of LIDC nodules (every 40th case) against PyRadiomics 3.1, default settings.
TEST(FirstOrder, LidcSubsetMatchesPyRadiomics) {
  SCOPEMIA_REFDATA(cases_path, "lidc/cases.csv");
  SCOPEMIA_REFDATA(ref_path, "lidc/pyradiomics_original.csv");
  const io::CsvTable cases = io::read_csv(cases_path);
  const io::CsvTable ref = io::read_csv(ref_path);
  const std::string dir = cases_path.substr(0, cases_path.find_last_of('/') + 1);
  std::map<std::string, const std::vector<std::string>*> ref_rows;
  for (const auto& r : ref.rows) ref_rows[r[0]] = &r;
  Params p = default_params();
  p.feature_classes = {{"firstorder", {}}};
  const Extractor extractor(p);
  int compared = 0;
  for (size_t k = 0; k < cases.rows.size(); k += 40) {
    const auto& row = cases.rows[k];
    SCOPED_TRACE(row[0]);
    const CaseResult r = extractor.execute_files(dir + row[cases.column("Image")], dir + row[cases.column("Mask")]);
    ASSERT_TRUE(ref_rows.count(row[0]));
    const auto& want_row = *ref_rows[row[0]];
    ASSERT_EQ(r.features.size(), 18u);
    for (const auto& [name, value] : r.features) {
      const int c = ref.column(name);
      ASSERT_GE(c, 0) << name;
      const double want = std::stod(want_row[c]);
      EXPECT_TRUE(close_to(value, want)) << name << ": got " << value << " want " << want;
      ++compared;
    }
  }
  EXPECT_GE(compared, 15 * 18);
}

}  // namespace
}  // namespace scopemia::radiomics

namespace scopemia::radiomics {
namespace {

// Half a unit in the last digit written ("2.15" -> 0.005, "567" -> 0.5).
double last_digit_tolerance(const std::string& text) {
  const size_t dot = text.find('.');
  const int decimals = dot == std::string::npos ? 0 : int(text.size() - dot - 1);
  return 0.5 * std::pow(10.0, -decimals);
}

// IBSI 1 digital phantom: the statistics and intensity-histogram features
// PyRadiomics shares with IBSI (binWidth 1 on integer intensities gives one
// bin per gray level, i.e. IBSI's no-discretization case; PyRadiomics's
// Kurtosis is IBSI's excess kurtosis + 3).
TEST(FirstOrder, IbsiDigitalPhantom) {
  SCOPEMIA_REFDATA(ref_path, "ibsi/reference/ibsi_1_reference_values_digital_phantom.csv");
  SCOPEMIA_REFDATA(image, "ibsi/digital_phantom/image/phantom.nii.gz");
  SCOPEMIA_REFDATA(mask, "ibsi/digital_phantom/mask/mask.nii.gz");
  Params p = parse_params_yaml("setting:\n  binWidth: 1\n  minimumROIDimensions: 1\nfeatureClass:\n  firstorder:\n", "ibsi");
  const CaseResult r = Extractor(p).execute_files(image, mask);
  std::map<std::string, double> got;
  for (const auto& [k, v] : r.features) got[k.substr(std::string("original_firstorder_").size())] = v;
  got["Kurtosis"] -= 3;
  const std::map<std::string, std::string> tags = {
      {"stat_mean", "Mean"},       {"stat_var", "Variance"},      {"stat_skew", "Skewness"},
      {"stat_kurt", "Kurtosis"},   {"stat_median", "Median"},     {"stat_min", "Minimum"},
      {"stat_p10", "10Percentile"}, {"stat_p90", "90Percentile"}, {"stat_max", "Maximum"},
      {"stat_iqr", "InterquartileRange"}, {"stat_range", "Range"}, {"stat_mad", "MeanAbsoluteDeviation"},
      {"stat_rmad", "RobustMeanAbsoluteDeviation"}, {"stat_energy", "Energy"}, {"stat_rms", "RootMeanSquared"},
      {"ih_entropy", "Entropy"},   {"ih_uniformity", "Uniformity"}};
  // The file has a malformed row elsewhere: read it line by line
  // (dataset,family,feature,consensus,reference value,tolerance,tag).
  std::ifstream in(ref_path);
  std::string line;
  int compared = 0;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
    if (f.size() != 7) continue;
    while (!f[6].empty() && (f[6].back() == '\r' || f[6].back() == ' ')) f[6].pop_back();
    const auto it = tags.find(f[6]);
    if (it == tags.end()) continue;
    const double want = std::stod(f[4]);
    const double tolerance = std::max(std::stod(f[5]), last_digit_tolerance(f[4]));
    EXPECT_NEAR(got.at(it->second), want, tolerance) << f[6];
    ++compared;
  }
  EXPECT_EQ(compared, int(tags.size()));
}

}  // namespace
}  // namespace scopemia::radiomics
