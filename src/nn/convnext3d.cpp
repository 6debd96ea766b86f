#include "nn/convnext3d.h"

#include <string>

#include "core/error.h"
#include "nn/conv3d_fast.h"

namespace scopemia::nn {
namespace {

// LayerNorm over the channel dimension of [N,C,D,H,W].
struct ChannelLayerNormImpl : torch::nn::Module {
  explicit ChannelLayerNormImpl(int64_t channels)
      : norm(register_module("norm", torch::nn::LayerNorm(
                                         torch::nn::LayerNormOptions({channels}).eps(1e-6)))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    return norm(x.permute({0, 2, 3, 4, 1})).permute({0, 4, 1, 2, 3});
  }
  torch::nn::LayerNorm norm;
};
TORCH_MODULE(ChannelLayerNorm);

// dwconv -> LayerNorm -> Linear(4C) -> GELU -> Linear(C) -> layer scale, + x,
// on a channels-last [N,D,H,W,C] stream.
struct ConvNeXtBlockImpl : torch::nn::Module {
  ConvNeXtBlockImpl(int64_t C, int64_t k, KernelMode mode, double layer_scale) {
    const int64_t p = k / 2;
    if (mode == KernelMode::kFull) {
      dw_convs.push_back(torch::nn::Conv3d(torch::nn::Conv3dOptions(C, C, k).padding(p).groups(C)));
    } else {
      dw_convs.push_back(torch::nn::Conv3d(
          torch::nn::Conv3dOptions(C, C, {k, 1, 1}).padding({p, 0, 0}).groups(C).bias(false)));
      dw_convs.push_back(torch::nn::Conv3d(
          torch::nn::Conv3dOptions(C, C, {1, k, 1}).padding({0, p, 0}).groups(C).bias(false)));
      dw_convs.push_back(torch::nn::Conv3d(
          torch::nn::Conv3dOptions(C, C, {1, 1, k}).padding({0, 0, p}).groups(C)));
    }
    for (auto& conv : dw_convs) dw->push_back(conv);
    register_module("dwconv", dw);
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({C}).eps(1e-6)));
    pw1 = register_module("pwconv1", torch::nn::Linear(C, 4 * C));
    pw2 = register_module("pwconv2", torch::nn::Linear(4 * C, C));
    gamma = register_parameter("gamma", torch::full({C}, layer_scale));
  }
  // x: the residual stream channels-last, [N,D,H,W,C] contiguous (the stage
  // keeps it so: LayerNorm and the Linear layers then read it without the
  // permuted copies an NCDHW stream needs). The depthwise convs (the modules
  // hold the parameters) run through depthwise_conv3d_channels_last:
  // libtorch 1.13's oneDNN depthwise conv3d is several times slower on CPU
  // (docs/performance.md).
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor y = x;
    for (auto& conv : dw_convs) y = depthwise_conv3d_channels_last(y, conv->weight, conv->bias);
    y = pw2(torch::gelu(pw1(norm(y))));
    return x + y * gamma;
  }
  torch::nn::Sequential dw;
  std::vector<torch::nn::Conv3d> dw_convs;
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear pw1{nullptr}, pw2{nullptr};
  torch::Tensor gamma;
};
TORCH_MODULE(ConvNeXtBlock);

void validate(const ConvNeXt3DConfig& c) {
  auto fail = [](const std::string& why) { throw InputError("ConvNeXt-3D config: " + why); };
  if (c.depths.size() != 4 || c.dims.size() != 4) fail("needs 4 depths and 4 dims");
  if (c.depth_strides.size() != 4) fail("needs 4 depth strides (stem + 3 downsamplings)");
  if (c.kernel_size < 1 || c.kernel_size % 2 == 0) fail("kernel_size must be odd");
  if (c.stem_width < 0) fail("stem_width must be >= 0");
  for (int s : c.pde_stages) {
    if (s < 0 || s > 3) fail("PDE stages are 0..3, got " + std::to_string(s));
  }
}

}  // namespace

ConvNeXt3DConfig convnext3d_preset(const std::string& size) {
  ConvNeXt3DConfig c;
  if (size == "nano") {
    c.depths = {2, 2, 2, 2};
    c.dims = {32, 64, 128, 256};
    c.kernel_size = 3;
  } else if (size == "small") {
    c.depths = {3, 3, 27, 3};
    c.dims = {96, 192, 384, 768};
  } else if (size == "base") {
    c.depths = {3, 3, 27, 3};
    c.dims = {128, 256, 512, 1024};
  } else if (size == "large") {
    c.depths = {3, 3, 27, 3};
    c.dims = {192, 384, 768, 1536};
  } else {
    throw InputError("unknown ConvNeXt-3D size '" + size + "' (nano, small, base, large)");
  }
  return c;
}

ConvNeXt3DImpl::ConvNeXt3DImpl(ConvNeXt3DConfig config) : config_(std::move(config)) {
  validate(config_);
  const auto& d = config_.dims;
  pde::Spacing spacing = config_.pde.spacing;
  for (int i = 0; i < 4; ++i) {
    torch::nn::Sequential down;
    const int64_t sd = config_.depth_strides[i];
    const int64_t sp = i == 0 ? 4 : 2;
    if (i == 0) {
      int64_t patch_in = config_.in_channels;
      if (config_.stem_width > 0) {
        stem_ = register_module(
            "stem", torch::nn::Sequential(torch::nn::Conv3d(torch::nn::Conv3dOptions(config_.in_channels,
                                                                                    config_.stem_width, 3)
                                                                .padding(1)),
                                          torch::nn::GELU()));
        patch_in = config_.stem_width;
      }
      down->push_back(torch::nn::Conv3d(
          torch::nn::Conv3dOptions(patch_in, d[0], {sd, sp, sp}).stride({sd, sp, sp})));
      down->push_back(ChannelLayerNorm(d[0]));
    } else {
      down->push_back(ChannelLayerNorm(d[i - 1]));
      down->push_back(
          torch::nn::Conv3d(torch::nn::Conv3dOptions(d[i - 1], d[i], {sd, sp, sp}).stride({sd, sp, sp})));
    }
    downsample_.push_back(register_module("downsample" + std::to_string(i), down));
    spacing = pde::Spacing{spacing.z * sd, spacing.y * sp, spacing.x * sp};

    torch::nn::Sequential stage;
    for (int64_t b = 0; b < config_.depths[i]; ++b) {
      stage->push_back(ConvNeXtBlock(d[i], config_.kernel_size, config_.kernel_mode,
                                     config_.layer_scale_init));
    }
    stages_.push_back(register_module("stage" + std::to_string(i), stage));

    for (int s : config_.pde_stages) {
      if (s != i) continue;
      PdeBlockConfig pc = config_.pde;
      pc.channels = d[i];
      pc.spacing = spacing;
      pde_blocks_.push_back(register_module("pde" + std::to_string(i), PdeBlock(pc)));
      pde_block_stage_.push_back(i);
      break;
    }
  }
}

BackboneOutput ConvNeXt3DImpl::forward(const torch::Tensor& x) {
  if (x.dim() != 5 || x.size(1) != config_.in_channels) {
    throw InputError("ConvNeXt-3D expects [N," + std::to_string(config_.in_channels) +
                     ",D,H,W] input");
  }
  BackboneOutput out;
  torch::Tensor h = x;
  size_t next_pde = 0;
  for (int i = 0; i < 4; ++i) {
    const int64_t sd = config_.depth_strides[i];
    const int64_t sp = i == 0 ? 4 : 2;
    if (h.size(2) < sd || h.size(3) < sp || h.size(4) < sp) {
      throw InputError("ConvNeXt-3D: input too small for stage " + std::to_string(i) +
                       " (feature map " + std::to_string(h.size(2)) + "x" +
                       std::to_string(h.size(3)) + "x" + std::to_string(h.size(4)) + ")");
    }
    if (i == 0 && stem_) {
      // The input's grid: pooled by the `stem` tap. oneDNN whatever the batch
      // size (nn::dense_conv3d): libtorch's batch-1 path is ~4x slower here.
      const auto& conv = (*stem_)[0]->as<torch::nn::Conv3d>();
      out.stem = torch::gelu(dense_conv3d(h, conv->weight, conv->bias, 1));
      h = out.stem;
    }
    // The blocks work channels-last; stage outputs (PDE blocks, decoders,
    // heads) are NCDHW contiguous.
    h = downsample_[i]->forward(h).permute({0, 2, 3, 4, 1}).contiguous();
    h = stages_[i]->forward(h).permute({0, 4, 1, 2, 3}).contiguous();
    h = finish_stage(static_cast<int>(i), h, pde_blocks_, pde_block_stage_, next_pde, out);
  }
  return out;
}

}  // namespace scopemia::nn
