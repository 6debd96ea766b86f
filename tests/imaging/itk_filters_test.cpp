#include "imaging/itk_filters.h"

#include <cmath>

#include <gtest/gtest.h>

namespace scopemia::imaging {
namespace {

// An image whose two slices are equal: its mirror extension along z is
// constant, so cubic B-spline interpolation at in-plane voxel centres must
// give the voxel's own value at every z inside the image (the spline
// interpolates its samples), and the default value outside. The pattern
// varies along x without period, so values read from anywhere else (ITK 5.2
// reads one slice before its coefficient buffer on a 2-slice axis) differ.
TEST(Resample, CubicBSplineOnATwoSliceAxisStaysInsideItsSamples) {
  Geometry g;
  g.spacing = {0.75, 0.75, 2.5};
  g.origin = {10.0, -4.0, -30.0};
  const Size3 size{9, 7, 2};
  Image<double> image(size, g);
  for (int64_t z = 0; z < size.z; ++z)
    for (int64_t y = 0; y < size.y; ++y)
      for (int64_t x = 0; x < size.x; ++x) image.at(x, y, z) = 100.0 + 37.0 * std::sqrt(double(x) + 0.5) - 11.0 * y * y;

  // Same in-plane grid; along z 1 mm steps from continuous index -0.8 to
  // +2.0, so both ends of the axis and points beyond it are sampled.
  Geometry out_g = g;
  out_g.spacing[2] = 1.0;
  out_g.origin = g.index_to_physical(Vec3{0.0, 0.0, -0.8});
  const Grid grid{Size3{size.x, size.y, 8}, out_g};
  const double fill = -7.0;
  for (int repeat = 0; repeat < 3; ++repeat) {  // the same numbers whatever the heap holds
    const Image<double> out = resample(image, grid, Interpolator::BSpline, fill);
    ASSERT_EQ(out.size().z, 8);
    int inside = 0, outside = 0;
    for (int64_t k = 0; k < 8; ++k) {
      const double cz = -0.8 + k * 1.0 / 2.5;
      for (int64_t y = 0; y < size.y; ++y)
        for (int64_t x = 0; x < size.x; ++x) {
          if (cz >= -0.5 && cz < 1.5) {
            EXPECT_NEAR(out.at(x, y, k), image.at(x, y, 0), 1e-9) << "x " << x << " y " << y << " index z " << cz;
            ++inside;
          } else {
            EXPECT_EQ(out.at(x, y, k), fill) << "x " << x << " y " << y << " index z " << cz;
            ++outside;
          }
        }
    }
    EXPECT_EQ(inside, 5 * size.x * size.y);  // cz = -0.4 ... 1.2
    EXPECT_EQ(outside, 3 * size.x * size.y);
  }
}

// The same along x, the axis that runs fastest in memory (ITK 5.2's stray
// index -1 there reads the previous row's last voxel), with both other axes
// of ordinary length: resampled onto its own grid, every voxel is its sample.
TEST(Resample, CubicBSplineOnATwoSampleRowReturnsItsSamples) {
  Geometry g;
  g.spacing = {0.7, 1.0, 1.5};
  Image<double> image(Size3{2, 5, 4}, g);
  for (int64_t z = 0; z < 4; ++z)
    for (int64_t y = 0; y < 5; ++y)
      for (int64_t x = 0; x < 2; ++x) image.at(x, y, z) = (x == 0 ? 10.0 : 90.0) + 3.0 * y * y + 50.0 * z;
  const Image<double> out = resample(image, Grid{image.size(), g}, Interpolator::BSpline, 0.0);
  for (int64_t i = 0; i < out.voxel_count(); ++i) EXPECT_NEAR(out[i], image[i], 1e-9) << "voxel " << i;
}

}  // namespace
}  // namespace scopemia::imaging
