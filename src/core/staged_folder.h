#pragma once
// For commands that write several files into an output folder (evaluate): all
// of them are written into a hidden staging folder inside it and moved into
// place only when the command has finished, so a failure (a full disk, a bad
// case found late) publishes nothing; the folder's other files are never
// touched, and a file of the same name is replaced atomically.
#include <filesystem>

namespace scopemia {

class StagedFolder {
 public:
  // Creates `folder` when missing, and the staging folder inside it.
  explicit StagedFolder(std::filesystem::path folder);
  ~StagedFolder();  // removes the staging folder unless commit() succeeded
  StagedFolder(const StagedFolder&) = delete;
  StagedFolder& operator=(const StagedFolder&) = delete;

  // Where the command writes (same layout as the final folder).
  const std::filesystem::path& path() const { return staging_; }
  const std::filesystem::path& folder() const { return folder_; }
  // Moves every staged file to the same relative place in the folder.
  void commit();

 private:
  std::filesystem::path folder_;
  std::filesystem::path staging_;
};

}  // namespace scopemia
