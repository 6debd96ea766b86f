#pragma once
// k-slice subvolumes of a cohort (paper 3.2, Algorithm 1): every case is cut
// into windows of k slices with stride s (the last aligned to the end); a
// case thinner than k (LIDC nodules have 2-62 slices) gives one window padded
// in depth. The sampler orders the windows of an epoch (shuffled from a
// seed) and hands each rank its share.
#include <cstdint>
#include <vector>

#include <torch/types.h>

#include "core/windows.h"

namespace scopemia::data {

struct SubvolumeRef {
  int64_t case_index = 0;
  int64_t start = 0;  // first slice in the case
  int64_t valid = 0;  // slices taken from the case (< k when padded)
  bool operator==(const SubvolumeRef& o) const {
    return case_index == o.case_index && start == o.start && valid == o.valid;
  }
};

enum class DepthPadding { kReplicate, kZero };

struct SamplerOptions {
  DepthWindows windows{16, 8};
  bool shuffle = true;
  uint64_t seed = 0;
  int rank = 0;
  int world_size = 1;
};

class SubvolumeSampler {
 public:
  // depths[i] = number of slices of case i.
  SubvolumeSampler(std::vector<int64_t> depths, SamplerOptions options);

  // Every window of every case once (in case, then depth order).
  const std::vector<SubvolumeRef>& windows() const { return windows_; }
  // This rank's windows for `epoch`: the epoch's permutation (seed, epoch),
  // padded by repeating its start so every rank gets the same count, then
  // every world_size-th window from `rank`.
  std::vector<SubvolumeRef> epoch(int64_t epoch) const;
  int64_t per_rank() const;

 private:
  SamplerOptions options_;
  std::vector<SubvolumeRef> windows_;
};

// The window [k, H, W] of a case volume [D, H, W], padded in depth.
torch::Tensor extract_subvolume(const torch::Tensor& volume, const SubvolumeRef& ref, int64_t k,
                                DepthPadding padding = DepthPadding::kReplicate);

}  // namespace scopemia::data
