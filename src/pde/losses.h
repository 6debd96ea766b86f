#pragma once
// The five PDE losses of Algorithm 1 (docs/paper-map.md §3; formulas and
// choices in docs/pde.md). Each takes plain tensors so that it can be tested
// on its own; nn/pde_losses.h applies them to a PDE block's states.
// Feature tensors are [N,C,D,H,W]; maps (entropy, attention, mask) [N,1,D,H,W].
// Every loss returns a scalar tensor, differentiable in its tensor inputs.
#include <torch/types.h>

#include "pde/operators.h"

namespace scopemia::pde {

struct StabilityTerms {
  torch::Tensor residual;  // mean |(f_new - f_prev)/dt - a * rhs(f_new)|^2
  torch::Tensor energy;    // mean_n relu(E(f_new) - E(f_start)) / (E(f_start) + eps)
  torch::Tensor total;     // residual + energy_weight * energy
};

// Stability. The residual of the last step against the right-hand side
// evaluated at the new state: zero for an exact backward-Euler step. The
// energy term penalises growth of the Dirichlet energy of the stream from
// the block's input (f_start) to its output (f_new). `a` may be undefined
// (no attention: a = 1).
StabilityTerms stability_loss(const torch::Tensor& f_start, const torch::Tensor& f_prev,
                              const torch::Tensor& f_new, const torch::Tensor& rhs_next,
                              const torch::Tensor& a, double dt, const Spacing& spacing = {},
                              double energy_weight = 1.0, double eps = 1e-8);

// Entropy sensitivity: diffusion where the input entropy is high.
//   L = mean_{n,x} H(x) * mean_c (f_new - f_old)^2
// H in [0,1] (local_entropy, normalised). Zero when nothing diffuses or
// where entropy is zero.
torch::Tensor entropy_sensitivity_loss(const torch::Tensor& entropy, const torch::Tensor& f_old,
                                       const torch::Tensor& f_new);

// Hessian: mean over channels and interior voxels (margin 1, see
// docs/pde.md) of the squared Frobenius norm of the Hessian of f.
torch::Tensor hessian_loss(const torch::Tensor& f, const Spacing& spacing = {},
                           int64_t margin = 1);

// Scale consistency between the pooled embedding of a subvolume [N,E] and
// that of its downsampled copy [N,E]: mean over the batch of
// 1 - cos(e_full, e_down). Zero when the embeddings point the same way.
torch::Tensor scale_consistency_loss(const torch::Tensor& embedding_full,
                                     const torch::Tensor& embedding_down, double eps = 1e-8);

// The downsampled copy for the scale-consistency loss: average pooling by
// `factor_hw` in-plane and `factor_d` along depth (k-slice subvolumes are
// thin: the default keeps depth). Sizes not divisible are floored.
torch::Tensor downsample_for_scale(const torch::Tensor& x, int64_t factor_hw = 2,
                                   int64_t factor_d = 1);

// Attention guidance: KL divergence from the ROI distribution to the
// attention distribution,
//   p = pool(mask) / sum pool(mask),  q = a / sum a,  L = sum_x p log(p/q),
// with the mask average-pooled onto the attention grid. Averaged over the
// samples whose mask is non-empty; zero (and no gradient) when none is.
// mask: [N,1,D,H,W] or [N,D,H,W], any dtype (non-zero = inside).
torch::Tensor attention_guidance_loss(const torch::Tensor& attention, const torch::Tensor& mask);

}  // namespace scopemia::pde
