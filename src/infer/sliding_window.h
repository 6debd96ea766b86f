#pragma once
// Sliding-window inference over whole volumes (paper 3.2, S1.7; MONAI's
// sliding_window_inference, made streaming along depth).
//
// Windows of k slices with stride s <= k cover the depth; the last window is
// aligned to the end so every slice is covered; a volume thinner than k is
// padded (edge-replicated) to k and cropped back. Large slices may also be
// cut into in-plane tiles. Overlapping outputs are fused by a weighted mean
// (uniform or Gaussian weights). Windows are processed in depth order and
// each slice is handed to the sink as soon as no later window touches it, so
// peak memory depends on k, the tile size and the window batch, not on D.
#include <cstdint>
#include <functional>
#include <vector>

#include <torch/types.h>

#include "core/windows.h"

namespace scopemia::infer {

enum class Fusion { kMean, kGaussian };

struct SlidingWindowOptions {
  DepthWindows windows{16, 8};  // depth: k slices, stride
  int64_t tile_h = 0;   // in-plane tile size; 0 = the whole plane
  int64_t tile_w = 0;
  double tile_overlap = 0.25;  // fraction of a tile shared with its neighbour
  Fusion fusion = Fusion::kMean;
  double gaussian_sigma_scale = 0.125;  // sigma = scale * window size (MONAI's default)
  int64_t batch = 1;    // windows per model call (--sw-batch)
  torch::Device device = torch::kCPU;   // where the model runs; fusion stays on the CPU
};

// The model: [B, C, k, th, tw] on options.device -> [B, C', k, th, tw]
// (any device; same spatial size as its input).
using WindowModel = std::function<torch::Tensor(const torch::Tensor&)>;

// Fusion weights of one axis of a window of `size` (positive, max 1).
torch::Tensor axis_weights(int64_t size, Fusion fusion, double sigma_scale);

// Reads slices [z0, z1) of the input as a CPU float tensor [C, z1-z0, H, W].
struct SlabSource {
  virtual ~SlabSource() = default;
  virtual int64_t channels() const = 0;
  virtual int64_t depth() const = 0;
  virtual int64_t height() const = 0;
  virtual int64_t width() const = 0;
  virtual torch::Tensor read(int64_t z0, int64_t z1) = 0;
};

// An in-memory [C, D, H, W] CPU tensor as a source.
struct TensorSource : SlabSource {
  torch::Tensor t;
  explicit TensorSource(torch::Tensor tensor) : t(std::move(tensor)) {}
  int64_t channels() const override { return t.size(0); }
  int64_t depth() const override { return t.size(1); }
  int64_t height() const override { return t.size(2); }
  int64_t width() const override { return t.size(3); }
  torch::Tensor read(int64_t z0, int64_t z1) override { return t.narrow(1, z0, z1 - z0); }
};

// Receives finished output slices in order: [C', n, H, W] starting at z0.
struct SlabSink {
  virtual ~SlabSink() = default;
  virtual void write(int64_t z0, const torch::Tensor& slices) = 0;
};

// Streams the whole volume through the model. Returns the number of windows run.
int64_t sliding_window(SlabSource& source, SlabSink& sink, const WindowModel& model,
                       const SlidingWindowOptions& options);

// In memory: input [C, D, H, W] -> output [C', D, H, W] (CPU float).
torch::Tensor sliding_window(const torch::Tensor& input, const WindowModel& model,
                             const SlidingWindowOptions& options);

}  // namespace scopemia::infer
