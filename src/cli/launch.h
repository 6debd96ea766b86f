#pragma once
// `scopemia launch`: N processes on this machine, each with the torchrun-style
// environment that train::Distributed::from_environment reads.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace scopemia::cli {

struct LaunchOptions {
  int nproc = 1;
  int master_port = 0;  // 0: a free port on 127.0.0.1
  std::string executable = "/proc/self/exe";
  std::vector<std::string> args;  // argv[1..] of every process
  double grace_seconds = 10;      // after SIGTERM, before SIGKILL
};

// Starts nproc copies of `executable args...` with RANK, LOCAL_RANK,
// WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR=127.0.0.1 and MASTER_PORT set,
// waits for them, and returns the first non-zero exit code (128 + signal for
// a process killed by a signal), or 0. When one process fails the others are
// sent SIGTERM (SIGKILL after grace_seconds). SIGINT/SIGTERM received while
// waiting are passed on to the processes. Output is not touched: every
// process writes to the same stdout/stderr.
int launch(const LaunchOptions& options, std::ostream& err);

// A TCP port on 127.0.0.1 that was free a moment ago (the kernel's choice).
int free_local_port();

}  // namespace scopemia::cli
