// Real CT: the texture features of LIDC nodules (default settings: Original
// image, binWidth 25, padDistance 5, label 1) against PyRadiomics 3.1's
// output in lidc/pyradiomics_original.csv. By default every 10th case runs
// (about 60 nodules); SCOPEMIA_LIDC_ALL=1 runs all 601.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include <gtest/gtest.h>

#include "io/csv.h"
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

TEST(LidcTexture, FeaturesEqualPyRadiomics31) {
  SCOPEMIA_REFDATA(cases_path, "lidc/cases.csv");
  SCOPEMIA_REFDATA(ref_path, "lidc/pyradiomics_original.csv");
  const std::string dir = cases_path.substr(0, cases_path.rfind('/') + 1);
  const io::CsvTable cases = io::read_csv(cases_path);
  const io::CsvTable ref = io::read_csv(ref_path);
  std::map<std::string, size_t> ref_row;
  for (size_t r = 0; r < ref.rows.size(); ++r) ref_row[ref.rows[r][0]] = r;
  const char* all_env = std::getenv("SCOPEMIA_LIDC_ALL");
  const size_t stride = (all_env && std::string(all_env) == "1") ? 1 : 10;

  double worst = 0;
  std::string worst_what;
  int compared = 0, n_cases = 0;
  double texture_seconds = 0;
  for (size_t c = 0; c < cases.rows.size(); c += stride) {
    const auto& row = cases.rows[c];
    const std::string id = row[0];
    SCOPED_TRACE(id);
    const Volume image = io::read_volume(dir + row[static_cast<size_t>(cases.column("Image"))]);
    const LabelMap mask = io::read_label_map(dir + row[static_cast<size_t>(cases.column("Mask"))]);
    const DiscretizedRoi roi = testing::discretize_with_bin_width(image, mask, 1, 25.0);
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::pair<std::string, FeatureList>> all = {
        {"glcm", glcm_features(roi, GlcmSettings{})},   {"glrlm", glrlm_features(roi, GlrlmSettings{})},
        {"glszm", glszm_features(roi, GlszmSettings{})}, {"gldm", gldm_features(roi, GldmSettings{})},
        {"ngtdm", ngtdm_features(roi, NgtdmSettings{})}};
    texture_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ++n_cases;
    ASSERT_TRUE(ref_row.count(id));
    const auto& ref_values = ref.rows[ref_row[id]];
    for (const auto& [cls, features] : all) {
      for (const auto& [name, value] : features) {
        const int col = ref.column("original_" + cls + "_" + name);
        ASSERT_GE(col, 0) << cls << " " << name;
        const double expected = std::stod(ref_values[static_cast<size_t>(col)]);
        const double diff = std::abs(value - expected);
        EXPECT_TRUE(diff <= 1e-6 * std::abs(expected) || diff <= 1e-9)
            << cls << "_" << name << ": " << value << " vs " << expected;
        const double rel = diff / std::max(std::abs(expected), 1e-9);
        if (rel > worst) {
          worst = rel;
          worst_what = id + " " + cls + "_" + name;
        }
        ++compared;
      }
    }
  }
  std::printf("  %d cases, %d values; largest relative difference %.3g (%s); texture time %.2f ms/case\n", n_cases,
              compared, worst, worst_what.c_str(), 1e3 * texture_seconds / n_cases);
}

}  // namespace
}  // namespace scopemia::radiomics
