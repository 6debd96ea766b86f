#include "core/runtime.h"

#include <malloc.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>

#include <thread>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace scopemia {

void tune_malloc() {
  // 1 GiB: buffers of 3D feature maps stay in the heap between ops.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  // Transparent huge pages for the heap, as glibc's malloc.hugetlb=1 tunable
  // does (which cannot be set from inside a process): the heap is grown by
  // 512 MiB of address space once (no memory is touched, and with the trim
  // threshold above it is never given back), marked MADV_HUGEPAGE, and
  // released to malloc. With the kernel's usual "madvise" policy, the first
  // touch of a volume's buffer then costs one fault per 2 MiB instead of per
  // 4 KiB: on this machine a fault costs ~10 us, and reading one brain1 case
  // (1.6 M voxels) touched ~7,000 pages (docs/performance.md: 150 -> ~90 ms).
  constexpr size_t kHeap = size_t(512) << 20, kHuge = size_t(2) << 20;
  if (void* block = std::malloc(kHeap)) {
    const auto begin = (reinterpret_cast<uintptr_t>(block) + kHuge - 1) & ~(kHuge - 1);
    const auto end = (reinterpret_cast<uintptr_t>(block) + kHeap) & ~(kHuge - 1);
    if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
    std::free(block);
  }
}

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void run_workers(int threads, const std::function<void()>& worker) {
  if (threads <= 1) {
    worker();
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(size_t(threads));
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
}

void init_logging(Verbosity verbosity) {
  auto logger = spdlog::get("scopemia");
  if (!logger) logger = spdlog::stderr_color_mt("scopemia");
  logger->set_pattern("%^[%l]%$ %v");
  switch (verbosity) {
    case Verbosity::Quiet: logger->set_level(spdlog::level::warn); break;
    case Verbosity::Normal: logger->set_level(spdlog::level::info); break;
    case Verbosity::Verbose: logger->set_level(spdlog::level::debug); break;
  }
  spdlog::set_default_logger(logger);
}

}  // namespace scopemia
