// IBSI 1 digital phantom: the texture features PyRadiomics shares with IBSI,
// against the consensus values (3D, "averaged" over directions for GLCM and
// GLRLM, which is PyRadiomics's default mean over angles). The phantom holds
// integer intensities 1..6, so binWidth 1 leaves them as gray levels. IBSI
// rounds to 3 significant digits; a value matches within half a unit of the
// last digit given (plus the listed tolerance).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <vector>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "io/image_io.h"
#include "radiomics/brain1_fixture.h"
#include "radiomics/glcm.h"
#include "radiomics/gldm.h"
#include "radiomics/glrlm.h"
#include "radiomics/glszm.h"
#include "radiomics/ngtdm.h"
#include "support/refdata.h"

namespace scopemia::radiomics {
namespace {

// The reference CSV has rows shorter than its header (no tag): split lines
// ourselves (quoted fields, no embedded line breaks).
std::vector<std::vector<std::string>> read_rows(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (char c : line) {
      if (c == '"') quoted = !quoted;
      else if (c == ',' && !quoted) fields.emplace_back();
      else fields.back() += c;
    }
    fields.resize(7);
    rows.push_back(fields);
  }
  return rows;
}

double printed_rounding(const std::string& text) {
  std::string t = text;
  const size_t e = t.find_first_of("eE");
  int exponent = 0;
  if (e != std::string::npos) {
    exponent = std::stoi(t.substr(e + 1));
    t = t.substr(0, e);
  }
  const size_t dot = t.find('.');
  const int decimals = dot == std::string::npos ? 0 : static_cast<int>(t.size() - dot - 1);
  return 0.5 * std::pow(10.0, exponent - decimals);
}

// Half a unit in the last digit of the reference as printed, at least half a
// unit of its third significant digit (IBSI rounds to 3 significant digits:
// "1490" stands for [1485, 1495)).
double rounding_of(const std::string& text) {
  const double v = std::abs(std::stod(text));
  const double third = v > 0 ? 0.5 * std::pow(10.0, std::floor(std::log10(v)) - 2) : 0.0;
  return std::max(third, printed_rounding(text));
}

TEST(IbsiTexture, DigitalPhantomMatchesConsensus) {
  SCOPEMIA_REFDATA(ref_path, "ibsi/reference/ibsi_1_reference_values_digital_phantom.csv");
  SCOPEMIA_REFDATA(image_path, "ibsi/digital_phantom/image/phantom.nii.gz");
  SCOPEMIA_REFDATA(mask_path, "ibsi/digital_phantom/mask/mask.nii.gz");
  const Volume image = io::read_volume(image_path);
  const LabelMap mask = io::read_label_map(mask_path);
  const DiscretizedRoi roi = testing::discretize_with_bin_width(image, mask, 1, 1.0);

  std::map<std::string, FeatureList> ours = {
      {"Co-occurrence matrix (3D, averaged)", glcm_features(roi, GlcmSettings{})},
      {"Run length matrix (3D, averaged)", glrlm_features(roi, GlrlmSettings{})},
      {"Size zone matrix (3D)", glszm_features(roi, GlszmSettings{})},
      {"Neighbouring grey level dependence matrix (3D)", gldm_features(roi, GldmSettings{})},
      {"Neighbourhood grey tone difference matrix (3D)", ngtdm_features(roi, NgtdmSettings{})}};
  const std::map<std::string, std::string> names = {
      // GLCM
      {"Joint maximum", "MaximumProbability"}, {"Joint average", "JointAverage"},
      {"Joint variance", "SumSquares"}, {"Joint entropy", "JointEntropy"},
      {"Difference average", "DifferenceAverage"}, {"Difference variance", "DifferenceVariance"},
      {"Difference entropy", "DifferenceEntropy"}, {"Sum average", "SumAverage"},
      {"Sum entropy", "SumEntropy"}, {"Angular second moment", "JointEnergy"}, {"Contrast", "Contrast"},
      {"Inverse difference", "Id"}, {"Normalised inverse difference", "Idn"},
      {"Inverse difference moment", "Idm"}, {"Normalised inverse difference moment", "Idmn"},
      {"Inverse variance", "InverseVariance"}, {"Correlation", "Correlation"},
      {"Autocorrelation", "Autocorrelation"}, {"Cluster tendency", "ClusterTendency"},
      {"Cluster shade", "ClusterShade"}, {"Cluster prominence", "ClusterProminence"},
      {"Information correlation 1", "Imc1"}, {"Information correlation 2", "Imc2"},
      // GLRLM
      {"Short runs emphasis", "ShortRunEmphasis"}, {"Long runs emphasis", "LongRunEmphasis"},
      {"Low grey level run emphasis", "LowGrayLevelRunEmphasis"},
      {"High grey level run emphasis", "HighGrayLevelRunEmphasis"},
      {"Short run low grey level emphasis", "ShortRunLowGrayLevelEmphasis"},
      {"Short run high grey level emphasis", "ShortRunHighGrayLevelEmphasis"},
      {"Long run low grey level emphasis", "LongRunLowGrayLevelEmphasis"},
      {"Long run high grey level emphasis", "LongRunHighGrayLevelEmphasis"},
      {"Run length non-uniformity", "RunLengthNonUniformity"},
      {"Normalised run length non-uniformity", "RunLengthNonUniformityNormalized"},
      {"Run percentage", "RunPercentage"}, {"Run length variance", "RunVariance"}, {"Run entropy", "RunEntropy"},
      // GLSZM
      {"Small zone emphasis", "SmallAreaEmphasis"}, {"Large zone emphasis", "LargeAreaEmphasis"},
      {"Small zone low grey level emphasis", "SmallAreaLowGrayLevelEmphasis"},
      {"Small zone high grey level emphasis", "SmallAreaHighGrayLevelEmphasis"},
      {"Large zone low grey level emphasis", "LargeAreaLowGrayLevelEmphasis"},
      {"Large zone high grey level emphasis", "LargeAreaHighGrayLevelEmphasis"},
      {"Zone size non-uniformity", "SizeZoneNonUniformity"},
      {"Normalised zone size non-uniformity", "SizeZoneNonUniformityNormalized"},
      {"Zone percentage", "ZonePercentage"}, {"Zone size variance", "ZoneVariance"},
      {"Zone size entropy", "ZoneEntropy"},
      // GLDM (IBSI NGLDM, coarseness 0, distance 1)
      {"Low dependence emphasis", "SmallDependenceEmphasis"}, {"High dependence emphasis", "LargeDependenceEmphasis"},
      {"Low grey level count emphasis", "LowGrayLevelEmphasis"},
      {"High grey level count emphasis", "HighGrayLevelEmphasis"},
      {"Low dependence low grey level emphasis", "SmallDependenceLowGrayLevelEmphasis"},
      {"Low dependence high grey level emphasis", "SmallDependenceHighGrayLevelEmphasis"},
      {"High dependence low grey level emphasis", "LargeDependenceLowGrayLevelEmphasis"},
      {"High dependence high grey level emphasis", "LargeDependenceHighGrayLevelEmphasis"},
      {"Dependence count non-uniformity", "DependenceNonUniformity"},
      {"Normalised dependence count non-uniformity", "DependenceNonUniformityNormalized"},
      {"Dependence count variance", "DependenceVariance"}, {"Dependence count entropy", "DependenceEntropy"},
      // NGTDM
      {"Coarseness", "Coarseness"}, {"Busyness", "Busyness"}, {"Complexity", "Complexity"},
      {"Strength", "Strength"},
      // Shared names: per family below.
      {"Low grey level emphasis", "*lowgray"}, {"High grey level emphasis", "*highgray"},
      {"Grey level non-uniformity", "GrayLevelNonUniformity"},
      {"Normalised grey level non-uniformity", "GrayLevelNonUniformityNormalized"},
      {"Grey level variance", "GrayLevelVariance"}};

  // dataset, family, feature, consensus, reference value, tolerance, tag
  const int family_col = 1, feature_col = 2, value_col = 4, tol_col = 5;
  int compared = 0;
  for (const auto& row : read_rows(ref_path)) {
    const auto it = ours.find(row[static_cast<size_t>(family_col)]);
    if (it == ours.end()) continue;
    const std::string ibsi = row[static_cast<size_t>(feature_col)];
    auto name_it = names.find(ibsi);
    if (name_it == names.end()) continue;  // no PyRadiomics counterpart
    std::string name = name_it->second;
    if (name == "*lowgray") name = it->first.rfind("Size", 0) == 0 ? "LowGrayLevelZoneEmphasis" : "";
    if (name == "*highgray") name = it->first.rfind("Size", 0) == 0 ? "HighGrayLevelZoneEmphasis" : "";
    if (name.empty()) continue;
    // GLDM's GrayLevelNonUniformityNormalized is deprecated in PyRadiomics.
    bool found = false;
    double value = 0;
    for (const auto& [n, v] : it->second)
      if (n == name) {
        found = true;
        value = v;
      }
    if (!found) continue;
    const std::string text = row[static_cast<size_t>(value_col)];
    const double expected = std::stod(text);
    double tolerance = rounding_of(text);
    const std::string tol_text = row[static_cast<size_t>(tol_col)];
    if (!tol_text.empty()) tolerance += std::stod(tol_text);
    EXPECT_NEAR(value, expected, tolerance) << it->first << ": " << ibsi << " (" << name << ")";
    ++compared;
  }
  std::printf("  %d IBSI digital-phantom texture values compared\n", compared);
  EXPECT_GE(compared, 60);
}

}  // namespace
}  // namespace scopemia::radiomics
