#pragma once
// VGG-3D (11/13/16/19, with BatchNorm) and DenseNet-3D (121/161/169/201)
// backbones; PDE blocks after chosen stages.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "nn/backbone.h"

namespace scopemia::nn {

struct VGG3DConfig {
  int64_t in_channels = 1;
  // Convs per stage (5 stages, widths 64,128,256,512,512, 3x3x3 + BN + ReLU),
  // each stage ending with a max-pool of in-plane stride 2 and the depth
  // stride below.
  std::vector<int64_t> convs{2, 2, 3, 3, 3};
  std::vector<int64_t> widths{64, 128, 256, 512, 512};
  std::vector<int64_t> depth_strides{2, 2, 2, 2, 1};
  std::vector<int> pde_stages;
  PdeBlockConfig pde;
};
VGG3DConfig vgg3d_preset(int depth);  // 11, 13, 16, 19

struct DenseNet3DConfig {
  int64_t in_channels = 1;
  int64_t growth = 32;
  int64_t init_features = 64;
  std::vector<int64_t> blocks{6, 12, 24, 16};
  int64_t bottleneck = 4;  // 1x1 conv width = bottleneck * growth
  // Depth strides: stem conv, stem pool, transitions 1..3.
  std::vector<int64_t> depth_strides{1, 2, 2, 2, 2};
  std::vector<int> pde_stages;
  PdeBlockConfig pde;
};
DenseNet3DConfig densenet3d_preset(int depth);  // 121, 161, 169, 201

// A backbone made of a stem and a list of stages, each optionally followed
// by a PDE block: the shared skeleton of VGG-3D and DenseNet-3D.
class StagedBackboneImpl : public BackboneImpl {
 public:
  BackboneOutput forward(const torch::Tensor& x) override;
  int64_t out_channels() const override { return channels_.back(); }
  std::vector<int64_t> stage_channels() const override { return channels_; }
  std::vector<PdeBlock>& pde_blocks() override { return pde_blocks_; }

 protected:
  // Registers stage i and, when i is in pde_stages, its PDE block.
  void add_stage(torch::nn::Sequential stage, int64_t channels, const std::vector<int>& pde_stages,
                 const PdeBlockConfig& pde, const pde::Spacing& spacing);
  int64_t in_channels_ = 1;
  torch::nn::Sequential stem_{nullptr};  // may stay null

 private:
  std::vector<torch::nn::Sequential> stages_;
  std::vector<int64_t> channels_;
  std::vector<PdeBlock> pde_blocks_;
  std::vector<int> pde_block_stage_;
};

class VGG3DImpl : public StagedBackboneImpl {
 public:
  explicit VGG3DImpl(const VGG3DConfig& config);
};

class DenseNet3DImpl : public StagedBackboneImpl {
 public:
  explicit DenseNet3DImpl(const DenseNet3DConfig& config);
};

}  // namespace scopemia::nn
