#include "support/refdata.h"

#include <cstdlib>
#include <filesystem>

namespace scopemia::testing {
namespace fs = std::filesystem;

std::string refdata_dir() {
  if (const char* env = std::getenv("SCOPEMIA_REFDATA"); env && *env) return fs::is_directory(env) ? env : "";
  const fs::path beside = fs::path(SCOPEMIA_SOURCE_DIR) / ".." / "shared" / "refdata";
  return fs::is_directory(beside) ? beside.lexically_normal().string() : "";
}

std::string refdata_path(const std::string& relative) {
  const std::string dir = refdata_dir();
  if (dir.empty()) return "";
  const fs::path p = fs::path(dir) / relative;
  return fs::exists(p) ? p.string() : "";
}

bool refdata_mandatory() {
  const char* ci = std::getenv("CI");
  const char* require = std::getenv("SCOPEMIA_REQUIRE_REFDATA");
  return (ci && std::string(ci) == "true") || (require && std::string(require) == "1");
}

}  // namespace scopemia::testing
