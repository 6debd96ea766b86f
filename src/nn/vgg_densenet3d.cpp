#include "nn/vgg_densenet3d.h"

#include <string>

#include "core/error.h"

namespace scopemia::nn {
namespace {

using torch::nn::BatchNorm3d;
using torch::nn::Conv3d;
using torch::nn::Conv3dOptions;

void check_stages(const std::vector<int>& pde_stages, int n) {
  for (int s : pde_stages) {
    if (s < 0 || s >= n) {
      throw InputError("PDE stages are 0.." + std::to_string(n - 1) + ", got " + std::to_string(s));
    }
  }
}

// BN-ReLU-Conv1x1(bottleneck*growth)-BN-ReLU-Conv3x3(growth), concatenated.
struct DenseLayerImpl : torch::nn::Module {
  DenseLayerImpl(int64_t in, int64_t growth, int64_t bottleneck) {
    body = register_module(
        "body", torch::nn::Sequential(BatchNorm3d(in), torch::nn::ReLU(),
                                      conv_no_bias(in, bottleneck * growth, 1, 1, 0),
                                      BatchNorm3d(bottleneck * growth), torch::nn::ReLU(),
                                      conv_no_bias(bottleneck * growth, growth, 3, 1, 1)));
  }
  torch::Tensor forward(const torch::Tensor& x) { return torch::cat({x, body->forward(x)}, 1); }
  torch::nn::Sequential body{nullptr};
};
TORCH_MODULE(DenseLayer);

}  // namespace

VGG3DConfig vgg3d_preset(int depth) {
  VGG3DConfig c;
  switch (depth) {
    case 11: c.convs = {1, 1, 2, 2, 2}; break;
    case 13: c.convs = {2, 2, 2, 2, 2}; break;
    case 16: c.convs = {2, 2, 3, 3, 3}; break;
    case 19: c.convs = {2, 2, 4, 4, 4}; break;
    default: throw InputError("unknown VGG-3D depth " + std::to_string(depth) + " (11, 13, 16, 19)");
  }
  return c;
}

DenseNet3DConfig densenet3d_preset(int depth) {
  DenseNet3DConfig c;
  switch (depth) {
    case 121: c.blocks = {6, 12, 24, 16}; break;
    case 169: c.blocks = {6, 12, 32, 32}; break;
    case 201: c.blocks = {6, 12, 48, 32}; break;
    case 161: c.blocks = {6, 12, 36, 24}; c.growth = 48; c.init_features = 96; break;
    default:
      throw InputError("unknown DenseNet-3D depth " + std::to_string(depth) + " (121, 161, 169, 201)");
  }
  return c;
}

void StagedBackboneImpl::add_stage(torch::nn::Sequential stage, int64_t channels,
                                   const std::vector<int>& pde_stages, const PdeBlockConfig& pde,
                                   const pde::Spacing& spacing) {
  const int i = static_cast<int>(stages_.size());
  stages_.push_back(register_module("stage" + std::to_string(i), stage));
  channels_.push_back(channels);
  for (int s : pde_stages) {
    if (s != i) continue;
    PdeBlockConfig pc = pde;
    pc.channels = channels;
    pc.spacing = spacing;
    pde_blocks_.push_back(register_module("pde" + std::to_string(i), PdeBlock(pc)));
    pde_block_stage_.push_back(i);
    break;
  }
}

BackboneOutput StagedBackboneImpl::forward(const torch::Tensor& x) {
  if (x.dim() != 5 || x.size(1) != in_channels_) {
    throw InputError("backbone expects [N," + std::to_string(in_channels_) + ",D,H,W] input");
  }
  BackboneOutput out;
  auto h = stem_ ? stem_->forward(x) : x;
  size_t next_pde = 0;
  for (size_t i = 0; i < stages_.size(); ++i) {
    h = stages_[i]->forward(h);
    h = finish_stage(static_cast<int>(i), h, pde_blocks_, pde_block_stage_, next_pde, out);
  }
  return out;
}

VGG3DImpl::VGG3DImpl(const VGG3DConfig& c) {
  if (c.convs.size() != 5 || c.widths.size() != 5 || c.depth_strides.size() != 5) {
    throw InputError("VGG-3D config: needs 5 stages");
  }
  check_stages(c.pde_stages, 5);
  in_channels_ = c.in_channels;
  int64_t in = c.in_channels;
  pde::Spacing spacing = c.pde.spacing;
  for (int i = 0; i < 5; ++i) {
    torch::nn::Sequential stage;
    for (int64_t k = 0; k < c.convs[i]; ++k) {
      stage->push_back(conv_no_bias(in, c.widths[i], 3, 1, 1));
      stage->push_back(BatchNorm3d(c.widths[i]));
      stage->push_back(torch::nn::ReLU());
      in = c.widths[i];
    }
    const int64_t sd = c.depth_strides[i];
    stage->push_back(torch::nn::MaxPool3d(torch::nn::MaxPool3dOptions({sd, 2, 2}).stride({sd, 2, 2})));
    spacing = pde::Spacing{spacing.z * sd, spacing.y * 2, spacing.x * 2};
    add_stage(stage, in, c.pde_stages, c.pde, spacing);
  }
}

DenseNet3DImpl::DenseNet3DImpl(const DenseNet3DConfig& c) {
  if (c.blocks.size() != 4 || c.depth_strides.size() != 5) {
    throw InputError("DenseNet-3D config: needs 4 blocks and 5 depth strides");
  }
  check_stages(c.pde_stages, 4);
  in_channels_ = c.in_channels;
  const auto& ds = c.depth_strides;
  stem_ = register_module(
      "stem", torch::nn::Sequential(
                  conv_no_bias(c.in_channels, c.init_features, {3, 7, 7}, {ds[0], 2, 2}, {1, 3, 3}),
                  BatchNorm3d(c.init_features), torch::nn::ReLU(),
                  torch::nn::MaxPool3d(torch::nn::MaxPool3dOptions(3).stride({ds[1], 2, 2}).padding(1))));
  pde::Spacing spacing{c.pde.spacing.z * ds[0] * ds[1], c.pde.spacing.y * 4, c.pde.spacing.x * 4};
  int64_t ch = c.init_features;
  for (int i = 0; i < 4; ++i) {
    torch::nn::Sequential stage;
    if (i > 0) {  // transition: halve channels, pool
      const int64_t sd = ds[i + 1];
      stage->push_back(BatchNorm3d(ch));
      stage->push_back(torch::nn::ReLU());
      stage->push_back(conv_no_bias(ch, ch / 2, 1, 1, 0));
      stage->push_back(torch::nn::AvgPool3d(torch::nn::AvgPool3dOptions({sd, 2, 2}).stride({sd, 2, 2})));
      ch /= 2;
      spacing = pde::Spacing{spacing.z * sd, spacing.y * 2, spacing.x * 2};
    }
    for (int64_t l = 0; l < c.blocks[i]; ++l) {
      stage->push_back(DenseLayer(ch, c.growth, c.bottleneck));
      ch += c.growth;
    }
    if (i == 3) {  // final norm
      stage->push_back(BatchNorm3d(ch));
      stage->push_back(torch::nn::ReLU());
    }
    add_stage(stage, ch, c.pde_stages, c.pde, spacing);
  }
}

}  // namespace scopemia::nn
