#include "train/model.h"

#include "core/error.h"

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

torch::Tensor ScopeModelImpl::pooled_embedding(const nn::BackboneOutput& out) {
  return out.stages.back().mean({2, 3, 4});
}

}  // namespace scopemia::train
