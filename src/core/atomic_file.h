#pragma once
// Outputs are written to a temporary name beside the target and renamed into
// place only when complete, so a failure never leaves a half-written file.
#include <filesystem>
#include <string>

namespace scopemia {

class AtomicOutput {
 public:
  // The temporary is the target's own file name inside a hidden folder beside
  // it: writers pick the format from the extension, and formats that write
  // several files (.mhd + .raw) name their companions relative to it.
  explicit AtomicOutput(std::filesystem::path target);
  ~AtomicOutput();  // removes the temporary folder unless commit() succeeded
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  const std::filesystem::path& temp_path() const { return temp_; }
  const std::filesystem::path& target() const { return target_; }
  // Renames every file written into the temporary folder into the target's
  // folder, the target itself last, and removes the temporary folder.
  void commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_dir_;
  std::filesystem::path temp_;
  bool committed_ = false;
};

// Writes `content` to `path` atomically; throws InputError naming the path.
void write_file_atomically(const std::filesystem::path& path, const std::string& content);

// The extension that selects a format, with ".gz" kept together with the one
// before it: "a/b.nii.gz" -> ".nii.gz", "x.nrrd" -> ".nrrd".
std::string full_extension(const std::filesystem::path& path);

}  // namespace scopemia
