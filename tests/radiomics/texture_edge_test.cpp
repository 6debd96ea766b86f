// Edge cases of the texture classes, with the values PyRadiomics 3.1's code
// gives for them (derivations in the comments), and bad input.
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <gtest/gtest.h>

#include "radiomics/brain1_fixture.h"
#include "radiomics/glcm.h"
#include "radiomics/gldm.h"
#include "radiomics/glrlm.h"
#include "radiomics/glszm.h"
#include "radiomics/ngtdm.h"

namespace scopemia::radiomics {
namespace {

using testing::feature;
using testing::full_roi;

// One ROI voxel (level 2 of max 2) in a 3x3x3 box.
DiscretizedRoi single_voxel() {
  DiscretizedRoi roi;
  roi.size = Size3{3, 3, 3};
  roi.level.assign(27, 0);
  roi.mask.assign(27, 0);
  roi.level[13] = 2;
  roi.mask[13] = 1;
  roi.max_level = 2;
  return roi;
}

// No neighbour pair: every GLCM angle is empty and deleted, every run-length
// angle holds no line with two ROI voxels and is cleared then deleted: numpy's
// nanmean over no angle gives NaN for every feature of both classes.
TEST(TextureEdge, SingleVoxelGlcmAndGlrlmAreNaN) {
  const DiscretizedRoi roi = single_voxel();
  EXPECT_EQ(compute_glcm_matrices(roi, GlcmSettings{}).na, 0);
  for (const auto& [name, value] : glcm_features(roi, GlcmSettings{})) EXPECT_TRUE(std::isnan(value)) << name;
  EXPECT_EQ(compute_glrlm_matrices(roi, GlrlmSettings{}).na, 0);
  for (const auto& [name, value] : glrlm_features(roi, GlrlmSettings{})) EXPECT_TRUE(std::isnan(value)) << name;
}

// With weighting the angles merge into one matrix that stays empty: its run
// count is 0, PyRadiomics marks it NaN and every feature is NaN.
TEST(TextureEdge, SingleVoxelWeightedGlrlmIsNaN) {
  GlrlmSettings s;
  s.weighting_norm = "euclidean";
  const GlrlmMatrices m = compute_glrlm_matrices(single_voxel(), s);
  ASSERT_EQ(m.na, 1);
  EXPECT_TRUE(std::isnan(m.runs[0]));
  for (const auto& [name, value] : glrlm_features(m)) EXPECT_TRUE(std::isnan(value)) << name;
}

// One zone of size 1 at level 2: SAE = 1, LAE = 1, ZP = 1, HGLZE = 4,
// LGLZE = 1/4, GLV = ZV = 0, ZoneEntropy = -log2(1 + eps) (about -3.2e-16).
TEST(TextureEdge, SingleVoxelGlszm) {
  const FeatureList f = glszm_features(single_voxel(), GlszmSettings{});
  EXPECT_DOUBLE_EQ(feature(f, "SmallAreaEmphasis"), 1.0);
  EXPECT_DOUBLE_EQ(feature(f, "LargeAreaEmphasis"), 1.0);
  EXPECT_DOUBLE_EQ(feature(f, "ZonePercentage"), 1.0);
  EXPECT_DOUBLE_EQ(feature(f, "HighGrayLevelZoneEmphasis"), 4.0);
  EXPECT_DOUBLE_EQ(feature(f, "LowGrayLevelZoneEmphasis"), 0.25);
  EXPECT_DOUBLE_EQ(feature(f, "GrayLevelVariance"), 0.0);
  EXPECT_DOUBLE_EQ(feature(f, "ZoneEntropy"), -std::log2(1 + kTextureEps));
}

// No dependent neighbour: dependence 0 -> j = 1. SDE = LDE = 1, DV = 0.
// NGTDM: n = 1, s = 0: Coarseness 1e6 (PyRadiomics's value for sum p*s = 0),
// Contrast, Busyness, Complexity and Strength 0.
TEST(TextureEdge, SingleVoxelGldmAndNgtdm) {
  const FeatureList d = gldm_features(single_voxel(), GldmSettings{});
  EXPECT_DOUBLE_EQ(feature(d, "SmallDependenceEmphasis"), 1.0);
  EXPECT_DOUBLE_EQ(feature(d, "LargeDependenceEmphasis"), 1.0);
  EXPECT_DOUBLE_EQ(feature(d, "DependenceVariance"), 0.0);
  const FeatureList n = ngtdm_features(single_voxel(), NgtdmSettings{});
  EXPECT_DOUBLE_EQ(feature(n, "Coarseness"), 1e6);
  EXPECT_DOUBLE_EQ(feature(n, "Contrast"), 0.0);
  EXPECT_DOUBLE_EQ(feature(n, "Busyness"), 0.0);
  EXPECT_DOUBLE_EQ(feature(n, "Complexity"), 0.0);
  EXPECT_DOUBLE_EQ(feature(n, "Strength"), 0.0);
}

// A flat ROI (one gray level): Correlation 1, MCC 1, Imc1 = Imc2 = 0, as
// PyRadiomics defines them for flat regions (the brain1_flatRegion baseline
// column checks the same on real data).
TEST(TextureEdge, FlatRegionGlcmConventions) {
  const FeatureList f = glcm_features(full_roi(Size3{3, 3, 3}, std::vector<int32_t>(27, 4)), GlcmSettings{});
  EXPECT_DOUBLE_EQ(feature(f, "Correlation"), 1.0);
  EXPECT_DOUBLE_EQ(feature(f, "MCC"), 1.0);
  EXPECT_DOUBLE_EQ(feature(f, "Imc1"), 0.0);
  EXPECT_DOUBLE_EQ(feature(f, "Imc2"), 0.0);
  EXPECT_DOUBLE_EQ(feature(f, "JointAverage"), 4.0);
  EXPECT_DOUBLE_EQ(feature(f, "Idmn"), 1.0);
}

// Distances: 4x1x1 ROI 1 2 1 2. Distance 2 pairs (1,1) and (2,2): symmetric
// p = diag(.5, .5), Contrast 0. Distance 1 pairs 1-2 three times: Contrast 1.
// distances {1, 2}: angles (0,0,2) then (0,0,1) (PyRadiomics's order), mean 0.5.
TEST(TextureEdge, GlcmDistances) {
  const DiscretizedRoi roi = full_roi(Size3{4, 1, 1}, {1, 2, 1, 2});
  GlcmSettings s;
  s.distances = {2};
  EXPECT_DOUBLE_EQ(feature(glcm_features(roi, s), "Contrast"), 0.0);
  s.distances = {1, 2};
  const GlcmMatrices m = compute_glcm_matrices(roi, s);
  ASSERT_EQ(m.na, 2);
  EXPECT_EQ(m.angles[0], (Angle{0, 0, 2}));
  EXPECT_EQ(m.angles[1], (Angle{0, 0, 1}));
  EXPECT_DOUBLE_EQ(feature(glcm_features(m), "Contrast"), 0.5);
}

// Neighbourhoods of distance 2 only: 5x1x1 ROI 1 2 3 4 5, neighbours at x +- 2.
// NGTDM: |1-3|, |2-4|, |3 - (1+5)/2| = 0, |4-2|, |5-3| -> s = (2,2,0,2,2),
// p = 1/5 each, Coarseness = 1 / (8/5) = 0.625.
// GLDM alpha 2: dependent neighbours 1,1,2,1,1 -> j = 2 (4 voxels), 3 (1):
// LDE = (4*4 + 9)/5 = 5; alpha 0: none dependent -> SDE = 1.
TEST(TextureEdge, DistanceTwoNeighbourhoods) {
  const DiscretizedRoi roi = full_roi(Size3{5, 1, 1}, {1, 2, 3, 4, 5});
  NgtdmSettings n;
  n.distances = {2};
  const NgtdmMatrix m = compute_ngtdm_matrix(roi, n);
  EXPECT_EQ(m.s, (std::vector<double>{2, 2, 0, 2, 2}));
  EXPECT_DOUBLE_EQ(feature(ngtdm_features(m), "Coarseness"), 0.625);
  GldmSettings d;
  d.distances = {2};
  EXPECT_DOUBLE_EQ(feature(gldm_features(roi, d), "SmallDependenceEmphasis"), 1.0);
  d.alpha = 2;
  EXPECT_DOUBLE_EQ(feature(gldm_features(roi, d), "LargeDependenceEmphasis"), 5.0);
}

// An asymmetric GLCM (symmetricalGLCM false) takes MCC through B B^T; check it
// against Q's definition on a 3x3 single-slice ROI with 3 levels: Q (3x3,
// built as PyRadiomics does, eps included) has largest eigenvalue 1, so its
// other two are the roots of x^2 - (tr Q - 1) x + det Q.
TEST(TextureEdge, AsymmetricGlcmMccMatchesDefinition) {
  const DiscretizedRoi roi = full_roi(Size3{3, 3, 1}, {1, 2, 3, 2, 3, 1, 3, 1, 1});
  GlcmSettings s;
  s.symmetrical = false;
  const GlcmMatrices m = compute_glcm_matrices(roi, s);
  ASSERT_EQ(m.ng, 3);
  ASSERT_EQ(m.na, 4);
  std::vector<double> expected;
  for (int a = 0; a < m.na; ++a) {
    const int n = m.ng;
    std::vector<double> px(n, 0), py(n, 0);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) {
        px[i] += m.at(i, j, a);
        py[j] += m.at(i, j, a);
      }
    // Q(i,j) = sum_k p(i,k) p(j,k) / (px(i) py(k) + eps)
    double q[3][3] = {};
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j)
        for (int k = 0; k < n; ++k)
          q[i][j] += m.at(i, k, a) * m.at(j, k, a) / (px[i] * py[k] + kTextureEps);
    const double tr = q[0][0] + q[1][1] + q[2][2];
    const double det = q[0][0] * (q[1][1] * q[2][2] - q[1][2] * q[2][1]) -
                       q[0][1] * (q[1][0] * q[2][2] - q[1][2] * q[2][0]) +
                       q[0][2] * (q[1][0] * q[2][1] - q[1][1] * q[2][0]);
    // With lambda1 = 1: lambda2 + lambda3 = tr - 1, lambda2 * lambda3 = det.
    const double sum = tr - 1, disc = std::sqrt(std::max(sum * sum - 4 * det, 0.0));
    expected.push_back(std::sqrt(std::max((sum + disc) / 2, 0.0)));
  }
  double mean = 0;
  for (double e : expected) mean += e / expected.size();
  EXPECT_NEAR(feature(glcm_features(m), "MCC"), mean, 1e-9);
}

// The extractor shares one gray-level scan and border-1 grid between the
// texture classes (share_texture_inputs): every class must give exactly the
// values it computes from the ROI alone.
TEST(TextureEdge, SharedInputsGiveTheSameValues) {
  const Size3 size{9, 8, 6};
  std::vector<int32_t> levels(size_t(size.count()));
  uint64_t x = 2463534242ull;
  for (auto& l : levels) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    l = 1 + int32_t(x % 9);
  }
  DiscretizedRoi roi = full_roi(size, levels);
  for (size_t i = 0; i < roi.mask.size(); ++i)
    if (i % 7 == 3 || i < 40) roi.mask[i] = 0;  // holes and an empty corner
  DiscretizedRoi shared = roi;
  share_texture_inputs(shared);
  ASSERT_TRUE(shared.shared);
  auto same = [](const FeatureList& a, const FeatureList& b) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(a[k].first, b[k].first);
      EXPECT_EQ(std::memcmp(&a[k].second, &b[k].second, sizeof(double)), 0) << a[k].first;
    }
  };
  same(glcm_features(roi, GlcmSettings{}), glcm_features(shared, GlcmSettings{}));
  same(glrlm_features(roi, GlrlmSettings{}), glrlm_features(shared, GlrlmSettings{}));
  same(glszm_features(roi, GlszmSettings{}), glszm_features(shared, GlszmSettings{}));
  same(gldm_features(roi, GldmSettings{}), gldm_features(shared, GldmSettings{}));
  same(ngtdm_features(roi, NgtdmSettings{}), ngtdm_features(shared, NgtdmSettings{}));
  GldmSettings d2;
  d2.distances = {2};  // a border-2 grid: not the shared one
  same(gldm_features(roi, d2), gldm_features(shared, d2));
}

TEST(TextureEdge, BadInputThrows) {
  DiscretizedRoi roi = full_roi(Size3{2, 1, 1}, {1, 2});
  roi.max_level = 1;  // a masked level above max_level
  EXPECT_THROW(compute_glcm_matrices(roi, GlcmSettings{}), std::invalid_argument);
  roi = full_roi(Size3{2, 1, 1}, {1, 2});
  roi.mask.pop_back();  // buffer shorter than the box
  EXPECT_THROW(compute_glszm_matrix(roi, GlszmSettings{}), std::invalid_argument);
  roi = full_roi(Size3{2, 1, 1}, {1, 2});
  GlcmSettings s;
  s.weighting_norm = "chebyshev";
  EXPECT_THROW(compute_glcm_matrices(roi, s), std::invalid_argument);
  s = GlcmSettings{};
  s.distances = {0};
  EXPECT_THROW(compute_glcm_matrices(roi, s), std::invalid_argument);
  GlszmSettings z;
  z.force2d = true;
  z.force2d_dimension = 3;
  EXPECT_THROW(compute_glszm_matrix(roi, z), std::invalid_argument);
}

// The entropies' log2 cache gives std::log2(v + eps) bit for bit, for
// repeated values, for values whose bits share a slot (collisions) and for 0.
TEST(TextureEdge, CellLog2IsLog2OfEveryValueBitForBit) {
  CellLog2 cached;
  int checked = 0;
  for (int round = 0; round < 3; ++round)
    for (int count = 0; count <= 500; ++count)
      for (const double total : {7.0, 1024.0, 3333.0}) {
        const double v = count / total;
        const double want = std::log2(v + kTextureEps), got = cached(v);
        ASSERT_EQ(std::memcmp(&want, &got, sizeof want), 0) << v;
        ++checked;
      }
  EXPECT_EQ(checked, 3 * 501 * 3);  // 1,503 distinct values through 64 slots: collisions are certain
}

}  // namespace
}  // namespace scopemia::radiomics
