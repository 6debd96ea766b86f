#pragma once
// Errors that reach the user: one line naming the file and the cause.
#include <stdexcept>
#include <string>

namespace scopemia {

// Exit codes of the scopemia program.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,   // an internal failure (a bug, out of memory)
  kExitBadInput = 2,  // bad input: missing, unreadable, inconsistent files or options
  kExitSomeCasesFailed = 3,  // a batch finished, but some cases failed (their rows say why)
  // 128 + signal (143 SIGTERM, 130 SIGINT): training stopped on that signal
  // after writing a checkpoint (core/stop_signal.h); --resume continues it.
};

// Bad input from the user (a file, a setting, an option). what() is the whole
// one-line message: "<file>: <cause>" (or just the cause when no file applies).
class InputError : public std::runtime_error {
 public:
  InputError(std::string file, std::string cause);
  explicit InputError(std::string cause);

  const std::string& file() const noexcept { return file_; }
  const std::string& cause() const noexcept { return cause_; }

 private:
  std::string file_;
  std::string cause_;
};

}  // namespace scopemia
