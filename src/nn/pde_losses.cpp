#include "nn/pde_losses.h"

#include <torch/torch.h>

#include "pde/entropy.h"

namespace scopemia::nn {

PdeLossTerms pde_losses(PdeBlockImpl& block, const PdeBlockStates& s,
                        const PdeLossWeights& w, const torch::Tensor& roi_mask) {
  const auto& spacing = block.config().spacing;
  PdeLossTerms t;
  const auto zero = s.f_A_new.sum() * 0.0;
  t.stability = pde::stability_loss(s.f_A, s.f_A_prev, s.f_A_new, s.rhs_A_next, s.a, s.dt,
                                    spacing, w.energy_weight)
                    .total;
  // With entropy adaptation off the block did not compute H; the loss still
  // asks that diffusion avoid high-entropy voxels.
  // H is detached: the loss acts on the diffusion, not on the features'
  // entropy (which the network could otherwise lower to evade it).
  const auto H = (s.entropy.defined() ? s.entropy : pde::local_entropy(s.input)).detach();
  t.entropy = pde::entropy_sensitivity_loss(H, s.f_A, s.f_A_new);
  t.hessian = pde::hessian_loss(s.f_A_new, spacing);
  t.attention = (roi_mask.defined() && s.a.defined())
                    ? pde::attention_guidance_loss(s.a, roi_mask)
                    : zero;
  t.total = w.stability * t.stability + w.entropy * t.entropy + w.hessian * t.hessian +
            w.attention * t.attention;
  return t;
}

}  // namespace scopemia::nn
