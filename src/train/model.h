#pragma once
// The trainable SCOPE-MIA model: a registered backbone (nn::create) and the
// head its task needs:
//   classification / regression: LinearHead on the last stage -> [N,outputs]
//   segmentation:  UNetDecoder -> ROI logits [N,1,k,H,W]
//   pretrain:      UNetDecoder -> reconstruction [N,1,k,H,W], and with the
//                  MCI head on a second UNetDecoder -> MCI map [N,1,k,H,W].
// forward returns the backbone's output too, so the PDE losses can read the
// blocks' states.
#include <torch/torch.h>

#include <memory>

#include "nn/backbone.h"
#include "nn/decoder.h"
#include "nn/heads.h"
#include "nn/roi_pooling.h"
#include "train/config.h"

namespace scopemia::train {

struct ModelOutput {
  torch::Tensor prediction;  // logits [N,C] / values [N] (regression, 1 output) / dense [N,1,k,H,W]
  torch::Tensor mci;         // [N,1,k,H,W] when the MCI head is on
  nn::BackboneOutput backbone;
};

class ScopeModelImpl : public torch::nn::Module {
 public:
  // `outputs`: classes (classification), values (regression); dense tasks
  // use 1 channel. The config's model section and task pick the parts.
  ScopeModelImpl(const TrainConfig& config, int64_t outputs);

  ModelOutput forward(const torch::Tensor& x);
  // Pretraining with descriptors.enabled: the descriptor head's prediction
  // [N, descriptors] (standardised units) from the ROI-pooled embedding of
  // this forward pass; `roi` [N,1,D,H,W], `valid` [N,1,D,1,1].
  torch::Tensor predict_descriptors(const nn::BackboneOutput& out, const torch::Tensor& roi, const torch::Tensor& valid);
  bool has_descriptor_head() const { return !descriptor_head_.is_empty(); }
  // The head on pooled statistics already computed ([N, pooled features], in
  // the order of the configuration's embedding section): what `embed` appends.
  torch::Tensor descriptors_from_pooled(const torch::Tensor& pooled);
  // Running mean and variance of the descriptor targets (buffers, so a
  // checkpoint carries them): the head predicts standardised descriptors.
  torch::Tensor standardise_descriptors(const torch::Tensor& values, const torch::Tensor& weight, bool update);

  // Global mean of the last stage [N,C]: the pooled embedding the
  // scale-consistency loss compares across scales.
  static torch::Tensor pooled_embedding(const nn::BackboneOutput& out);

  nn::BackboneImpl& backbone() { return *backbone_; }
  Task task() const { return task_; }
  int64_t outputs() const { return outputs_; }

 private:
  Task task_;
  int64_t outputs_;
  std::shared_ptr<nn::BackboneImpl> backbone_;
  nn::LinearHead linear_{nullptr};
  nn::UNetDecoder decoder_{nullptr};
  nn::UNetDecoder mci_decoder_{nullptr};
  std::shared_ptr<nn::RoiPooling> pooling_;
  torch::nn::Linear descriptor_head_{nullptr};
  torch::Tensor descriptor_mean_, descriptor_var_, descriptor_count_;
};
TORCH_MODULE(ScopeModel);

// Head outputs the task needs: config.model.outputs if set, else
// `num_classes` (classification, at least 2) or 1.
int64_t resolve_outputs(const TrainConfig& config, int64_t num_classes);

}  // namespace scopemia::train
