#include "core/runtime.h"

#include <malloc.h>

#include <thread>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace scopemia {

void tune_malloc() {
  // 1 GiB: buffers of 3D feature maps stay in the heap between ops.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
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
