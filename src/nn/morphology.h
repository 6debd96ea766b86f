#pragma once
// In-plane binary morphology on [N,1,D,H,W] 0/1 float maps (max filters
// slice by slice): the lesion's boundary band for embedding pooling
// (nn/roi_pooling) and for the descriptor targets (train/descriptors).
// In-plane only: slices are much thicker than pixels.
#include <torch/torch.h>

namespace scopemia::nn {

inline torch::Tensor dilate_in_plane(const torch::Tensor& m, int64_t r) {
  namespace F = torch::nn::functional;
  return F::max_pool3d(m, F::MaxPool3dFuncOptions({1, 2 * r + 1, 2 * r + 1}).stride(1).padding({0, r, r}));
}

inline torch::Tensor erode_in_plane(const torch::Tensor& m, int64_t r) { return 1 - dilate_in_plane(1 - m, r); }

}  // namespace scopemia::nn
