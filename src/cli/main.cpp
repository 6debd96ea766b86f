#include <iostream>

#include "cli/app.h"
#include "core/runtime.h"

int main(int argc, char** argv) {
  scopemia::tune_malloc();
  return scopemia::cli::run(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
