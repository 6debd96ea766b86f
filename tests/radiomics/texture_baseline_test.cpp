// The other columns of PyRadiomics's baseline that only need the
// preprocessing the brain1 fixture rebuilds (no resampling, no
// normalisation): force2D, binCount, weighting, a flat region and sigma
// resegmentation, for all five texture classes.
#include <gtest/gtest.h>

#include "io/csv.h"
#include "radiomics/brain1_fixture.h"
#include "radiomics/glcm.h"
#include "radiomics/gldm.h"
#include "radiomics/glrlm.h"
#include "radiomics/glszm.h"
#include "radiomics/ngtdm.h"
#include "support/refdata.h"

namespace scopemia::radiomics {
namespace {

struct Column {
  std::string name;
  testing::FixtureConfig config;
  bool force2d = false;
  std::string weighting;
};

std::vector<Column> columns() {
  std::vector<Column> c;
  {
    Column col{"brain1_2d", {}, true, ""};
    c.push_back(col);
  }
  {
    Column col{"brain1_FBN", {}, false, ""};
    col.config.bin_count = 64;
    c.push_back(col);
  }
  c.push_back(Column{"brain1_combined", {}, false, "no_weighting"});
  {
    Column col{"brain1_flatRegion", {}, false, ""};
    col.config.bin_width = 5000;
    col.config.resegment_mode = "absolute";
    col.config.resegment_range = {0};
    c.push_back(col);
  }
  {
    Column col{"brain1_resegmentation", {}, false, ""};
    col.config.resegment_mode = "sigma";
    col.config.resegment_range = {-3, 3};
    c.push_back(col);
  }
  return c;
}

bool has_column(const std::string& dir, const std::string& cls, const std::string& column) {
  const io::CsvTable table = io::read_csv(dir + "/pyradiomics/baseline/baseline_" + cls + ".csv");
  return table.column(column) >= 0;
}

void PrintTo(const Column& c, std::ostream* os) { *os << c.name; }

class TextureBaseline : public ::testing::TestWithParam<Column> {};

TEST_P(TextureBaseline, FeaturesEqualPyRadiomics) {
  SCOPEMIA_REFDATA(csv, "pyradiomics/baseline/baseline_glcm.csv");
  const std::string dir = ::scopemia::testing::refdata_dir();
  const Column& col = GetParam();
  const DiscretizedRoi roi = testing::brain1_roi(dir, col.config);
  if (has_column(dir, "glcm", col.name)) {  // weighting columns exist for glcm and glrlm only
    SCOPED_TRACE("glcm");
    GlcmSettings s;
    s.force2d = col.force2d;
    s.weighting_norm = col.weighting;
    testing::expect_features_match(glcm_features(roi, s), testing::baseline_features(dir, "glcm", col.name),
                                   glcm_feature_names(), 1e-6);
  }
  if (has_column(dir, "glrlm", col.name)) {  // weighting columns exist for glcm and glrlm only
    SCOPED_TRACE("glrlm");
    GlrlmSettings s;
    s.force2d = col.force2d;
    s.weighting_norm = col.weighting;
    testing::expect_features_match(glrlm_features(roi, s), testing::baseline_features(dir, "glrlm", col.name),
                                   glrlm_feature_names(), 1e-6);
  }
  if (has_column(dir, "glszm", col.name)) {  // weighting columns exist for glcm and glrlm only
    SCOPED_TRACE("glszm");
    GlszmSettings s;
    s.force2d = col.force2d;
    testing::expect_features_match(glszm_features(roi, s), testing::baseline_features(dir, "glszm", col.name),
                                   glszm_feature_names(), 1e-6);
  }
  if (has_column(dir, "gldm", col.name)) {  // weighting columns exist for glcm and glrlm only
    SCOPED_TRACE("gldm");
    GldmSettings s;
    s.force2d = col.force2d;
    testing::expect_features_match(gldm_features(roi, s), testing::baseline_features(dir, "gldm", col.name),
                                   gldm_feature_names(), 1e-6);
  }
  if (has_column(dir, "ngtdm", col.name)) {  // weighting columns exist for glcm and glrlm only
    SCOPED_TRACE("ngtdm");
    NgtdmSettings s;
    s.force2d = col.force2d;
    testing::expect_features_match(ngtdm_features(roi, s), testing::baseline_features(dir, "ngtdm", col.name),
                                   ngtdm_feature_names(), 1e-6);
  }
}

INSTANTIATE_TEST_SUITE_P(Brain1, TextureBaseline, ::testing::ValuesIn(columns()),
                         [](const ::testing::TestParamInfo<Column>& info) { return info.param.name; });

}  // namespace
}  // namespace scopemia::radiomics
