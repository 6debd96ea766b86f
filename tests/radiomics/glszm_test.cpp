#include "radiomics/glszm.h"

#include <cmath>

#include <gtest/gtest.h>

#include "radiomics/brain1_fixture.h"
#include "support/npy.h"
#include "support/refdata.h"

namespace scopemia::radiomics {
namespace {

using testing::brain1_roi;
using testing::feature;
using testing::full_roi;

TEST(Glszm, Brain1MatrixEqualsPyRadiomics) {
  SCOPEMIA_REFDATA(npy_path, "pyradiomics/baseline/brain1_glszm.npy");
  const auto ref = ::scopemia::testing::read_npy(npy_path);
  const GlszmMatrix m = compute_glszm_matrix(brain1_roi(::scopemia::testing::refdata_dir()), GlszmSettings{});
  ASSERT_EQ(ref.shape, (std::vector<int64_t>{m.ng, m.ns}));
  for (size_t c = 0; c < m.p.size(); ++c) ASSERT_NEAR(m.p[c], ref.data[c], 1e-9) << c;
}

// 3x2x1 ROI, levels   y=0: 1 1 2
//                     y=1: 2 2 2
// 8-connected zones in the slice: level 1 size 2, level 2 size 4 (the lone 2
// at (2,0) touches (1,1) and (2,1)). Nz = 2, Np = 6.
//   SAE = (1/4 + 1/16)/2 = 5/32      LAE = (4 + 16)/2 = 10
//   ZP = 2/6                         ZV: sizes 2, 4 equally likely -> 1
//   SALGLE = (1/(1*4) + 1/(4*16))/2 = 17/128
//   LAHGLE = (1*4 + 4*16)/2 = 34     ZoneEntropy = 1
TEST(Glszm, HandComputedThreeByTwo) {
  const DiscretizedRoi roi = full_roi(Size3{3, 2, 1}, {1, 1, 2, 2, 2, 2});
  const GlszmMatrix m = compute_glszm_matrix(roi, GlszmSettings{});
  EXPECT_EQ(m.zone_sizes, (std::vector<int>{2, 4}));
  EXPECT_EQ(m.p, (std::vector<double>{1, 0, 0, 1}));
  const FeatureList f = glszm_features(m);
  EXPECT_NEAR(feature(f, "SmallAreaEmphasis"), 5.0 / 32, 1e-12);
  EXPECT_NEAR(feature(f, "LargeAreaEmphasis"), 10.0, 1e-12);
  EXPECT_NEAR(feature(f, "ZonePercentage"), 1.0 / 3, 1e-12);
  EXPECT_NEAR(feature(f, "ZoneVariance"), 1.0, 1e-12);
  EXPECT_NEAR(feature(f, "SmallAreaLowGrayLevelEmphasis"), 17.0 / 128, 1e-12);
  EXPECT_NEAR(feature(f, "LargeAreaHighGrayLevelEmphasis"), 34.0, 1e-12);
  EXPECT_NEAR(feature(f, "ZoneEntropy"), 1.0, 1e-12);
  EXPECT_NEAR(feature(f, "GrayLevelVariance"), 0.25, 1e-12);
}

// Zones are 26-connected in 3D, 8-connected in the slice with force2D.
TEST(Glszm, CornerNeighboursJoinZonesIn3DOnly) {
  DiscretizedRoi roi = full_roi(Size3{2, 2, 2}, {1, 0, 0, 0, 0, 0, 0, 1});
  roi.mask = {1, 0, 0, 0, 0, 0, 0, 1};
  roi.max_level = 1;
  EXPECT_EQ(compute_glszm_matrix(roi, GlszmSettings{}).zone_sizes, (std::vector<int>{2}));
  GlszmSettings s2d;
  s2d.force2d = true;
  const GlszmMatrix m2d = compute_glszm_matrix(roi, s2d);
  EXPECT_EQ(m2d.zone_sizes, (std::vector<int>{1}));
  EXPECT_EQ(m2d.p, (std::vector<double>{2}));
}

}  // namespace
}  // namespace scopemia::radiomics
