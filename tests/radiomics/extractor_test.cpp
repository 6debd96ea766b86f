// The extractor: names, order, diagnostics, image types, the class registry.
#include <cmath>
#include <iostream>
#include <map>

#include <gtest/gtest.h>

#include "core/error.h"
#include "io/csv.h"
#include "io/image_io.h"
#include "radiomics/extractor.h"
#include "radiomics/image_types.h"
#include "support/refdata.h"

namespace scopemia::radiomics {
namespace {

bool close_to(double got, double want) {
  return std::abs(got - want) <= std::max(1e-6 * std::abs(want), 1e-9);
}

Image<double> cube_image(Size3 size) {
  Geometry g;
  g.spacing = {0.8, 0.8, 2.5};
  Image<double> img(size, g);
  for (int64_t i = 0; i < img.voxel_count(); ++i) img[i] = double((i * 37) % 101) - 30;
  return img;
}

LabelMap cube_mask(Size3 size, int64_t lo, int64_t hi) {
  Geometry g;
  g.spacing = {0.8, 0.8, 2.5};
  LabelMap m(size, g, 0);
  for (int64_t z = lo; z < hi; ++z)
    for (int64_t y = lo; y < hi; ++y)
      for (int64_t x = lo; x < hi; ++x) m.at(x, y, z) = 1;
  return m;
}

TEST(Extractor, NamesOrderAndDiagnostics) {
  Params p = default_params();
  p.feature_classes = {{"firstorder", {}}};
  const Extractor e(p);
  const CaseResult r = e.execute(cube_image({12, 12, 8}), PixelType::Int16, cube_mask({12, 12, 8}, 2, 6));
  ASSERT_EQ(r.features.size(), 18u);  // StandardDeviation is deprecated: off unless named
  // PyRadiomics's order: sorted method names get<Name>FeatureValue
  const std::vector<std::string> expected = {
      "10Percentile", "90Percentile", "Energy", "Entropy", "InterquartileRange", "Kurtosis", "Maximum",
      "MeanAbsoluteDeviation", "Mean", "Median", "Minimum", "Range", "RobustMeanAbsoluteDeviation",
      "RootMeanSquared", "Skewness", "TotalEnergy", "Uniformity", "Variance"};
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(r.features[i].first, "original_firstorder_" + expected[i]);
  std::map<std::string, std::string> d(r.diagnostics.begin(), r.diagnostics.end());
  EXPECT_EQ(d["diagnostics_Configuration_EnabledImageTypes"], "{'Original': {}}");
  EXPECT_EQ(d["diagnostics_Mask-original_BoundingBox"], "(2, 2, 2, 4, 4, 4)");
  EXPECT_EQ(d["diagnostics_Mask-original_VoxelNum"], "64");
  EXPECT_EQ(d["diagnostics_Mask-original_VolumeNum"], "1");
  EXPECT_EQ(d["diagnostics_Image-original_Size"], "(12, 12, 8)");
  EXPECT_EQ(d["diagnostics_Mask-original_CenterOfMassIndex"], "(3.5, 3.5, 3.5)");
}

// VolumeNum counts face-connected components (SimpleITK's
// ConnectedComponent, fullyConnected off): a voxel touching the cube only by
// an edge, and one at the mask's far corner (the bounding box's edge), are
// volumes of their own; a voxel sharing a face with the cube is not.
TEST(Extractor, VolumeNumCountsFaceConnectedComponents) {
  Params p = default_params();
  p.feature_classes = {{"firstorder", {"Mean"}}};
  LabelMap mask = cube_mask({12, 12, 8}, 2, 6);
  mask.at(6, 3, 3) = 1;   // shares a face with the cube
  mask.at(6, 6, 4) = 1;   // touches the cube along an edge only
  mask.at(11, 11, 7) = 1; // the array's last voxel
  const CaseResult r = Extractor(p).execute(cube_image({12, 12, 8}), PixelType::Int16, mask);
  std::map<std::string, std::string> d(r.diagnostics.begin(), r.diagnostics.end());
  EXPECT_EQ(d["diagnostics_Mask-original_VoxelNum"], "67");
  EXPECT_EQ(d["diagnostics_Mask-original_VolumeNum"], "3");
  EXPECT_EQ(d["diagnostics_Mask-original_BoundingBox"], "(2, 2, 2, 10, 10, 6)");
}

TEST(Extractor, NamedFeaturesKeepTheirOrderAndDeprecatedOnes) {
  Params p = default_params();
  p.feature_classes = {{"firstorder", {"Variance", "StandardDeviation", "Mean"}}};
  const CaseResult r =
      Extractor(p).execute(cube_image({12, 12, 8}), PixelType::Int16, cube_mask({12, 12, 8}, 2, 6));
  ASSERT_EQ(r.features.size(), 3u);
  EXPECT_EQ(r.features[0].first, "original_firstorder_Variance");
  EXPECT_EQ(r.features[1].first, "original_firstorder_StandardDeviation");
  EXPECT_DOUBLE_EQ(r.features[1].second * r.features[1].second, r.features[0].second);
}

TEST(Extractor, LabelOverrideAndDiagnosticsOff) {
  Params p = parse_params_yaml("setting:\n  additionalInfo: false\nfeatureClass:\n  firstorder: [Mean]\n", "p");
  LabelMap m = cube_mask({12, 12, 8}, 2, 6);
  for (int64_t i = 0; i < m.voxel_count(); ++i) m[i] *= 3;
  const Extractor e(p);
  EXPECT_THROW(e.execute(cube_image({12, 12, 8}), PixelType::Int16, m), InputError);
  const CaseResult r = e.execute(cube_image({12, 12, 8}), PixelType::Int16, m, 3);
  EXPECT_TRUE(r.diagnostics.empty());
  ASSERT_EQ(r.features.size(), 1u);
}

TEST(Extractor, ImageTypesAndTheirNames) {
  Params p = parse_params_yaml(
      "imageType:\n  Original: {}\n  LoG: {sigma: [1.0, 2]}\n  Square: {}\n  SquareRoot: {}\n  Logarithm: {}\n"
      "  Exponential: {}\n  Gradient: {}\n  Wavelet: {}\nfeatureClass:\n  firstorder: [Mean]\n",
      "p");
  const CaseResult r =
      Extractor(p).execute(cube_image({12, 12, 8}), PixelType::Int16, cube_mask({12, 12, 8}, 2, 6));
  std::vector<std::string> names;
  for (const auto& f : r.features) names.push_back(f.first);
  const std::vector<std::string> expected = {
      "original_firstorder_Mean",        "log-sigma-1-0-mm-3D_firstorder_Mean", "log-sigma-2-mm-3D_firstorder_Mean",
      "square_firstorder_Mean",          "squareroot_firstorder_Mean",          "logarithm_firstorder_Mean",
      "exponential_firstorder_Mean",     "gradient_firstorder_Mean",            "wavelet-LLH_firstorder_Mean",
      "wavelet-LHL_firstorder_Mean",     "wavelet-LHH_firstorder_Mean",         "wavelet-HLL_firstorder_Mean",
      "wavelet-HLH_firstorder_Mean",     "wavelet-HHL_firstorder_Mean",         "wavelet-HHH_firstorder_Mean",
      "wavelet-LLL_firstorder_Mean"};
  EXPECT_EQ(names, expected);
  for (const auto& f : r.features) EXPECT_TRUE(std::isfinite(f.second)) << f.first;
}

TEST(ImageTypes, SimpleFiltersFollowPyRadiomicsFormulas) {
  Image<double> img({4, 1, 1}, {});
  img[0] = -4;
  img[1] = 0;
  img[2] = 1;
  img[3] = 2;
  std::map<std::string, Image<double>> out;
  Settings s;
  for (const char* t : {"Square", "SquareRoot", "Logarithm", "Exponential"})
    generate_images(t, img, LabelMap({4, 1, 1}, {}, 1), s,
                    [&](const std::string& n, const Image<double>& i) { out.emplace(n, i); });
  EXPECT_DOUBLE_EQ(out["square"][0], 4);      // (x / sqrt(4))^2
  EXPECT_DOUBLE_EQ(out["square"][3], 1);
  EXPECT_DOUBLE_EQ(out["squareroot"][0], -4);  // -sqrt(4 * 4)
  EXPECT_DOUBLE_EQ(out["squareroot"][2], 2);   // sqrt(1 * 4)
  EXPECT_DOUBLE_EQ(out["logarithm"][0], -4);   // rescaled to the original max |x|
  EXPECT_NEAR(out["logarithm"][3], std::log(3) * 4 / std::log(5), 1e-15);
  EXPECT_NEAR(out["exponential"][3], std::exp(std::log(4) / 4 * 2), 1e-15);
}

TEST(ImageTypes, StationaryWaveletOfAConstant) {
  Image<double> img({6, 4, 4}, {}, 3.0);
  const auto bands = swtn_level1(img, "coif1", {2, 1, 0});
  ASSERT_EQ(bands.size(), 8u);
  EXPECT_EQ(bands[0].key, "aaa");
  EXPECT_EQ(bands[1].key, "aad");
  for (int64_t i = 0; i < img.voxel_count(); ++i) {
    EXPECT_NEAR(bands[0].image[i], 3.0 * 2 * std::sqrt(2.0), 1e-12);  // sum(dec_lo) = sqrt(2) per axis
    for (size_t b = 1; b < 8; ++b) EXPECT_NEAR(bands[b].image[i], 0, 1e-12);
  }
}

TEST(ImageTypes, UnknownWaveletIsAnInputError) {
  Settings s;
  s.wavelet = "bior6.8";
  EXPECT_THROW(generate_images("Wavelet", Image<double>({4, 4, 4}, {}), LabelMap({4, 4, 4}, {}, 1), s,
                               [](const std::string&, const Image<double>&) {}),
               InputError);
}

// Wavelet first-order features on LIDC nodules against PyRadiomics 3.1.
TEST(Extractor, LidcWaveletFirstOrderMatchesPyRadiomics) {
  SCOPEMIA_REFDATA(cases_path, "lidc/cases.csv");
  SCOPEMIA_REFDATA(ref_path, "lidc/pyradiomics_wavelet.csv");
  const io::CsvTable cases = io::read_csv(cases_path);
  const io::CsvTable ref = io::read_csv(ref_path);
  const std::string dir = cases_path.substr(0, cases_path.find_last_of('/') + 1);
  std::map<std::string, const std::vector<std::string>*> ref_rows;
  for (const auto& r : ref.rows) ref_rows[r[0]] = &r;
  Params p = parse_params_yaml("imageType:\n  Original: {}\n  Wavelet: {}\nfeatureClass:\n  firstorder:\n", "p");
  const Extractor extractor(p);
  int compared = 0;
  for (size_t k = 0; k < cases.rows.size(); k += 120) {
    const auto& row = cases.rows[k];
    SCOPED_TRACE(row[0]);
    const CaseResult r = extractor.execute_files(dir + row[cases.column("Image")], dir + row[cases.column("Mask")]);
    ASSERT_TRUE(ref_rows.count(row[0]));
    ASSERT_EQ(r.features.size(), 9u * 18u);
    for (const auto& [name, value] : r.features) {
      const int c = ref.column(name);
      ASSERT_GE(c, 0) << name;
      const double want = std::stod((*ref_rows[row[0]])[c]);
      EXPECT_TRUE(close_to(value, want)) << name << ": got " << value << " want " << want;
      ++compared;
    }
  }
  EXPECT_GE(compared, 5 * 9 * 18);
}

TEST(Registry, FirstOrderIsRegisteredAndSortKeysFollowPython) {
  ASSERT_NE(find_feature_class("firstorder"), nullptr);
  EXPECT_FALSE(find_feature_class("firstorder")->shape);
  EXPECT_LT(feature_sort_key("MeanAbsoluteDeviation"), feature_sort_key("Mean"));
  EXPECT_LT(feature_sort_key("10Percentile"), feature_sort_key("90Percentile"));
  EXPECT_LT(feature_sort_key("Maximum"), feature_sort_key("MeanAbsoluteDeviation"));
}

}  // namespace
}  // namespace scopemia::radiomics

namespace scopemia::radiomics {
namespace {

// LoG and Gradient are ITK's filters in physical units: on a quadratic the
// scale-normalized Laplacian is sigma^2 * 6; on a plane the gradient
// magnitude is the slope in intensity per mm.
TEST(ImageTypes, LogAndGradientInPhysicalUnits) {
  Geometry g;
  g.spacing = {0.5, 0.5, 1.0};
  Image<double> quad({40, 40, 30}, g), plane({40, 40, 30}, g);
  for (int64_t z = 0; z < 30; ++z)
    for (int64_t y = 0; y < 40; ++y)
      for (int64_t x = 0; x < 40; ++x) {
        const double px = 0.5 * (x - 20), py = 0.5 * (y - 20), pz = 1.0 * (z - 15);
        quad.at(x, y, z) = px * px + py * py + pz * pz;
        plane.at(x, y, z) = 3 * px + 2 * py - pz;
      }
  Settings s;
  s.sigma = {1.5};
  s.sigma_names = {"1.5"};
  std::map<std::string, Image<double>> out;
  auto sink = [&](const std::string& n, const Image<double>& i) { out.emplace(n, i); };
  generate_images("LoG", quad, LabelMap({40, 40, 30}, g, 1), s, sink);
  generate_images("Gradient", plane, LabelMap({40, 40, 30}, g, 1), s, sink);
  ASSERT_TRUE(out.count("log-sigma-1-5-mm-3D"));
  EXPECT_NEAR(out["log-sigma-1-5-mm-3D"].at(20, 20, 15), 6 * 1.5 * 1.5, 0.01 * 6 * 1.5 * 1.5);
  // float32, as SimpleITK writes it
  EXPECT_EQ(out["gradient"].at(20, 20, 15), double(float(std::sqrt(14.0))));
  s.gradientUseSpacing = false;  // per voxel: slopes 1.5, 1, 1
  out.clear();
  generate_images("Gradient", plane, LabelMap({40, 40, 30}, g, 1), s, sink);
  EXPECT_EQ(out["gradient"].at(20, 20, 15), double(float(std::sqrt(1.5 * 1.5 + 1 + 1))));
}

}  // namespace
}  // namespace scopemia::radiomics

namespace scopemia::radiomics {
namespace {

// Every column of every baseline_<class>.csv through the whole extractor
// (preprocessing configured from the column's diagnostics rows, then the
// class), for each class this build registers. The brain1 column of
// baseline_shape.csv came from an older PyRadiomics: its mesh features are
// checked against brain1_shape_pyradiomics31.csv instead (refdata README).
TEST(Extractor, PyRadiomicsBaselinesOfRegisteredClasses) {
  SCOPEMIA_REFDATA(dir, "pyradiomics/baseline");
  SCOPEMIA_REFDATA(image, "pyradiomics/brain1_image.nrrd");
  SCOPEMIA_REFDATA(mask, "pyradiomics/brain1_label.nrrd");
  std::map<std::string, double> shape31;
  for (const auto& r : io::read_csv(dir + "/brain1_shape_pyradiomics31.csv").rows) shape31[r[0]] = std::stod(r[1]);
  int compared = 0, classes = 0;
  double worst = 0;
  std::string worst_at;
  for (const std::string cls : {"firstorder", "glcm", "gldm", "glrlm", "glszm", "ngtdm", "shape", "shape2D"}) {
    if (!find_feature_class(cls)) continue;
    ++classes;
    const io::CsvTable t = io::read_csv(dir + "/baseline_" + cls + ".csv");
    std::map<std::string, const std::vector<std::string>*> rows;
    for (const auto& r : t.rows) rows[r[0]] = &r;
    for (size_t c = 1; c < t.header.size(); ++c) {
      SCOPED_TRACE(cls + " " + t.header[c]);
      Params p = params_from_diagnostics((*rows.at("diagnostics_Configuration_Settings"))[c],
                                         (*rows.at("diagnostics_Configuration_EnabledImageTypes"))[c], t.header[c]);
      p.feature_classes = {{cls, {}}};
      CaseResult r;
      if (cls == "shape2D") {
        // PyRadiomics's 2D test case: slice 16 of the label as a 256x256x1
        // mask at that slice's position, resampled onto the image (correctMask).
        const LabelMap full = io::read_label_map(mask);
        LabelMap slice({full.size().x, full.size().y, 1}, full.geometry().shifted_to({0, 0, 16}), 0);
        for (int64_t y = 0; y < full.size().y; ++y)
          for (int64_t x = 0; x < full.size().x; ++x) slice.at(x, y, 0) = full.at(x, y, 16);
        const Volume v = io::read_volume(image);
        Image<double> img(v.size(), v.geometry());
        for (int64_t i = 0; i < v.voxel_count(); ++i) img[i] = v[i];
        r = Extractor(p).execute(img, v.source_pixel_type(), slice);
      } else {
        r = Extractor(p).execute_files(image, mask);
      }
      std::map<std::string, double> got(r.features.begin(), r.features.end());
      const std::string prefix = "original_" + cls + "_";
      for (const auto& [name, row] : rows) {
        if (name.rfind(prefix, 0) != 0 || (*row)[c].empty()) continue;
        double want = std::stod((*row)[c]);
        if (cls == "shape" && t.header[c] == "brain1" && shape31.count(name)) want = shape31[name];
        ASSERT_TRUE(got.count(name)) << name;
        const double err = std::abs(got[name] - want);
        EXPECT_LE(err, std::max(1e-6 * std::abs(want), 1e-9)) << name << ": got " << got[name] << " want " << want;
        if (want != 0 && err / std::abs(want) > worst) {
          worst = err / std::abs(want);
          worst_at = t.header[c] + " " + name;
        }
        ++compared;
      }
    }
  }
  ASSERT_GE(classes, 1);
  EXPECT_GT(compared, 0);
  std::cout << classes << " classes, " << compared << " baseline values; worst relative error " << worst << " ("
            << worst_at << ")\n";
}

}  // namespace
}  // namespace scopemia::radiomics

namespace scopemia::radiomics {
namespace {

// preCrop only crops the image to the ROI box + padDistance before the
// filters: features of the original image are unchanged, and with
// padDistance >= the filter's reach so are a local filter's (gradient).
TEST(Extractor, PreCropKeepsOriginalFeatures) {
  SCOPEMIA_REFDATA(image, "pyradiomics/brain1_image.nrrd");
  SCOPEMIA_REFDATA(mask, "pyradiomics/brain1_label.nrrd");
  const std::string yaml = "imageType:\n  Original: {}\n  Gradient: {}\nfeatureClass:\n  firstorder:\nsetting:\n";
  const CaseResult plain = Extractor(parse_params_yaml(yaml + "  preCrop: false\n", "p")).execute_files(image, mask);
  const CaseResult cropped = Extractor(parse_params_yaml(yaml + "  preCrop: true\n", "p")).execute_files(image, mask);
  ASSERT_EQ(plain.features.size(), 36u);
  ASSERT_EQ(cropped.features.size(), 36u);
  for (size_t i = 0; i < plain.features.size(); ++i) {
    EXPECT_EQ(plain.features[i].first, cropped.features[i].first);
    EXPECT_NEAR(plain.features[i].second, cropped.features[i].second, 1e-9 * std::abs(plain.features[i].second))
        << plain.features[i].first;
  }
}

}  // namespace
}  // namespace scopemia::radiomics

namespace scopemia::radiomics {
namespace {

// A float32 image stays float32 where SimpleITK/PyWavelets keep it so:
// normalization and the wavelet transform round to float.
TEST(ImageTypes, Float32ImagesAreProcessedInSinglePrecision) {
  Image<double> img({6, 5, 4}, {});
  for (int64_t i = 0; i < img.voxel_count(); ++i) img[i] = double(float(std::sin(0.37 * double(i)) * 100));
  Settings s;
  s.normalizeScale = 3;
  const Image<double> n32 = normalize_image(img, s, PixelType::Float32);
  const Image<double> n64 = normalize_image(img, s, PixelType::Float64);
  bool any_differs = false;
  for (int64_t i = 0; i < img.voxel_count(); ++i) {
    EXPECT_EQ(n32[i], double(float(n32[i])));
    EXPECT_NEAR(n32[i], n64[i], 1e-5 * std::max(1.0, std::abs(n64[i])));
    any_differs = any_differs || n32[i] != n64[i];
  }
  EXPECT_TRUE(any_differs);
  std::map<std::string, Image<double>> w32, w64;
  generate_images("Wavelet", img, LabelMap({6, 5, 4}, {}, 1), Settings{},
                  [&](const std::string& n, const Image<double>& i) { w32.emplace(n, i); }, PixelType::Float32);
  generate_images("Wavelet", img, LabelMap({6, 5, 4}, {}, 1), Settings{},
                  [&](const std::string& n, const Image<double>& i) { w64.emplace(n, i); }, PixelType::Int16);
  ASSERT_EQ(w32.size(), 8u);
  for (const auto& [name, band] : w32)
    for (int64_t i = 0; i < band.voxel_count(); ++i) {
      EXPECT_EQ(band[i], double(float(band[i]))) << name;
      EXPECT_NEAR(band[i], w64.at(name)[i], 1e-4 * std::max(1.0, std::abs(w64.at(name)[i]))) << name;
    }
}

}  // namespace
}  // namespace scopemia::radiomics
