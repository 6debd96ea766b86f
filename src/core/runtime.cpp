#include "core/runtime.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/details/console_globals.h>
#include <spdlog/sinks/ansicolor_sink.h>
#include <spdlog/spdlog.h>

namespace scopemia {

namespace {

// Grows the calling thread's malloc arena by `bytes` of address space (not
// touched), marks it MADV_HUGEPAGE and hands it back to malloc, which keeps
// it (the trim threshold below): buffers carved from it later fault in 2 MiB
// pages (transparent huge pages under the kernel's usual "madvise" policy).
// What glibc's malloc.hugetlb=1 tunable does for the main heap, which cannot
// be set from inside a process, and which leaves threads' arenas alone.
void reserve_huge_page_heap(size_t bytes) {
  constexpr uintptr_t kHuge = uintptr_t(2) << 20;
  if (void* block = std::malloc(bytes)) {
    const uintptr_t begin = (reinterpret_cast<uintptr_t>(block) + kHuge - 1) & ~(kHuge - 1);
    const uintptr_t end = (reinterpret_cast<uintptr_t>(block) + bytes) & ~(kHuge - 1);
    if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
    std::free(block);
  }
}

}  // namespace

void tune_malloc() {
  // 1 GiB: buffers of 3D feature maps stay in the heap between ops.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  // On this machine a page fault costs ~10 us, and reading one brain1 case
  // (1.6 M voxels) touched ~7,000 4 KiB pages: 150 -> ~90 ms whole-process
  // with huge pages (docs/performance.md, "Start-up and single cases").
  reserve_huge_page_heap(size_t(512) << 20);
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
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&worker] {
      // Each thread gets an arena of its own: huge pages there too (below
      // glibc's 64 MiB heap size, so the arena's first heap holds it).
      reserve_huge_page_heap(size_t(48) << 20);
      worker();
    });
  for (auto& t : pool) t.join();
}

void init_logging(Verbosity verbosity) {
  auto logger = spdlog::get("scopemia");
  if (!logger) {
    const int fd = ::dup(STDERR_FILENO);
    std::FILE* stream = fd >= 0 ? ::fdopen(fd, "w") : nullptr;
    if (!stream && fd >= 0) ::close(fd);
    auto sink = std::make_shared<spdlog::sinks::ansicolor_sink<spdlog::details::console_mutex>>(stream ? stream : stderr,
                                                                   spdlog::color_mode::automatic);
    logger = std::make_shared<spdlog::logger>("scopemia", std::move(sink));
    spdlog::register_logger(logger);
  }
  logger->set_pattern("%^[%l]%$ %v");
  switch (verbosity) {
    case Verbosity::Quiet: logger->set_level(spdlog::level::warn); break;
    case Verbosity::Normal: logger->set_level(spdlog::level::info); break;
    case Verbosity::Verbose: logger->set_level(spdlog::level::debug); break;
  }
  spdlog::set_default_logger(logger);
}

}  // namespace scopemia
