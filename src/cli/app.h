#pragma once
// The scopemia program as a function, so tests run commands in-process and
// check their output and exit codes exactly as a user would see them.
#include <ostream>
#include <string>
#include <vector>

namespace scopemia::cli {

// args excludes the program name. Returns the exit code (core/error.h).
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace scopemia::cli
