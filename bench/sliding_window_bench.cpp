// Peak memory and speed of streamed sliding-window inference against depth.
// Peak RSS is per process: run one depth per process, e.g.
//   ./build/bench/bench_sliding_window --benchmark_filter='/64/'
//   ./build/bench/bench_sliding_window --benchmark_filter='/512/'
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <filesystem>

#include <torch/torch.h>

#include "infer/volume_slabs.h"

namespace {
using namespace scopemia;
namespace fs = std::filesystem;

// A small dense 3D CNN with random weights: the memory of its activations on
// one window is what sliding windows keep bounded.
struct Net : torch::nn::Module {
  torch::nn::Conv3d a{torch::nn::Conv3dOptions(1, 16, 3).padding(1)};
  torch::nn::Conv3d b{torch::nn::Conv3dOptions(16, 16, 3).padding(1)};
  torch::nn::Conv3d c{torch::nn::Conv3dOptions(16, 1, 1)};
  Net() {
    register_module("a", a);
    register_module("b", b);
    register_module("c", c);
  }
  torch::Tensor forward(const torch::Tensor& x) { return c(torch::gelu(b(torch::gelu(a(x))))); }
};

std::string make_input(int64_t depth) {
  const fs::path dir = fs::temp_directory_path() / "scopemia-bench-sw";
  fs::create_directories(dir);
  const std::string path = (dir / ("ct" + std::to_string(depth) + ".nii.gz")).string();
  if (fs::exists(path)) return path;
  Geometry g;
  g.spacing = {0.8, 0.8, 1.0};
  auto writer = io::create_slab_writer(path, Size3{256, 256, depth}, g, PixelType::Int16);
  for (int64_t z = 0; z < depth; z += 16) {
    const int64_t n = std::min<int64_t>(16, depth - z);
    Volume slab(Size3{256, 256, n}, g.shifted_to(Index3{0, 0, z}));
    for (int64_t i = 0; i < slab.voxel_count(); ++i) slab[i] = float((i * 2654435761u + z) % 2000) - 1000.f;
    writer->write(z, slab);
  }
  writer->commit();
  return path;
}

void BM_StreamedSlidingWindow(benchmark::State& state) {
  torch::manual_seed(0);
  torch::set_num_threads(2);
  const int64_t depth = state.range(0);
  const std::string input = make_input(depth);
  Net net;
  net.eval();
  infer::SlidingWindowOptions o;
  o.windows = DepthWindows(16, 8);
  o.fusion = infer::Fusion::kGaussian;
  const std::string output = (fs::temp_directory_path() / "scopemia-bench-sw" / "out.nii.gz").string();
  for (auto _ : state) {
    auto reader = io::open_slab_reader(input);
    auto writer = io::create_slab_writer(output, reader->info().size, reader->info().geometry, PixelType::Float32);
    infer::VolumeSlabSource source(*reader);
    infer::VolumeSlabSink sink(*writer, reader->info().geometry);
    infer::sliding_window(source, sink, [&](const torch::Tensor& x) { return net.forward(x); }, o);
    writer->commit();
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["peak_rss_MiB"] = double(usage.ru_maxrss) / 1024.0;
  state.counters["slices_per_s"] = benchmark::Counter(double(depth) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StreamedSlidingWindow)->Arg(64)->Arg(512)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace
