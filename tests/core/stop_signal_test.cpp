// core/stop_signal.h: while a guard lives, SIGTERM / SIGINT are recorded
// instead of ending the process; nested guards share one handler; the last
// one puts back what was there before.
#include "core/stop_signal.h"

#include <signal.h>

#include <atomic>

#include <gtest/gtest.h>

namespace scopemia {
namespace {

std::atomic<int> seen_by_previous{0};
extern "C" void previous_handler(int sig) { seen_by_previous.store(sig); }

TEST(StopSignals, RecordsTheFirstSignalAndPutsThePreviousHandlerBack) {
  struct sigaction mine {}, before {};
  mine.sa_handler = previous_handler;
  sigemptyset(&mine.sa_mask);
  sigaction(SIGTERM, &mine, &before);
  seen_by_previous = 0;
  EXPECT_EQ(stop_requested(), 0);
  {
    StopSignals outer;
    EXPECT_EQ(stop_requested(), 0);
    {
      StopSignals inner;  // nested (ablate -> run_training): the same handler
      raise(SIGTERM);
      EXPECT_EQ(stop_requested(), SIGTERM);
    }
    EXPECT_EQ(stop_requested(), SIGTERM) << "the outer guard still sees the request";
    EXPECT_EQ(seen_by_previous.load(), 0) << "the process's own handler was not called";
  }
  EXPECT_EQ(stop_requested(), 0) << "no guard, no request";
  raise(SIGTERM);  // the handler found before the first guard is back
  EXPECT_EQ(seen_by_previous.load(), SIGTERM);
  {
    StopSignals again;
    EXPECT_EQ(stop_requested(), 0) << "a new outermost guard starts clear";
    raise(SIGINT);
    EXPECT_EQ(stop_requested(), SIGINT);
  }
  sigaction(SIGTERM, &before, nullptr);
}

TEST(StopSignals, StoppedCarriesItsSignal) {
  const Stopped e(SIGTERM, "stopped by SIGTERM at step 3 of 10");
  EXPECT_EQ(e.signal(), SIGTERM);
  EXPECT_STREQ(e.what(), "stopped by SIGTERM at step 3 of 10");
}

}  // namespace
}  // namespace scopemia
