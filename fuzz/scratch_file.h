#pragma once
// The fuzz targets' files: one private folder per process under /tmp
// (created on first use), and the input bytes written into it under a name
// that picks the reader.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace scopemia::fuzz {

inline const std::string& scratch_folder() {
  static const std::string dir = [] {
    char pattern[] = "/tmp/scopemia-fuzz-XXXXXX";
    return std::string(mkdtemp(pattern));
  }();
  return dir;
}

// Writes `size` bytes to scratch_folder()/name; returns the path.
inline std::string write_scratch_file(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = scratch_folder() + "/" + name;
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  return path;
}

}  // namespace scopemia::fuzz
