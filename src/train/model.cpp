#include "train/model.h"

#include <fmt/format.h>

#include "core/error.h"
#include "train/descriptors.h"

namespace scopemia::train {

int64_t resolve_outputs(const TrainConfig& config, int64_t num_classes) {
  if (config.model.outputs > 0) return config.model.outputs;
  if (config.task == Task::kClassification) return std::max<int64_t>(2, num_classes);
  return 1;
}

ScopeModelImpl::ScopeModelImpl(const TrainConfig& config, int64_t outputs)
    : task_(config.task), outputs_(outputs) {
  if (outputs < 1) throw InputError(config.source, "model.outputs: the head needs at least one output");
  backbone_ = nn::create(config.model.backbone, backbone_options(config.model));
  register_module("backbone", backbone_);
  switch (task_) {
    case Task::kClassification:
    case Task::kRegression:
      linear_ = register_module("head", nn::LinearHead(backbone_->out_channels(), outputs, config.model.dropout));
      break;
    case Task::kSegmentation:
    case Task::kPretrain: {
      nn::DecoderConfig dc;
      dc.stage_channels = backbone_->stage_channels();
      dc.width = config.model.decoder_width;
      dc.out_channels = 1;
      decoder_ = register_module("decoder", nn::UNetDecoder(dc));
      if (task_ == Task::kPretrain && config.mci.enabled)
        mci_decoder_ = register_module("mci_decoder", nn::UNetDecoder(dc));
      if (task_ == Task::kPretrain && config.descriptors.enabled) {
        const int64_t H = config.data.preprocess.height > 0 ? config.data.preprocess.height : 64;
        const int64_t W = config.data.preprocess.width > 0 ? config.data.preprocess.width : 64;
        // The probe runs before any training step: it must not draw from the
        // seeded generator (it does not: a forward pass of zeros is deterministic).
        pooling_ = std::make_shared<nn::RoiPooling>(
            config.embedding, *backbone_, torch::zeros({1, backbone_options(config.model).in_channels, config.k, H, W}));
        const auto D = int64_t(descriptor_names(config.descriptors.set).size());
        descriptor_head_ = register_module("descriptor_head", torch::nn::Linear(pooling_->features(), D));
        descriptor_mean_ = register_buffer("descriptor_mean", torch::zeros({D}));
        descriptor_var_ = register_buffer("descriptor_var", torch::ones({D}));
        descriptor_count_ = register_buffer("descriptor_count", torch::zeros({}));
      }
      break;
    }
  }
}

ModelOutput ScopeModelImpl::forward(const torch::Tensor& x) {
  ModelOutput out;
  out.backbone = backbone_->forward(x);
  const std::vector<int64_t> size{x.size(2), x.size(3), x.size(4)};
  if (linear_) {
    out.prediction = linear_->forward(out.backbone.stages.back());
    if (task_ == Task::kRegression && outputs_ == 1) out.prediction = out.prediction.squeeze(1);
  } else {
    out.prediction = decoder_->forward(out.backbone.stages, size);
    if (mci_decoder_) out.mci = mci_decoder_->forward(out.backbone.stages, size);
  }
  return out;
}

torch::Tensor ScopeModelImpl::predict_descriptors(const nn::BackboneOutput& out, const torch::Tensor& roi,
                                                 const torch::Tensor& valid) {
  if (!pooling_) throw InputError("this model has no descriptor head (descriptors.enabled)");
  return descriptors_from_pooled(nn::RoiPooling::statistics(pooling_->moments(out, roi, valid)));
}

torch::Tensor ScopeModelImpl::descriptors_from_pooled(const torch::Tensor& pooled) {
  if (!pooling_) throw InputError("this model has no descriptor head (descriptors.enabled)");
  if (pooled.dim() != 2 || pooled.size(1) != pooling_->features())
    throw InputError(fmt::format("the descriptor head reads {} pooled features, got {}", pooling_->features(),
                                 pooled.dim() == 2 ? pooled.size(1) : -1));
  return descriptor_head_->forward(pooled);
}

torch::Tensor ScopeModelImpl::standardise_descriptors(const torch::Tensor& values, const torch::Tensor& weight,
                                                      bool update) {
  torch::NoGradGuard no_grad;
  if (update) {
    const auto w = weight.unsqueeze(1);
    const double n = weight.sum().item<double>();
    if (n > 0) {
      const auto batch_mean = (values * w).sum(0) / n;
      const auto batch_var = ((values - batch_mean).square() * w).sum(0) / n;
      // A cumulative average over the first 100 batches, then a slow moving one.
      const double count = descriptor_count_.item<double>();
      const double m = count < 100 ? 1.0 / (count + 1) : 0.01;
      descriptor_mean_.mul_(1 - m).add_(batch_mean * m);
      descriptor_var_.mul_(1 - m).add_(batch_var * m);
      descriptor_count_.add_(1);
    }
  }
  return (values - descriptor_mean_) / (descriptor_var_ + 1e-6).sqrt();
}

torch::Tensor ScopeModelImpl::pooled_embedding(const nn::BackboneOutput& out) {
  return out.stages.back().mean({2, 3, 4});
}

}  // namespace scopemia::train
