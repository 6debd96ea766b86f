#include "infer/sliding_window.h"

#include <algorithm>
#include <cmath>
#include <deque>

#include <torch/torch.h>

#include "core/error.h"

namespace scopemia::infer {

torch::Tensor axis_weights(int64_t size, Fusion fusion, double sigma_scale) {
  if (fusion == Fusion::kMean) return torch::ones({size}, torch::kFloat32);
  const double sigma = std::max(sigma_scale * double(size), 1e-3);
  const auto z = torch::arange(size, torch::kFloat64) - (double(size) - 1.0) / 2.0;
  auto w = torch::exp(-0.5 * z * z / (sigma * sigma));
  // Strictly positive, as MONAI does, so no output voxel is left without weight.
  w = torch::clamp_min(w / w.max(), 1e-3);
  return w.to(torch::kFloat32);
}

namespace {

struct Window {
  int64_t z, y, x;
};

void check_options(const SlidingWindowOptions& o) {
  if (o.batch < 1) throw InputError("--sw-batch must be at least 1");
  if (o.tile_overlap < 0 || o.tile_overlap >= 1) throw InputError("tile overlap must be in [0, 1)");
}

}  // namespace

int64_t sliding_window(SlabSource& source, SlabSink& sink, const WindowModel& model,
                       const SlidingWindowOptions& o) {
  check_options(o);
  torch::NoGradGuard no_grad;
  const int64_t D = source.depth(), H = source.height(), W = source.width();
  const int64_t k = o.windows.k();
  const int64_t th = o.tile_h > 0 ? std::min(o.tile_h, H) : H;
  const int64_t tw = o.tile_w > 0 ? std::min(o.tile_w, W) : W;
  auto in_plane_stride = [&](int64_t tile) {
    return std::max<int64_t>(1, static_cast<int64_t>(std::floor(tile * (1.0 - o.tile_overlap))));
  };
  const auto z_starts = o.windows.starts(D);
  const auto y_starts = window_starts(H, th, in_plane_stride(th));
  const auto x_starts = window_starts(W, tw, in_plane_stride(tw));

  // Window weight [1, k, th, tw] = w_z * w_y * w_x.
  const torch::Tensor weight =
      (axis_weights(k, o.fusion, o.gaussian_sigma_scale).view({k, 1, 1}) *
       axis_weights(th, o.fusion, o.gaussian_sigma_scale).view({1, th, 1}) *
       axis_weights(tw, o.fusion, o.gaussian_sigma_scale).view({1, 1, tw}))
          .unsqueeze(0);

  // Rolling accumulators over slices [base, base + acc.size(1)).
  torch::Tensor acc, wsum;
  int64_t base = 0;
  int64_t out_channels = -1;
  auto flush_until = [&](int64_t z_end) {  // slices < z_end are final
    const int64_t n = std::min(z_end, D) - base;
    if (n <= 0 || !acc.defined()) return;
    sink.write(base, (acc.narrow(1, 0, n) / wsum.narrow(1, 0, n)).contiguous());
    acc = acc.narrow(1, n, acc.size(1) - n).clone();
    wsum = wsum.narrow(1, n, wsum.size(1) - n).clone();
    base += n;
  };
  auto ensure_covers = [&](int64_t z_end) {  // accumulators reach slice z_end
    const int64_t need = std::min(z_end, D) - base - (acc.defined() ? acc.size(1) : 0);
    if (need <= 0) return;
    auto more_acc = torch::zeros({out_channels, need, H, W});
    auto more_w = torch::zeros({1, need, H, W});
    acc = acc.defined() ? torch::cat({acc, more_acc}, 1) : more_acc;
    wsum = wsum.defined() ? torch::cat({wsum, more_w}, 1) : more_w;
  };

  std::vector<Window> windows;
  for (int64_t z : z_starts)
    for (int64_t y : y_starts)
      for (int64_t x : x_starts) windows.push_back({z, y, x});

  int64_t slab_z = -1;
  torch::Tensor slab;  // the input slices of the current depth window, padded to k
  for (size_t first = 0; first < windows.size(); first += o.batch) {
    const size_t last = std::min(windows.size(), first + size_t(o.batch));
    std::vector<torch::Tensor> inputs;
    for (size_t i = first; i < last; ++i) {
      const Window& w = windows[i];
      if (w.z != slab_z) {
        const int64_t z1 = std::min(w.z + k, D);
        slab = source.read(w.z, z1);
        if (slab.size(1) < k) {  // D < k: replicate the last slice
          slab = torch::cat({slab, slab.narrow(1, slab.size(1) - 1, 1).expand({-1, k - slab.size(1), -1, -1})}, 1);
        }
        slab_z = w.z;
      }
      inputs.push_back(slab.narrow(2, w.y, th).narrow(3, w.x, tw));
    }
    const torch::Tensor output = model(torch::stack(inputs).to(o.device)).to(torch::kCPU, torch::kFloat32);
    TORCH_CHECK(output.dim() == 5 && output.size(0) == int64_t(inputs.size()) && output.size(2) == k &&
                    output.size(3) == th && output.size(4) == tw,
                "sliding window: the model must keep the window's spatial size, got ", output.sizes());
    if (out_channels < 0) out_channels = output.size(1);
    for (size_t i = first; i < last; ++i) {
      const Window& w = windows[i];
      const int64_t valid = std::min(k, D - w.z);  // drop the depth padding
      ensure_covers(w.z + valid);
      const auto out = output[int64_t(i - first)].narrow(1, 0, valid) * weight.narrow(1, 0, valid);
      acc.narrow(1, w.z - base, valid).narrow(2, w.y, th).narrow(3, w.x, tw).add_(out);
      wsum.narrow(1, w.z - base, valid).narrow(2, w.y, th).narrow(3, w.x, tw).add_(weight.narrow(1, 0, valid));
    }
    // Slices before the next window's start are final.
    flush_until(last < windows.size() ? windows[last].z : D);
  }
  flush_until(D);
  return int64_t(windows.size());
}

namespace {
struct TensorSink : SlabSink {
  std::vector<torch::Tensor> parts;
  void write(int64_t, const torch::Tensor& slices) override { parts.push_back(slices); }
};
}  // namespace

torch::Tensor sliding_window(const torch::Tensor& input, const WindowModel& model, const SlidingWindowOptions& options) {
  TORCH_CHECK(input.dim() == 4, "sliding_window: input must be [C, D, H, W], got ", input.sizes());
  TensorSource source(input.to(torch::kCPU, torch::kFloat32));
  TensorSink sink;
  sliding_window(source, sink, model, options);
  return torch::cat(sink.parts, 1);
}

}  // namespace scopemia::infer
