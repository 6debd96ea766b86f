#pragma once
// Algorithm 1's PDE losses applied to a PDE block's states, and the weighted
// total L_task + a*L_stab + b*L_ent + c*L_hess + d*L_scale + k*L_attn.
#include <torch/types.h>

#include "nn/pde_block.h"
#include "pde/losses.h"

namespace scopemia::nn {

struct PdeLossWeights {
  double stability = 0.1;  // a
  double entropy = 0.1;    // b
  double hessian = 0.01;   // c
  double scale = 0.1;      // d
  double attention = 0.1;  // k
  double energy_weight = 1.0;  // inside L_stab: residual + energy_weight * energy growth
};

struct PdeLossTerms {
  torch::Tensor stability, entropy, hessian, attention;  // unweighted, scalars
  torch::Tensor total;  // weighted sum of the four (scale is added by the caller)
};

// The block-local losses of one block. roi_mask (optional, undefined = none)
// is the ROI at the input resolution; it is pooled onto the block's grid.
PdeLossTerms pde_losses(PdeBlockImpl& block, const PdeBlockStates& states,
                        const PdeLossWeights& weights, const torch::Tensor& roi_mask = {});

}  // namespace scopemia::nn
