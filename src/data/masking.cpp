#include "data/masking.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <torch/torch.h>

#include "core/error.h"

namespace scopemia::data {

MaskStrategy parse_mask_strategy(const std::string& name) {
  if (name == "cubes") return MaskStrategy::kRandomCubes;
  if (name == "block") return MaskStrategy::kBlock;
  if (name == "slices") return MaskStrategy::kSlices;
  if (name == "tubes") return MaskStrategy::kTubes;
  throw InputError("unknown masking strategy '" + name + "' (cubes, block, slices, tubes)");
}

std::string to_string(MaskStrategy strategy) {
  switch (strategy) {
    case MaskStrategy::kRandomCubes: return "cubes";
    case MaskStrategy::kBlock: return "block";
    case MaskStrategy::kSlices: return "slices";
    case MaskStrategy::kTubes: return "tubes";
  }
  return "?";
}

namespace {

int64_t random_below(Random& rng, int64_t n) { return n <= 1 ? 0 : static_cast<int64_t>(rng.next() % uint64_t(n)); }

void shuffle(std::vector<int64_t>& v, Random& rng) {
  for (int64_t i = int64_t(v.size()) - 1; i > 0; --i) std::swap(v[i], v[random_below(rng, i + 1)]);
}

// Masks grid cells (cells of `cell` voxels per axis; depth cell 0 = whole
// depth) in random order until the masked fraction reaches the ratio.
void mask_cells(torch::Tensor& mask, int64_t cell_d, int64_t cell, double ratio, Random& rng) {
  const int64_t k = mask.size(0), H = mask.size(1), W = mask.size(2);
  const int64_t nd = (k + cell_d - 1) / cell_d, nh = (H + cell - 1) / cell, nw = (W + cell - 1) / cell;
  std::vector<int64_t> cells(nd * nh * nw);
  std::iota(cells.begin(), cells.end(), 0);
  shuffle(cells, rng);
  const int64_t target = std::llround(ratio * double(k * H * W));
  int64_t masked = 0;
  auto m = mask.accessor<bool, 3>();
  for (int64_t c : cells) {
    if (masked >= target) break;
    const int64_t d0 = (c / (nh * nw)) * cell_d, h0 = ((c / nw) % nh) * cell, w0 = (c % nw) * cell;
    const int64_t d1 = std::min(d0 + cell_d, k), h1 = std::min(h0 + cell, H), w1 = std::min(w0 + cell, W);
    const int64_t size = (d1 - d0) * (h1 - h0) * (w1 - w0);
    // Take the cell only if it brings the fraction closer to the target.
    if (masked + size - target > target - masked) continue;
    for (int64_t d = d0; d < d1; ++d)
      for (int64_t h = h0; h < h1; ++h)
        for (int64_t w = w0; w < w1; ++w) m[d][h][w] = true;
    masked += size;
  }
}

}  // namespace

torch::Tensor make_mask(int64_t k, int64_t H, int64_t W, const MaskOptions& o, Random& rng) {
  if (!(o.ratio > 0 && o.ratio < 1)) throw InputError("mask ratio must be in (0, 1)");
  if (o.unit < 1) throw InputError("mask unit must be at least 1 voxel");
  auto mask = torch::zeros({k, H, W}, torch::kBool);
  switch (o.strategy) {
    case MaskStrategy::kRandomCubes: mask_cells(mask, o.unit, o.unit, o.ratio, rng); break;
    case MaskStrategy::kTubes: mask_cells(mask, k, o.unit, o.ratio, rng); break;
    case MaskStrategy::kSlices: {
      std::vector<int64_t> slices(k);
      std::iota(slices.begin(), slices.end(), 0);
      shuffle(slices, rng);
      const int64_t n = std::clamp<int64_t>(std::llround(o.ratio * double(k)), 1, k);
      for (int64_t i = 0; i < n; ++i) mask[slices[i]].fill_(true);
      break;
    }
    case MaskStrategy::kBlock: {
      // Spans the depth; height from sqrt(ratio), width to make up the ratio.
      const int64_t h = std::clamp<int64_t>(std::llround(std::sqrt(o.ratio) * double(H)), 1, H);
      const int64_t w = std::clamp<int64_t>(std::llround(o.ratio * double(H * W) / double(h)), 1, W);
      const int64_t y = random_below(rng, H - h + 1), x = random_below(rng, W - w + 1);
      mask.narrow(1, y, h).narrow(2, x, w).fill_(true);
      break;
    }
  }
  return mask;
}

torch::Tensor masked_mse(const torch::Tensor& prediction, const torch::Tensor& target, const torch::Tensor& mask) {
  const auto m = mask.to(prediction.dtype()).expand_as(prediction);
  return ((prediction - target).pow(2) * m).sum() / m.sum().clamp_min(1.0);
}

}  // namespace scopemia::data
