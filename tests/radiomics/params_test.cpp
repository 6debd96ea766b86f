// PyRadiomics parameter files and diagnostics reprs.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "core/error.h"
#include "io/csv.h"
#include "radiomics/params.h"
#include "support/refdata.h"
#include "support/temp_dir.h"

namespace scopemia::radiomics {
namespace {

// The error message of parsing `yaml`, or "" when it parses.
std::string error_of(const std::string& yaml) {
  try {
    parse_params_yaml(yaml, "p.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Params, EveryPyRadiomicsExampleFileParses) {
  SCOPEMIA_REFDATA(dir, "pyradiomics/params");
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    EXPECT_NO_THROW(load_params(entry.path().string()));
    ++files;
  }
  EXPECT_GE(files, 7);
}

TEST(Params, ExampleCtValues) {
  SCOPEMIA_REFDATA(path, "pyradiomics/params/exampleCT.yaml");
  const Params p = load_params(path);
  EXPECT_EQ(p.settings.binWidth, 25);
  EXPECT_EQ(p.settings.voxelArrayShift, 1000);
  EXPECT_EQ(p.settings.padDistance, 10);
  ASSERT_TRUE(p.settings.resampledPixelSpacing);
  EXPECT_EQ(*p.settings.resampledPixelSpacing, (std::vector<double>{1, 1, 1}));
  ASSERT_EQ(p.image_types.size(), 3u);
  EXPECT_EQ(p.image_types[0].name, "Original");
  EXPECT_EQ(p.image_types[1].name, "LoG");
  EXPECT_EQ(p.image_types[1].settings.sigma, (std::vector<double>{1, 2, 3, 4, 5}));
  EXPECT_EQ(p.image_types[1].settings.sigma_names[0], "1.0");
  EXPECT_EQ(p.image_types[1].settings.padDistance, 10);  // global settings carried into the type
  EXPECT_EQ(p.image_types[2].name, "Wavelet");
  ASSERT_EQ(p.feature_classes.size(), 6u);
  EXPECT_EQ(p.feature_classes[2].name, "glcm");
  EXPECT_EQ(p.feature_classes[2].features.size(), 22u);
  EXPECT_TRUE(p.feature_classes[0].features.empty());  // shape: all
}

TEST(Params, DefaultsAreTheExtractorsDefaults) {
  const Params p = default_params();
  EXPECT_EQ(p.settings.binWidth, 25);
  EXPECT_EQ(p.settings.minimumROIDimensions, 2);
  EXPECT_EQ(p.settings.padDistance, 5);
  EXPECT_EQ(p.settings.label, 1);
  EXPECT_EQ(p.settings.voxelArrayShift, 0);
  EXPECT_FALSE(p.settings.resampledPixelSpacing);
  ASSERT_EQ(p.image_types.size(), 1u);
  EXPECT_EQ(p.image_types[0].name, "Original");
  ASSERT_EQ(p.feature_classes.size(), 7u);  // all but shape2D
  EXPECT_EQ(py_repr(p.settings.dict),
            "{'minimumROIDimensions': 2, 'minimumROISize': None, 'normalize': False, 'normalizeScale': 1, "
            "'removeOutliers': None, 'resampledPixelSpacing': None, 'interpolator': 'sitkBSpline', "
            "'preCrop': False, 'padDistance': 5, 'distances': [1], 'force2D': False, 'force2Ddimension': 0, "
            "'resegmentRange': None, 'label': 1, 'additionalInfo': True}");
}

TEST(Params, BadFilesNameTheKey) {
  EXPECT_NE(error_of("setting:\n  binWdth: 25\n").find("unknown setting 'binWdth'"), std::string::npos);
  EXPECT_NE(error_of("setting:\n  binWidth: -1\n").find("setting 'binWidth'"), std::string::npos);
  EXPECT_NE(error_of("setting:\n  binWidth: abc\n").find("setting 'binWidth'"), std::string::npos);
  EXPECT_NE(error_of("setting:\n  interpolator: sitkCubic\n").find("setting 'interpolator'"), std::string::npos);
  EXPECT_NE(error_of("setting:\n  resegmentMode: percent\n").find("setting 'resegmentMode'"), std::string::npos);
  EXPECT_NE(error_of("setting:\n  minimumROIDimensions: 4\n").find("setting 'minimumROIDimensions'"),
            std::string::npos);
  EXPECT_NE(error_of("setting:\n  resampledPixelSpacing: [1, 1]\n").find("setting 'resampledPixelSpacing'"),
            std::string::npos);
  EXPECT_NE(error_of("setting:\n  label: 1.5\n").find("setting 'label'"), std::string::npos);
  EXPECT_NE(error_of("settings:\n  binWidth: 25\n").find("unknown section 'settings'"), std::string::npos);
  EXPECT_NE(error_of("imageType:\n  Wavelets: {}\n").find("imageType 'Wavelets'"), std::string::npos);
  EXPECT_NE(error_of("imageType:\n  LoG:\n    sigma: [0]\n").find("setting 'sigma'"), std::string::npos);
  EXPECT_NE(error_of("featureClass:\n  glcmm:\n").find("featureClass 'glcmm'"), std::string::npos);
  EXPECT_NE(error_of("featureClass:\n  glcm: [Contrasts]\n").find("unknown feature 'Contrasts'"),
            std::string::npos);
  EXPECT_NE(error_of("setting: [1, 2\n").find("p.yaml"), std::string::npos);
  // the message starts with the file
  EXPECT_EQ(error_of("setting:\n  foo: 1\n").rfind("p.yaml: ", 0), 0u);
}

TEST(Params, YamlScalarsTypedAsPyYaml) {
  const Params p = parse_params_yaml(
      "setting:\n  binWidth: 5\n  normalize: yes\n  resegmentRange: [-3, 3.5]\n  weightingNorm:\n"
      "imageType:\n  LoG: {sigma: [1, 2.5]}\n",
      "p.yaml");
  EXPECT_EQ(p.settings.binWidth, 5);
  EXPECT_TRUE(p.settings.normalize);
  EXPECT_EQ(*p.settings.resegmentRange, (std::vector<double>{-3, 3.5}));
  EXPECT_FALSE(p.settings.weightingNorm);
  ASSERT_EQ(p.image_types.size(), 1u);
  EXPECT_EQ(p.image_types[0].settings.sigma_names, (std::vector<std::string>{"1", "2.5"}));
  EXPECT_EQ(py_repr(p.image_types[0].custom), "{'sigma': [1, 2.5]}");
}

TEST(Params, QuotedNumberIsAString) {
  EXPECT_NE(error_of("setting:\n  binWidth: '25'\n").find("setting 'binWidth'"), std::string::npos);
}

TEST(Params, FromDiagnosticsRows) {
  const Params p = params_from_diagnostics(
      "{'distances': [1], 'additionalInfo': True, 'resegmentMode': 'sigma', 'force2D': False, "
      "'interpolator': 'sitkBSpline', 'resampledPixelSpacing': [2, 2, 2], 'label': 1, 'normalizeScale': 100, "
      "'normalize': True, 'removeOutliers': None, 'binCount': 64, 'resegmentRange': [-3, 3], 'padDistance': 5}",
      "{'Original': {}, 'LoG': {'sigma': [1.0, 3.0]}}", "baseline");
  EXPECT_EQ(p.settings.resegmentMode, "sigma");
  EXPECT_EQ(*p.settings.resampledPixelSpacing, (std::vector<double>{2, 2, 2}));
  EXPECT_EQ(p.settings.normalizeScale, 100);
  EXPECT_TRUE(p.settings.normalize);
  EXPECT_EQ(*p.settings.binCount, 64);
  EXPECT_EQ(*p.settings.resegmentRange, (std::vector<double>{-3, 3}));
  ASSERT_EQ(p.image_types.size(), 2u);
  EXPECT_EQ(p.image_types[1].settings.sigma_names, (std::vector<std::string>{"1.0", "3.0"}));
}

TEST(Params, EveryBaselineColumnConfigures) {
  SCOPEMIA_REFDATA(dir, "pyradiomics/baseline");
  int columns = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".csv" || entry.path().filename().string().rfind("baseline_", 0) != 0) continue;
    const io::CsvTable t = io::read_csv(entry.path().string());
    const std::vector<std::string>*settings = nullptr, *types = nullptr;
    for (const auto& r : t.rows) {
      if (r[0] == "diagnostics_Configuration_Settings") settings = &r;
      if (r[0] == "diagnostics_Configuration_EnabledImageTypes") types = &r;
    }
    ASSERT_TRUE(settings && types) << entry.path();
    for (size_t c = 1; c < t.header.size(); ++c) {
      SCOPED_TRACE(entry.path().string() + " " + t.header[c]);
      const Params p = params_from_diagnostics((*settings)[c], (*types)[c], t.header[c]);
      // the settings repr round-trips through our Python literal parser
      EXPECT_EQ(py_repr(parse_py_literal((*settings)[c], "x")), (*settings)[c]);
      EXPECT_EQ(p.image_types.size(), 1u);
      ++columns;
    }
  }
  EXPECT_GE(columns, 40);
  const Params p = params_from_diagnostics("{'interpolator': None, 'voxelArrayShift': 2000}", "{'Original': {}}", "x");
  EXPECT_FALSE(p.settings.interpolator);
  EXPECT_EQ(p.settings.voxelArrayShift, 2000);
}

TEST(Params, PythonFloatRepr) {
  EXPECT_EQ(py_float_repr(1.0), "1.0");
  EXPECT_EQ(py_float_repr(0.5), "0.5");
  EXPECT_EQ(py_float_repr(0.1), "0.1");
  EXPECT_EQ(py_float_repr(2829.5728210757125), "2829.5728210757125");
  EXPECT_EQ(py_float_repr(33122817481.0), "33122817481.0");
  EXPECT_EQ(py_float_repr(1e-05), "1e-05");
  EXPECT_EQ(py_float_repr(0.0001), "0.0001");
  EXPECT_EQ(py_float_repr(1e16), "1e+16");
  EXPECT_EQ(py_float_repr(-0.023588471933179533), "-0.023588471933179533");
  EXPECT_EQ(py_float_repr(0.7812499999999999), "0.7812499999999999");
}

}  // namespace
}  // namespace scopemia::radiomics
