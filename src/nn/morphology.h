#pragma once
// In-plane binary morphology on [N,1,D,H,W] 0/1 float maps (max filters
// slice by slice): the lesion's boundary band for embedding pooling
// (nn/roi_pooling) and for the descriptor targets (train/descriptors).
// In-plane only: slices are much thicker than pixels.
#include <limits>

#include <torch/torch.h>

namespace scopemia::nn {

// A (2r+1)x(2r+1) in-plane max filter as shifted maxima, rows then columns
// (max is separable and exact, so this equals max_pool3d with a 1x(2r+1)x(2r+1)
// window and -inf padding bit for bit): libtorch 1.13's max_pool3d also
// computes argmax indices and took 2.3 ms per 16x64x64 window, ~10 % of
// `embed` (docs/performance.md); this takes ~0.2 ms.
inline torch::Tensor dilate_in_plane(const torch::Tensor& m, int64_t r) {
  if (r <= 0) return m;
  const int64_t H = m.size(3), W = m.size(4);
  const auto padded = torch::constant_pad_nd(m, {r, r, r, r}, -std::numeric_limits<double>::infinity());
  auto rows = padded.narrow(3, 0, H);
  for (int64_t i = 1; i <= 2 * r; ++i) rows = torch::maximum(rows, padded.narrow(3, i, H));
  auto out = rows.narrow(4, 0, W);
  for (int64_t i = 1; i <= 2 * r; ++i) out = torch::maximum(out, rows.narrow(4, i, W));
  return out.contiguous();
}

inline torch::Tensor erode_in_plane(const torch::Tensor& m, int64_t r) { return 1 - dilate_in_plane(1 - m, r); }

}  // namespace scopemia::nn
