#include "core/staged_folder.h"

#include <system_error>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"

namespace scopemia {
namespace fs = std::filesystem;

StagedFolder::StagedFolder(fs::path folder) : folder_(std::move(folder)) {
  std::error_code ec;
  fs::create_directories(folder_, ec);
  if (ec || !fs::is_directory(folder_))
    throw InputError(folder_.string(), "cannot create the output folder" + (ec ? ": " + ec.message() : std::string()));
  remove_stale_temporaries(folder_);
  staging_ = make_temporary_folder(folder_, folder_);
}

StagedFolder::~StagedFolder() {
  std::error_code ec;
  fs::remove_all(staging_, ec);
}

void StagedFolder::commit() {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(staging_))
    if (!e.is_directory()) files.push_back(e.path());
  std::error_code ec;
  for (const auto& from : files) {
    const fs::path to = folder_ / fs::relative(from, staging_);
    fs::create_directories(to.parent_path(), ec);
    if (fs::is_directory(to)) throw InputError(to.string(), "is a folder: cannot replace it with a file");
    fs::rename(from, to, ec);
    if (ec) throw InputError(to.string(), "cannot write: " + ec.message());
  }
  fs::remove_all(staging_, ec);
}

}  // namespace scopemia
