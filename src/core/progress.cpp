#include "core/progress.h"

#include <unistd.h>

#include <cmath>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace scopemia {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const int64_t s = static_cast<int64_t>(std::llround(seconds));
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

double remaining_seconds(int64_t done, int64_t total, double elapsed) {
  if (done <= 0 || done >= total) return 0.0;
  return elapsed / double(done) * double(total - done);
}

Progress::Progress(std::string label, int64_t total, std::FILE* stream, int interactive)
    : label_(std::move(label)),
      total_(total),
      stream_(stream),
      interactive_(interactive < 0 ? ::isatty(::fileno(stream)) != 0 : interactive != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { finish(); }

std::string Progress::line() const {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? done_ / elapsed : 0.0;
  std::string text = fmt::format("{}/{} {}", done_, total_, label_);
  if (rate > 0) {
    text += fmt::format("  {:.3g}/s", rate);
    if (done_ < total_) text += "  ETA " + format_duration(remaining_seconds(done_, total_, elapsed));
    else text += "  in " + format_duration(elapsed);
  }
  if (!status_.empty()) text += "  " + status_;
  return text;
}

void Progress::advance(int64_t n, const std::string& status) {
  std::lock_guard<std::mutex> lock(mutex_);
  done_ += n;
  if (!status.empty()) status_ = status;
  const auto now = std::chrono::steady_clock::now();
  if (!interactive_) {
    if (!spdlog::should_log(spdlog::level::debug)) return;
    if (done_ >= total_ || now - last_draw_ < std::chrono::seconds(10)) return;  // finish() says the last
    last_draw_ = now;
    spdlog::info("{}", line());
    return;
  }
  if (done_ < total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  fmt::print(stream_, "\r\033[K{}", line());
  std::fflush(stream_);
}

void Progress::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (interactive_) fmt::print(stream_, "\r\033[K{}\n", line());
  else if (spdlog::should_log(spdlog::level::debug)) spdlog::info("finished: {}", line());
  std::fflush(stream_);
}

}  // namespace scopemia
