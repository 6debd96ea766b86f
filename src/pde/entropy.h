#pragma once
// Local channel entropy: the control signal of the PDE block (docs/paper-map.md
// §2, PDE block step 2).
#include <torch/types.h>

namespace scopemia::pde {

// Entropy of the softmax over channels at each voxel,
//   H(x) = -sum_c p_c(x) log p_c(x),  p(x) = softmax_c(f(x)),
// averaged over the 3x3x3 neighbourhood (replicate boundary; axes of size 1
// are not averaged). Input [N,C,D,H,W]; output [N,1,D,H,W].
// normalize = true divides by log C so that H lies in [0, 1] whatever the
// channel count (so one threshold tau serves every stage); C = 1 gives 0.
torch::Tensor local_entropy(const torch::Tensor& features, bool normalize = true);

// Per-voxel channel entropy without the neighbourhood average.
torch::Tensor channel_entropy(const torch::Tensor& features, bool normalize = true);

// Mean over the 3x3x3 neighbourhood of each voxel, replicate boundary; the
// box filter is separable (three 3-tap passes of padded slices).
torch::Tensor box_mean3(const torch::Tensor& u);

// lambda(x) = sigmoid(alpha * (H(x) - tau)).
torch::Tensor entropy_gate(const torch::Tensor& entropy, double tau, double alpha);

}  // namespace scopemia::pde
