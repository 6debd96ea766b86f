#include "infer/sliding_window.h"

#include "core/error.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

namespace scopemia::infer {
namespace {

TEST(AxisWeights, GaussianIsPositiveSymmetricPeakedAndUniformIsOne) {
  const auto g = axis_weights(9, Fusion::kGaussian, 0.125);
  EXPECT_FLOAT_EQ(g.max().item<float>(), 1.f);
  EXPECT_GT(g.min().item<float>(), 0.f);
  EXPECT_TRUE(torch::allclose(g, g.flip(0)));
  EXPECT_FLOAT_EQ(g[4].item<float>(), 1.f);
  EXPECT_LT(g[0].item<float>(), g[2].item<float>());
  EXPECT_TRUE(torch::equal(axis_weights(5, Fusion::kMean, 0.125), torch::ones({5})));
}

struct Case {
  int64_t D, H, W, k, s, tile, batch;
  Fusion fusion;
};

class PlusOne : public ::testing::TestWithParam<Case> {};

// MONAI's test idea: a model computing x + 1 must give input + 1 back.
TEST_P(PlusOne, ReturnsInputPlusOne) {
  const Case c = GetParam();
  // Integer values keep the uniform mean exact in float.
  const auto input = torch::randint(-50, 50, {2, c.D, c.H, c.W}, torch::TensorOptions().dtype(torch::kFloat32));
  SlidingWindowOptions o;
  o.windows = DepthWindows(c.k, c.s);
  o.tile_h = o.tile_w = c.tile;
  o.batch = c.batch;
  o.fusion = c.fusion;
  int64_t calls = 0;
  const auto out = sliding_window(input, [&](const torch::Tensor& x) {
    ++calls;
    EXPECT_EQ(x.size(2), c.k);  // every window is k deep, even when D < k
    return x + 1;
  }, o);
  ASSERT_EQ(out.sizes(), input.sizes());
  if (c.fusion == Fusion::kMean) EXPECT_TRUE(torch::equal(out, input + 1));
  else EXPECT_TRUE(torch::allclose(out, input + 1, 1e-6, 1e-5));
  EXPECT_GT(calls, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, PlusOne,
    ::testing::Values(Case{16, 8, 8, 4, 4, 0, 1, Fusion::kMean}, Case{17, 8, 8, 4, 3, 0, 1, Fusion::kMean},
                      Case{3, 8, 8, 8, 4, 0, 1, Fusion::kMean},    // D < k
                      Case{2, 6, 5, 16, 8, 0, 2, Fusion::kGaussian},  // D < k, Gaussian
                      Case{23, 8, 8, 8, 5, 0, 3, Fusion::kGaussian}, Case{13, 20, 18, 4, 2, 8, 4, Fusion::kMean},
                      Case{13, 20, 18, 4, 2, 8, 2, Fusion::kGaussian}, Case{9, 7, 7, 1, 1, 0, 1, Fusion::kMean}));

TEST(SlidingWindow, GaussianFusionWeightsAreNormalised) {
  // A model that outputs a constant: fused output equals it everywhere.
  SlidingWindowOptions o;
  o.windows = DepthWindows(6, 2);
  o.tile_h = o.tile_w = 5;
  o.fusion = Fusion::kGaussian;
  const auto out = sliding_window(torch::zeros({1, 19, 12, 11}),
                                  [](const torch::Tensor& x) { return torch::full_like(x, 3.5); }, o);
  EXPECT_TRUE(torch::allclose(out, torch::full_like(out, 3.5), 1e-6, 1e-6));
}

TEST(SlidingWindow, FusesOverlapsByWeightedMean) {
  // A model that returns its window's start slice index everywhere: a slice
  // covered by windows starting at 0 and 2 (k = 4, s = 2) gets their mean.
  SlidingWindowOptions o;
  o.windows = DepthWindows(4, 2);
  auto input = torch::arange(8, torch::kFloat32).view({1, 8, 1, 1}).expand({1, 8, 2, 2}).contiguous();
  const auto out = sliding_window(input, [](const torch::Tensor& x) {
    return x.narrow(2, 0, 1).expand_as(x).clone();  // the first slice's value (= start)
  }, o);
  // Windows start at 0, 2, 4. Slice 0,1: {0}; 2,3: {0,2}; 4,5: {2,4}; 6,7: {4}.
  const std::vector<float> expected{0, 0, 1, 1, 3, 3, 4, 4};
  for (int64_t z = 0; z < 8; ++z) EXPECT_FLOAT_EQ(out[0][z][0][0].item<float>(), expected[z]) << z;
}

struct RecordingSource : SlabSource {
  torch::Tensor t;
  int64_t largest_read = 0;
  int64_t channels() const override { return t.size(0); }
  int64_t depth() const override { return t.size(1); }
  int64_t height() const override { return t.size(2); }
  int64_t width() const override { return t.size(3); }
  torch::Tensor read(int64_t z0, int64_t z1) override {
    largest_read = std::max(largest_read, z1 - z0);
    return t.narrow(1, z0, z1 - z0);
  }
};

struct RecordingSink : SlabSink {
  int64_t next = 0;
  int64_t largest_write = 0;
  void write(int64_t z0, const torch::Tensor& slices) override {
    EXPECT_EQ(z0, next);  // in order, each slice once
    next += slices.size(1);
    largest_write = std::max(largest_write, slices.size(1));
  }
};

TEST(SlidingWindow, StreamsSlicesInOrderWithBoundedBuffers) {
  RecordingSource source;
  source.t = torch::zeros({1, 200, 4, 4});
  RecordingSink sink;
  SlidingWindowOptions o;
  o.windows = DepthWindows(8, 4);
  o.batch = 2;
  const int64_t windows = sliding_window(source, sink, [](const torch::Tensor& x) { return x; }, o);
  EXPECT_EQ(windows, int64_t(window_starts(200, 8, 4).size()));
  EXPECT_EQ(sink.next, 200);
  EXPECT_LE(source.largest_read, 8);
  // What is held back is at most one batch of windows deep: it never grows with D.
  EXPECT_LE(sink.largest_write, o.windows.k() + o.windows.stride() * (o.batch - 1));
}

TEST(SlidingWindow, BadOptionsAreInputErrors) {
  // k and stride cannot be wrong by the time they reach the window
  // (DepthWindows, tests/core/windows_test.cpp); the batch and overlap can.
  SlidingWindowOptions o;
  o.batch = 0;
  EXPECT_THROW(sliding_window(torch::zeros({1, 8, 2, 2}), [](const torch::Tensor& x) { return x; }, o), InputError);
  o.batch = 1;
  o.tile_overlap = 1;
  EXPECT_THROW(sliding_window(torch::zeros({1, 8, 2, 2}), [](const torch::Tensor& x) { return x; }, o), InputError);
}

}  // namespace
}  // namespace scopemia::infer
