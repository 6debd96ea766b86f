#include "nn/pde_block.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "nn/conv3d_fast.h"
#include "pde/entropy.h"
#include "pde/filters.h"

namespace scopemia::nn {
namespace {

double inverse_softplus(double v) { return std::log(std::expm1(v)); }
double logit(double p) { return std::log(p / (1.0 - p)); }

void validate(const PdeBlockConfig& c) {
  auto fail = [](const std::string& why) { throw InputError("PDE block config: " + why); };
  if (c.channels < 2) fail("needs at least 2 channels, got " + std::to_string(c.channels));
  if (!(c.split_ratio > 0 && c.split_ratio < 1)) fail("split_ratio must lie in (0, 1)");
  if (c.steps < 1 || c.steps > 3) fail("steps must be 1, 2 or 3, got " + std::to_string(c.steps));
  if (!(c.dt > 0)) fail("dt must be positive");
  if (!(c.d_anatomical_init > 0)) fail("d_anatomical_init must be positive");
  if (!(c.d_textural_fraction > 0 && c.d_textural_fraction < 1))
    fail("d_textural_fraction must lie in (0, 1)");
  if (c.detail != DetailMode::kNone && !(c.beta_init > 0)) fail("beta_init must be positive");
  if (c.detail != DetailMode::kNone && !(c.detail_sigma > 0)) fail("detail_sigma must be positive");
  if (!(c.spacing.z > 0 && c.spacing.y > 0 && c.spacing.x > 0)) fail("spacing must be positive");
}

torch::nn::Conv3d pointwise(int64_t in, int64_t out, bool bias = true) {
  return torch::nn::Conv3d(torch::nn::Conv3dOptions(in, out, 1).bias(bias));
}

// A 1x1x1 conv module applied as a matrix product (nn/conv3d_fast.h: the
// same function, several times faster on CPU than libtorch's conv3d path).
torch::Tensor pointwise(const torch::nn::Conv3d& conv, const torch::Tensor& x) {
  return pointwise_conv3d(x, conv->weight, conv->bias);
}

}  // namespace

PdeBlockImpl::PdeBlockImpl(PdeBlockConfig config) : config_(std::move(config)) {
  validate(config_);
  const int64_t C = config_.channels;
  c_a_ = std::clamp<int64_t>(std::llround(config_.split_ratio * static_cast<double>(C)), 1, C - 1);
  c_t_ = C - c_a_;
  if (config_.projection) projection_ = register_module("projection", pointwise(C, C));
  if (config_.attention) {
    // No bias: the spatial softmax is blind to a constant shift.
    attention_ = register_module("attention", pointwise(C, 1, /*bias=*/false));
    // Zero init: uniform attention (a = 1) until training says otherwise.
    torch::NoGradGuard no_grad;
    attention_->weight.zero_();
  }
  if (config_.reaction) {
    reaction_a_ = register_module("reaction_a", pointwise(c_a_, c_a_));
    reaction_t_ = register_module("reaction_t", pointwise(c_t_, c_t_));
    // Small reactions: the block starts close to pure diffusion.
    torch::NoGradGuard no_grad;
    reaction_a_->weight.mul_(0.1);
    reaction_a_->bias.zero_();
    reaction_t_->weight.mul_(0.1);
    reaction_t_->bias.zero_();
  }
  fuse_ = register_module("fuse", pointwise(C, C));
  if (config_.gate) gate_ = register_module("gate", pointwise(C, C));
  raw_d_a_ = register_parameter(
      "raw_d_anatomical", torch::full({c_a_}, inverse_softplus(config_.d_anatomical_init)));
  if (config_.textural_diffusion) {
    raw_d_t_ = register_parameter("raw_d_textural",
                                  torch::full({c_t_}, logit(config_.d_textural_fraction)));
  }
  if (config_.detail != DetailMode::kNone) {
    raw_beta_ = register_parameter("raw_beta", torch::full({1}, inverse_softplus(config_.beta_init)));
  }
}

torch::Tensor PdeBlockImpl::d_anatomical() const { return torch::softplus(raw_d_a_); }

torch::Tensor PdeBlockImpl::d_textural() const {
  if (!raw_d_t_.defined()) return torch::zeros({c_t_}, raw_d_a_.options());
  return torch::sigmoid(raw_d_t_) * d_anatomical().min();
}

torch::Tensor PdeBlockImpl::beta() const {
  if (!raw_beta_.defined()) return torch::zeros({}, raw_d_a_.options());
  return torch::softplus(raw_beta_).squeeze();
}

torch::Tensor PdeBlockImpl::edge_stop(const torch::Tensor& u) const {
  if (!(config_.edge_kappa > 0)) return torch::Tensor();
  const auto g = pde::gradient(u, config_.spacing);
  const auto s2 = g[0] * g[0] + g[1] * g[1] + g[2] * g[2];
  return 1.0 / (1.0 + s2 / (config_.edge_kappa * config_.edge_kappa));
}

torch::Tensor PdeBlockImpl::rhs_anatomical(const torch::Tensor& f_a, const torch::Tensor& lambda,
                                           torch::Tensor* D) {
  // Broadcasts: [1,C_A,1,1,1] x [N,1,D,H,W] x [N,C_A,D,H,W].
  auto Dv = d_anatomical().to(f_a.dtype()).view({1, c_a_, 1, 1, 1});
  if (lambda.defined()) Dv = Dv * (1.0 - lambda);
  if (auto g = edge_stop(f_a); g.defined()) Dv = Dv * g;
  auto rhs = pde::diffusion(f_a, Dv, config_.spacing);
  if (config_.reaction) rhs = rhs + pointwise(reaction_a_, f_a);
  if (D) *D = Dv.expand_as(f_a);
  return rhs;
}

torch::Tensor PdeBlockImpl::rhs_textural(const torch::Tensor& f_t, const torch::Tensor& lambda,
                                         torch::Tensor* D) {
  torch::Tensor rhs = torch::zeros_like(f_t);
  torch::Tensor Dv;
  if (config_.textural_diffusion) {
    Dv = d_textural().to(f_t.dtype()).view({1, c_t_, 1, 1, 1});
    if (lambda.defined()) Dv = Dv * (1.0 - lambda);
    if (auto g = edge_stop(f_t); g.defined()) Dv = Dv * g;
    rhs = pde::diffusion(f_t, Dv, config_.spacing);
  } else {
    Dv = torch::zeros_like(f_t);
  }
  if (config_.reaction) rhs = rhs + pointwise(reaction_t_, f_t);
  switch (config_.detail) {
    case DetailMode::kGaussian:
      rhs = rhs + beta().to(f_t.dtype()) * (f_t - pde::gaussian_blur(f_t, config_.detail_sigma));
      break;
    case DetailMode::kFft:
      rhs = rhs + beta().to(f_t.dtype()) * pde::fft_highpass(f_t, config_.detail_sigma);
      break;
    case DetailMode::kNone:
      break;
  }
  if (D) *D = Dv.expand_as(f_t);
  return rhs;
}

double PdeBlockImpl::stable_dt(double max_diffusivity) const {
  return std::min(config_.dt, pde::max_stable_dt(max_diffusivity, config_.spacing));
}

PdeBlockOutput PdeBlockImpl::forward(const torch::Tensor& f) {
  if (f.dim() != 5 || f.size(1) != config_.channels) {
    throw InputError("PDE block expects [N," + std::to_string(config_.channels) +
                     ",D,H,W] features, got " + std::to_string(f.dim()) + " dimensions" +
                     (f.dim() >= 2 ? " with " + std::to_string(f.size(1)) + " channels" : ""));
  }
  PdeBlockOutput result;
  PdeBlockStates& s = result.states;
  const auto x = config_.projection ? pointwise(projection_, f) : f;
  s.input = x;
  s.f_A = x.narrow(1, 0, c_a_);
  s.f_T = x.narrow(1, c_a_, c_t_);

  if (config_.entropy_adaptation) {
    s.entropy = pde::local_entropy(x, /*normalize=*/true);
    s.lambda = pde::entropy_gate(s.entropy, config_.tau, config_.alpha);
  }
  const int64_t N = x.size(0);
  if (config_.attention) {
    const auto logits = pointwise(attention_, x);
    const double M = static_cast<double>(logits[0].numel());
    s.a = torch::softmax(logits.reshape({N, -1}), 1).view_as(logits) * M;
  }

  // Stability: D_A = d_A (1-lambda) g <= d_A and D_T < min d_A, so
  // max(a*D) <= max(a) * max(d_A) bounds the fastest mode of every step.
  double max_a = 1.0;
  if (s.a.defined()) max_a = s.a.detach().max().item<double>();
  s.max_diffusivity = max_a * d_anatomical().detach().max().item<double>();
  s.dt = stable_dt(s.max_diffusivity);
  const double dt = s.dt;

  torch::Tensor fa = s.f_A;
  torch::Tensor ft = s.f_T;
  for (int step = 0; step < config_.steps; ++step) {
    s.f_A_prev = fa;
    s.f_T_prev = ft;
    s.rhs_A = rhs_anatomical(fa, s.lambda, &s.D_A);
    s.rhs_T = rhs_textural(ft, s.lambda, &s.D_T);
    if (s.a.defined()) {
      fa = fa + dt * s.a * s.rhs_A;
      ft = ft + dt * s.a * s.rhs_T;
    } else {
      fa = fa + dt * s.rhs_A;
      ft = ft + dt * s.rhs_T;
    }
  }
  s.f_A_new = fa;
  s.f_T_new = ft;
  if (config_.compute_next_rhs) {
    s.rhs_A_next = rhs_anatomical(fa, s.lambda);
    s.rhs_T_next = rhs_textural(ft, s.lambda);
  }

  const auto both = torch::cat({fa, ft}, 1);
  auto update = pointwise(fuse_, both);
  if (config_.gate) update = update * torch::sigmoid(pointwise(gate_, both));
  result.output = config_.residual ? f + update : update;
  return result;
}

}  // namespace scopemia::nn
