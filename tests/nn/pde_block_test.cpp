// PDE block: shapes, gradients, the heat-equation special case against an
// independent stencil, the stability clamp, and the properties each stream
// is meant to have.
#include "nn/pde_block.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "core/error.h"
#include "pde/operators.h"

namespace scopemia::nn {
namespace {

namespace F = torch::nn::functional;
const auto kDouble = torch::TensorOptions().dtype(torch::kFloat64);

PdeBlockConfig plain_heat_config(int64_t channels) {
  PdeBlockConfig c;
  c.channels = channels;
  c.entropy_adaptation = false;
  c.attention = false;
  c.detail = DetailMode::kNone;
  c.reaction = false;
  c.edge_kappa = 0;  // g = 1
  c.steps = 1;
  c.dt = 0.05;
  return c;
}

// One explicit heat step u + dt * d_c * Laplacian(u), Laplacian as a 7-point
// stencil conv3d on a replicate-padded copy (independent of src/pde).
torch::Tensor reference_heat_step(const torch::Tensor& u, const torch::Tensor& d, double dt,
                                  const pde::Spacing& s) {
  const auto padded = F::pad(u, F::PadFuncOptions({1, 1, 1, 1, 1, 1}).mode(torch::kReplicate));
  auto k = torch::zeros({1, 1, 3, 3, 3}, u.options());
  const double iz = 1 / (s.z * s.z), iy = 1 / (s.y * s.y), ix = 1 / (s.x * s.x);
  k[0][0][0][1][1] = iz;
  k[0][0][2][1][1] = iz;
  k[0][0][1][0][1] = iy;
  k[0][0][1][2][1] = iy;
  k[0][0][1][1][0] = ix;
  k[0][0][1][1][2] = ix;
  k[0][0][1][1][1] = -2 * (iz + iy + ix);
  const int64_t C = u.size(1);
  const auto lap = F::conv3d(padded, k.expand({C, 1, 3, 3, 3}).contiguous(),
                             F::Conv3dFuncOptions().groups(C));
  return u + dt * d.view({1, C, 1, 1, 1}) * lap;
}

void set_d_anatomical(PdeBlock& block, const torch::Tensor& d) {
  torch::NoGradGuard no_grad;
  auto raw = block->named_parameters()["raw_d_anatomical"];
  raw.copy_(torch::log(torch::expm1(d)));
}

// Energy above half the Nyquist radius in the power spectrum.
double high_frequency_energy(const torch::Tensor& u) {
  const auto spec = torch::fft::fftn(u, c10::nullopt, std::vector<int64_t>{2, 3, 4}).abs().pow(2);
  const int64_t D = u.size(2), H = u.size(3), W = u.size(4);
  const auto fz = torch::fft::fftfreq(D, kDouble).abs().view({D, 1, 1});
  const auto fy = torch::fft::fftfreq(H, kDouble).abs().view({1, H, 1});
  const auto fx = torch::fft::fftfreq(W, kDouble).abs().view({1, 1, W});
  const auto radius = torch::sqrt(fz * fz + fy * fy + fx * fx);
  const auto high = (radius > 0.25).to(torch::kFloat64);
  return (spec.to(torch::kFloat64) * high).sum().item<double>();
}

TEST(PdeBlock, ShapesPreservedNoNanAndBackwardReachesEveryParameter) {
  torch::manual_seed(0);
  for (int steps = 1; steps <= 3; ++steps) {
    for (auto detail : {DetailMode::kGaussian, DetailMode::kFft}) {
      PdeBlockConfig c;
      c.channels = 8;
      c.steps = steps;
      c.detail = detail;
      c.projection = true;
      PdeBlock block(c);
      {  // non-trivial attention so its parameters get gradients
        torch::NoGradGuard g;
        block->named_parameters()["attention.weight"].normal_(0, 0.3);
      }
      const auto x = torch::randn({2, 8, 4, 10, 12}, torch::requires_grad());
      auto out = block->forward(x);
      ASSERT_EQ(out.output.sizes(), x.sizes());
      EXPECT_TRUE(torch::isfinite(out.output).all().item<bool>());
      EXPECT_EQ(out.states.f_A_new.size(1), block->anatomical_channels());
      EXPECT_EQ(out.states.f_T_new.size(1), block->textural_channels());
      EXPECT_EQ(out.states.lambda.sizes(), (std::vector<int64_t>{2, 1, 4, 10, 12}));
      EXPECT_NEAR(out.states.a.mean({1, 2, 3, 4}).sub(1).abs().max().item<double>(), 0, 1e-5);
      out.output.pow(2).mean().backward();
      EXPECT_TRUE(torch::isfinite(x.grad()).all().item<bool>());
      for (const auto& p : block->named_parameters()) {
        ASSERT_TRUE(p.value().grad().defined()) << p.key();
        EXPECT_TRUE(torch::isfinite(p.value().grad()).all().item<bool>()) << p.key();
        EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0) << p.key();
      }
    }
  }
}

TEST(PdeBlock, PlainAnatomicalStepIsAnExplicitHeatStep) {
  torch::manual_seed(1);
  for (const auto& s : {pde::Spacing{1, 1, 1}, pde::Spacing{2.0, 0.8, 1.25}}) {
    for (int steps = 1; steps <= 2; ++steps) {
      auto c = plain_heat_config(6);
      c.spacing = s;
      c.steps = steps;
      PdeBlock block(c);
      block->to(torch::kFloat64);
      const auto d = torch::tensor({0.3, 0.9, 1.4}, kDouble);
      set_d_anatomical(block, d);
      const auto x = torch::randn({2, 6, 4, 5, 6}, kDouble);
      const auto st = block->forward(x).states;
      EXPECT_DOUBLE_EQ(st.dt, 0.05);
      auto expected = x.narrow(1, 0, 3);
      for (int k = 0; k < steps; ++k) expected = reference_heat_step(expected, d, 0.05, s);
      EXPECT_LT((st.f_A_new - expected).abs().max().item<double>(), 1e-12);
      // The heat step conserves each channel's total (zero-flux boundary).
      EXPECT_LT((st.f_A_new.sum({2, 3, 4}) - st.f_A.sum({2, 3, 4})).abs().max().item<double>(),
                1e-9);
    }
  }
}

TEST(PdeBlock, StepIsClampedForStabilityAndKeepsTheMaximumPrinciple) {
  torch::manual_seed(2);
  auto c = plain_heat_config(4);
  c.attention = true;
  c.edge_kappa = 0.5;
  c.entropy_adaptation = true;
  c.d_anatomical_init = 5.0;
  c.dt = 10.0;  // far beyond stability
  c.spacing = pde::Spacing{1.5, 1.0, 1.0};
  PdeBlock block(c);
  block->to(torch::kFloat64);
  {
    torch::NoGradGuard g;
    block->named_parameters()["attention.weight"].normal_(0, 0.5);
  }
  const auto x = torch::randn({2, 4, 5, 6, 7}, kDouble);
  const auto st = block->forward(x).states;
  const double max_aD = (st.a * st.D_A).max().item<double>();
  const double sum_inv_h2 = 2 / (1.5 * 1.5) + 2 + 2;
  EXPECT_LE(st.dt * max_aD * sum_inv_h2, 1.0 + 1e-12);
  EXPECT_NEAR(st.dt, 1.0 / (st.max_diffusivity * sum_inv_h2), 1e-12);
  EXPECT_NEAR(st.max_diffusivity / (st.a.max().item<double>() * 5.0), 1.0, 1e-6);
  // Pure diffusion at a stable step cannot create new extrema.
  const auto fa = st.f_A, fa1 = st.f_A_new;
  EXPECT_LE((fa1.amax({2, 3, 4}) - fa.amax({2, 3, 4})).max().item<double>(), 1e-12);
  EXPECT_GE((fa1.amin({2, 3, 4}) - fa.amin({2, 3, 4})).min().item<double>(), -1e-12);
  // With unit spacing and a = 1 the bound is the classic dt * max D <= 1/6.
  auto c2 = plain_heat_config(4);
  c2.d_anatomical_init = 2.0;
  c2.dt = 1.0;
  PdeBlock block2(c2);
  EXPECT_NEAR(block2->forward(torch::randn({1, 4, 3, 3, 3})).states.dt * 2.0, 1.0 / 6.0, 1e-6);
}

TEST(PdeBlock, TexturalDiffusivityStaysBelowAnatomical) {
  PdeBlockConfig c;
  c.channels = 6;
  c.d_textural_fraction = 0.9;
  PdeBlock block(c);
  set_d_anatomical(block, torch::tensor({0.5f, 2.0f, 3.0f}));
  EXPECT_LT(block->d_textural().max().item<double>(), block->d_anatomical().min().item<double>());
  EXPECT_NEAR(block->d_textural()[0].item<double>(), 0.9 * 0.5, 1e-6);
  c.textural_diffusion = false;
  PdeBlock off(c);
  EXPECT_EQ(off->d_textural().abs().max().item<double>(), 0.0);
}

TEST(PdeBlock, AnatomicalUpdateLowersDirichletAndHighFrequencyEnergy) {
  torch::manual_seed(3);
  PdeBlockConfig c;
  c.channels = 8;
  c.reaction = false;  // the reaction term is not a smoother
  // Random features have high channel entropy everywhere (lambda ~ 1 would
  // switch diffusion off); the entropy gate has its own test below.
  c.entropy_adaptation = false;
  c.steps = 3;
  c.dt = 1.0;          // clamped to the stable step
  PdeBlock block(c);
  block->to(torch::kFloat64);
  const auto x = torch::randn({2, 8, 6, 16, 16}, kDouble);
  const auto st = block->forward(x).states;
  const auto e0 = pde::dirichlet_energy(st.f_A);
  const auto e1 = pde::dirichlet_energy(st.f_A_new);
  EXPECT_TRUE((e1 < e0).all().item<bool>());
  EXPECT_LT(high_frequency_energy(st.f_A_new), 0.8 * high_frequency_energy(st.f_A));
}

TEST(PdeBlock, TexturalStreamKeepsItsHighFrequencyEnergy) {
  torch::manual_seed(4);
  PdeBlockConfig c;
  c.channels = 8;
  c.steps = 3;
  c.dt = 1.0;
  PdeBlock block(c);
  block->to(torch::kFloat64);
  const auto x = torch::randn({2, 8, 6, 16, 16}, kDouble);
  const auto st = block->forward(x).states;
  const double before = high_frequency_energy(st.f_T);
  const double after = high_frequency_energy(st.f_T_new);
  EXPECT_GE(after, 0.9 * before) << "kept " << after / before;
  // ... while the anatomical stream of the same block loses far more.
  const double kept_a = high_frequency_energy(st.f_A_new) / high_frequency_energy(st.f_A);
  EXPECT_LT(kept_a, after / before - 0.1);
}

TEST(PdeBlock, EntropyAdaptationDiffusesLessWhereEntropyIsHigh) {
  torch::manual_seed(5);
  auto c = plain_heat_config(6);
  c.entropy_adaptation = true;
  c.tau = 0.5;
  c.alpha = 10;
  PdeBlock block(c);
  // Left half (x < 8): channels nearly equal (high entropy). Right half: one
  // dominant channel (low entropy). Same spatial roughness in both halves.
  auto x = 0.05 * torch::randn({1, 6, 4, 8, 16});
  x.narrow(4, 8, 8).select(1, 0).add_(6.0);
  const auto st = block->forward(x).states;
  const auto H = st.entropy;
  EXPECT_GT(H.narrow(4, 0, 6).min().item<double>(), 0.9);
  EXPECT_LT(H.narrow(4, 10, 6).max().item<double>(), 0.2);
  const double d_high = st.D_A.narrow(4, 0, 6).mean().item<double>();
  const double d_low = st.D_A.narrow(4, 10, 6).mean().item<double>();
  EXPECT_LT(d_high, 0.1 * d_low);
  // And D follows d_A (1 - lambda) exactly (g = 1 here).
  const auto expected = block->d_anatomical().view({1, 3, 1, 1, 1}) * (1 - st.lambda);
  EXPECT_LT((st.D_A - expected).abs().max().item<double>(), 1e-6);
}

TEST(PdeBlock, GradientsMatchFiniteDifferencesInDoublePrecision) {
  torch::manual_seed(6);
  PdeBlockConfig c;
  c.channels = 4;
  c.steps = 2;
  c.dt = 0.05;  // below the stability bound: dt does not switch branch
  c.projection = true;
  PdeBlock block(c);
  block->to(torch::kFloat64);
  {
    torch::NoGradGuard g;
    block->named_parameters()["attention.weight"].normal_(0, 0.3);
  }
  auto x = torch::randn({1, 4, 3, 4, 5}, kDouble).requires_grad_(true);
  const auto w = torch::randn({1, 4, 3, 4, 5}, kDouble);
  auto loss_of = [&](const torch::Tensor& in) { return (block->forward(in).output * w).sum(); };
  const auto loss = loss_of(x);
  auto params = block->parameters();
  std::vector<torch::Tensor> inputs{x};
  inputs.insert(inputs.end(), params.begin(), params.end());
  const auto grads = torch::autograd::grad({loss}, inputs);
  const double eps = 1e-6;
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto flat = inputs[i].view(-1);
    const int64_t n = flat.numel();
    for (int64_t j : {int64_t{0}, n / 2, n - 1}) {
      const double orig = flat[j].item<double>();
      flat[j] = orig + eps;
      const double lp = loss_of(x).item<double>();
      flat[j] = orig - eps;
      const double lm = loss_of(x).item<double>();
      flat[j] = orig;
      const double fd = (lp - lm) / (2 * eps);
      const double an = grads[i].view(-1)[j].item<double>();
      EXPECT_NEAR(an, fd, 1e-6 * std::max(1.0, std::abs(fd))) << "input " << i << " element " << j;
    }
  }
}

TEST(PdeBlock, RejectsBadConfigsAndInputs) {
  PdeBlockConfig c;
  c.channels = 1;
  EXPECT_THROW(PdeBlock{c}, InputError);
  c.channels = 4;
  c.steps = 4;
  EXPECT_THROW(PdeBlock{c}, InputError);
  c.steps = 1;
  c.split_ratio = 1.0;
  EXPECT_THROW(PdeBlock{c}, InputError);
  c.split_ratio = 0.5;
  PdeBlock ok(c);
  EXPECT_THROW(ok->forward(torch::randn({1, 3, 2, 2, 2})), InputError);
}

}  // namespace
}  // namespace scopemia::nn
