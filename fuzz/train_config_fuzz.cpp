// libFuzzer target: the training configuration parser (train/config.h) on
// arbitrary bytes: the YAML before the first NUL byte, `--set key=value`
// overrides after it (NUL-separated). Findings: a crash or sanitizer report
// (yaml-cpp included), an exception other than InputError, and an accepted
// configuration whose written YAML (what a run saves as config.yaml and a
// resume reads back) does not read back to the same YAML. Built and run by
// scripts/fuzz.sh.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/error.h"
#include "train/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scopemia;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const size_t nul = bytes.find('\0');
  const std::string yaml = bytes.substr(0, nul);
  std::vector<std::string> overrides;
  for (size_t at = nul; at != std::string::npos && at < bytes.size();) {
    const size_t next = bytes.find('\0', at + 1);
    overrides.push_back(bytes.substr(at + 1, next == std::string::npos ? std::string::npos : next - at - 1));
    at = next;
  }
  std::string written;
  try {
    written = train::to_yaml(train::parse_config(yaml, "fuzz.yaml", overrides));
  } catch (const InputError&) {
    return 0;
  }
  std::string again;
  try {
    again = train::to_yaml(train::parse_config(written, "config.yaml"));
  } catch (const InputError& e) {
    std::fprintf(stderr, "written configuration refused: %s\n%s\n", e.what(), written.c_str());
    std::abort();
  }
  if (again != written) {
    std::fprintf(stderr, "written configuration does not read back:\n%s\n---\n%s\n", written.c_str(), again.c_str());
    std::abort();
  }
  return 0;
}
