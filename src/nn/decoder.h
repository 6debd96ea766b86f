#pragma once
// A small U-Net-like decoder for dense outputs (MAE reconstruction, MCI map,
// segmentation): starting from the deepest stage it upsamples (trilinear, to
// the next skip's exact size), concatenates the skip, and applies
// conv3x3x3 -> GroupNorm -> GELU twice; a last level joins the network input
// at full resolution and a 1x1x1 conv gives the output channels (no output
// activation: losses choose theirs).
#include <vector>

#include <torch/torch.h>

#include "nn/model.h"

namespace scopemia::nn {

class DecoderImpl : public torch::nn::Module {
 public:
  // stage_channels: C of each backbone stage, shallow to deep; in_channels: C of the network input.
  DecoderImpl(std::vector<int64_t> stage_channels, int64_t in_channels, DecoderConfig config);

  // stages: the backbone's per-stage maps; input: the network input (for its
  // size and, with input_skip, as the last skip). Returns [N,out,D,H,W].
  torch::Tensor forward(const std::vector<torch::Tensor>& stages, const torch::Tensor& input);

  const std::vector<int64_t>& level_channels() const { return level_channels_; }

 private:
  DecoderConfig config_;
  std::vector<int64_t> level_channels_;        // output C of each level, deepest first
  std::vector<torch::nn::Sequential> levels_;  // one per skip (stages 0..S-2, then the input)
  torch::nn::Conv3d out_{nullptr};
};

}  // namespace scopemia::nn
