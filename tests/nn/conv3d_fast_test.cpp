// depthwise_conv3d and pointwise_conv3d: the same function and gradients as torch::conv3d with
// groups = C and "same" zero padding, for cubic, anisotropic and separable
// kernels, with and without bias, batch > 1, in double (tight) and float.
// dense_conv3d: torch::conv3d's function and gradients, and batch-size invariance.
#include "nn/conv3d_fast.h"

#include "nn/profile.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <vector>

namespace scopemia::nn {
namespace {

struct Case {
  std::vector<int64_t> x_shape;  // N,C,D,H,W
  std::vector<int64_t> kernel;   // kd,kh,kw
  bool bias;
};

torch::Tensor reference(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  return torch::conv3d(x, w, b, 1, {w.size(2) / 2, w.size(3) / 2, w.size(4) / 2}, 1, x.size(1));
}

void check(const Case& c, torch::Dtype dtype, double tol) {
  torch::manual_seed(1);
  const auto opt = torch::TensorOptions().dtype(dtype);
  const int64_t C = c.x_shape[1];
  auto x = torch::randn(c.x_shape, opt).requires_grad_(true);
  auto w = torch::randn({C, 1, c.kernel[0], c.kernel[1], c.kernel[2]}, opt).requires_grad_(true);
  torch::Tensor b;
  if (c.bias) b = torch::randn({C}, opt).requires_grad_(true);
  const auto go = torch::randn_like(reference(x, w, b));

  auto y = depthwise_conv3d(x, w, b);
  auto y_ref = reference(x, w, b);
  ASSERT_EQ(y.sizes(), y_ref.sizes());
  const double scale = y_ref.abs().max().item<double>();
  EXPECT_LE((y - y_ref).abs().max().item<double>(), tol * scale);

  std::vector<torch::Tensor> inputs{x, w};
  if (c.bias) inputs.push_back(b);
  const auto g = torch::autograd::grad({y}, inputs, {go});
  const auto g_ref = torch::autograd::grad({y_ref}, inputs, {go});
  for (size_t i = 0; i < inputs.size(); ++i) {
    const double s = g_ref[i].abs().max().item<double>();
    EXPECT_LE((g[i] - g_ref[i]).abs().max().item<double>(), tol * s) << "gradient of input " << i;
  }
}

TEST(DepthwiseConv3d, MatchesTorchConv3dAndItsGradientsInDouble) {
  const std::vector<Case> cases{
      {{2, 3, 5, 6, 7}, {3, 3, 3}, true},    // cubic kernel, batch 2
      {{1, 4, 4, 9, 8}, {7, 7, 7}, true},    // kernel larger than the depth
      {{1, 2, 6, 5, 4}, {5, 1, 1}, false},   // separable pieces, no bias
      {{1, 2, 3, 8, 5}, {1, 3, 1}, true},
      {{1, 2, 3, 4, 9}, {1, 1, 7}, true},
      {{2, 2, 1, 1, 1}, {3, 3, 3}, true},    // single voxel: only the centre tap
  };
  for (const auto& c : cases) check(c, torch::kDouble, 1e-12);
}

TEST(DepthwiseConv3d, MatchesTorchConv3dInFloat) {
  check({{1, 8, 8, 16, 16}, {3, 3, 3}, true}, torch::kFloat, 1e-5);
  check({{1, 4, 4, 8, 8}, {7, 7, 7}, true}, torch::kFloat, 1e-5);
}

TEST(DepthwiseConv3d, NonContiguousInputAndGradient) {
  // A channels-last view as input, and the gradient of a permuted use.
  torch::manual_seed(2);
  auto base = torch::randn({1, 5, 6, 7, 3}, torch::kDouble);  // N,D,H,W,C
  auto x = base.permute({0, 4, 1, 2, 3}).requires_grad_(true);
  ASSERT_FALSE(x.is_contiguous());
  auto w = torch::randn({3, 1, 3, 3, 3}, torch::kDouble).requires_grad_(true);
  auto b = torch::randn({3}, torch::kDouble).requires_grad_(true);
  auto loss = [&](const torch::Tensor& y) { return (y.permute({0, 2, 3, 4, 1}) * y.permute({0, 2, 3, 4, 1})).sum(); };
  const auto g = torch::autograd::grad({loss(depthwise_conv3d(x, w, b))}, {x, w, b});
  const auto g_ref = torch::autograd::grad({loss(reference(x, w, b))}, {x, w, b});
  for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(torch::allclose(g[i], g_ref[i], 1e-12, 1e-12)) << i;
}

TEST(DepthwiseConv3dChannelsLast, MatchesTorchConv3dAndItsGradientsInDouble) {
  const std::vector<Case> cases{
      {{2, 3, 5, 6, 7}, {3, 3, 3}, true},
      {{1, 4, 4, 9, 8}, {7, 7, 7}, true},
      {{1, 5, 6, 5, 4}, {5, 1, 1}, false},
      {{1, 2, 3, 4, 9}, {1, 1, 7}, true},
      {{2, 2, 1, 1, 1}, {3, 3, 3}, true},
  };
  for (const auto& c : cases) {
    torch::manual_seed(4);
    const auto opt = torch::TensorOptions().dtype(torch::kDouble);
    const int64_t C = c.x_shape[1];
    // x_cl [N,D,H,W,C] contiguous; its NCDHW view feeds the reference.
    auto x_cl = torch::randn({c.x_shape[0], c.x_shape[2], c.x_shape[3], c.x_shape[4], C}, opt).requires_grad_(true);
    auto w = torch::randn({C, 1, c.kernel[0], c.kernel[1], c.kernel[2]}, opt).requires_grad_(true);
    torch::Tensor b;
    if (c.bias) b = torch::randn({C}, opt).requires_grad_(true);
    const auto y = depthwise_conv3d_channels_last(x_cl, w, b);
    const auto y_ref = reference(x_cl.permute({0, 4, 1, 2, 3}), w, b).permute({0, 2, 3, 4, 1});
    ASSERT_EQ(y.sizes(), y_ref.sizes());
    EXPECT_TRUE(y.is_contiguous());
    EXPECT_TRUE(torch::allclose(y, y_ref, 1e-12, 1e-12));
    std::vector<torch::Tensor> in{x_cl, w};
    if (c.bias) in.push_back(b);
    const auto go = torch::randn_like(y_ref);
    const auto g = torch::autograd::grad({y}, in, {go});
    const auto g_ref = torch::autograd::grad({y_ref}, in, {go});
    for (size_t i = 0; i < in.size(); ++i) EXPECT_TRUE(torch::allclose(g[i], g_ref[i], 1e-11, 1e-11)) << i;
  }
}

TEST(DepthwiseConv3dChannelsLast, MatchesInFloatWithTwoThreads) {
  torch::manual_seed(5);
  const int before = torch::get_num_threads();
  torch::set_num_threads(2);
  auto x_cl = torch::randn({1, 8, 16, 16, 24}).requires_grad_(true);
  auto w = torch::randn({24, 1, 3, 3, 3}).requires_grad_(true);
  auto b = torch::randn({24}).requires_grad_(true);
  const auto y = depthwise_conv3d_channels_last(x_cl, w, b);
  const auto y_ref = reference(x_cl.permute({0, 4, 1, 2, 3}), w, b).permute({0, 2, 3, 4, 1});
  EXPECT_LE((y - y_ref).abs().max().item<double>(), 1e-5 * y_ref.abs().max().item<double>());
  const auto go = torch::randn_like(y_ref);
  const auto g = torch::autograd::grad({y}, {x_cl, w, b}, {go});
  const auto g_ref = torch::autograd::grad({y_ref}, {x_cl, w, b}, {go});
  for (size_t i = 0; i < 3; ++i)
    EXPECT_LE((g[i] - g_ref[i]).abs().max().item<double>(), 1e-4 * g_ref[i].abs().max().item<double>()) << i;
  torch::set_num_threads(before);
}

TEST(PointwiseConv3d, MatchesTorchConv3dAndItsGradients) {
  torch::manual_seed(3);
  for (int64_t N : {1, 3}) {
    for (bool with_bias : {true, false}) {
      auto x = torch::randn({N, 5, 3, 4, 6}, torch::kDouble).requires_grad_(true);
      auto w = torch::randn({7, 5, 1, 1, 1}, torch::kDouble).requires_grad_(true);
      torch::Tensor b;
      if (with_bias) b = torch::randn({7}, torch::kDouble).requires_grad_(true);
      const auto y = pointwise_conv3d(x, w, b);
      const auto y_ref = torch::conv3d(x, w, b);
      ASSERT_EQ(y.sizes(), y_ref.sizes());
      EXPECT_TRUE(torch::allclose(y, y_ref, 1e-12, 1e-12));
      std::vector<torch::Tensor> in{x, w};
      if (with_bias) in.push_back(b);
      const auto go = torch::randn_like(y_ref);
      const auto g = torch::autograd::grad({y}, in, {go});
      const auto g_ref = torch::autograd::grad({y_ref}, in, {go});
      for (size_t i = 0; i < in.size(); ++i) EXPECT_TRUE(torch::allclose(g[i], g_ref[i], 1e-12, 1e-12)) << i;
    }
  }
}

TEST(DenseConv3d, OneSampleEqualsItsBatchBitForBitAndTorchConv3dNumerically) {
  // The ConvNeXt stem's shape: 3 -> 16 channels, 3x3x3, padding 1.
  torch::manual_seed(5);
  const auto batch = torch::rand({4, 3, 6, 16, 16});
  const auto w = torch::randn({16, 3, 3, 3, 3}) * 0.2;
  const auto b = torch::randn({16});
  torch::NoGradGuard no_grad;
  const auto one = dense_conv3d(batch.narrow(0, 2, 1), w, b, 1);
  const auto all = dense_conv3d(batch, w, b, 1);
  EXPECT_TRUE(torch::equal(one, all.narrow(0, 2, 1)));
  const auto ref = torch::conv3d(batch, w, b, 1, 1);
  ASSERT_EQ(all.sizes(), ref.sizes());
  EXPECT_LE((all - ref).abs().max().item<double>(), 1e-5 * ref.abs().max().item<double>());
  // Without bias, and in double (torch::conv3d's own path).
  EXPECT_LE((dense_conv3d(batch, w, {}, 1) - torch::conv3d(batch, w, {}, 1, 1)).abs().max().item<double>(), 1e-4);
  const auto bd = batch.to(torch::kDouble), wd = w.to(torch::kDouble);
  EXPECT_TRUE(torch::allclose(dense_conv3d(bd, wd, {}, 1), torch::conv3d(bd, wd, {}, 1, 1), 1e-12, 1e-12));
}

TEST(DenseConv3d, GradientsAreTorchConv3ds) {
  torch::manual_seed(6);
  auto x = torch::rand({1, 3, 4, 8, 8}).requires_grad_(true);
  auto w = (torch::randn({5, 3, 3, 3, 3}) * 0.2).requires_grad_(true);
  auto b = torch::randn({5}).requires_grad_(true);
  const auto y = dense_conv3d(x, w, b, 1);
  const auto y_ref = torch::conv3d(x, w, b, 1, 1);
  const auto go = torch::randn_like(y_ref);
  const auto g = torch::autograd::grad({y}, {x, w, b}, {go});
  const auto g_ref = torch::autograd::grad({y_ref}, {x, w, b}, {go});
  for (size_t i = 0; i < g.size(); ++i)
    EXPECT_LE((g[i] - g_ref[i]).abs().max().item<double>(), 1e-4 * g_ref[i].abs().max().item<double>()) << i;
}

TEST(Conv3dFast, FlopCounterSeesThemAsConv3d) {
  // 2 * out elements * (Cin/groups * k^3), as for torch::conv3d.
  const auto x = torch::randn({1, 4, 3, 5, 6});
  FlopCounter counter;
  depthwise_conv3d(x, torch::randn({4, 1, 3, 3, 3}), torch::randn({4}));
  pointwise_conv3d(x, torch::randn({2, 4, 1, 1, 1}), torch::randn({2}));
  dense_conv3d(x, torch::randn({3, 4, 3, 3, 3}), torch::randn({3}), 1);
  const auto r = counter.result();
  EXPECT_DOUBLE_EQ(r.conv, 2.0 * (4 * 90) * 27 + 2.0 * (2 * 90) * 4 + 2.0 * (3 * 90) * (4 * 27));
  EXPECT_DOUBLE_EQ(r.linear, 0.0);
}

}  // namespace
}  // namespace scopemia::nn
