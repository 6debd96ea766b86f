#include "radiomics/ngtdm.h"

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

TEST(Ngtdm, Brain1MatrixEqualsPyRadiomics) {
  SCOPEMIA_REFDATA(npy_path, "pyradiomics/baseline/brain1_ngtdm.npy");
  const auto ref = ::scopemia::testing::read_npy(npy_path);
  const NgtdmMatrix m = compute_ngtdm_matrix(brain1_roi(::scopemia::testing::refdata_dir()), NgtdmSettings{});
  ASSERT_EQ(ref.shape, (std::vector<int64_t>{m.ng, 3}));
  for (int i = 0; i < m.ng; ++i) {
    EXPECT_NEAR(m.n[i], ref.at({i, 0}), 1e-9) << i;
    EXPECT_NEAR(m.s[i], ref.at({i, 1}), 1e-9 * std::max(1.0, ref.at({i, 1}))) << i;
    EXPECT_EQ(m.level[i], ref.at({i, 2})) << i;
  }
}

// 3x2x1 ROI, levels   y=0: 1 1 2
//                     y=1: 2 2 2
// |level - mean of in-ROI neighbours| (8-neighbourhood, centre excluded):
//   (0,0)=1: mean 5/3 -> 2/3     (1,0)=1: mean 9/5 -> 4/5
//   (2,0)=2: mean 5/3 -> 1/3     (0,1)=2: mean 4/3 -> 2/3
//   (1,1)=2: mean 8/5 -> 2/5     (2,1)=2: mean 5/3 -> 1/3
// n = (2, 4), s = (22/15, 26/15), p = (1/3, 2/3), Nvp = 6, sum p*s = 74/45.
//   Coarseness = 45/74
//   Contrast = [2 p1 p2 (1-2)^2] * sum(s) / Nvp / (Ngp (Ngp-1)) = (4/9)(16/5)/6/2 = 16/135
//   Busyness = (74/45) / (2 |1/3 - 4/3|) = 37/45
//   Complexity = 2 * |1-2| * (74/45) / (p1 + p2) / Nvp = 74/135
//   Strength = 2 (p1 + p2) (1-2)^2 / sum(s) = 5/8
TEST(Ngtdm, HandComputedThreeByTwo) {
  const DiscretizedRoi roi = full_roi(Size3{3, 2, 1}, {1, 1, 2, 2, 2, 2});
  const NgtdmMatrix m = compute_ngtdm_matrix(roi, NgtdmSettings{});
  ASSERT_EQ(m.ng, 2);
  EXPECT_EQ(m.n, (std::vector<double>{2, 4}));
  EXPECT_NEAR(m.s[0], 22.0 / 15, 1e-14);
  EXPECT_NEAR(m.s[1], 26.0 / 15, 1e-14);
  const FeatureList f = ngtdm_features(m);
  EXPECT_NEAR(feature(f, "Coarseness"), 45.0 / 74, 1e-12);
  EXPECT_NEAR(feature(f, "Contrast"), 16.0 / 135, 1e-12);
  EXPECT_NEAR(feature(f, "Busyness"), 37.0 / 45, 1e-12);
  EXPECT_NEAR(feature(f, "Complexity"), 74.0 / 135, 1e-12);
  EXPECT_NEAR(feature(f, "Strength"), 5.0 / 8, 1e-12);
}

// A ROI voxel without any ROI neighbour still counts in n_i, adding 0 to s_i
// (PyRadiomics 3.1's C code; 14 of the 601 LIDC nodules depend on it). Adding
// an isolated voxel of level 3 to the case above: n = (2, 4, 1), Nvp = 7,
// sum p*s = (2/7)(22/15) + (4/7)(26/15) = 148/105 -> Coarseness 105/148.
TEST(Ngtdm, IsolatedVoxelCountsWithZeroDifference) {
  DiscretizedRoi roi = full_roi(Size3{5, 2, 1}, {1, 1, 2, 0, 3, 2, 2, 2, 0, 0});
  roi.mask = {1, 1, 1, 0, 1, 1, 1, 1, 0, 0};
  const NgtdmMatrix m = compute_ngtdm_matrix(roi, NgtdmSettings{});
  ASSERT_EQ(m.ng, 3);
  EXPECT_EQ(m.n, (std::vector<double>{2, 4, 1}));
  EXPECT_EQ(m.s[2], 0.0);
  EXPECT_NEAR(testing::feature(ngtdm_features(m), "Coarseness"), 105.0 / 148, 1e-12);
}

}  // namespace
}  // namespace scopemia::radiomics
