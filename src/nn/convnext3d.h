#pragma once
// ConvNeXt-3D backbone (Liu et al. 2022, made 3D) with optional PDE blocks
// after chosen stages. The depthwise kernel is a config value: the paper's
// 7x7x7 (GPU), a separable 7-tap (7x1x1 + 1x7x1 + 1x1x7) or 3x3x3 for CPU
// (docs/paper-map.md §10: 7^3 depthwise conv3d is pathologically slow).
#include <torch/torch.h>

#include <string>
#include <vector>

#include "nn/backbone.h"
#include "nn/pde_block.h"

namespace scopemia::nn {

struct ConvNeXt3DConfig {
  int64_t in_channels = 1;
  std::vector<int64_t> depths{3, 3, 9, 3};
  std::vector<int64_t> dims{96, 192, 384, 768};
  int64_t kernel_size = 7;
  KernelMode kernel_mode = KernelMode::kFull;
  // Depth strides of the stem (patchify, in-plane stride 4) and of the three
  // downsampling layers (in-plane stride 2). k-slice subvolumes are thin, so
  // depth strides are separate from in-plane strides.
  std::vector<int64_t> depth_strides{2, 2, 2, 2};
  double layer_scale_init = 1e-6;
  // 0: ConvNeXt's stem, one linear patchify conv (4x4 in-plane). > 0: a
  // 3x3x3 conv to `stem_width` channels + GELU at the input's resolution
  // first, so each stage-0 cell sums nonlinear per-voxel features (intensity
  // bands, local edges) of its patch instead of one linear projection of it
  // (the patchify conv maps 4*4*depth_stride*C_in values to dims[0]: it
  // cannot keep a patch's intensity histogram).
  int64_t stem_width = 0;
  // Stages (0-based) followed by a PDE block; `pde` is the template config
  // (its channel count and spacing are set per stage).
  std::vector<int> pde_stages;
  PdeBlockConfig pde;
};

// Named sizes: "nano" (CPU-trainable), "small", "base", "large".
ConvNeXt3DConfig convnext3d_preset(const std::string& size);

class ConvNeXt3DImpl : public BackboneImpl {
 public:
  explicit ConvNeXt3DImpl(ConvNeXt3DConfig config);
  BackboneOutput forward(const torch::Tensor& x) override;
  const ConvNeXt3DConfig& config() const { return config_; }
  int64_t out_channels() const override { return config_.dims.back(); }
  std::vector<int64_t> stage_channels() const override { return config_.dims; }
  std::vector<PdeBlock>& pde_blocks() override { return pde_blocks_; }

 private:
  ConvNeXt3DConfig config_;
  torch::nn::Sequential stem_{nullptr};  // stem_width > 0: conv 3x3x3 + GELU at full resolution
  std::vector<torch::nn::Sequential> downsample_;
  std::vector<torch::nn::Sequential> stages_;
  std::vector<PdeBlock> pde_blocks_;
  std::vector<int> pde_block_stage_;
};
TORCH_MODULE(ConvNeXt3D);

}  // namespace scopemia::nn
