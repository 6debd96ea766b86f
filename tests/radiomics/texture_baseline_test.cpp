// The columns of PyRadiomics's baseline that only need the preprocessing the
// brain1 fixture rebuilds (no resampling, no normalisation): the default
// configuration, force2D, binCount, weighting, a flat region and sigma
// resegmentation, for all five texture classes (one parameterised test; the
// class files test their matrices and hand-computed cases).
#include <functional>

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
  c.push_back(Column{"brain1", {}, false, ""});
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

// Each texture class with the column's force2D (and weighting, which only
// GLCM and GLRLM take).
struct TextureClass {
  std::string name;
  std::function<FeatureList(const DiscretizedRoi&, const Column&)> features;
  const std::vector<std::string>& (*names)();
};

const std::vector<TextureClass>& texture_classes() {
  static const std::vector<TextureClass> classes = {
      {"glcm",
       [](const DiscretizedRoi& roi, const Column& col) {
         GlcmSettings s;
         s.force2d = col.force2d;
         s.weighting_norm = col.weighting;
         return glcm_features(roi, s);
       },
       glcm_feature_names},
      {"glrlm",
       [](const DiscretizedRoi& roi, const Column& col) {
         GlrlmSettings s;
         s.force2d = col.force2d;
         s.weighting_norm = col.weighting;
         return glrlm_features(roi, s);
       },
       glrlm_feature_names},
      {"glszm",
       [](const DiscretizedRoi& roi, const Column& col) {
         GlszmSettings s;
         s.force2d = col.force2d;
         return glszm_features(roi, s);
       },
       glszm_feature_names},
      {"gldm",
       [](const DiscretizedRoi& roi, const Column& col) {
         GldmSettings s;
         s.force2d = col.force2d;
         return gldm_features(roi, s);
       },
       gldm_feature_names},
      {"ngtdm",
       [](const DiscretizedRoi& roi, const Column& col) {
         NgtdmSettings s;
         s.force2d = col.force2d;
         return ngtdm_features(roi, s);
       },
       ngtdm_feature_names},
  };
  return classes;
}

TEST_P(TextureBaseline, FeaturesEqualPyRadiomics) {
  SCOPEMIA_REFDATA(csv, "pyradiomics/baseline/baseline_glcm.csv");
  const std::string dir = ::scopemia::testing::refdata_dir();
  const Column& col = GetParam();
  const DiscretizedRoi roi = testing::brain1_roi(dir, col.config);
  int compared = 0;
  for (const TextureClass& cls : texture_classes()) {
    if (!has_column(dir, cls.name, col.name)) continue;  // weighting columns exist for glcm and glrlm only
    SCOPED_TRACE(cls.name);
    testing::expect_features_match(cls.features(roi, col), testing::baseline_features(dir, cls.name, col.name),
                                   cls.names(), 1e-6);
    ++compared;
  }
  EXPECT_GE(compared, 2) << "no baseline column " << col.name;
}

INSTANTIATE_TEST_SUITE_P(Brain1, TextureBaseline, ::testing::ValuesIn(columns()),
                         [](const ::testing::TestParamInfo<Column>& info) { return info.param.name; });

}  // namespace
}  // namespace scopemia::radiomics
