#pragma once
// A stop asked for from outside: SIGTERM (a cluster's time limit or
// preemption; SLURM sends it before SIGKILL) or SIGINT (Ctrl-C). While a
// StopSignals guard lives, the first such signal is only recorded; long work
// polls stop_requested() where it can save its state (training: between
// steps, with a checkpoint) and then throws Stopped. The handler is
// one-shot: a second signal ends the process as if none were caught.
#include <stdexcept>
#include <string>

namespace scopemia {

// Guards may nest and live in several threads: the first installs the
// handler (clearing an earlier request), the last puts back the handlers the
// first found.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
};

// The signal number asked for (SIGTERM, SIGINT) while a guard lives, else 0.
int stop_requested();

// Work that stopped on a signal after saving what it needs to continue.
// The program exits with 128 + signal(), as a shell reports a process the
// signal ended.
class Stopped : public std::runtime_error {
 public:
  Stopped(int signal, const std::string& message) : std::runtime_error(message), signal_(signal) {}
  int signal() const noexcept { return signal_; }

 private:
  int signal_;
};

}  // namespace scopemia
