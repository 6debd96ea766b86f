#include "nn/heads.h"

#include "core/error.h"

namespace scopemia::nn {

namespace F = torch::nn::functional;

torch::Tensor masked_average_pool(const torch::Tensor& features, const torch::Tensor& mask) {
  if (features.dim() != 5) throw InputError("pooling needs features [N,C,D,H,W]");
  const int64_t N = features.size(0);
  const auto global = features.mean({2, 3, 4});
  if (!mask.defined()) return global;
  auto m = mask;
  if (m.dim() == 4) m = m.unsqueeze(1);
  if (m.dim() != 5 || m.size(0) != N) throw InputError("pooling mask must be [N,1,D,H,W] or [N,D,H,W]");
  m = (m != 0).to(features.scalar_type());
  const std::vector<int64_t> grid{features.size(2), features.size(3), features.size(4)};
  const auto w = F::adaptive_avg_pool3d(m, F::AdaptiveAvgPool3dFuncOptions(grid));  // [N,1,...]
  const auto mass = w.sum({2, 3, 4});                                                // [N,1]
  const auto pooled = (features * w).sum({2, 3, 4}) / mass.clamp_min(1e-12);
  return torch::where(mass > 0, pooled, global);
}

EmbeddingHeadImpl::EmbeddingHeadImpl(int64_t channels)
    : norm_(register_module("norm",
                            torch::nn::LayerNorm(torch::nn::LayerNormOptions({channels}).eps(1e-6)))) {}

torch::Tensor EmbeddingHeadImpl::forward(const torch::Tensor& features, const torch::Tensor& mask) {
  return norm_(masked_average_pool(features, mask));
}

LinearHeadImpl::LinearHeadImpl(int64_t channels, int64_t outputs, double dropout)
    : embed_(register_module("embed", EmbeddingHead(channels))),
      dropout_(register_module("dropout", torch::nn::Dropout(dropout))),
      linear_(register_module("linear", torch::nn::Linear(channels, outputs))) {}

torch::Tensor LinearHeadImpl::forward(const torch::Tensor& features, const torch::Tensor& mask) {
  return linear_(dropout_(embed_(features, mask)));
}

}  // namespace scopemia::nn
