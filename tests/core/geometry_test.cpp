#include "core/geometry.h"

#include <cmath>

#include <gtest/gtest.h>

#include "core/crop.h"
#include "core/image.h"

namespace scopemia {
namespace {

// An oblique, anisotropic grid: a rotation about z by 30 degrees.
Geometry oblique() {
  Geometry g;
  g.spacing = {0.7, 0.9, 2.5};
  g.origin = {-100.0, 20.0, 7.5};
  const double c = std::cos(M_PI / 6), s = std::sin(M_PI / 6);
  g.direction = {c, -s, 0, s, c, 0, 0, 0, 1};
  return g;
}

TEST(Geometry, IndexToPhysicalFollowsItkDefinition) {
  const Geometry g = oblique();
  // physical = origin + D * diag(spacing) * index
  const Vec3 p = g.index_to_physical(Index3{2, 3, 4});
  const double c = std::cos(M_PI / 6), s = std::sin(M_PI / 6);
  EXPECT_NEAR(p[0], -100.0 + c * 1.4 - s * 2.7, 1e-12);
  EXPECT_NEAR(p[1], 20.0 + s * 1.4 + c * 2.7, 1e-12);
  EXPECT_NEAR(p[2], 7.5 + 10.0, 1e-12);
}

TEST(Geometry, PhysicalToIndexInvertsIndexToPhysical) {
  const Geometry g = oblique();
  for (const Vec3 ci : {Vec3{0, 0, 0}, Vec3{1.5, -2.25, 7}, Vec3{100, 50, 3}}) {
    const Vec3 back = g.physical_to_index(g.index_to_physical(ci));
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(back[i], ci[i], 1e-9);
  }
}

TEST(Geometry, SingularDirectionIsRejected) {
  EXPECT_THROW(invert(Mat3{1, 0, 0, 0, 0, 0, 0, 0, 1}), std::invalid_argument);
}

TEST(Crop, KeepsEveryVoxelAtItsPhysicalPosition) {
  Volume v(Size3{6, 5, 4}, oblique());
  for (int64_t i = 0; i < v.voxel_count(); ++i) v[i] = float(i);
  const Region region{Index3{1, 2, 1}, Size3{3, 2, 2}};
  const Volume c = crop(v, region);
  ASSERT_EQ(c.size(), (Size3{3, 2, 2}));
  for (int64_t z = 0; z < 2; ++z)
    for (int64_t y = 0; y < 2; ++y)
      for (int64_t x = 0; x < 3; ++x) {
        EXPECT_EQ(c.at(x, y, z), v.at(x + 1, y + 2, z + 1));
        const Vec3 a = c.geometry().index_to_physical(Index3{x, y, z});
        const Vec3 b = v.geometry().index_to_physical(Index3{x + 1, y + 2, z + 1});
        for (int i = 0; i < 3; ++i) EXPECT_NEAR(a[i], b[i], 1e-9);
      }
}

TEST(Crop, ClipsToTheImage) {
  Volume v(Size3{4, 4, 4}, Geometry{});
  const Volume c = crop(v, Region{Index3{-2, 2, 3}, Size3{4, 10, 10}});
  EXPECT_EQ(c.size(), (Size3{2, 2, 1}));
  EXPECT_DOUBLE_EQ(c.geometry().origin[0], 0.0);
  EXPECT_DOUBLE_EQ(c.geometry().origin[1], 2.0);
}

TEST(Pad, KeepsOriginalVoxelsInPlaceAndFills) {
  Volume v(Size3{2, 2, 2}, oblique(), 5.f);
  const Volume p = pad(v, Size3{1, 0, 2}, Size3{0, 3, 1}, -1.f);
  ASSERT_EQ(p.size(), (Size3{3, 5, 5}));
  EXPECT_EQ(p.at(0, 0, 0), -1.f);
  EXPECT_EQ(p.at(1, 0, 2), 5.f);
  EXPECT_EQ(p.at(2, 1, 3), 5.f);
  EXPECT_EQ(p.at(2, 2, 3), -1.f);
  const Vec3 a = p.geometry().index_to_physical(Index3{1, 0, 2});
  const Vec3 b = v.geometry().index_to_physical(Index3{0, 0, 0});
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(a[i], b[i], 1e-9);
}

TEST(Extract, IsCropAndPadInOne) {
  Volume v(Size3{3, 3, 3}, Geometry{}, 1.f);
  const Volume e = extract(v, Region{Index3{-1, 1, 2}, Size3{5, 5, 3}}, 0.f);
  ASSERT_EQ(e.size(), (Size3{5, 5, 3}));
  EXPECT_EQ(e.at(0, 0, 0), 0.f);  // x = -1
  EXPECT_EQ(e.at(1, 0, 0), 1.f);  // x = 0, y = 1, z = 2
  EXPECT_EQ(e.at(1, 2, 0), 0.f);  // y = 3
  EXPECT_EQ(e.at(1, 0, 1), 0.f);  // z = 3
  EXPECT_DOUBLE_EQ(e.geometry().origin[0], -1.0);
}

}  // namespace
}  // namespace scopemia
