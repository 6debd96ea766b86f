#pragma once
// U-Net-like decoder for dense outputs (reconstruction, MCI map,
// segmentation) on any backbone's stage features.
#include <torch/torch.h>

#include <vector>

#include "nn/backbone.h"

namespace scopemia::nn {

struct DecoderConfig {
  std::vector<int64_t> stage_channels;  // the backbone's, shallow to deep
  int64_t width = 0;                    // decoder width per level; 0: the stage's own
  int64_t out_channels = 1;
};

// From the deepest stage up: upsample (trilinear, to the next skip's size, so
// any stride pattern works), concatenate the skip, two 3x3x3 conv + GroupNorm
// + GELU; finally a 1x1x1 conv to out_channels and upsampling to the input
// size (the same map as upsampling first, in a fraction of the time).
class UNetDecoderImpl : public torch::nn::Module {
 public:
  explicit UNetDecoderImpl(DecoderConfig config);
  // stages: the backbone's stage outputs; output_size: (D, H, W) of the input.
  torch::Tensor forward(const std::vector<torch::Tensor>& stages,
                        const std::vector<int64_t>& output_size);

 private:
  DecoderConfig config_;
  std::vector<torch::nn::Sequential> fuse_;
  torch::nn::Conv3d head_{nullptr};
};
TORCH_MODULE(UNetDecoder);

}  // namespace scopemia::nn
