#pragma once
// Outputs are written to a temporary name and put in place only when
// complete, so a failure never leaves a half-written file, and nothing but the
// named output is ever replaced:
//   - a regular file (or a new name) is replaced atomically by rename();
//   - a symlink is written through: the file it points to is replaced, the
//     link stays;
//   - "-" (standard output), /dev/stdout, /dev/stderr, character devices,
//     FIFOs and sockets are written directly once the output is complete
//     (/dev/null stays /dev/null);
//   - temporaries of processes that died (kill -9) are removed the next time
//     a process writes into the same folder.
#include <filesystem>
#include <string>

namespace scopemia {

class AtomicOutput {
 public:
  // The temporary is the target's own file name inside a hidden folder beside
  // it (in the system temp folder for a stream): writers pick the format from
  // the extension, and formats that write several files (.mhd + .raw) name
  // their companions relative to it.
  explicit AtomicOutput(std::filesystem::path target);
  ~AtomicOutput();  // removes the temporary folder unless commit() succeeded
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  const std::filesystem::path& temp_path() const { return temp_; }
  // What is written: the named path, or the file a symlink points to.
  const std::filesystem::path& target() const { return target_; }
  // True when the target is standard output, a device, a FIFO or a socket.
  bool streams() const { return stream_fd_ >= 0 || stream_path_; }
  // Moves every file written into the temporary folder into the target's
  // folder, the target itself last (or copies the one file into the stream),
  // and removes the temporary folder.
  void commit();

 private:
  void commit_stream();

  std::filesystem::path named_;  // as given, for messages
  std::filesystem::path target_;
  std::filesystem::path temp_dir_;
  std::filesystem::path temp_;
  int stream_fd_ = -1;        // "-", /dev/stdout, /dev/stderr: this descriptor
  bool stream_path_ = false;  // another device/FIFO/socket: opened at commit
  bool committed_ = false;
};

// Writes `content` to `path` atomically (as AtomicOutput); throws InputError
// naming the path.
void write_file_atomically(const std::filesystem::path& path, const std::string& content);

// The extension that selects a format, with ".gz" kept together with the one
// before it: "a/b.nii.gz" -> ".nii.gz", "x.nrrd" -> ".nrrd".
std::string full_extension(const std::filesystem::path& path);

// Creates a new hidden folder `.scopemia-tmp-<host>-<pid>-<n>` in `dir` for
// output in progress (InputError naming `output` when it cannot).
std::filesystem::path make_temporary_folder(const std::filesystem::path& dir, const std::filesystem::path& output);

// Removes `.scopemia-tmp-*` folders in `dir` left by processes of this host
// that no longer run; returns how many. Done once per folder and process by
// AtomicOutput.
int remove_stale_temporaries(const std::filesystem::path& dir);

}  // namespace scopemia
