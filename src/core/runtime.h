#pragma once
// Process-wide settings measured to matter on CPU (docs/paper-map.md §10, docs/performance.md):
// malloc thresholds, thread count, log verbosity.

#include <functional>

namespace scopemia {

// Keeps glibc from returning large tensor buffers to the OS after every op
// (a 3D CNN step ran 2-4x faster). Call once at start-up.
void tune_malloc();

// Threads for compute (torch intra-op, OpenMP BLAS): 0 = all cores.
// Defined in core/tensor_bridge.cpp, the one core file that sees torch.
void set_compute_threads(int threads);
int hardware_threads();

// Runs `worker` on `threads` threads (at least 1; on the calling thread when
// 1) and returns when all are done. The workers share their queue of work
// themselves (e.g. an atomic index) and must not throw.
void run_workers(int threads, const std::function<void()>& worker);

enum class Verbosity { Quiet, Normal, Verbose };
// The "scopemia" logger (the default one) on standard error, colored on a
// terminal. It writes to a duplicate of descriptor 2 taken at the first call,
// so that holding descriptor 2 back while a library prints to it (an image
// writer, io/image_io.cpp) never hides another thread's log line.
void init_logging(Verbosity verbosity);

}  // namespace scopemia
