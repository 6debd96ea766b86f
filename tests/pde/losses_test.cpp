// Each PDE loss against the property it enforces.
#include "pde/losses.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "core/error.h"
#include "pde/operators.h"

namespace scopemia::pde {
namespace {

const auto kDouble = torch::TensorOptions().dtype(torch::kFloat64);

// Solves (I - dt * Laplacian) x = b by conjugate gradients (the operator is
// symmetric positive definite with the zero-flux Laplacian).
torch::Tensor implicit_heat_step(const torch::Tensor& b, double dt, const Spacing& s) {
  auto A = [&](const torch::Tensor& v) { return v - dt * laplacian(v, s); };
  auto x = b.clone();
  auto r = b - A(x);
  auto p = r.clone();
  double rr = (r * r).sum().item<double>();
  for (int it = 0; it < 500 && rr > 1e-28; ++it) {
    const auto Ap = A(p);
    const double alpha = rr / (p * Ap).sum().item<double>();
    x = x + alpha * p;
    r = r - alpha * Ap;
    const double rr_new = (r * r).sum().item<double>();
    p = r + (rr_new / rr) * p;
    rr = rr_new;
  }
  return x;
}

TEST(StabilityLoss, VanishesForABackwardEulerStepAndNotForAForwardOne) {
  torch::manual_seed(1);
  const Spacing s{1.5, 1.0, 0.8};
  const double dt = 0.05;
  const auto f0 = torch::randn({2, 3, 4, 5, 6}, kDouble);
  const auto a = torch::ones({2, 1, 4, 5, 6}, kDouble);
  const auto implicit = implicit_heat_step(f0, dt, s);
  const auto t = stability_loss(f0, f0, implicit, laplacian(implicit, s), a, dt, s);
  EXPECT_LT(t.residual.item<double>(), 1e-18);
  EXPECT_EQ(t.energy.item<double>(), 0.0);  // implicit diffusion lowers the energy
  // The explicit step of the same size leaves a residual: a*(rhs(f0) - rhs(f1)).
  const auto explicit_step = f0 + dt * laplacian(f0, s);
  const auto te =
      stability_loss(f0, f0, explicit_step, laplacian(explicit_step, s), a, dt, s);
  const auto expected = (laplacian(f0, s) - laplacian(explicit_step, s)).pow(2).mean();
  EXPECT_NEAR(te.residual.item<double>(), expected.item<double>(), 1e-12);
  EXPECT_GT(te.residual.item<double>(), 1.0);
  // Without attention (a undefined) the same value.
  const auto tn = stability_loss(f0, f0, explicit_step, laplacian(explicit_step, s), {}, dt, s);
  EXPECT_NEAR(tn.residual.item<double>(), te.residual.item<double>(), 1e-12);
}

TEST(StabilityLoss, PenalisesDirichletEnergyGrowthOnly) {
  torch::manual_seed(2);
  const auto f0 = torch::randn({1, 2, 4, 6, 6}, kDouble);
  const auto zero_rhs = torch::zeros_like(f0);
  // Doubling the field quadruples the energy: relative growth 3.
  const auto grow = stability_loss(f0, f0, 2 * f0, zero_rhs, {}, 1.0, {}, /*energy_weight=*/2.0);
  EXPECT_NEAR(grow.energy.item<double>(), 3.0, 1e-6);
  EXPECT_NEAR(grow.total.item<double>(), grow.residual.item<double>() + 6.0, 1e-5);
  // Smoothing lowers the energy: no penalty.
  const auto smooth = f0 + 0.1 * laplacian(f0);
  EXPECT_EQ(stability_loss(f0, f0, smooth, zero_rhs, {}, 1.0).energy.item<double>(), 0.0);
  EXPECT_THROW(stability_loss(f0, f0, f0, zero_rhs, {}, 0.0), InputError);
}

TEST(EntropySensitivityLoss, WeighsTheChangeByTheEntropy) {
  const auto f_old = torch::zeros({1, 2, 2, 2, 4}, kDouble);
  auto H = torch::zeros({1, 1, 2, 2, 4}, kDouble);
  H.narrow(4, 0, 2).fill_(0.9);  // high entropy on the left, 0.1 on the right
  H.narrow(4, 2, 2).fill_(0.1);
  auto change_left = f_old.clone();
  change_left.narrow(4, 0, 2).fill_(1.0);
  auto change_right = f_old.clone();
  change_right.narrow(4, 2, 2).fill_(1.0);
  // Same amount of change: mean over voxels of H * 1 on half of them.
  EXPECT_NEAR(entropy_sensitivity_loss(H, f_old, change_left).item<double>(), 0.45, 1e-12);
  EXPECT_NEAR(entropy_sensitivity_loss(H, f_old, change_right).item<double>(), 0.05, 1e-12);
  EXPECT_EQ(entropy_sensitivity_loss(H, f_old, f_old).item<double>(), 0.0);
  // Its gradient pulls the new state back towards the old one, harder where
  // entropy is high.
  auto f_new = change_left.clone().requires_grad_(true);
  const auto g = torch::autograd::grad({entropy_sensitivity_loss(H, f_old, f_new)}, {f_new})[0];
  const double n = 2 * 2 * 4;  // voxels; the channel mean divides by 2 more
  EXPECT_NEAR(g[0][0][0][0][0].item<double>(), 2 * 0.9 * 1.0 / (2 * n), 1e-12);
  EXPECT_EQ(g[0][0][0][0][3].item<double>(), 0.0);
}

TEST(HessianLoss, ZeroOnLinearFieldsAndAnalyticOnQuadratics) {
  const Spacing s{2.0, 1.0, 0.5};
  const int64_t D = 5, H = 6, W = 7;
  const auto z = torch::arange(D, kDouble).mul(s.z).view({1, 1, D, 1, 1}).expand({1, 1, D, H, W});
  const auto y = torch::arange(H, kDouble).mul(s.y).view({1, 1, 1, H, 1}).expand({1, 1, D, H, W});
  const auto x = torch::arange(W, kDouble).mul(s.x).view({1, 1, 1, 1, W}).expand({1, 1, D, H, W});
  EXPECT_LT(hessian_loss(3 * z - y + 0.5 * x + 2, s).item<double>(), 1e-20);
  // u = z^2 + 2 x y: H = [[2,0,0],[0,0,2],[0,2,0]] -> |H|_F^2 = 4 + 2*4 = 12.
  EXPECT_NEAR(hessian_loss(z * z + 2 * x * y, s).item<double>(), 12.0, 1e-9);
  // Smoothing noise lowers it.
  torch::manual_seed(3);
  const auto noise = torch::randn({1, 2, 6, 8, 8}, kDouble);
  EXPECT_LT(hessian_loss(noise + 0.1 * laplacian(noise)).item<double>(),
            0.5 * hessian_loss(noise).item<double>());
}

TEST(ScaleConsistencyLoss, MeasuresTheAngleBetweenEmbeddings) {
  const auto e = torch::tensor({{1.0, 2.0, -1.0}, {0.5, 0.0, 3.0}}, kDouble);
  EXPECT_NEAR(scale_consistency_loss(e, e).item<double>(), 0.0, 1e-12);
  EXPECT_NEAR(scale_consistency_loss(e, 3.5 * e).item<double>(), 0.0, 1e-12);  // scale-free
  EXPECT_NEAR(scale_consistency_loss(e, -e).item<double>(), 2.0, 1e-12);
  const auto a = torch::tensor({{1.0, 0.0}}, kDouble);
  const auto b = torch::tensor({{1.0, 1.0}}, kDouble);
  EXPECT_NEAR(scale_consistency_loss(a, b).item<double>(), 1.0 - 1.0 / std::sqrt(2.0), 1e-12);
  EXPECT_THROW(scale_consistency_loss(a, e), InputError);
}

TEST(ScaleConsistencyLoss, AGlobalMeanEmbeddingIsConsistentUnderDownsampling) {
  torch::manual_seed(4);
  const auto x = torch::rand({2, 3, 4, 8, 8}, kDouble) + 0.5;
  const auto down = downsample_for_scale(x, 2);
  EXPECT_EQ(down.sizes(), (std::vector<int64_t>{2, 3, 4, 4, 4}));
  auto mean_embed = [](const torch::Tensor& t) { return t.mean({2, 3, 4}); };
  EXPECT_LT(scale_consistency_loss(mean_embed(x), mean_embed(down)).item<double>(), 1e-12);
  // An embedding that reads fine detail (the local variance) is not.
  auto detail_embed = [](const torch::Tensor& t) {
    return (t - t.mean({2, 3, 4}, true)).pow(2).mean({2, 3, 4}) *
           torch::tensor({1.0, -1.0, 1.0}, kDouble).view({1, 3}) +
           t.mean({2, 3, 4});
  };
  EXPECT_GT(scale_consistency_loss(detail_embed(x), detail_embed(down)).item<double>(), 1e-4);
}

TEST(AttentionGuidanceLoss, IsTheKlDivergenceFromTheRoi) {
  // 4x4x4 attention grid; the ROI covers 8 of 64 cells at the grid's scale.
  const int64_t n = 4;
  auto mask = torch::zeros({1, 1, 8, 8, 8}, torch::kUInt8);
  mask.narrow(2, 0, 4).narrow(3, 0, 4).narrow(4, 0, 4).fill_(1);
  const auto uniform = torch::ones({1, 1, n, n, n}, kDouble);
  EXPECT_NEAR(attention_guidance_loss(uniform, mask).item<double>(), std::log(64.0 / 8.0), 1e-12);
  // Attention proportional to the pooled ROI: zero.
  auto focused = torch::zeros({1, 1, n, n, n}, kDouble);
  focused.narrow(2, 0, 2).narrow(3, 0, 2).narrow(4, 0, 2).fill_(8.0);
  EXPECT_NEAR(attention_guidance_loss(focused, mask).item<double>(), 0.0, 1e-12);
  // Concentrating attention inside the ROI lowers the loss; the gradient
  // raises attention inside and lowers it outside.
  auto a = (uniform + 0.5 * focused / 8.0).requires_grad_(true);
  const auto loss = attention_guidance_loss(a, mask);
  EXPECT_LT(loss.item<double>(), std::log(8.0));
  const auto g = torch::autograd::grad({loss}, {a})[0];
  EXPECT_LT(g[0][0][0][0][0].item<double>(), 0.0);
  EXPECT_GT(g[0][0][3][3][3].item<double>(), 0.0);
}

TEST(AttentionGuidanceLoss, IgnoresSamplesWithoutAnRoi) {
  auto mask = torch::zeros({2, 8, 8, 8}, torch::kFloat32);  // [N,D,H,W] form
  mask[0].narrow(0, 0, 4).narrow(1, 0, 4).narrow(2, 0, 4).fill_(1);
  const auto a = torch::ones({2, 1, 4, 4, 4}, kDouble);
  // Sample 1 has no ROI: the mean is over sample 0 only.
  EXPECT_NEAR(attention_guidance_loss(a, mask).item<double>(), std::log(8.0), 1e-12);
  const auto none = attention_guidance_loss(a, torch::zeros({2, 8, 8, 8}));
  EXPECT_EQ(none.item<double>(), 0.0);
}

}  // namespace
}  // namespace scopemia::pde
