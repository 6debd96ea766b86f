#pragma once
// Masks for the 3D masked autoencoder (paper 4.1, Fig. 2): which voxels of a
// k-slice subvolume the encoder does not see. Four strategies; the masked
// fraction hits the requested ratio within one masking unit (a cube, a tube
// cross-section, a block column or one slice).
#include <cstdint>
#include <string>

#include <torch/types.h>

#include "core/random.h"

namespace scopemia::data {

enum class MaskStrategy {
  kRandomCubes,  // cubes of `unit`^3 voxels on a grid, chosen at random
  kBlock,        // one contiguous box spanning the depth, at a random place
  kSlices,       // whole slices (round(ratio * k) of them)
  kTubes,        // in-plane squares of `unit`^2 extended through the depth
};

MaskStrategy parse_mask_strategy(const std::string& name);  // cubes|block|slices|tubes
std::string to_string(MaskStrategy strategy);

struct MaskOptions {
  MaskStrategy strategy = MaskStrategy::kRandomCubes;
  double ratio = 0.5;  // fraction of voxels masked, 0 < ratio < 1
  int64_t unit = 4;    // cube edge / tube side, voxels
};

// Boolean [k, H, W], true = masked.
torch::Tensor make_mask(int64_t k, int64_t height, int64_t width, const MaskOptions& options, Random& rng);

// Mean squared error over the masked voxels only.
torch::Tensor masked_mse(const torch::Tensor& prediction, const torch::Tensor& target, const torch::Tensor& mask);

}  // namespace scopemia::data
