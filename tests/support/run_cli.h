#pragma once
#include <string>
#include <vector>

namespace scopemia::testing {

struct CliResult {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs `scopemia args...` in-process (the same code path as the binary).
CliResult run_cli(const std::vector<std::string>& args);
// Runs the built binary in a shell (end-to-end, real exit status).
CliResult run_binary(const std::vector<std::string>& args);

}  // namespace scopemia::testing
