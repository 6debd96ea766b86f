#pragma once
// Windows along depth (paper Algorithm 1, S1.7): k slices every `stride`
// slices, the last one aligned to the end so every slice is covered; a
// volume thinner than k gives one window (the caller pads it to k).
//
// DepthWindows is the one place k and stride are checked: it exists only
// with 1 <= stride <= k. Training's subvolume sampler and batch loader
// (data), sliding-window inference and embedding (infer) take one, built from
// the configuration (train::TrainConfig::windows) or, for a checkpoint, from
// its saved configuration with the command line's --k/--stride over it
// (overridden): docs/architecture.md traces k from the YAML file down.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace scopemia {

// The starts of windows of `size` with `stride` over `length`: 0, s, 2s, ...
// and one aligned to the end; {0} when length <= size.
inline std::vector<int64_t> window_starts(int64_t length, int64_t size, int64_t stride) {
  if (size < 1 || stride < 1) throw std::invalid_argument("window size and stride must be positive");
  if (length <= size) return {0};
  std::vector<int64_t> starts;
  for (int64_t start = 0; start + size < length; start += stride) starts.push_back(start);
  starts.push_back(length - size);  // aligned to the end
  return starts;
}

class DepthWindows {
 public:
  // Throws InputError(source, "<k_name>: must be at least 1") or
  // "<stride_name>: must be in [1, <k_name>] (got ...)"; `source` names where
  // the values came from (a configuration file; empty for the command line).
  DepthWindows(int64_t k, int64_t stride, const std::string& source = "", const std::string& k_name = "k",
               const std::string& stride_name = "stride");

  int64_t k() const { return k_; }
  int64_t stride() const { return stride_; }

  // The windows' first slices over `depth` slices.
  std::vector<int64_t> starts(int64_t depth) const { return window_starts(depth, k_, stride_); }
  // This window (a checkpoint's) with a command's --k / --stride over it; a
  // stride not given is this one's, capped at the new k.
  DepthWindows overridden(std::optional<int64_t> k, std::optional<int64_t> stride) const;

  bool operator==(const DepthWindows& o) const { return k_ == o.k_ && stride_ == o.stride_; }

 private:
  int64_t k_;
  int64_t stride_;
};

}  // namespace scopemia
