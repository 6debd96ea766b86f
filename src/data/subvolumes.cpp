#include "data/subvolumes.h"

#include <algorithm>
#include <numeric>

#include <torch/torch.h>

#include "core/error.h"
#include "core/random.h"
#include "core/windows.h"

namespace scopemia::data {

SubvolumeSampler::SubvolumeSampler(std::vector<int64_t> depths, SamplerOptions options) : options_(options) {
  if (options.world_size < 1 || options.rank < 0 || options.rank >= options.world_size)
    throw InputError("rank must be in [0, world size)");
  for (int64_t c = 0; c < int64_t(depths.size()); ++c) {
    if (depths[c] < 1) continue;
    for (int64_t start : options.windows.starts(depths[c]))
      windows_.push_back({c, start, std::min(options.windows.k(), depths[c] - start)});
  }
}

int64_t SubvolumeSampler::per_rank() const {
  const int64_t n = int64_t(windows_.size()), w = options_.world_size;
  return (n + w - 1) / w;
}

std::vector<SubvolumeRef> SubvolumeSampler::epoch(int64_t epoch) const {
  std::vector<int64_t> order(windows_.size());
  std::iota(order.begin(), order.end(), 0);
  if (options_.shuffle) {
    Random rng(options_.seed, static_cast<uint64_t>(epoch));
    for (int64_t i = int64_t(order.size()) - 1; i > 0; --i)
      std::swap(order[i], order[static_cast<int64_t>(rng.next() % uint64_t(i + 1))]);
  }
  const int64_t total = per_rank() * options_.world_size;
  std::vector<SubvolumeRef> mine;
  for (int64_t i = options_.rank; i < total; i += options_.world_size)
    mine.push_back(windows_[order[i % int64_t(order.size())]]);
  return mine;
}

torch::Tensor extract_subvolume(const torch::Tensor& volume, const SubvolumeRef& ref, int64_t k, DepthPadding padding) {
  TORCH_CHECK(volume.dim() == 3, "extract_subvolume: expected [D,H,W]");
  torch::Tensor window = volume.narrow(0, ref.start, ref.valid);
  if (ref.valid == k) return window;
  const auto fill = padding == DepthPadding::kZero
                        ? torch::zeros({k - ref.valid, volume.size(1), volume.size(2)}, volume.options())
                        : window.narrow(0, ref.valid - 1, 1).expand({k - ref.valid, -1, -1});
  return torch::cat({window, fill}, 0);
}

}  // namespace scopemia::data
