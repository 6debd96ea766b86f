#include "core/atomic_file.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <system_error>

#include "core/error.h"

namespace scopemia {
namespace fs = std::filesystem;

std::string full_extension(const fs::path& path) {
  const std::string ext = path.extension().string();
  if (ext == ".gz" || ext == ".bz2") {
    const std::string stem_ext = path.stem().extension().string();
    return stem_ext + ext;
  }
  return ext;
}

AtomicOutput::AtomicOutput(fs::path target) : target_(std::move(target)) {
  static std::atomic<int> counter{0};
  fs::path dir = target_.parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir))
    throw InputError(target_.string(), "output folder " + dir.string() + " does not exist");
  if (fs::is_directory(target_)) throw InputError(target_.string(), "is a folder, not a file name");
  temp_dir_ = dir / (".scopemia-tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::error_code ec;
  fs::create_directory(temp_dir_, ec);
  if (ec) throw InputError(target_.string(), "cannot write in " + dir.string() + ": " + ec.message());
  temp_ = temp_dir_ / target_.filename();
}

AtomicOutput::~AtomicOutput() {
  std::error_code ec;
  fs::remove_all(temp_dir_, ec);
}

void AtomicOutput::commit() {
  std::error_code ec;
  if (!fs::exists(temp_))
    throw InputError(target_.string(), "nothing was written");
  const fs::path dir = target_.parent_path().empty() ? fs::path(".") : target_.parent_path();
  for (const auto& entry : fs::directory_iterator(temp_dir_)) {
    if (entry.path().filename() == target_.filename()) continue;
    fs::rename(entry.path(), dir / entry.path().filename(), ec);
    if (ec) throw InputError(target_.string(), "cannot write: " + ec.message());
  }
  fs::rename(temp_, target_, ec);
  if (ec) throw InputError(target_.string(), "cannot write: " + ec.message());
  committed_ = true;
  fs::remove_all(temp_dir_, ec);
}

void write_file_atomically(const fs::path& path, const std::string& content) {
  AtomicOutput out(path);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    if (!f) throw InputError(path.string(), "cannot open for writing");
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
    f.flush();
    if (!f) throw InputError(path.string(), "write failed (disk full?)");
  }
  out.commit();
}

}  // namespace scopemia
