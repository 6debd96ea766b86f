#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace scopemia::testing {

// A fresh folder under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Every regular file under `dir`, relative paths, sorted.
std::vector<std::string> list_files(const std::filesystem::path& dir);
std::string read_bytes(const std::string& path);

}  // namespace scopemia::testing
