#pragma once
// Windows of `size` with `stride` over `length` (paper Algorithm 1, S1.7):
// starts 0, s, 2s, ... and a last one aligned to the end so every position is
// covered; {0} when length <= size (the caller pads to `size`). Shared by the
// training sampler (data) and sliding-window inference (infer).
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace scopemia {

inline std::vector<int64_t> window_starts(int64_t length, int64_t size, int64_t stride) {
  if (size < 1 || stride < 1) throw std::invalid_argument("window size and stride must be positive");
  if (length <= size) return {0};
  std::vector<int64_t> starts;
  for (int64_t start = 0; start + size < length; start += stride) starts.push_back(start);
  starts.push_back(length - size);  // aligned to the end
  return starts;
}

}  // namespace scopemia
