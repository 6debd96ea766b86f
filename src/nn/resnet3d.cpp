#include "nn/resnet3d.h"

#include <string>

#include "core/error.h"

namespace scopemia::nn {
namespace {

using torch::nn::BatchNorm3d;
using torch::nn::Conv3d;
using torch::nn::Conv3dOptions;

struct ResBlockImpl : torch::nn::Module {
  ResBlockImpl(int64_t in, int64_t width, bool bottleneck, int64_t sd, int64_t sp) {
    const int64_t out = bottleneck ? 4 * width : width;
    if (bottleneck) {
      body->push_back(conv_no_bias(in, width, 1, 1, 0));
      body->push_back(BatchNorm3d(width));
      body->push_back(torch::nn::ReLU());
      body->push_back(conv_no_bias(width, width, 3, {sd, sp, sp}, 1));
      body->push_back(BatchNorm3d(width));
      body->push_back(torch::nn::ReLU());
      body->push_back(conv_no_bias(width, out, 1, 1, 0));
      body->push_back(BatchNorm3d(out));
    } else {
      body->push_back(conv_no_bias(in, width, 3, {sd, sp, sp}, 1));
      body->push_back(BatchNorm3d(width));
      body->push_back(torch::nn::ReLU());
      body->push_back(conv_no_bias(width, out, 3, 1, 1));
      body->push_back(BatchNorm3d(out));
    }
    register_module("body", body);
    if (in != out || sd != 1 || sp != 1) {
      shortcut = torch::nn::Sequential(conv_no_bias(in, out, 1, {sd, sp, sp}, 0), BatchNorm3d(out));
      register_module("shortcut", shortcut);
    }
  }
  torch::Tensor forward(const torch::Tensor& x) {
    const auto skip = shortcut ? shortcut->forward(x) : x;
    return torch::relu(body->forward(x) + skip);
  }
  torch::nn::Sequential body;
  torch::nn::Sequential shortcut{nullptr};
};
TORCH_MODULE(ResBlock);

}  // namespace

ResNet3DConfig resnet3d_preset(int depth) {
  ResNet3DConfig c;
  switch (depth) {
    case 18: c.layers = {2, 2, 2, 2}; break;
    case 34: c.layers = {3, 4, 6, 3}; break;
    case 50: c.layers = {3, 4, 6, 3}; c.bottleneck = true; break;
    case 101: c.layers = {3, 4, 23, 3}; c.bottleneck = true; break;
    case 152: c.layers = {3, 8, 36, 3}; c.bottleneck = true; break;
    default: throw InputError("unknown ResNet-3D depth " + std::to_string(depth) +
                              " (18, 34, 50, 101, 152)");
  }
  return c;
}

ResNet3DImpl::ResNet3DImpl(ResNet3DConfig config) : config_(std::move(config)) {
  if (config_.layers.size() != 4 || config_.depth_strides.size() != 5) {
    throw InputError("ResNet-3D config: needs 4 layer counts and 5 depth strides");
  }
  for (int s : config_.pde_stages) {
    if (s < 0 || s > 3) throw InputError("PDE stages are 0..3, got " + std::to_string(s));
  }
  const auto& ds = config_.depth_strides;
  const int64_t w0 = config_.base_width;
  stem_ = register_module(
      "stem", torch::nn::Sequential(conv_no_bias(config_.in_channels, w0, {3, 7, 7}, {ds[0], 2, 2}, {1, 3, 3}),
                                    BatchNorm3d(w0), torch::nn::ReLU(),
                                    torch::nn::MaxPool3d(torch::nn::MaxPool3dOptions(3)
                                                             .stride({ds[1], 2, 2})
                                                             .padding(1))));
  pde::Spacing spacing{config_.pde.spacing.z * ds[0] * ds[1], config_.pde.spacing.y * 4,
                       config_.pde.spacing.x * 4};
  int64_t in = w0;
  for (int i = 0; i < 4; ++i) {
    const int64_t width = w0 << i;
    const int64_t sd = i == 0 ? 1 : ds[i + 1];
    const int64_t sp = i == 0 ? 1 : 2;
    torch::nn::Sequential stage;
    for (int64_t b = 0; b < config_.layers[i]; ++b) {
      stage->push_back(ResBlock(in, width, config_.bottleneck, b == 0 ? sd : 1, b == 0 ? sp : 1));
      in = config_.bottleneck ? 4 * width : width;
    }
    stages_.push_back(register_module("stage" + std::to_string(i), stage));
    channels_.push_back(in);
    spacing = pde::Spacing{spacing.z * sd, spacing.y * sp, spacing.x * sp};
    for (int s : config_.pde_stages) {
      if (s != i) continue;
      PdeBlockConfig pc = config_.pde;
      pc.channels = in;
      pc.spacing = spacing;
      pde_blocks_.push_back(register_module("pde" + std::to_string(i), PdeBlock(pc)));
      pde_block_stage_.push_back(i);
      break;
    }
  }
}

BackboneOutput ResNet3DImpl::forward(const torch::Tensor& x) {
  if (x.dim() != 5 || x.size(1) != config_.in_channels) {
    throw InputError("ResNet-3D expects [N," + std::to_string(config_.in_channels) + ",D,H,W] input");
  }
  BackboneOutput out;
  auto h = stem_->forward(x);
  size_t next_pde = 0;
  for (int i = 0; i < 4; ++i) {
    h = stages_[i]->forward(h);
    h = finish_stage(static_cast<int>(i), h, pde_blocks_, pde_block_stage_, next_pde, out);
  }
  return out;
}

}  // namespace scopemia::nn
