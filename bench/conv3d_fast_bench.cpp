// Depthwise 3D convolution, forward + backward, one thread: libtorch 1.13's
// conv3d(groups = C) against scopemia's kernels (src/nn/conv3d_fast.h), on
// ConvNeXt-3D-S stage shapes for a 16x128x128 input. docs/performance.md.
//
//   ./build/bench/bench_conv3d_fast
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "core/runtime.h"
#include "nn/conv3d_fast.h"

namespace {

using namespace scopemia;

enum Impl { kTorch = 0, kPlanes = 1, kChannelsLast = 2 };

// args: implementation, channels, depth, height = width, kernel
void BM_DepthwiseConv3d(benchmark::State& state) {
  static const bool once = [] {
    tune_malloc();
    return true;
  }();
  (void)once;
  torch::set_num_threads(1);
  const auto impl = static_cast<Impl>(state.range(0));
  const int64_t C = state.range(1), D = state.range(2), H = state.range(3), k = state.range(4);
  torch::manual_seed(0);
  auto x = torch::randn({1, C, D, H, H});
  if (impl == kChannelsLast) x = x.permute({0, 2, 3, 4, 1}).contiguous();
  x.requires_grad_(true);
  auto w = torch::randn({C, 1, k, k, k}).requires_grad_(true);
  auto b = torch::randn({C}).requires_grad_(true);
  for (auto _ : state) {
    torch::Tensor y;
    switch (impl) {
      case kTorch: y = torch::conv3d(x, w, b, 1, k / 2, 1, C); break;
      case kPlanes: y = nn::depthwise_conv3d(x, w, b); break;
      case kChannelsLast: y = nn::depthwise_conv3d_channels_last(x, w, b); break;
    }
    y.sum().backward();
    benchmark::DoNotOptimize(x.grad().data_ptr());
    x.mutable_grad().reset();
    w.mutable_grad().reset();
    b.mutable_grad().reset();
  }
  state.SetLabel(impl == kTorch ? "torch::conv3d" : impl == kPlanes ? "depthwise_conv3d" : "channels_last");
}

void shapes(benchmark::internal::Benchmark* b) {
  for (int64_t impl : {kTorch, kPlanes, kChannelsLast}) {
    b->Args({impl, 96, 8, 32, 3});   // stage 0
    b->Args({impl, 384, 2, 8, 3});   // stage 2 (27 blocks)
    b->Args({impl, 96, 8, 32, 7});   // the paper's 7^3
  }
}
BENCHMARK(BM_DepthwiseConv3d)->Apply(shapes)->ArgNames({"impl", "C", "D", "HW", "k"})->Unit(benchmark::kMillisecond);

}  // namespace
