#include "data/augment.h"

#include <cmath>

#include <torch/torch.h>

#include <gtest/gtest.h>

namespace scopemia::data {
namespace {

// A sample whose mask is exactly where the image is above 0.5 and whose MCI
// map is twice the image: both relations must survive every geometric step.
Sample blob_sample(int64_t k = 5, int64_t h = 12, int64_t w = 10, uint64_t seed = 1) {
  torch::manual_seed(int64_t(seed));
  Sample s;
  s.image = torch::rand({1, k, h, w});
  s.mask = (s.image > 0.5).to(torch::kFloat32);
  s.mci = s.image * 2;
  s.valid = torch::ones({1, k, 1, 1});
  s.valid[0][k - 1] = 0;  // the last slice is depth padding
  return s;
}

TEST(Augment, FlipsMoveImageMaskMciAndValidTogetherAndTwiceIsIdentity) {
  for (int axes = 1; axes < 8; ++axes) {
    Augmentation a;
    for (int i = 0; i < 3; ++i) a.flip[i] = (axes >> i) & 1;
    const Sample original = blob_sample();
    Sample s = original;
    apply_augmentation(a, s);
    std::vector<int64_t> dims;
    if (a.flip[0]) dims.push_back(3);
    if (a.flip[1]) dims.push_back(2);
    if (a.flip[2]) dims.push_back(1);
    EXPECT_TRUE(torch::equal(s.image, original.image.flip(dims))) << axes;
    EXPECT_TRUE(torch::equal(s.mask, (s.image > 0.5).to(torch::kFloat32))) << "mask still covers the same voxels";
    EXPECT_TRUE(torch::equal(s.mci, s.image * 2));
    EXPECT_TRUE(torch::equal(s.valid, a.flip[2] ? original.valid.flip({1}) : original.valid));
    EXPECT_FALSE(torch::equal(s.image, original.image));
    apply_augmentation(a, s);
    EXPECT_TRUE(torch::equal(s.image, original.image)) << "flip twice";
    EXPECT_TRUE(torch::equal(s.mask, original.mask));
    EXPECT_TRUE(torch::equal(s.mci, original.mci));
    EXPECT_TRUE(torch::equal(s.valid, original.valid));
  }
}

TEST(Augment, RightAngleRotationMovesVoxelsExactlyCounterClockwise) {
  const Sample original = blob_sample(3, 9, 9);
  Sample s = original;
  Augmentation a;
  a.angle_degrees = 90;
  apply_augmentation(a, s);
  // out(x, y) = in(cx + (y - cy), cy - (x - cx)): a voxel at +x of the centre goes to -y... i.e.
  // content turns from +x towards +y in index space.
  const auto in = original.image.accessor<float, 4>();
  const auto out = s.image.accessor<float, 4>();
  for (int64_t z = 0; z < 3; ++z)
    for (int64_t y = 0; y < 9; ++y)
      for (int64_t x = 0; x < 9; ++x) ASSERT_EQ(out[0][z][y][x], in[0][z][8 - x][y]) << x << "," << y;
  EXPECT_TRUE(torch::equal(s.image, torch::rot90(original.image, 1, {3, 2})));
  EXPECT_TRUE(torch::equal(s.mask, torch::rot90(original.mask, 1, {3, 2})));
  EXPECT_TRUE(torch::equal(s.mci, torch::rot90(original.mci, 1, {3, 2})));
  EXPECT_TRUE(torch::equal(s.valid, original.valid));
  // A point right of the centre ends up below it (larger y).
  Sample dot;
  dot.image = torch::zeros({1, 1, 9, 9});
  dot.image[0][0][4][7] = 1;  // (x, y) = (7, 4)
  dot.mask = dot.image.clone();
  apply_augmentation(a, dot);
  EXPECT_EQ(dot.image[0][0][7][4].item<float>(), 1.f);
  EXPECT_EQ(dot.mask[0][0][7][4].item<float>(), 1.f);
}

TEST(Augment, SmallRotationInterpolatesLinearRampsExactlyAndKeepsTheMaskOnTheImage) {
  const int64_t h = 21, w = 21;
  const double cx = 10, cy = 10;
  Sample s;
  s.image = torch::empty({1, 2, h, w});
  s.mask = torch::zeros({1, 2, h, w});
  auto im = s.image.accessor<float, 4>();
  auto mk = s.mask.accessor<float, 4>();
  for (int64_t z = 0; z < 2; ++z)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) {
        im[0][z][y][x] = float(0.3 * x - 0.2 * y + z);
        // A bar right of the centre: 13..17 in x, 8..12 in y.
        mk[0][z][y][x] = x >= 13 && x <= 17 && y >= 8 && y <= 12;
      }
  Augmentation a;
  a.angle_degrees = 12;
  apply_augmentation(a, s);
  const double t = 12 * M_PI / 180;
  const auto out = s.image.accessor<float, 4>();
  for (int64_t y = 4; y < 17; ++y)  // away from the edge, the input point lies inside the plane
    for (int64_t x = 4; x < 17; ++x) {
      const double sx = cx + std::cos(t) * (x - cx) + std::sin(t) * (y - cy);
      const double sy = cy - std::sin(t) * (x - cx) + std::cos(t) * (y - cy);
      EXPECT_NEAR(out[0][1][y][x], 0.3 * sx - 0.2 * sy + 1, 1e-5);  // bilinear is exact on a plane
    }
  // The bar's centroid (15, 10) turns by 12 degrees about (10, 10) towards +y.
  double sum = 0, mx = 0, my = 0;
  const auto m = s.mask.accessor<float, 4>();
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      EXPECT_TRUE(m[0][0][y][x] == 0.f || m[0][0][y][x] == 1.f);
      sum += m[0][0][y][x];
      mx += x * m[0][0][y][x];
      my += y * m[0][0][y][x];
    }
  EXPECT_NEAR(sum, 25, 4);
  EXPECT_NEAR(mx / sum, 10 + 5 * std::cos(t), 0.3);
  EXPECT_NEAR(my / sum, 10 + 5 * std::sin(t), 0.3);
}

TEST(Augment, SmallRotationOfABlobKeepsMaskAndThresholdedImageAligned) {
  // Image = a smooth bright disc; mask = where it is above half. After a
  // rotation, the nearest-neighbour mask and the bilinear image still agree
  // except on a thin rim.
  const int64_t n = 32;
  Sample s;
  s.image = torch::empty({1, 1, n, n});
  auto im = s.image.accessor<float, 4>();
  for (int64_t y = 0; y < n; ++y)
    for (int64_t x = 0; x < n; ++x) {
      const double r = std::hypot(x - 20.0, y - 13.0);
      im[0][0][y][x] = float(1 / (1 + std::exp((r - 6) / 1.0)));
    }
  s.mask = (s.image > 0.5).to(torch::kFloat32);
  Augmentation a;
  a.angle_degrees = -8;
  apply_augmentation(a, s);
  const auto thresholded = (s.image > 0.5).to(torch::kFloat32);
  const double disagree = (thresholded != s.mask).sum().item<double>();
  EXPECT_LE(disagree, 0.1 * s.mask.sum().item<double>());
  EXPECT_GT(s.mask.sum().item<double>(), 90);  // pi * 6^2 ~ 113 voxels, still there
}

TEST(Augment, IntensityJitterTouchesOnlyTheImage) {
  const Sample original = blob_sample();
  Sample s = original;
  Augmentation a;
  a.scale = 1.07;
  a.shift = -0.03;
  apply_augmentation(a, s);
  EXPECT_TRUE(torch::allclose(s.image, original.image * 1.07f - 0.03f, 1e-6, 1e-6));
  EXPECT_TRUE(torch::equal(s.mask, original.mask));
  EXPECT_TRUE(torch::equal(s.mci, original.mci));
}

TEST(Augment, DrawsAreSeededAndWithinTheirRanges) {
  AugmentOptions o;
  o.flip = true;
  o.rotate_degrees = 10;
  o.intensity_scale = 0.2;
  o.intensity_shift = 0.1;
  Random r1(5, 3), r2(5, 3);
  int flips[3] = {0, 0, 0};
  const int n = 4000;
  double angle_min = 1e9, angle_max = -1e9;
  for (int i = 0; i < n; ++i) {
    const Augmentation a = draw_augmentation(o, r1), b = draw_augmentation(o, r2);
    EXPECT_EQ(a.angle_degrees, b.angle_degrees);
    EXPECT_EQ(a.scale, b.scale);
    for (int j = 0; j < 3; ++j) flips[j] += a.flip[j];
    angle_min = std::min(angle_min, a.angle_degrees);
    angle_max = std::max(angle_max, a.angle_degrees);
    ASSERT_GE(a.scale, 0.8);
    ASSERT_LT(a.scale, 1.2);
    ASSERT_GE(a.shift, -0.1);
    ASSERT_LT(a.shift, 0.1);
  }
  for (int j = 0; j < 3; ++j) EXPECT_NEAR(flips[j] / double(n), 0.5, 0.03);  // p = 0.5 (4 sigma ~ 0.03)
  EXPECT_GE(angle_min, -10);
  EXPECT_LT(angle_max, 10);
  EXPECT_LT(angle_min, -9.5);
  EXPECT_GT(angle_max, 9.5);
  // Nothing enabled: the identity, and no draw is spent.
  Random r3(1);
  EXPECT_TRUE(draw_augmentation(AugmentOptions{}, r3).identity());
  Random fresh(1);
  EXPECT_EQ(r3.next(), fresh.next());
}

}  // namespace
}  // namespace scopemia::data
