// Radiomics on the LIDC cohort (601 lung nodules, refdata lidc/cases.csv),
// one thread unless said otherwise. Results and commands: docs/performance.md.
//
//   BM_Case/<types>/memory : one case per iteration, images already in memory
//                            (Extractor::execute), 601 iterations = the cohort
//   BM_Case/<types>/files  : the same, reading the NIfTI files each time
//                            (Extractor::execute_files)
//   BM_CaseFloor/original/memory/passes:P : P passes over the cohort; per case
//                            the fastest of its P times, summed (floor_ms) —
//                            steadier than BM_Case on a VM whose speed drifts
//   BM_Batch/<types>/j:N   : the whole cohort through the CLI code path
//                            (`scopemia radiomics --batch ... -j N -o out.csv`),
//                            one iteration = 601 cases; wall and process CPU time
//
// <types> is "original" (107 features, default settings) or "wavelet"
// (Original + Wavelet, 851 features). The refdata root is
// $SCOPEMIA_REFDATA, else /work/shared/refdata. $SCOPEMIA_BENCH_CASES=N keeps
// the first N cases (and BM_Case runs N iterations: one pass), for profiling
// runs under callgrind.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "cli/app.h"
#include "core/runtime.h"
#include "imaging/itk_filters.h"
#include "io/case_manifest.h"
#include "io/image_io.h"
#include "radiomics/extractor.h"

namespace {
using namespace scopemia;
namespace fs = std::filesystem;

std::string refdata_root() {
  const char* env = std::getenv("SCOPEMIA_REFDATA");
  return env && *env ? env : "/work/shared/refdata";
}
std::string cases_csv() { return refdata_root() + "/lidc/cases.csv"; }

struct LoadedCase {
  std::string image_path, mask_path;
  Image<double> image;
  PixelType pixel_type{};
  LabelMap mask;
};

const std::vector<LoadedCase>& cohort() {
  static const std::vector<LoadedCase> cases = [] {
    std::vector<LoadedCase> out;
    const char* limit_env = std::getenv("SCOPEMIA_BENCH_CASES");
    const size_t limit = limit_env && *limit_env ? size_t(std::stoul(limit_env)) : SIZE_MAX;
    for (const io::Case& c : io::read_case_manifest(cases_csv()).cases) {
      if (out.size() >= limit) break;
      LoadedCase l;
      l.image_path = c.image;
      l.mask_path = c.mask;
      const Volume v = io::read_volume(c.image);
      l.image = Image<double>(v.size(), v.geometry());
      for (int64_t i = 0; i < v.voxel_count(); ++i) l.image[i] = v[i];
      l.pixel_type = v.source_pixel_type();
      l.mask = io::read_label_map(c.mask);
      out.push_back(std::move(l));
    }
    return out;
  }();
  return cases;
}

radiomics::Params params_for(bool wavelet) {
  if (!wavelet) return radiomics::default_params();
  return radiomics::parse_params_yaml("imageType:\n  Original: {}\n  Wavelet: {}\n", "bench");
}

int64_t case_iterations() {
  const char* env = std::getenv("SCOPEMIA_BENCH_CASES");
  return env && *env ? std::stoll(env) : 601;
}

const fs::path kDir = fs::temp_directory_path() / "scopemia-bench-radiomics";

void BM_Case(benchmark::State& state, bool wavelet, bool files) {
  scopemia::tune_malloc();
  imaging::set_itk_threads(1);
  const auto& cases = cohort();
  const radiomics::Extractor extractor(params_for(wavelet));
  size_t i = 0, features = 0;
  for (auto _ : state) {
    const LoadedCase& c = cases[i++ % cases.size()];
    const radiomics::CaseResult r =
        files ? extractor.execute_files(c.image_path, c.mask_path)
              : extractor.execute(c.image, c.pixel_type, c.mask);
    features = r.features.size();
    benchmark::DoNotOptimize(r.features.data());
  }
  state.counters["features"] = double(features);
  state.SetItemsProcessed(state.iterations());
}

// This VM's speed drifts by 10-40 % between runs minutes apart, more than
// most single changes: the floor of each case's time is steadier. One
// iteration runs `passes` passes over the cohort in order (each case once
// per pass, as BM_Case does, so no case is timed right after itself) and
// reports the sum of each case's fastest time as floor_ms (per case) and
// the fastest whole pass as best_pass_ms (per case).
void BM_CaseFloor(benchmark::State& state, bool wavelet) {
  scopemia::tune_malloc();
  imaging::set_itk_threads(1);
  const auto& cases = cohort();
  const radiomics::Extractor extractor(params_for(wavelet));
  const int passes = int(state.range(0));
  std::vector<double> floor(cases.size());
  double best_pass = 0;
  for (auto _ : state) {
    std::fill(floor.begin(), floor.end(), 1e300);
    best_pass = 1e300;
    for (int p = 0; p < passes; ++p) {
      double pass = 0;
      for (size_t i = 0; i < cases.size(); ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        const radiomics::CaseResult r = extractor.execute(cases[i].image, cases[i].pixel_type, cases[i].mask);
        benchmark::DoNotOptimize(r.features.data());
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        floor[i] = std::min(floor[i], ms);
        pass += ms;
      }
      best_pass = std::min(best_pass, pass);
    }
  }
  double total = 0;
  for (double f : floor) total += f;
  state.counters["floor_ms"] = total / double(cases.size());
  state.counters["best_pass_ms"] = best_pass / double(cases.size());
}

void BM_Batch(benchmark::State& state, bool wavelet) {
  scopemia::tune_malloc();
  const int jobs = int(state.range(0));
  fs::create_directories(kDir);
  const std::string params = (kDir / (wavelet ? "wavelet.yaml" : "original.yaml")).string();
  std::ofstream(params) << (wavelet ? "imageType:\n  Original: {}\n  Wavelet: {}\n" : "imageType:\n  Original: {}\n");
  const std::string out = (kDir / "out.csv").string();
  // Counted before the timed loop (cohort() would read every image, once,
  // inside the first timed run).
  const size_t cases = io::read_case_manifest(cases_csv()).cases.size();
  for (auto _ : state) {
    std::ostringstream o, e;
    const int code = cli::run({"--threads", "1", "radiomics", "--batch", cases_csv(), "--params", params, "-j",
                               std::to_string(jobs), "-o", out},
                              o, e);
    if (code != 0) throw std::runtime_error("radiomics batch failed: " + e.str());
  }
  state.SetItemsProcessed(int64_t(state.iterations() * cases));
}

// One pass over the 601 cases per run.
BENCHMARK_CAPTURE(BM_Case, original/memory, false, false)->Iterations(case_iterations())->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Case, original/files, false, true)->Iterations(case_iterations())->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Case, wavelet/memory, true, false)->Iterations(case_iterations())->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Case, wavelet/files, true, true)->Iterations(case_iterations())->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CaseFloor, original/memory, false)->ArgName("passes")->Arg(7)->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_Batch, original, false)
    ->ArgName("j")->Arg(1)->Arg(2)->Iterations(1)->UseRealTime()->MeasureProcessCPUTime()
    ->Unit(benchmark::kSecond);
BENCHMARK_CAPTURE(BM_Batch, wavelet, true)
    ->ArgName("j")->Arg(1)->Arg(2)->Iterations(1)->UseRealTime()->MeasureProcessCPUTime()
    ->Unit(benchmark::kSecond);

}  // namespace
