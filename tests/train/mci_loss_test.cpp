#include "train/mci_loss.h"

#include <torch/torch.h>

#include <cmath>

#include <gtest/gtest.h>

#include "core/image.h"
#include "core/tensor_bridge.h"
#include "imaging/mean_curvature.h"

namespace scopemia::train {
namespace {

// Curvature of a smooth random-ish image, as the MAE head's target.
torch::Tensor curvature_map(uint64_t seed, int64_t D = 8, int64_t H = 24, int64_t W = 24) {
  torch::manual_seed(seed);
  const auto z = torch::arange(D, torch::kFloat32).view({D, 1, 1});
  const auto y = torch::arange(H, torch::kFloat32).view({1, H, 1});
  const auto x = torch::arange(W, torch::kFloat32).view({1, 1, W});
  const auto phase = torch::rand({3});
  const auto image = torch::sin(z / 3 + phase[0]) + torch::cos(y / 4 + phase[1]) * torch::sin(x / 5 + phase[2]);
  Volume v(Size3{W, H, D}, Geometry{});
  as_tensor(v).copy_(image);
  const auto k = as_tensor(imaging::mean_curvature(v)).clone();
  return k.clamp(-3, 3).to(torch::kFloat64).view({1, 1, D, H, W});
}

TEST(MciLoss, CurvatureTargetsOfADistanceMapAreTwoOverR) {
  // I = distance (mm) to the centre, z spacing 2 mm: k = 2 / r in 1/mm.
  const int64_t D = 16, H = 32, W = 32;
  const pde::Spacing spacing{2.0, 1.0, 1.0};
  const auto z = (torch::arange(D, torch::kFloat64) - 7.5).view({D, 1, 1}) * 2.0;
  const auto y = (torch::arange(H, torch::kFloat64) - 15.5).view({1, H, 1});
  const auto x = (torch::arange(W, torch::kFloat64) - 15.5).view({1, 1, W});
  const auto r = (z * z + y * y + x * x).sqrt();
  const auto images = torch::stack({r, 3 * r + 1}, 0).unsqueeze(1);  // k is invariant to affine intensity maps
  const auto k = curvature_targets(images, spacing);
  ASSERT_EQ(k.sizes(), images.sizes());
  EXPECT_EQ(k.scalar_type(), torch::kFloat64);
  const auto inner = pde::interior(r, 1);
  const auto away = (inner > 5.0) & (inner < 12.0);
  for (int64_t i = 0; i < 2; ++i) {
    const auto rel = ((pde::interior(k[i][0], 1) * inner / 2 - 1).abs()).masked_select(away);
    EXPECT_LT(rel.median().item<double>(), 0.02) << i;
  }
  const auto clipped = curvature_targets(images, spacing, {}, 0.1);
  EXPECT_LE(clipped.abs().max().item<double>(), 0.1 + 1e-7);
}

TEST(MciLoss, RidgeWeightEmphasisesLargeCurvatureAndIsClipped) {
  auto k = torch::zeros({1, 1, 1, 1, 4}, torch::kFloat64);
  k[0][0][0][0][0] = 0.0;
  k[0][0][0][0][1] = 1.0;
  k[0][0][0][0][2] = -1.0;
  k[0][0][0][0][3] = 10.0;  // mean |k| = 3
  const auto w = ridge_weight(k, 3.0).flatten();
  EXPECT_DOUBLE_EQ(w[0].item<double>(), 1.0);
  EXPECT_DOUBLE_EQ(w[1].item<double>(), 1.0 + 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(w[2].item<double>(), 1.0 + 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(w[3].item<double>(), 3.0);  // 1 + 10/3 clipped to 3
  EXPECT_TRUE(torch::equal(ridge_weight(torch::zeros({1, 1, 2, 2, 2})), torch::ones({1, 1, 2, 2, 2})));
}

TEST(MciLoss, ZeroForIdenticalMapsAndPositiveOtherwise) {
  const auto k = torch::cat({curvature_map(1), curvature_map(2)}, 0);
  const auto same = mci_reconstruction_loss(k.clone(), k);
  EXPECT_EQ(same.ridge_l1.item<double>(), 0.0);
  EXPECT_EQ(same.gradient_l1.item<double>(), 0.0);
  EXPECT_NEAR(same.ms_ssim_loss.item<double>(), 0.0, 1e-12);
  EXPECT_NEAR(same.total.item<double>(), 0.0, 1e-12);
  torch::manual_seed(3);
  const auto other = mci_reconstruction_loss(k + 0.1 * torch::randn_like(k), k);
  EXPECT_GT(other.ridge_l1.item<double>(), 0.0);
  EXPECT_GT(other.gradient_l1.item<double>(), 0.0);
  EXPECT_GT(other.ms_ssim_loss.item<double>(), 0.0);
  EXPECT_NEAR(other.total.item<double>(),
              other.ridge_l1.item<double>() + other.gradient_l1.item<double>() + other.ms_ssim_loss.item<double>(),
              1e-12);
  // A constant offset changes no gradient: the gradient term stays zero.
  const auto shifted = mci_reconstruction_loss(k + 0.5, k);
  EXPECT_NEAR(shifted.gradient_l1.item<double>(), 0.0, 1e-12);
  EXPECT_NEAR(shifted.ridge_l1.item<double>(), 0.5 * ridge_weight(k).mean().item<double>(), 1e-12);
}

TEST(MciLoss, WeightsScaleTheTerms) {
  const auto k = curvature_map(4);
  torch::manual_seed(5);
  const auto p = k + 0.2 * torch::randn_like(k);
  MciLossWeights w;
  w.ridge_l1 = 2.0;
  w.gradient_l1 = 0.0;
  w.ms_ssim = 0.5;
  const auto t = mci_reconstruction_loss(p, k, w);
  EXPECT_NEAR(t.total.item<double>(), 2.0 * t.ridge_l1.item<double>() + 0.5 * t.ms_ssim_loss.item<double>(), 1e-12);
}

TEST(MciLoss, GradientMatchesFiniteDifferences) {
  const auto k = torch::cat({curvature_map(6), curvature_map(7)}, 0);
  torch::manual_seed(8);
  auto p = (k + 0.3 * torch::randn_like(k)).requires_grad_(true);
  MciLossWeights w;
  w.ridge_l1 = 1.0;
  w.gradient_l1 = 0.5;
  w.ms_ssim = 2.0;
  w.spacing = pde::Spacing{2.0, 1.0, 0.8};
  mci_reconstruction_loss(p, k, w).total.backward();
  const auto g = p.grad();
  ASSERT_TRUE(g.defined());
  EXPECT_TRUE(torch::isfinite(g).all().item<bool>());
  auto f = [&](const torch::Tensor& u) {
    torch::NoGradGuard guard;
    return mci_reconstruction_loss(u, k, w).total.item<double>();
  };
  for (uint64_t seed : {9, 10, 11}) {
    torch::manual_seed(seed);
    const auto dir = torch::randn_like(k);
    const double h = 1e-6;
    const double numeric = (f(p.detach() + h * dir) - f(p.detach() - h * dir)) / (2 * h);
    const double analytic = (g * dir).sum().item<double>();
    EXPECT_NEAR(analytic, numeric, 1e-5 * std::max(1.0, std::abs(numeric))) << seed;
  }
}

}  // namespace
}  // namespace scopemia::train
