#include "core/file_contents.h"

#include <fstream>
#include <ios>
#include <iterator>

#include "core/error.h"

namespace scopemia {

std::string read_file_contents(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw InputError(path.string(), "is a folder, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), "cannot read");
  try {
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw InputError(path.string(), "read failed");
    return text;
  } catch (const std::ios_base::failure& e) {  // libstdc++'s filebuf reports read errors by throwing
    throw InputError(path.string(), std::string("read failed: ") + e.what());
  }
}

}  // namespace scopemia
