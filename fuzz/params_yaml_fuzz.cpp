// libFuzzer target: the radiomics parameter parsers (radiomics/params.h):
// a PyRadiomics YAML parameter file, a Python literal as `-s key:value` and
// the diagnostics rows take, and the diagnostics pair. Findings: a crash or
// sanitizer report (yaml-cpp included), an exception other than
// InputError, and a Python literal whose repr does not read back to the same
// repr. Built and run by scripts/fuzz.sh.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "radiomics/params.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scopemia;
  using namespace scopemia::radiomics;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const Params params = parse_params_yaml(text, "fuzz.yaml");
    if (params.image_types.empty()) {
      std::fprintf(stderr, "parameters accepted with no image type\n");
      std::abort();
    }
  } catch (const InputError&) {
  }
  try {
    const std::string repr = py_repr(parse_py_literal(text, "-s"));
    const std::string again = py_repr(parse_py_literal(repr, "repr"));
    if (again != repr) {
      std::fprintf(stderr, "Python literal repr does not read back: %s -> %s\n", repr.c_str(), again.c_str());
      std::abort();
    }
  } catch (const InputError&) {
  }
  const size_t newline = text.find('\n');
  if (newline != std::string::npos) {
    try {
      params_from_diagnostics(text.substr(0, newline), text.substr(newline + 1), "diagnostics");
    } catch (const InputError&) {
    }
  }
  return 0;
}
