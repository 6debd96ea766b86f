#pragma once
// ResNet-3D (He et al. 2016, 3D convs as in Hara et al. 2018): 18/34 with
// basic blocks, 50/101/152 with bottlenecks; PDE blocks after chosen stages.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "nn/backbone.h"

namespace scopemia::nn {

struct ResNet3DConfig {
  int64_t in_channels = 1;
  std::vector<int64_t> layers{2, 2, 2, 2};
  bool bottleneck = false;
  int64_t base_width = 64;
  // Depth strides: stem conv, stem max-pool, stages 2..4 (stage 1 has none).
  std::vector<int64_t> depth_strides{1, 2, 2, 2, 2};
  std::vector<int> pde_stages;
  PdeBlockConfig pde;
};

// Depth 18, 34, 50, 101 or 152.
ResNet3DConfig resnet3d_preset(int depth);

class ResNet3DImpl : public BackboneImpl {
 public:
  explicit ResNet3DImpl(ResNet3DConfig config);
  BackboneOutput forward(const torch::Tensor& x) override;
  int64_t out_channels() const override { return channels_.back(); }
  std::vector<int64_t> stage_channels() const override { return channels_; }
  std::vector<PdeBlock>& pde_blocks() override { return pde_blocks_; }

 private:
  ResNet3DConfig config_;
  torch::nn::Sequential stem_{nullptr};
  std::vector<torch::nn::Sequential> stages_;
  std::vector<int64_t> channels_;
  std::vector<PdeBlock> pde_blocks_;
  std::vector<int> pde_block_stage_;
};
TORCH_MODULE(ResNet3D);

}  // namespace scopemia::nn
