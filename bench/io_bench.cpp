// Reading and writing a CT-sized volume (512x512x128 int16) per format.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "io/image_io.h"

namespace {
using namespace scopemia;
namespace fs = std::filesystem;

const fs::path kDir = fs::temp_directory_path() / "scopemia-bench-io";

Volume ct_volume() {
  Geometry g;
  g.spacing = {0.7, 0.7, 1.25};
  Volume v(Size3{512, 512, 128}, g);
  for (int64_t i = 0; i < v.voxel_count(); ++i) v[i] = float((i * 2654435761u) % 2000) - 1000.f;
  v.set_source_pixel_type(PixelType::Int16);
  return v;
}

void BM_Write(benchmark::State& state, const char* ext) {
  fs::create_directories(kDir);
  const Volume v = ct_volume();
  const std::string path = (kDir / (std::string("ct") + ext)).string();
  for (auto _ : state) io::write_volume(v, path);
  state.SetBytesProcessed(state.iterations() * v.voxel_count() * 2);
}

void BM_Read(benchmark::State& state, const char* ext) {
  fs::create_directories(kDir);
  const std::string path = (kDir / (std::string("ct") + ext)).string();
  io::write_volume(ct_volume(), path);
  int64_t voxels = 0;
  for (auto _ : state) voxels = io::read_volume(path).voxel_count();
  state.SetBytesProcessed(state.iterations() * voxels * 2);
}

BENCHMARK_CAPTURE(BM_Write, nii, ".nii")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Write, nii_gz, ".nii.gz")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Write, nrrd_gz, ".nrrd")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Read, nii, ".nii")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Read, nii_gz, ".nii.gz")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Read, nrrd_gz, ".nrrd")->Unit(benchmark::kMillisecond);

}  // namespace
