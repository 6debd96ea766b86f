#include <string>

#include "core/error.h"
#include "nn/backbones.h"

namespace scopemia::nn {
namespace {

// norm -> ReLU -> 1x1x1 conv (bn_size * growth) -> norm -> ReLU -> 3x3x3 conv (growth).
class DenseLayerImpl : public torch::nn::Module {
 public:
  DenseLayerImpl(int64_t in, int64_t growth, int64_t bn_size, Norm norm) {
    body_->push_back(make_norm(norm, in));
    body_->push_back(torch::nn::ReLU());
    body_->push_back(torch::nn::Conv3d(torch::nn::Conv3dOptions(in, bn_size * growth, 1).bias(false)));
    body_->push_back(make_norm(norm, bn_size * growth));
    body_->push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
    body_->push_back(
        torch::nn::Conv3d(torch::nn::Conv3dOptions(bn_size * growth, growth, 3).padding(1).bias(false)));
    register_module("body", body_);
  }
  torch::Tensor forward(const torch::Tensor& x) { return body_->forward(x); }

 private:
  torch::nn::Sequential body_;
};
TORCH_MODULE(DenseLayer);

class DenseBlockImpl : public torch::nn::Module {
 public:
  DenseBlockImpl(int64_t in, int64_t layers, int64_t growth, int64_t bn_size, Norm norm) {
    for (int64_t l = 0; l < layers; ++l)
      layers_.push_back(
          register_module("layer" + std::to_string(l), DenseLayer(in + l * growth, growth, bn_size, norm)));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    std::vector<torch::Tensor> features{x};
    for (auto& layer : layers_) features.push_back(layer->forward(torch::cat(features, 1)));
    return torch::cat(features, 1);
  }

 private:
  std::vector<DenseLayer> layers_;
};
TORCH_MODULE(DenseBlock);

class DenseNet3dImpl : public BackboneImpl {
 public:
  DenseNet3dImpl(const DenseNetSpec& spec, const ModelConfig& cfg) {
    if (spec.blocks.empty()) throw InputError("DenseNet-3D: no blocks");
    StridePlanner plan(cfg.max_depth_stride);
    const auto s_conv = plan.next(2);
    const auto s_pool = plan.next(2);
    stem_conv_ = torch::nn::Conv3d(torch::nn::Conv3dOptions(cfg.in_channels, spec.init_features, 7)
                                       .stride(torch::ExpandingArray<3>({s_conv[0], s_conv[1], s_conv[2]}))
                                       .padding(3)
                                       .bias(false));
    stem_->push_back(stem_conv_);
    stem_->push_back(make_norm(cfg.norm, spec.init_features));
    stem_->push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
    stem_->push_back(torch::nn::MaxPool3d(torch::nn::MaxPool3dOptions(3)
                                              .stride(torch::ExpandingArray<3>({s_pool[0], s_pool[1], s_pool[2]}))
                                              .padding(1)));
    register_module("stem", stem_);
    int64_t c = spec.init_features;
    for (size_t i = 0; i < spec.blocks.size(); ++i) {
      torch::nn::Sequential stage;
      if (i > 0) {
        // Transition from the previous block: norm -> ReLU -> 1x1x1 conv halving C -> average pool.
        const auto s = plan.next(2);
        const torch::ExpandingArray<3> k({s[0], s[1], s[2]});
        stage->push_back(make_norm(cfg.norm, c));
        stage->push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
        stage->push_back(torch::nn::Conv3d(torch::nn::Conv3dOptions(c, c / 2, 1).bias(false)));
        stage->push_back(torch::nn::AvgPool3d(torch::nn::AvgPool3dOptions(k).stride(k)));
        c /= 2;
      }
      stage->push_back(DenseBlock(c, spec.blocks[i], spec.growth, spec.bn_size, cfg.norm));
      c += spec.blocks[i] * spec.growth;
      if (i + 1 == spec.blocks.size()) {
        // The final norm (norm5) and ReLU of the original, part of the last stage.
        stage->push_back(make_norm(cfg.norm, c));
        stage->push_back(torch::nn::ReLU());
      }
      stage_modules_.push_back(register_module("stage" + std::to_string(i), stage));
      stages_.push_back({c, plan.total()});
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

std::shared_ptr<BackboneImpl> make_densenet3d(const DenseNetSpec& spec, const ModelConfig& cfg) {
  return std::make_shared<DenseNet3dImpl>(spec, cfg);
}

}  // namespace scopemia::nn
