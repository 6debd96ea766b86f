// Generating one synthetic case, and the whole 100-case cohort on disk.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "synth/phantom.h"

namespace {
using namespace scopemia;

void BM_PhantomCase(benchmark::State& state) {
  synth::PhantomOptions o;
  int i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(synth::make_phantom_case(o, i++));
}
BENCHMARK(BM_PhantomCase)->Unit(benchmark::kMillisecond);

void BM_PhantomCohort100(benchmark::State& state) {
  const auto dir = std::filesystem::temp_directory_path() / "scopemia-bench-phantom";
  synth::PhantomOptions o;
  o.threads = static_cast<int>(state.range(0));
  for (auto _ : state) synth::write_phantom_cohort(dir.string(), o);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_PhantomCohort100)->Arg(1)->Arg(2)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace
