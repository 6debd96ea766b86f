#include "radiomics/gldm.h"

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

TEST(Gldm, Brain1MatrixEqualsPyRadiomics) {
  SCOPEMIA_REFDATA(npy_path, "pyradiomics/baseline/brain1_gldm.npy");
  const auto ref = ::scopemia::testing::read_npy(npy_path);
  const GldmMatrix m = compute_gldm_matrix(brain1_roi(::scopemia::testing::refdata_dir()), GldmSettings{});
  ASSERT_EQ(ref.shape, (std::vector<int64_t>{m.ng, m.nd}));
  for (size_t c = 0; c < m.p.size(); ++c) ASSERT_NEAR(m.p[c], ref.data[c], 1e-9) << c;
}

// 3x2x1 ROI, levels   y=0: 1 1 2
//                     y=1: 2 2 2
// In-plane neighbours (8-neighbourhood clipped to the box), alpha = 0:
//   (0,0)=1: 1,2,2 -> 1 dependent      (1,0)=1: 1,2,2,2,2 -> 1
//   (2,0)=2: 1,2,2 -> 2                (0,1)=2: 1,1,2     -> 1
//   (1,1)=2: 1,1,2,2,2 -> 3            (2,1)=2: 1,2,2     -> 2
// P: level 1 -> j=2 (1 dependent + 1): 2; level 2 -> j=2: 1, j=3: 2, j=4: 1. Nz = 6.
//   LDE = (3*4 + 2*9 + 1*16)/6 = 46/6     DN = (9 + 4 + 1)/6 = 14/6
//   GLV: p(1) = 1/3, p(2) = 2/3 -> 2/9     DV: p(j) = 1/2, 1/3, 1/6 -> 5/9
//   DE = (2/3) log2 3 + (1/3) log2 6      LGLE = (2/1 + 4/4)/6 = 1/2
TEST(Gldm, HandComputedThreeByTwo) {
  const DiscretizedRoi roi = full_roi(Size3{3, 2, 1}, {1, 1, 2, 2, 2, 2});
  const GldmMatrix m = compute_gldm_matrix(roi, GldmSettings{});
  EXPECT_EQ(m.dependences, (std::vector<int>{2, 3, 4}));
  EXPECT_EQ(m.p, (std::vector<double>{2, 0, 0, 1, 2, 1}));
  const FeatureList f = gldm_features(m);
  EXPECT_NEAR(feature(f, "LargeDependenceEmphasis"), 46.0 / 6, 1e-12);
  EXPECT_NEAR(feature(f, "DependenceNonUniformity"), 14.0 / 6, 1e-12);
  EXPECT_NEAR(feature(f, "GrayLevelVariance"), 2.0 / 9, 1e-12);
  EXPECT_NEAR(feature(f, "DependenceVariance"), 5.0 / 9, 1e-12);
  EXPECT_NEAR(feature(f, "DependenceEntropy"), 2.0 / 3 * std::log2(3.0) + std::log2(6.0) / 3, 1e-12);
  EXPECT_NEAR(feature(f, "LowGrayLevelEmphasis"), 0.5, 1e-12);
}

// With alpha = 1 every neighbour depends: counts 3,5,3,3,5,3 -> LDE = (4*16 + 2*36)/6.
TEST(Gldm, AlphaWidensDependence) {
  const DiscretizedRoi roi = full_roi(Size3{3, 2, 1}, {1, 1, 2, 2, 2, 2});
  GldmSettings s;
  s.alpha = 1;
  EXPECT_NEAR(feature(gldm_features(roi, s), "LargeDependenceEmphasis"), 136.0 / 6, 1e-12);
}

}  // namespace
}  // namespace scopemia::radiomics
