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
// The built binary's path, and a word quoted for sh.
std::string scopemia_binary();
std::string shell_quote(const std::string& s);

}  // namespace scopemia::testing
