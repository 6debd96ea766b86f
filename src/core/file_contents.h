#pragma once
// A whole file read into a string (tables, logs, configs, figures written
// earlier), the counterpart of core/atomic_file.h's writing.
#include <filesystem>
#include <string>

namespace scopemia {

// The file's bytes as they are (binary mode). InputError naming the file when
// it cannot be opened or read.
std::string read_file_contents(const std::filesystem::path& path);

}  // namespace scopemia
