#include "pde/losses.h"

#include <torch/torch.h>

#include <string>

#include "core/error.h"

namespace scopemia::pde {

namespace F = torch::nn::functional;

StabilityTerms stability_loss(const torch::Tensor& f_start, const torch::Tensor& f_prev,
                              const torch::Tensor& f_new, const torch::Tensor& rhs_next,
                              const torch::Tensor& a, double dt, const Spacing& spacing,
                              double energy_weight, double eps) {
  if (!(dt > 0)) throw InputError("stability loss needs dt > 0");
  if (!rhs_next.defined()) {
    throw InputError("stability loss needs the right-hand side at the new state "
                     "(PdeBlockConfig::compute_next_rhs)");
  }
  StabilityTerms t;
  auto drive = a.defined() ? a * rhs_next : rhs_next;
  t.residual = ((f_new - f_prev) / dt - drive).pow(2).mean();
  const auto e0 = dirichlet_energy(f_start, spacing);
  const auto e1 = dirichlet_energy(f_new, spacing);
  t.energy = torch::relu(e1 - e0).div(e0 + eps).mean();
  t.total = t.residual + energy_weight * t.energy;
  return t;
}

torch::Tensor entropy_sensitivity_loss(const torch::Tensor& entropy, const torch::Tensor& f_old,
                                       const torch::Tensor& f_new) {
  const auto change = (f_new - f_old).pow(2).mean(1, /*keepdim=*/true);
  return (entropy * change).mean();
}

torch::Tensor hessian_loss(const torch::Tensor& f, const Spacing& spacing, int64_t margin) {
  return interior(hessian(f, spacing).frobenius_squared(), margin).mean();
}

torch::Tensor scale_consistency_loss(const torch::Tensor& embedding_full,
                                     const torch::Tensor& embedding_down, double eps) {
  if (embedding_full.sizes() != embedding_down.sizes()) {
    throw InputError("scale consistency: embeddings differ in shape");
  }
  const auto a = embedding_full.reshape({embedding_full.size(0), -1});
  const auto b = embedding_down.reshape({embedding_down.size(0), -1});
  const auto cos = F::cosine_similarity(a, b, F::CosineSimilarityFuncOptions().dim(1).eps(eps));
  return (1.0 - cos).mean();
}

torch::Tensor downsample_for_scale(const torch::Tensor& x, int64_t factor_hw, int64_t factor_d) {
  if (x.dim() != 5) throw InputError("downsample_for_scale needs [N,C,D,H,W]");
  if (factor_hw < 1 || factor_d < 1) throw InputError("downsampling factors must be >= 1");
  return F::avg_pool3d(x, F::AvgPool3dFuncOptions({factor_d, factor_hw, factor_hw}));
}

torch::Tensor attention_guidance_loss(const torch::Tensor& attention, const torch::Tensor& mask) {
  if (attention.dim() != 5 || attention.size(1) != 1) {
    throw InputError("attention guidance needs an attention map [N,1,D,H,W]");
  }
  auto m = mask.to(attention.scalar_type());
  if (m.dim() == 4) m = m.unsqueeze(1);
  if (m.dim() != 5 || m.size(0) != attention.size(0)) {
    throw InputError("attention guidance: the mask must be [N,1,D,H,W] or [N,D,H,W] with the "
                     "attention's batch size");
  }
  m = (m != 0).to(attention.scalar_type());
  const std::vector<int64_t> grid{attention.size(2), attention.size(3), attention.size(4)};
  const auto pooled = F::adaptive_avg_pool3d(m, F::AdaptiveAvgPool3dFuncOptions(grid));
  const int64_t N = attention.size(0);
  const auto mass = pooled.reshape({N, -1}).sum(1);  // [N]
  const auto valid = mass > 0;
  if (!valid.any().item<bool>()) return attention.sum() * 0.0;
  const auto p = pooled.reshape({N, -1}) / mass.clamp_min(1e-30).unsqueeze(1);
  const auto a = attention.reshape({N, -1});
  const auto log_q = torch::log(a.clamp_min(1e-30)) - torch::log(a.sum(1, true));
  const auto log_p = torch::log(p.clamp_min(1e-30));
  const auto terms = torch::where(p > 0, p * (log_p - log_q), torch::zeros_like(p));
  const auto kl = terms.sum(1);  // [N]
  const auto w = valid.to(kl.scalar_type());
  return (kl * w).sum() / w.sum();
}

}  // namespace scopemia::pde
