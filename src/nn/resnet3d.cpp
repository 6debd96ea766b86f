#include <string>

#include "core/error.h"
#include "nn/backbones.h"

namespace scopemia::nn {
namespace {

using Stride = std::array<int64_t, 3>;

void add_conv_norm(torch::nn::Sequential& seq, int64_t in, int64_t out, int64_t k, Stride s, Norm norm) {
  seq->push_back(torch::nn::Conv3d(torch::nn::Conv3dOptions(in, out, k)
                                       .stride(torch::ExpandingArray<3>({s[0], s[1], s[2]}))
                                       .padding(k / 2)
                                       .bias(false)));
  seq->push_back(make_norm(norm, out));
}

torch::nn::Sequential conv_norm(int64_t in, int64_t out, int64_t k, Stride s, Norm norm) {
  torch::nn::Sequential seq;
  add_conv_norm(seq, in, out, k, s, norm);
  return seq;
}

// Basic (two 3x3x3 convs) or bottleneck (1x1x1 -> 3x3x3 -> 1x1x1, 4x expansion)
// residual block; the 3x3x3 conv carries the stride.
class ResBlockImpl : public torch::nn::Module {
 public:
  ResBlockImpl(int64_t in, int64_t width, Stride s, bool bottleneck, Norm norm) {
    const int64_t out = bottleneck ? 4 * width : width;
    if (bottleneck) {
      add_conv_norm(body_, in, width, 1, {1, 1, 1}, norm);
      body_->push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
      add_conv_norm(body_, width, width, 3, s, norm);
      body_->push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
      add_conv_norm(body_, width, out, 1, {1, 1, 1}, norm);
    } else {
      add_conv_norm(body_, in, width, 3, s, norm);
      body_->push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
      add_conv_norm(body_, width, out, 3, {1, 1, 1}, norm);
    }
    register_module("body", body_);
    if (in != out || s != Stride{1, 1, 1}) shortcut_ = register_module("shortcut", conv_norm(in, out, 1, s, norm));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto identity = shortcut_.is_empty() ? x : shortcut_->forward(x);
    return torch::relu(body_->forward(x) + identity);
  }

 private:
  torch::nn::Sequential body_;
  torch::nn::Sequential shortcut_{nullptr};
};
TORCH_MODULE(ResBlock);

class ResNet3dImpl : public BackboneImpl {
 public:
  ResNet3dImpl(const ResNetSpec& spec, const ModelConfig& cfg) {
    if (spec.blocks.size() != 4) throw InputError("ResNet-3D: four stages expected");
    StridePlanner plan(cfg.max_depth_stride);
    const auto s_conv = plan.next(2);
    const auto s_pool = plan.next(2);
    stem_conv_ = register_module("stem_conv", torch::nn::Conv3d(torch::nn::Conv3dOptions(cfg.in_channels, 64, 7)
                                                                    .stride(torch::ExpandingArray<3>(
                                                                        {s_conv[0], s_conv[1], s_conv[2]}))
                                                                    .padding(3)
                                                                    .bias(false)));
    stem_->push_back(stem_conv_);
    stem_->push_back(make_norm(cfg.norm, 64));
    stem_->push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
    stem_->push_back(torch::nn::MaxPool3d(torch::nn::MaxPool3dOptions(3)
                                              .stride(torch::ExpandingArray<3>({s_pool[0], s_pool[1], s_pool[2]}))
                                              .padding(1)));
    register_module("stem", stem_);
    int64_t in = 64;
    for (size_t i = 0; i < 4; ++i) {
      const int64_t width = int64_t{64} << i;
      const Stride s = i == 0 ? Stride{1, 1, 1} : plan.next(2);
      torch::nn::Sequential stage;
      for (int64_t b = 0; b < spec.blocks[i]; ++b) {
        stage->push_back(ResBlock(in, width, b == 0 ? s : Stride{1, 1, 1}, spec.bottleneck, cfg.norm));
        in = spec.bottleneck ? 4 * width : width;
      }
      stage_modules_.push_back(register_module("stage" + std::to_string(i), stage));
      stages_.push_back({in, plan.total()});
    }
  }
  torch::Tensor forward_stem(const torch::Tensor& x) override { return stem_->forward(x); }
  torch::Tensor forward_stage(size_t i, const torch::Tensor& x) override { return stage_modules_[i]->forward(x); }
  torch::Tensor first_layer_weight() const override { return stem_conv_->weight; }

 private:
  torch::nn::Conv3d stem_conv_{nullptr};
  torch::nn::Sequential stem_;
  std::vector<torch::nn::Sequential> stage_modules_;
};

}  // namespace

std::shared_ptr<BackboneImpl> make_resnet3d(const ResNetSpec& spec, const ModelConfig& cfg) {
  return std::make_shared<ResNet3dImpl>(spec, cfg);
}

}  // namespace scopemia::nn
