#include "support/temp_dir.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <vector>

#include "core/file_contents.h"

namespace scopemia::testing {
namespace fs = std::filesystem;

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = fs::temp_directory_path() /
          ("scopemia-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(path_);
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::vector<std::string> list_files(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(fs::relative(e.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

// Throws (InputError) for a missing file: a comparison of two unreadable
// outputs must not pass as two equal empty strings.
std::string read_bytes(const std::string& path) { return read_file_contents(path); }

}  // namespace scopemia::testing
