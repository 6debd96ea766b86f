// Voxel-based radiomics maps (radiomics/voxel_maps.h) on PyRadiomics's brain1
// (MR 256x256x25, 4,137 ROI voxels): all 93 first-order + texture features
// (Original image, binWidth 25) for every ROI voxel, in memory (files read
// once, outside the timing). PyRadiomics 3.1 takes 26 s for kernelRadius 1
// (the measurement). The refdata root is $SCOPEMIA_REFDATA, else
// /work/shared/refdata.
//   ./build/bench/bench_voxel_maps                 # kernelRadius 1 and 2, 1 and 2 threads
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "core/pixel_type.h"
#include "io/dicom_mask.h"
#include "radiomics/extractor.h"
#include "radiomics/params.h"
#include "radiomics/voxel_maps.h"

namespace {

using namespace scopemia;

std::string refdata_root() {
  const char* env = std::getenv("SCOPEMIA_REFDATA");
  return env && *env ? env : "/work/shared/refdata";
}

struct Brain1 {
  Image<double> image;
  LabelMap labels;
  Brain1() {
    const std::string dir = refdata_root() + "/pyradiomics/";
    image = radiomics::read_extraction_image(dir + "brain1_image.nrrd");
    labels = io::read_mask(dir + "brain1_label.nrrd", dir + "brain1_image.nrrd");
  }
};

const Brain1& brain1() {
  static const Brain1 data;
  return data;
}

// Args: kernelRadius, maskedKernel (0/1), threads.
void BM_Brain1AllMaps(benchmark::State& state) {
  const Brain1& b = brain1();
  radiomics::Params params = radiomics::default_params();
  radiomics::apply_setting_overrides(params,
                                     {{"kernelRadius", radiomics::PyValue::integer(state.range(0))},
                                      {"maskedKernel", radiomics::PyValue::boolean(state.range(1) != 0)}},
                                     "bench");
  int64_t maps = 0, kernels = 0;
  for (auto _ : state) {
    const radiomics::VoxelResult r = radiomics::extract_voxel_maps(params, b.image, b.image.source_pixel_type(),
                                                                   b.labels, std::nullopt, int(state.range(2)));
    maps = int64_t(r.maps.size());
    kernels = r.kernels;
    benchmark::DoNotOptimize(r.maps.data());
  }
  state.counters["maps"] = double(maps);
  state.counters["kernels"] = double(kernels);
}
BENCHMARK(BM_Brain1AllMaps)
    ->ArgNames({"radius", "masked", "threads"})
    ->Args({1, 1, 1})
    ->Args({1, 0, 1})
    ->Args({2, 1, 1})
    ->Args({1, 1, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(1.0);

}  // namespace
