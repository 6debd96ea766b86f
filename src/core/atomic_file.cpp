#include "core/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <system_error>
#include <vector>

#include "core/error.h"

namespace scopemia {
namespace fs = std::filesystem;

namespace {

constexpr const char* kTempPrefix = ".scopemia-tmp-";

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  std::string host(name);
  for (char& c : host)
    if (c == '/' || c == ' ') c = '_';
  return host.empty() ? "localhost" : host;
}

const std::string& this_host() {
  static const std::string host = host_name();
  return host;
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// The owner of a temporary folder name ".scopemia-tmp-<host>-<pid>-<n>" (or
// the older ".scopemia-tmp-<pid>-<n>", this host's): its pid when the folder
// belongs to this host, else -1.
long local_owner(const std::string& name) {
  if (name.rfind(kTempPrefix, 0) != 0) return -1;
  const std::string rest = name.substr(std::strlen(kTempPrefix));
  const auto last = rest.rfind('-');
  if (last == std::string::npos || !all_digits(rest.substr(last + 1))) return -1;
  const std::string head = rest.substr(0, last);
  const auto dash = head.rfind('-');
  const std::string pid = dash == std::string::npos ? head : head.substr(dash + 1);
  const std::string host = dash == std::string::npos ? std::string() : head.substr(0, dash);
  if (!all_digits(pid) || pid.size() > 9) return -1;
  if (!host.empty() && host != this_host()) return -1;
  return std::stol(pid);
}

void clean_once(const fs::path& dir) {
  static std::mutex mutex;
  static std::set<std::string> cleaned;
  std::error_code ec;
  const std::string key = fs::absolute(dir, ec).lexically_normal().string();
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (!cleaned.insert(key).second) return;
  }
  remove_stale_temporaries(dir);
}

// "-" and the standard streams' device names write to the descriptor itself:
// reopening /dev/stdout by name would truncate or rewind what the shell set up.
int standard_stream(const fs::path& path) {
  const std::string p = path.string();
  if (p == "-" || p == "/dev/stdout" || p == "/proc/self/fd/1" || p == "/dev/fd/1") return STDOUT_FILENO;
  if (p == "/dev/stderr" || p == "/proc/self/fd/2" || p == "/dev/fd/2") return STDERR_FILENO;
  return -1;
}

// Follows a chain of symlinks to the path it finally names (which may not
// exist yet: a dangling link is written through to create its target).
fs::path resolve_links(const fs::path& named) {
  fs::path p = named;
  for (int hops = 0; hops < 40; ++hops) {
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(p, ec))) return p;
    const fs::path link = fs::read_symlink(p, ec);
    if (ec) throw InputError(named.string(), "cannot read the symbolic link: " + ec.message());
    p = link.is_absolute() ? link : p.parent_path() / link;
  }
  throw InputError(named.string(), "too many levels of symbolic links");
}

bool is_stream_type(fs::file_type t) {
  return t == fs::file_type::character || t == fs::file_type::block || t == fs::file_type::fifo ||
         t == fs::file_type::socket;
}

}  // namespace

fs::path make_temporary_folder(const fs::path& dir, const fs::path& output) {
  static std::atomic<int> counter{0};
  const fs::path temp_dir = dir / (std::string(kTempPrefix) + this_host() + "-" + std::to_string(::getpid()) + "-" +
                                   std::to_string(counter++));
  std::error_code ec;
  fs::create_directory(temp_dir, ec);
  if (ec) throw InputError(output.string(), "cannot write in " + dir.string() + ": " + ec.message());
  return temp_dir;
}

int remove_stale_temporaries(const fs::path& dir) {
  int removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const long pid = local_owner(it->path().filename().string());
    if (pid <= 0 || pid == long(::getpid())) continue;
    if (::kill(pid_t(pid), 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to ask)
    std::error_code rm;
    fs::remove_all(it->path(), rm);
    if (!rm) ++removed;
  }
  return removed;
}

std::string full_extension(const fs::path& path) {
  const std::string ext = path.extension().string();
  if (ext == ".gz" || ext == ".bz2") {
    const std::string stem_ext = path.stem().extension().string();
    return stem_ext + ext;
  }
  return ext;
}

AtomicOutput::AtomicOutput(fs::path target) : named_(target), target_(std::move(target)) {
  stream_fd_ = standard_stream(named_);
  if (stream_fd_ < 0) {
    target_ = resolve_links(named_);
    std::error_code ec;
    const fs::file_status status = fs::status(target_, ec);
    if (fs::is_directory(status)) throw InputError(named_.string(), "is a folder, not a file name");
    stream_path_ = is_stream_type(status.type());
  }
  if (streams()) {
    // Keep the extension: writers choose the format by it.
    temp_dir_ = make_temporary_folder(fs::temp_directory_path(), named_);
    const std::string name = named_.filename().string();
    temp_ = temp_dir_ / (name.empty() || name == "-" ? std::string("stdout") : name);
    return;
  }
  fs::path dir = target_.parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir))
    throw InputError(named_.string(), "output folder " + dir.string() + " does not exist");
  clean_once(dir);
  temp_dir_ = make_temporary_folder(dir, named_);
  temp_ = temp_dir_ / target_.filename();
}

AtomicOutput::~AtomicOutput() {
  std::error_code ec;
  fs::remove_all(temp_dir_, ec);
}

void AtomicOutput::commit_stream() {
  for (const auto& entry : fs::directory_iterator(temp_dir_))
    if (entry.path() != temp_)
      throw InputError(named_.string(), "this format writes several files (" + entry.path().filename().string() +
                                            "); it cannot go to a stream or device");
  if (stream_fd_ >= 0) {  // after what the program already printed there
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
  }
  const int fd = stream_fd_ >= 0 ? stream_fd_ : ::open(target_.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw InputError(named_.string(), std::string("cannot open for writing: ") + std::strerror(errno));
  const int in = ::open(temp_.c_str(), O_RDONLY | O_CLOEXEC);
  std::string failure;
  if (in < 0) failure = std::string("cannot read the finished output: ") + std::strerror(errno);
  std::vector<char> buffer(1 << 16);
  while (failure.empty()) {
    const ssize_t got = ::read(in, buffer.data(), buffer.size());
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      failure = std::string("cannot read the finished output: ") + std::strerror(errno);
      break;
    }
    for (ssize_t done = 0; done < got && failure.empty();) {
      const ssize_t put = ::write(fd, buffer.data() + done, size_t(got - done));
      if (put < 0 && errno == EINTR) continue;
      if (put <= 0) failure = std::string("write failed: ") + std::strerror(errno);
      else done += put;
    }
  }
  if (in >= 0) ::close(in);
  if (stream_fd_ < 0 && ::close(fd) != 0 && failure.empty())
    failure = std::string("write failed: ") + std::strerror(errno);
  if (!failure.empty()) throw InputError(named_.string(), failure);
}

void AtomicOutput::commit() {
  std::error_code ec;
  if (!fs::exists(temp_)) throw InputError(named_.string(), "nothing was written");
  if (streams()) {
    commit_stream();
  } else {
    const fs::path dir = target_.parent_path().empty() ? fs::path(".") : target_.parent_path();
    for (const auto& entry : fs::directory_iterator(temp_dir_)) {
      if (entry.path().filename() == target_.filename()) continue;
      fs::rename(entry.path(), dir / entry.path().filename(), ec);
      if (ec) throw InputError(named_.string(), "cannot write: " + ec.message());
    }
    fs::rename(temp_, target_, ec);
    if (ec) throw InputError(named_.string(), "cannot write: " + ec.message());
  }
  committed_ = true;
  fs::remove_all(temp_dir_, ec);
}

void write_file_atomically(const fs::path& path, const std::string& content) {
  AtomicOutput out(path);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    if (!f) throw InputError(path.string(), "cannot open for writing");
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
    f.close();
    if (!f) throw InputError(path.string(), "write failed (disk full?)");
  }
  out.commit();
}

}  // namespace scopemia
