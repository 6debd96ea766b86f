#include <string>

#include "core/error.h"
#include "nn/backbones.h"

namespace scopemia::nn {
namespace {

class Vgg3dImpl : public BackboneImpl {
 public:
  Vgg3dImpl(const VggSpec& spec, const ModelConfig& cfg) {
    if (spec.stages.empty()) throw InputError("VGG-3D: no stages");
    StridePlanner plan(cfg.max_depth_stride);
    int64_t in = cfg.in_channels;
    for (size_t i = 0; i < spec.stages.size(); ++i) {
      torch::nn::Sequential stage;
      for (int64_t out : spec.stages[i]) {
        torch::nn::Conv3d conv(torch::nn::Conv3dOptions(in, out, 3).padding(1));
        if (!first_conv_) first_conv_ = conv;
        stage->push_back(conv);
        stage->push_back(make_norm(cfg.norm, out));
        stage->push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
        in = out;
      }
      const auto s = plan.next(2);
      const torch::ExpandingArray<3> k({s[0], s[1], s[2]});
      stage->push_back(torch::nn::MaxPool3d(torch::nn::MaxPool3dOptions(k).stride(k)));
      stage_modules_.push_back(register_module("stage" + std::to_string(i), stage));
      stages_.push_back({in, plan.total()});
    }
  }
  torch::Tensor forward_stem(const torch::Tensor& x) override { return x; }
  torch::Tensor forward_stage(size_t i, const torch::Tensor& x) override { return stage_modules_[i]->forward(x); }
  torch::Tensor first_layer_weight() const override { return first_conv_->weight; }

 private:
  torch::nn::Conv3d first_conv_{nullptr};
  std::vector<torch::nn::Sequential> stage_modules_;
};

}  // namespace

std::shared_ptr<BackboneImpl> make_vgg3d(const VggSpec& spec, const ModelConfig& cfg) {
  return std::make_shared<Vgg3dImpl>(spec, cfg);
}

}  // namespace scopemia::nn
