#include "imaging/mean_curvature.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace scopemia::imaging {
namespace {

// I = distance (mm) to a point off the voxel grid, so no voxel sits on it.
Volume distance_to_point(const Size3& size, const Vec3& spacing, Vec3* centre_out) {
  Geometry g;
  g.spacing = spacing;
  Volume v(size, g);
  const Vec3 centre{(size.x / 2 + 0.31) * spacing[0], (size.y / 2 - 0.27) * spacing[1], (size.z / 2 + 0.13) * spacing[2]};
  for (int64_t z = 0; z < size.z; ++z)
    for (int64_t y = 0; y < size.y; ++y)
      for (int64_t x = 0; x < size.x; ++x) {
        const Vec3 p = g.index_to_physical(Index3{x, y, z});
        v.at(x, y, z) = float(std::sqrt(std::pow(p[0] - centre[0], 2) + std::pow(p[1] - centre[1], 2) +
                                        std::pow(p[2] - centre[2], 2)));
      }
  *centre_out = centre;
  return v;
}

// Median relative error of k against 2/r over interior voxels with r_min < r < r_max.
double median_relative_error(const Volume& image, const Volume& k, double r_min, double r_max) {
  std::vector<double> errors;
  const Size3 s = image.size();
  for (int64_t z = 2; z < s.z - 2; ++z)
    for (int64_t y = 2; y < s.y - 2; ++y)
      for (int64_t x = 2; x < s.x - 2; ++x) {
        const double r = image.at(x, y, z);
        if (r <= r_min || r >= r_max) continue;
        errors.push_back(std::abs(k.at(x, y, z) - 2.0 / r) / (2.0 / r));
      }
  EXPECT_GT(errors.size(), 100u);
  std::nth_element(errors.begin(), errors.begin() + errors.size() / 2, errors.end());
  return errors[errors.size() / 2];
}

struct Grid {
  const char* name;
  Size3 size;
  Vec3 spacing;
};

class MeanCurvatureOfDistance : public ::testing::TestWithParam<Grid> {};

TEST_P(MeanCurvatureOfDistance, IsTwoOverRWithPlainDifferences) {
  const Grid& grid = GetParam();
  Vec3 centre;
  const Volume image = distance_to_point(grid.size, grid.spacing, &centre);
  const Volume k = mean_curvature(image);
  const double min_spacing = std::min({grid.spacing[0], grid.spacing[1], grid.spacing[2]});
  EXPECT_LT(median_relative_error(image, k, 4.0 * std::max({grid.spacing[0], grid.spacing[1], grid.spacing[2]}),
                                  14.0 * min_spacing),
            0.02);
  EXPECT_EQ(k.geometry().max_difference(image.geometry()), 0.0);
}

INSTANTIATE_TEST_SUITE_P(Spacings, MeanCurvatureOfDistance,
                         ::testing::Values(Grid{"isotropic", Size3{40, 40, 40}, Vec3{1, 1, 1}},
                                           Grid{"anisotropic", Size3{48, 40, 24}, Vec3{0.7, 0.9, 1.6}}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(MeanCurvature, GaussianScaleKeepsSphericalIsophotes) {
  // Smoothing a radially symmetric image keeps its isophotes concentric
  // spheres, so k stays 2/r; the bias of S > 0 shows only on shapes with
  // detail finer than S (docs/imaging.md).
  Vec3 centre;
  const Volume distance = distance_to_point(Size3{48, 48, 48}, Vec3{1, 1, 1}, &centre);
  MeanCurvatureOptions o;
  o.sigma_mm = 1.0;
  EXPECT_LT(median_relative_error(distance, mean_curvature(distance, o), 8.0, 18.0), 0.02);

  // A bright, voxelised solid ball of radius 10 mm (a lesion): the gradient
  // points inward, so near its surface k = -2/r of each voxel's isophote.
  // The staircase of the voxelised surface scatters k; the scatter shrinks
  // as the scale grows while the median stays unbiased (numbers: docs/imaging.md).
  Volume ball(distance.size(), distance.geometry());
  for (int64_t i = 0; i < ball.voxel_count(); ++i) ball[i] = distance[i] < 10.f ? 100.f : 0.f;
  auto signed_errors = [&](double sigma) {
    o.sigma_mm = sigma;
    const Volume k = mean_curvature(ball, o);
    std::vector<double> e;
    for (int64_t i = 0; i < ball.voxel_count(); ++i)
      if (std::abs(distance[i] - 10.f) < 1.f) e.push_back((k[i] + 2.0 / distance[i]) / (2.0 / distance[i]));
    std::sort(e.begin(), e.end());
    return e;
  };
  const auto at_1_5 = signed_errors(1.5), at_3 = signed_errors(3.0);
  EXPECT_LT(std::abs(at_1_5[at_1_5.size() / 2]), 0.02);
  EXPECT_LT(std::abs(at_3[at_3.size() / 2]), 0.02);
  EXPECT_GT(at_3[at_3.size() / 10], -0.03);
  EXPECT_LT(at_3[9 * at_3.size() / 10], 0.03);
  EXPECT_LT(at_3[9 * at_3.size() / 10] - at_3[at_3.size() / 10], at_1_5[9 * at_1_5.size() / 10] - at_1_5[at_1_5.size() / 10]);
}

TEST(MeanCurvature, PlaneHasZeroCurvatureAndFlatImageIsGuarded) {
  Volume ramp(Size3{16, 16, 16}, Geometry{}), flat(Size3{16, 16, 16}, Geometry{}, 5.f);
  for (int64_t z = 0; z < 16; ++z)
    for (int64_t y = 0; y < 16; ++y)
      for (int64_t x = 0; x < 16; ++x) ramp.at(x, y, z) = float(2 * x + 3 * y - z);
  const Volume k_ramp = mean_curvature(ramp), k_flat = mean_curvature(flat);
  for (int64_t z = 1; z < 15; ++z)  // the border uses one-sided differences
    for (int64_t y = 1; y < 15; ++y)
      for (int64_t x = 1; x < 15; ++x) ASSERT_NEAR(k_ramp.at(x, y, z), 0.f, 1e-5);
  for (int64_t i = 0; i < k_flat.voxel_count(); ++i) ASSERT_EQ(k_flat[i], 0.f);
}

}  // namespace
}  // namespace scopemia::imaging
