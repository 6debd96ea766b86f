#include "radiomics/glrlm.h"

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

TEST(Glrlm, Brain1MatricesEqualPyRadiomics) {
  SCOPEMIA_REFDATA(npy_path, "pyradiomics/baseline/brain1_glrlm.npy");
  const auto ref = ::scopemia::testing::read_npy(npy_path);
  const GlrlmMatrices m = compute_glrlm_matrices(brain1_roi(::scopemia::testing::refdata_dir()), GlrlmSettings{});
  ASSERT_EQ(ref.shape, (std::vector<int64_t>{m.ng, m.nr, m.na}));
  for (size_t c = 0; c < m.p.size(); ++c) ASSERT_NEAR(m.p[c], ref.data[c], 1e-9 * std::max(ref.data[c], 1.0)) << c;
}

// 3x2x1 ROI, levels   y=0: 1 1 2
//                     y=1: 2 2 2
// Angles (dz,dy,dx): (0,1,1), (0,1,0), (0,1,-1), (0,0,1). Runs (level:length):
//   (0,1,1)  diagonal:      1:1 1:1 2:1 2:1 2:1 2:1   -> Nr 6, all length 1
//   (0,1,0)  down columns:  1:1 2:1  1:1 2:1  2:2     -> Nr 5
//   (0,1,-1) anti-diagonal: 1:1  1:1 2:1  2:2  2:1    -> Nr 5
//   (0,0,1)  along rows:    1:2 2:1  2:3              -> Nr 3
// Np = 6 voxels. Per angle (order above):
//   SRE = sum(pr/j^2)/Nr:  1, 4.25/5, 4.25/5, (1/4+1+1/9)/3 = 49/108
//   LRE = sum(pr*j^2)/Nr:  1, 8/5, 8/5, 14/3                      -> mean 133/60
//   RP = Nr/Np:            1, 5/6, 5/6, 1/2                        -> mean 19/24
//   GLN = sum(pg^2)/Nr:    (4+16)/6, (4+9)/5, (4+9)/5, (1+4)/3     -> mean 51/20
TEST(Glrlm, HandComputedThreeByTwo) {
  const DiscretizedRoi roi = full_roi(Size3{3, 2, 1}, {1, 1, 2, 2, 2, 2});
  const GlrlmMatrices m = compute_glrlm_matrices(roi, GlrlmSettings{});
  ASSERT_EQ(m.na, 4);
  EXPECT_EQ(m.run_lengths, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(m.runs, (std::vector<double>{6, 5, 5, 3}));
  EXPECT_DOUBLE_EQ(m.at(1, 2, 3), 1.0);  // level 2, length 3, along rows
  const FeatureList f = glrlm_features(m);
  EXPECT_NEAR(feature(f, "ShortRunEmphasis"), (1 + 0.85 + 0.85 + 49.0 / 108) / 4, 1e-12);
  EXPECT_NEAR(feature(f, "LongRunEmphasis"), 133.0 / 60, 1e-12);
  EXPECT_NEAR(feature(f, "RunPercentage"), 19.0 / 24, 1e-12);
  EXPECT_NEAR(feature(f, "GrayLevelNonUniformity"), 51.0 / 20, 1e-12);
}

// Along an angle where no line holds two ROI voxels PyRadiomics clears the
// matrix (and then drops the empty angle): a one-row ROI in a 3x2 box keeps
// only the row direction.
TEST(Glrlm, AnglesWithoutMultiVoxelLinesAreDropped) {
  DiscretizedRoi roi = full_roi(Size3{3, 2, 1}, {1, 1, 2, 0, 0, 0});
  roi.mask = {1, 1, 1, 0, 0, 0};
  const GlrlmMatrices m = compute_glrlm_matrices(roi, GlrlmSettings{});
  ASSERT_EQ(m.na, 1);
  EXPECT_EQ(m.angles[0], (Angle{0, 0, 1}));
  // Runs 1:2 and 2:1 -> SRE = (1/4 + 1)/2, LRE = (4 + 1)/2.
  const FeatureList f = glrlm_features(m);
  EXPECT_NEAR(feature(f, "ShortRunEmphasis"), 0.625, 1e-12);
  EXPECT_NEAR(feature(f, "LongRunEmphasis"), 2.5, 1e-12);
  EXPECT_NEAR(feature(f, "RunEntropy"), 1.0, 1e-12);
}

// A line with two ROI voxels that are not neighbours still keeps its angle
// (runs of length 1, not cleared): levels 1 _ 2 in the top row of a 3x2
// array keep the row direction only (its line holds both voxels), with two
// runs of length 1.
TEST(Glrlm, AngleWithOnlySeparatedVoxelsOnALineIsKept) {
  DiscretizedRoi roi = full_roi(Size3{3, 2, 1}, {1, 1, 2, 1, 1, 1});
  roi.mask = {1, 0, 1, 0, 0, 0};
  const GlrlmMatrices m = compute_glrlm_matrices(roi, GlrlmSettings{});
  ASSERT_EQ(m.na, 1);
  EXPECT_EQ(m.angles[0], (Angle{0, 0, 1}));
  EXPECT_EQ(m.runs[0], 2.0);
  const FeatureList f = glrlm_features(m);
  EXPECT_NEAR(feature(f, "ShortRunEmphasis"), 1.0, 1e-12);
  EXPECT_NEAR(feature(f, "RunPercentage"), 1.0, 1e-12);
}

// Weighting sums the angles' matrices weighted by the angle's distance
// (manhattan, spacing 1: 2 for the diagonals, 1 for the axes).
TEST(Glrlm, ManhattanWeighting) {
  const DiscretizedRoi roi = full_roi(Size3{3, 2, 1}, {1, 1, 2, 2, 2, 2});
  GlrlmSettings s;
  s.weighting_norm = "manhattan";
  const GlrlmMatrices m = compute_glrlm_matrices(roi, s);
  ASSERT_EQ(m.na, 1);
  // Runs: diagonals 2*(6 + 5) = 22, axes 5 + 3 = 8.
  EXPECT_DOUBLE_EQ(m.runs[0], 30.0);
  // Level 2, length 1: diag 4*2 + columns 2 + anti-diag 2*2 + rows 1 = 15.
  EXPECT_DOUBLE_EQ(m.at(1, 0, 0), 15.0);
}

}  // namespace
}  // namespace scopemia::radiomics
