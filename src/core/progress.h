#pragma once
// Progress of long work: on a terminal, one self-overwriting line with items
// done, rate, ETA and free-form status (e.g. the loss). Elsewhere (a cluster
// log, CI) with -v (debug logging): the same as plain log lines, one every
// 10 s, and a summary line when finished; without -v nothing.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace scopemia {

class Progress {
 public:
  // `stream` defaults to stderr; `interactive` defaults to isatty(stream).
  Progress(std::string label, int64_t total, std::FILE* stream = stderr, int interactive = -1);
  ~Progress();

  void advance(int64_t n = 1, const std::string& status = {});  // thread-safe
  void finish();  // prints the summary line once

  int64_t done() const { return done_; }
  // "12/100 cases  3.4/s  ETA 0:26  loss 0.41": what a refresh prints.
  std::string line() const;

 private:
  std::string label_;
  int64_t total_;
  std::FILE* stream_;
  bool interactive_;
  int64_t done_ = 0;
  std::string status_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
  mutable std::mutex mutex_;
};

// "1:02:03" / "4:05" for seconds.
std::string format_duration(double seconds);

// Time left at the pace so far: `elapsed` seconds for `done` of `total`
// items (0 when nothing is done yet or nothing is left).
double remaining_seconds(int64_t done, int64_t total, double elapsed);

}  // namespace scopemia
