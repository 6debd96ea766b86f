// Image preparation and discretization, as PyRadiomics does them.
#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "core/error.h"
#include "radiomics/preprocess.h"

namespace scopemia::radiomics {
namespace {

DoubleImage ramp(Size3 size, Vec3 spacing = {1, 1, 1}) {
  Geometry g;
  g.spacing = spacing;
  DoubleImage img(size, g);
  for (int64_t z = 0; z < size.z; ++z)
    for (int64_t y = 0; y < size.y; ++y)
      for (int64_t x = 0; x < size.x; ++x) img.at(x, y, z) = double(x + 10 * y + 100 * z);
  return img;
}

LabelMap box_mask(Size3 size, Region r, Vec3 spacing = {1, 1, 1}, uint8_t label = 1) {
  Geometry g;
  g.spacing = spacing;
  LabelMap m(size, g, 0);
  for (int64_t z = r.start.z; z < r.start.z + r.size.z; ++z)
    for (int64_t y = r.start.y; y < r.start.y + r.size.y; ++y)
      for (int64_t x = r.start.x; x < r.start.x + r.size.x; ++x) m.at(x, y, z) = label;
  return m;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Discretize, BinWidthEdgesStartAtMultipleBelowMinimum) {
  Settings s;
  s.binWidth = 25;
  // PyRadiomics's documented example: 54..166 -> edges 50, 75, ..., 200
  const std::vector<double> e = bin_edges({54, 100, 166}, s);
  ASSERT_EQ(e.size(), 7u);
  EXPECT_EQ(e.front(), 50);
  EXPECT_EQ(e.back(), 200);
  EXPECT_EQ(digitize(54, e), 1);
  EXPECT_EQ(digitize(74.999, e), 1);
  EXPECT_EQ(digitize(75, e), 2);
  EXPECT_EQ(digitize(166, e), 5);
  EXPECT_EQ(digitize(150, e), 5);  // a maximum on an edge opens its own bin
}

TEST(Discretize, NegativeValuesUsePythonModulo) {
  Settings s;
  s.binWidth = 25;
  const std::vector<double> e = bin_edges({-1013, -20, 40}, s);
  EXPECT_EQ(e.front(), -1025);  // -1013 % 25 == 12 in Python
  // level = floor(x/W) - floor(min/W) + 1
  for (double x : {-1013.0, -1000.0, -20.0, 0.0, 40.0})
    EXPECT_EQ(digitize(x, e), int(std::floor(x / 25) - std::floor(-1013.0 / 25) + 1)) << x;
}

TEST(Discretize, FractionalBinWidth) {
  Settings s;
  s.binWidth = 0.5;
  const std::vector<double> e = bin_edges({-1.2, 0.3, 2.0}, s);
  EXPECT_DOUBLE_EQ(e.front(), -1.5);
  EXPECT_EQ(digitize(-1.2, e), 1);
  EXPECT_EQ(digitize(2.0, e), 8);
}

TEST(Discretize, BinCountAsNumpyHistogram) {
  Settings s;
  s.binCount = 5;
  std::vector<double> v;
  for (int i = 0; i <= 10; ++i) v.push_back(i);
  const std::vector<double> e = bin_edges(v, s);
  ASSERT_EQ(e.size(), 6u);
  EXPECT_EQ(e.back(), 11);  // max + 1: the maximum falls in the top bin
  EXPECT_EQ(digitize(0, e), 1);
  EXPECT_EQ(digitize(1.99, e), 1);
  EXPECT_EQ(digitize(2, e), 2);
  EXPECT_EQ(digitize(10, e), 5);
  // flat region: one bin
  const std::vector<double> flat = bin_edges({3, 3, 3}, s);
  EXPECT_EQ(digitize(3, flat), 3);  // numpy: edges 2.5..3.5 in 5 bins, 3 in the third
}

TEST(Discretize, FillsTheRoiStruct) {
  const DoubleImage img = ramp({4, 3, 2}, {0.5, 0.5, 2});
  const LabelMap m = box_mask({4, 3, 2}, {{1, 0, 0}, {2, 3, 2}}, {0.5, 0.5, 2});
  Settings s;
  s.binWidth = 10;
  const DiscretizedRoi roi = discretize(img, m, s);
  EXPECT_EQ(roi.size, (Size3{4, 3, 2}));
  EXPECT_EQ(roi.spacing, (Vec3{0.5, 0.5, 2}));
  EXPECT_EQ(roi.level[roi.offset(0, 0, 0)], 0);  // outside the ROI
  EXPECT_EQ(roi.mask[roi.offset(0, 0, 0)], 0);
  EXPECT_EQ(roi.level[roi.offset(1, 0, 0)], 1);  // value 1: edges 0, 10, ...
  EXPECT_EQ(roi.level[roi.offset(2, 2, 1)], 13);  // value 122
  EXPECT_EQ(roi.max_level, 13);
}

// discretize() places each voxel by an interpolated guess corrected along the
// edges; it must count the edges <= the value exactly as digitize()
// (upper_bound) does, values on an edge and fractional widths included.
TEST(Discretize, MatchesDigitizeOnEveryVoxel) {
  for (const auto& [width, count] : std::vector<std::pair<double, int>>{{25, 0}, {0.3, 0}, {7, 0}, {0, 32}, {0, 7}}) {
    DoubleImage img(Size3{17, 13, 5}, Geometry{});
    LabelMap m(Size3{17, 13, 5}, Geometry{}, 0);
    uint64_t x = 88172645463325252ull;  // xorshift: values on and between edges, negative too
    for (int64_t i = 0; i < img.voxel_count(); ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      const double v = double(int64_t(x % 4001) - 1200) * (i % 3 == 0 ? 1.0 : 0.1);
      img[i] = v;
      m[i] = (x >> 20) % 4 != 0;
    }
    Settings s;
    if (count > 0) {
      s.binCount = count;
    } else {
      s.binWidth = width;
    }
    const DiscretizedRoi roi = discretize(img, m, s);
    std::vector<double> values;
    for (int64_t i = 0; i < img.voxel_count(); ++i)
      if (m[i]) values.push_back(img[i]);
    const std::vector<double> edges = bin_edges(values, s);
    int32_t max_level = 0;
    for (int64_t i = 0; i < img.voxel_count(); ++i) {
      if (!m[i]) continue;
      ASSERT_EQ(roi.level[size_t(i)], digitize(img[i], edges)) << "value " << img[i] << " width " << width;
      max_level = std::max(max_level, roi.level[size_t(i)]);
    }
    EXPECT_EQ(roi.max_level, max_level);
  }
}

TEST(Preprocess, NormalizeUsesSampleSigma) {
  DoubleImage img = ramp({5, 1, 1});  // 0..4: mean 2, sample sd sqrt(2.5)
  Settings s;
  s.normalizeScale = 100;
  const DoubleImage n = normalize_image(img, s);
  EXPECT_NEAR(n[0], -2 / std::sqrt(2.5) * 100, 1e-12);
  EXPECT_NEAR(n[4], 2 / std::sqrt(2.5) * 100, 1e-12);
  s.removeOutliers = 1.0;
  const DoubleImage c = normalize_image(img, s);
  EXPECT_NEAR(c[0], -100, 1e-12);  // clipped before the scale
  EXPECT_NEAR(c[3], 1 / std::sqrt(2.5) * 100, 1e-12);
}

TEST(Preprocess, MaskChecks) {
  const DoubleImage img = ramp({10, 10, 10});
  Settings s;
  EXPECT_NE(error_of([&] { check_mask(img, box_mask({10, 10, 10}, {{2, 2, 2}, {1, 1, 1}}), s); })
                .find("only contains 1 segmented voxel"),
            std::string::npos);
  EXPECT_NE(error_of([&] { check_mask(img, box_mask({10, 10, 10}, {{2, 2, 2}, {4, 1, 1}}), s); })
                .find("too few dimensions (number of dimensions 1, minimum required 2)"),
            std::string::npos);
  s.minimumROIDimensions = 3;
  EXPECT_NE(error_of([&] { check_mask(img, box_mask({10, 10, 10}, {{2, 2, 2}, {4, 4, 1}}), s); })
                .find("too few dimensions"),
            std::string::npos);
  s.minimumROIDimensions = 2;
  s.minimumROISize = 16;
  EXPECT_NE(error_of([&] { check_mask(img, box_mask({10, 10, 10}, {{2, 2, 2}, {4, 4, 1}}), s); })
                .find("too small"),
            std::string::npos);
  s.minimumROISize = 15;
  const MaskCheck ok = check_mask(img, box_mask({10, 10, 10}, {{2, 3, 4}, {4, 4, 1}}), s);
  EXPECT_EQ(ok.bbox, (Region{{2, 3, 4}, {4, 4, 1}}));
  EXPECT_FALSE(ok.corrected);
}

TEST(Preprocess, GeometryMismatchAndCorrectMask) {
  const DoubleImage img = ramp({10, 10, 10});
  LabelMap m = box_mask({10, 10, 10}, {{2, 2, 2}, {3, 3, 3}});
  Geometry g = m.geometry();
  g.origin = {1e-7, 0, 0};  // within ITK's default tolerance (1e-6 * spacing)
  m.set_geometry(g);
  Settings s;
  EXPECT_NO_THROW(check_mask(img, m, s));
  g.origin = {0.5, 0, 0};
  m.set_geometry(g);
  EXPECT_NE(error_of([&] { check_mask(img, m, s); }).find("geometry mismatch"), std::string::npos);
  s.geometryTolerance = 1.0;  // a larger tolerance accepts it
  EXPECT_NO_THROW(check_mask(img, m, s));
  s.geometryTolerance.reset();
  s.correctMask = true;  // the mask is resampled (nearest neighbour) onto the image grid
  const MaskCheck c = check_mask(img, m, s);
  ASSERT_TRUE(c.corrected);
  EXPECT_EQ(c.corrected->size(), img.size());
  EXPECT_EQ(c.bbox.size, (Size3{3, 3, 3}));
  // a mask ROI outside the image cannot be corrected
  g.origin = {50, 0, 0};
  m.set_geometry(g);
  EXPECT_NE(error_of([&] { check_mask(img, m, s); }).find("larger than image space"), std::string::npos);
  // different size without correctMask
  s.correctMask = false;
  EXPECT_NE(error_of([&] { check_mask(img, box_mask({9, 10, 10}, {{2, 2, 2}, {3, 3, 3}}), s); }).find("size mismatch"),
            std::string::npos);
}

TEST(Preprocess, PrepareCaseLabelErrors) {
  const DoubleImage img = ramp({6, 6, 6});
  Settings s;
  EXPECT_NE(error_of([&] { prepare_case(img, PixelType::Int16, LabelMap({6, 6, 6}, {}, 0), s); })
                .find("No labels found"),
            std::string::npos);
  EXPECT_NE(error_of([&] { prepare_case(img, PixelType::Int16, box_mask({6, 6, 6}, {{1, 1, 1}, {2, 2, 2}}, {1, 1, 1}, 2), s); })
                .find("Label (1) not present in mask. Choose from [2]"),
            std::string::npos);
  DoubleImage bad = img.clone();
  bad[3] = NAN;
  EXPECT_NE(error_of([&] { prepare_case(bad, PixelType::Float32, box_mask({6, 6, 6}, {{1, 1, 1}, {2, 2, 2}}), s); })
                .find("NaN"),
            std::string::npos);
}

TEST(Preprocess, ResegmentModes) {
  const DoubleImage img = ramp({10, 1, 1});  // 0..9
  LabelMap m = box_mask({10, 1, 1}, {{0, 0, 0}, {10, 1, 1}});
  Settings s;
  s.resegmentRange = std::vector<double>{3, 6};
  LabelMap r = resegment_mask(img, m, s);
  for (int x = 0; x < 10; ++x) EXPECT_EQ(r[x], x >= 3 && x <= 6) << x;
  s.resegmentRange = std::vector<double>{7};  // one threshold: >= 7
  r = resegment_mask(img, m, s);
  for (int x = 0; x < 10; ++x) EXPECT_EQ(r[x], x >= 7) << x;
  s.resegmentMode = "relative";
  s.resegmentRange = std::vector<double>{0.5};  // >= 4.5
  r = resegment_mask(img, m, s);
  for (int x = 0; x < 10; ++x) EXPECT_EQ(r[x], x >= 5) << x;
  s.resegmentMode = "sigma";  // mean 4.5, population sd sqrt(8.25)
  s.resegmentRange = std::vector<double>{-1, 1};
  r = resegment_mask(img, m, s);
  for (int x = 0; x < 10; ++x) EXPECT_EQ(r[x], std::abs(x - 4.5) <= std::sqrt(8.25)) << x;
  s.resegmentMode = "absolute";
  s.resegmentRange = std::vector<double>{9};
  EXPECT_NE(error_of([&] { resegment_mask(img, m, s); }).find("excluded too many voxels"), std::string::npos);
}

TEST(Preprocess, ResamplingGridAsPyRadiomics) {
  // 1 mm image, ROI x 4..7, resampled to 2 mm with padDistance 1
  const DoubleImage img = ramp({20, 20, 20});
  const LabelMap m = box_mask({20, 20, 20}, {{4, 4, 4}, {4, 4, 4}});
  Settings s;
  s.resampledPixelSpacing = std::vector<double>{2, 2, 2};
  s.interpolator = "sitkLinear";
  s.padDistance = 1;
  const auto [out, mask] = resample_case(img, PixelType::Float64, m, s);
  // lower bound floor((4 - .5) * .5 - 1) = 0, upper ceil((8 - .5) * .5 + 1) = 5
  EXPECT_EQ(out.size(), (Size3{6, 6, 6}));
  EXPECT_EQ(out.geometry().spacing, (Vec3{2, 2, 2}));
  // origin index: .5 * (2 - 1) / 1 + 0 = 0.5
  EXPECT_DOUBLE_EQ(out.geometry().origin[0], 0.5);
  // linear interpolation of a linear ramp is exact: voxel (1,0,0) sits at (2.5, 0.5, 0.5)
  EXPECT_NEAR(out.at(1, 0, 0), 2.5 + 5 + 50, 1e-9);
  EXPECT_NEAR(out.at(2, 1, 1), 4.5 + 10 * 2.5 + 100 * 2.5, 1e-9);
  // an integer image is cast back with truncation, as ITK does
  const auto [tr, tm] = resample_case(img, PixelType::Int16, m, s);
  EXPECT_EQ(tr.at(1, 0, 0), 57);
  int64_t roi = 0;
  for (int64_t i = 0; i < mask.voxel_count(); ++i) roi += mask[i];
  EXPECT_GT(roi, 0);
}

TEST(Preprocess, PairwiseSumMatchesExactSumOnIntegers) {
  std::vector<double> v(1000);
  for (int i = 0; i < 1000; ++i) v[i] = i;
  EXPECT_EQ(pairwise_sum(v.data(), v.size()), 499500);
  EXPECT_EQ(pairwise_sum(v.data(), 5), 10);
}

TEST(Preprocess, PaddedBoxIsClipped) {
  const Region r = padded_box({{1, 5, 0}, {3, 3, 2}}, 5, {20, 10, 4});
  EXPECT_EQ(r, (Region{{0, 0, 0}, {9, 10, 4}}));
}

}  // namespace
}  // namespace scopemia::radiomics
