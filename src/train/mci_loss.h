#pragma once
// The auxiliary MAE head's loss on mean-curvature-of-isophotes maps
// (paper S1.10; docs/paper-map.md §5):
//   L = l1 * mean(W_ridge * |k^ - k|) + l2 * mean(sum_axes |d(k^ - k)/dx_a|)
//       + l3 * (1 - MS-SSIM(k^, k))
// k = target curvature map (from imaging::mean_curvature), k^ = prediction,
// both [N,1,D,H,W]. W_ridge = min(1 + |k| / mean|k|, ridge_max) per sample
// (ridges and valleys, where |k| is large, weigh more; a flat map weighs 1).
// Formulas and choices in docs/pretraining-metrics.md.
#include <torch/types.h>

#include "imaging/mean_curvature.h"
#include "pde/operators.h"
#include "train/recon_metrics.h"

namespace scopemia::train {

struct MciLossWeights {
  double ridge_l1 = 1.0;     // l1
  double gradient_l1 = 1.0;  // l2
  double ms_ssim = 1.0;      // l3
  double ridge_max = 10.0;   // upper clip of W_ridge (>= 1)
  // MS-SSIM settings; ssim.data_range <= 0 (the default here) takes the data
  // range from the target batch, max(k) - min(k) (floored at 1e-6).
  MsSsimOptions ms_ssim_options = [] {
    MsSsimOptions o;
    o.ssim.data_range = 0.0;
    return o;
  }();
  pde::Spacing spacing;  // voxel size of the maps for the gradient term
};

struct MciLossTerms {
  torch::Tensor total;
  torch::Tensor ridge_l1;     // unweighted terms, for logging
  torch::Tensor gradient_l1;
  torch::Tensor ms_ssim_loss;  // 1 - MS-SSIM
};

// The MAE head's targets: imaging::mean_curvature of every sample of
// `images` [N,1,D,H,W] (any floating dtype; computed in float32 on the CPU),
// spacing (z, y, x) in mm, returned in the images' dtype and device. With
// clip > 0 the curvature is clamped to [-clip, clip] (near-flat voxels just
// above the gradient floor can give very large |k|).
torch::Tensor curvature_targets(const torch::Tensor& images, const pde::Spacing& spacing = {},
                                const imaging::MeanCurvatureOptions& options = {}, double clip = 0.0);

// W_ridge of a target map [N,1,D,H,W] (no gradient).
torch::Tensor ridge_weight(const torch::Tensor& target, double ridge_max = 10.0);

// Differentiable in `prediction`; the target is treated as a constant.
MciLossTerms mci_reconstruction_loss(const torch::Tensor& prediction, const torch::Tensor& target,
                                     const MciLossWeights& weights = {});

}  // namespace scopemia::train
