#include "support/run_cli.h"

#include <sys/wait.h>

#include <cstdio>
#include <sstream>

#include "cli/app.h"
#include "support/temp_dir.h"

namespace scopemia::testing {

CliResult run_cli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  CliResult r;
  r.code = cli::run(args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string scopemia_binary() { return SCOPEMIA_BINARY; }

CliResult run_binary(const std::vector<std::string>& args) {
  TempDir dir;
  std::string command = shell_quote(SCOPEMIA_BINARY);
  for (const auto& a : args) command += " " + shell_quote(a);
  command += " >" + shell_quote(dir.file("out")) + " 2>" + shell_quote(dir.file("err")) + " </dev/null";
  const int status = std::system(command.c_str());
  CliResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_bytes(dir.file("out"));
  r.err = read_bytes(dir.file("err"));
  return r;
}

}  // namespace scopemia::testing
