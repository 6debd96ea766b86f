#include <string>

#include "core/error.h"
#include "nn/backbones.h"

namespace scopemia::nn {
namespace {

namespace F = torch::nn::functional;

torch::nn::Conv3dOptions depthwise(int64_t c, std::array<int64_t, 3> k) {
  return torch::nn::Conv3dOptions(c, c, torch::ExpandingArray<3>({k[0], k[1], k[2]}))
      .padding(torch::ExpandingArray<3>({k[0] / 2, k[1] / 2, k[2] / 2}))
      .groups(c);
}

class ConvNeXtBlockImpl : public torch::nn::Module {
 public:
  ConvNeXtBlockImpl(int64_t c, const ModelConfig& cfg, double drop) : drop_(drop) {
    const int64_t k = cfg.dw_kernel;
    if (cfg.dw_kind == DepthwiseKind::kCube) {
      dw_.push_back(register_module("dwconv", torch::nn::Conv3d(depthwise(c, {k, k, k}))));
    } else {
      // Separable: three 1D depthwise convs, bias only on the last.
      dw_.push_back(register_module("dwconv_d", torch::nn::Conv3d(depthwise(c, {k, 1, 1}).bias(false))));
      dw_.push_back(register_module("dwconv_h", torch::nn::Conv3d(depthwise(c, {1, k, 1}).bias(false))));
      dw_.push_back(register_module("dwconv_w", torch::nn::Conv3d(depthwise(c, {1, 1, k}))));
    }
    norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c}).eps(1e-6)));
    fc1_ = register_module("pwconv1", torch::nn::Linear(c, 4 * c));
    fc2_ = register_module("pwconv2", torch::nn::Linear(4 * c, c));
    if (cfg.layer_scale_init > 0) gamma_ = register_parameter("gamma", torch::full({c}, cfg.layer_scale_init));
  }

  torch::Tensor forward(const torch::Tensor& x) {
    auto y = x;
    for (auto& conv : dw_) y = conv->forward(y);
    y = y.permute({0, 2, 3, 4, 1});  // channels last: LayerNorm and the 1x1x1 convs as linear layers
    y = fc2_->forward(torch::gelu(fc1_->forward(norm_->forward(y))));
    if (gamma_.defined()) y = y * gamma_;
    return x + drop_path(y.permute({0, 4, 1, 2, 3}), drop_, is_training());
  }

 private:
  double drop_;
  std::vector<torch::nn::Conv3d> dw_;
  torch::nn::LayerNorm norm_{nullptr};
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
  torch::Tensor gamma_;
};
TORCH_MODULE(ConvNeXtBlock);

class ConvNeXt3dImpl : public BackboneImpl {
 public:
  ConvNeXt3dImpl(const ConvNeXtSpec& spec, const ModelConfig& cfg) {
    if (spec.depths.size() != spec.dims.size() || spec.depths.empty())
      throw InputError("ConvNeXt-3D: depths and dims must have the same, non-zero length");
    if (cfg.dw_kernel < 1 || cfg.dw_kernel % 2 == 0)
      throw InputError("ConvNeXt-3D: the depthwise kernel must be odd, got " + std::to_string(cfg.dw_kernel));
    StridePlanner plan(cfg.max_depth_stride);
    const auto s0 = plan.next(4);
    stem_conv_ = register_module(
        "stem_conv", torch::nn::Conv3d(torch::nn::Conv3dOptions(cfg.in_channels, spec.dims[0],
                                                                torch::ExpandingArray<3>({s0[0], s0[1], s0[2]}))
                                           .stride(torch::ExpandingArray<3>({s0[0], s0[1], s0[2]}))));
    stem_norm_ = register_module("stem_norm", ChannelLayerNorm(spec.dims[0]));
    int64_t total_blocks = 0;
    for (auto d : spec.depths) total_blocks += d;
    int64_t block_index = 0;
    for (size_t i = 0; i < spec.dims.size(); ++i) {
      torch::nn::Sequential down{nullptr};
      if (i > 0) {
        const auto s = plan.next(2);
        down = torch::nn::Sequential(
            ChannelLayerNorm(spec.dims[i - 1]),
            torch::nn::Conv3d(torch::nn::Conv3dOptions(spec.dims[i - 1], spec.dims[i],
                                                       torch::ExpandingArray<3>({s[0], s[1], s[2]}))
                                  .stride(torch::ExpandingArray<3>({s[0], s[1], s[2]}))));
        register_module("downsample" + std::to_string(i), down);
      }
      downsample_.push_back(down);
      torch::nn::Sequential blocks;
      for (int64_t b = 0; b < spec.depths[i]; ++b, ++block_index) {
        const double rate = total_blocks > 1 ? cfg.drop_path * static_cast<double>(block_index) /
                                                   static_cast<double>(total_blocks - 1)
                                             : 0.0;
        blocks->push_back(ConvNeXtBlock(spec.dims[i], cfg, rate));
      }
      stages_modules_.push_back(register_module("stage" + std::to_string(i), blocks));
      stages_.push_back({spec.dims[i], plan.total()});
    }
  }

  torch::Tensor forward_stem(const torch::Tensor& x) override {
    return stem_norm_->forward(stem_conv_->forward(x));
  }
  torch::Tensor forward_stage(size_t i, const torch::Tensor& x) override {
    auto h = downsample_[i].is_empty() ? x : downsample_[i]->forward(x);
    return stages_modules_[i]->forward(h);
  }
  torch::Tensor first_layer_weight() const override { return stem_conv_->weight; }

 private:
  torch::nn::Conv3d stem_conv_{nullptr};
  ChannelLayerNorm stem_norm_{nullptr};
  std::vector<torch::nn::Sequential> downsample_;
  std::vector<torch::nn::Sequential> stages_modules_;
};

}  // namespace

std::shared_ptr<BackboneImpl> make_convnext3d(const ConvNeXtSpec& spec, const ModelConfig& cfg) {
  return std::make_shared<ConvNeXt3dImpl>(spec, cfg);
}

}  // namespace scopemia::nn
