#pragma once
// Heads on a backbone's last feature map [N,C,D,H,W]: pooled embedding,
// classification, regression; and ROI-masked pooling for lesion embeddings.
#include <torch/torch.h>

namespace scopemia::nn {

// Mean of the features over the voxels where `mask` is non-zero, the mask
// first average-pooled onto the feature grid (so partial cells weigh by their
// ROI fraction). mask [N,1,D',H',W'] or [N,D',H',W']; output [N,C]. A sample
// with an empty mask gets the global mean.
torch::Tensor masked_average_pool(const torch::Tensor& features, const torch::Tensor& mask);

// Global average pool + LayerNorm: [N,C,D,H,W] -> [N,C].
class EmbeddingHeadImpl : public torch::nn::Module {
 public:
  explicit EmbeddingHeadImpl(int64_t channels);
  torch::Tensor forward(const torch::Tensor& features, const torch::Tensor& mask = {});

 private:
  torch::nn::LayerNorm norm_{nullptr};
};
TORCH_MODULE(EmbeddingHead);

// Embedding + Linear: logits [N,classes] (classification) or values
// [N,outputs] (regression).
class LinearHeadImpl : public torch::nn::Module {
 public:
  LinearHeadImpl(int64_t channels, int64_t outputs, double dropout = 0.0);
  torch::Tensor forward(const torch::Tensor& features, const torch::Tensor& mask = {});

 private:
  EmbeddingHead embed_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
  torch::nn::Linear linear_{nullptr};
};
TORCH_MODULE(LinearHead);

using ClassificationHead = LinearHead;
using RegressionHead = LinearHead;

}  // namespace scopemia::nn
