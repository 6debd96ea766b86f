// Local channel entropy and the detail filters against closed forms.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "pde/entropy.h"
#include "pde/filters.h"
#include "pde/operators.h"

namespace scopemia::pde {
namespace {

const auto kDouble = torch::TensorOptions().dtype(torch::kFloat64);

TEST(Entropy, UniformChannelsHaveMaximalEntropyAndPeakedChannelsNone) {
  const auto flat = torch::full({1, 5, 3, 4, 4}, 0.7, kDouble);
  EXPECT_NEAR(local_entropy(flat).min().item<double>(), 1.0, 1e-12);
  EXPECT_NEAR(local_entropy(flat, /*normalize=*/false).max().item<double>(), std::log(5.0), 1e-12);
  auto peaked = torch::zeros({1, 5, 3, 4, 4}, kDouble);
  peaked.select(1, 2).fill_(60.0);
  EXPECT_LT(local_entropy(peaked).max().item<double>(), 1e-20);
  EXPECT_EQ(local_entropy(flat).sizes(), (std::vector<int64_t>{1, 1, 3, 4, 4}));
}

TEST(Entropy, TwoChannelEntropyIsBinaryEntropy) {
  torch::manual_seed(1);
  const auto t = torch::randn({1, 1, 2, 3, 4}, kDouble) * 3;
  const auto f = torch::cat({torch::zeros_like(t), t}, 1);
  const auto p = torch::sigmoid(t);
  const auto expected = -(p * p.log() + (1 - p) * (1 - p).log()) / std::log(2.0);
  EXPECT_LT((channel_entropy(f) - expected).abs().max().item<double>(), 1e-12);
}

TEST(Entropy, BoxMeanAveragesTheThreeCubedNeighbourhood) {
  auto delta = torch::zeros({1, 1, 5, 5, 5}, kDouble);
  delta[0][0][2][2][2] = 27.0;
  const auto m = box_mean3(delta);
  EXPECT_NEAR(m[0][0][1][3][2].item<double>(), 1.0, 1e-12);  // a neighbour
  EXPECT_NEAR(m[0][0][0][2][2].item<double>(), 0.0, 1e-12);  // two away
  EXPECT_NEAR(m.sum().item<double>(), 27.0, 1e-9);             // interior delta: mass kept
  // Linear fields are kept in the interior, constants everywhere.
  const auto x = torch::arange(5, kDouble).view({1, 1, 1, 1, 5}).expand({1, 1, 5, 5, 5});
  EXPECT_LT((interior(box_mean3(x)) - interior(x)).abs().max().item<double>(), 1e-12);
  const auto c = torch::full({1, 1, 3, 3, 3}, 2.5, kDouble);
  EXPECT_LT((box_mean3(c) - 2.5).abs().max().item<double>(), 1e-12);
}

TEST(Entropy, GateIsHalfAtTau) {
  const auto H = torch::tensor({0.2, 0.5, 0.8}, kDouble);
  const auto g = entropy_gate(H, 0.5, 10.0);
  EXPECT_NEAR(g[1].item<double>(), 0.5, 1e-15);
  EXPECT_NEAR(g[0].item<double>(), 1.0 / (1.0 + std::exp(3.0)), 1e-12);
  EXPECT_NEAR(g[2].item<double>(), 1.0 / (1.0 + std::exp(-3.0)), 1e-12);
}

TEST(Filters, GaussianBlurOfDeltaIsTheSampledGaussian) {
  auto delta = torch::zeros({1, 1, 1, 1, 21}, kDouble);
  delta[0][0][0][0][10] = 1.0;
  const double sigma = 1.5;
  const auto b = gaussian_blur(delta, sigma).flatten();
  double total = 0;
  for (int t = -5; t <= 5; ++t) total += std::exp(-0.5 * t * t / (sigma * sigma));
  for (int t = -5; t <= 5; ++t) {
    EXPECT_NEAR(b[10 + t].item<double>(), std::exp(-0.5 * t * t / (sigma * sigma)) / total, 1e-12);
  }
  EXPECT_NEAR(b[3].item<double>(), 0.0, 1e-15);  // beyond the 3-sigma truncation
}

TEST(Filters, GaussianBlurKeepsConstantsAndLinearFieldsInTheInterior) {
  const auto c = torch::full({2, 3, 4, 5, 6}, -1.25, kDouble);
  EXPECT_LT((gaussian_blur(c, 1.0) - c).abs().max().item<double>(), 1e-12);
  const auto z = torch::arange(12, kDouble).view({1, 1, 12, 1, 1}).expand({1, 1, 12, 4, 4});
  // Radius 3: exact away from 3 voxels of the boundary.
  const auto b = gaussian_blur(z, 1.0);
  EXPECT_LT((b.narrow(2, 3, 6) - z.narrow(2, 3, 6)).abs().max().item<double>(), 1e-12);
}

TEST(Filters, FftHighpassScalesACosineByItsTransferFunction) {
  const int64_t n = 16;
  const double sigma = 1.2;
  const double w = 2 * M_PI * 3 / n;  // 3 cycles along x
  const auto x = torch::arange(n, kDouble).view({1, 1, 1, 1, n}).expand({1, 1, 4, 6, n});
  const auto u = torch::cos(w * x) + 2.0;  // plus a constant, which is removed
  const auto hp = fft_highpass(u, sigma);
  const double gain = 1.0 - std::exp(-0.5 * sigma * sigma * w * w);
  EXPECT_LT((hp - gain * torch::cos(w * x)).abs().max().item<double>(), 1e-12);
}

}  // namespace
}  // namespace scopemia::pde
