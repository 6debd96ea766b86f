#include "core/stop_signal.h"

#include <signal.h>

#include <atomic>
#include <mutex>

namespace scopemia {
namespace {

std::atomic<int> requested{0};
// Guards alive: nested (ablate -> run_training) or in several threads. The
// first installs the handler, the last puts back what the first found.
std::mutex guard_mutex;
int depth = 0;
std::atomic<bool> active{false};
struct sigaction saved_term, saved_interrupt;

extern "C" void record_stop_signal(int sig) { requested.store(sig); }

}  // namespace

StopSignals::StopSignals() {
  std::lock_guard<std::mutex> lock(guard_mutex);
  if (depth++ > 0) return;
  requested.store(0);
  struct sigaction sa {};
  sa.sa_handler = record_stop_signal;
  sigemptyset(&sa.sa_mask);
  // One-shot (the next signal takes the default action); SA_RESTART so that
  // no other thread's read or write fails with EINTR on the way.
  sa.sa_flags = SA_RESETHAND | SA_RESTART;
  sigaction(SIGTERM, &sa, &saved_term);
  sigaction(SIGINT, &sa, &saved_interrupt);
  active.store(true);
}

StopSignals::~StopSignals() {
  std::lock_guard<std::mutex> lock(guard_mutex);
  if (--depth > 0) return;
  active.store(false);
  sigaction(SIGTERM, &saved_term, nullptr);
  sigaction(SIGINT, &saved_interrupt, nullptr);
}

int stop_requested() { return active.load() ? requested.load() : 0; }

}  // namespace scopemia
