// Progress away from a terminal: plain log lines with -v (debug level), nothing without.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "core/progress.h"

namespace scopemia {
namespace {

// Captures the default logger's lines at `level` for the test's lifetime.
struct CapturedLog {
  std::ostringstream text;
  std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
  explicit CapturedLog(spdlog::level::level_enum level) {
    auto logger = std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(text));
    logger->set_pattern("%v");
    logger->set_level(level);
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(previous); }
};

TEST(Progress, PlainLinesInALogOnlyWhenVerbose) {
  std::FILE* stream = std::tmpfile();
  {
    CapturedLog log(spdlog::level::debug);
    Progress p("cases", 3, stream, /*interactive=*/0);
    p.advance(1);              // within 10 s of the start: no line
    p.advance(2, "1 failed");  // done: the summary says it
    p.finish();                // the summary
    p.finish();                // once
    const std::string text = log.text.str();
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
    EXPECT_EQ(text.rfind("finished: 3/3 cases", 0), 0u) << text;
    EXPECT_NE(text.find("1 failed"), std::string::npos) << text;
  }
  {
    CapturedLog log(spdlog::level::info);  // without -v: a log stays quiet
    Progress p("cases", 2, stream, 0);
    p.advance(2);
    p.finish();
    EXPECT_EQ(log.text.str(), "");
  }
  std::rewind(stream);
  EXPECT_EQ(std::fgetc(stream), EOF);  // and nothing was drawn on the stream
  std::fclose(stream);
}

// The pace so far carried over what is left: 30 s for 3 of 12 items leaves
// 90 s; nothing done or nothing left gives no estimate.
TEST(Progress, RemainingSecondsAtThePaceSoFar) {
  EXPECT_DOUBLE_EQ(remaining_seconds(3, 12, 30.0), 90.0);
  EXPECT_DOUBLE_EQ(remaining_seconds(1, 2, 7.5), 7.5);
  EXPECT_EQ(remaining_seconds(0, 12, 30.0), 0.0);
  EXPECT_EQ(remaining_seconds(12, 12, 30.0), 0.0);
}

}  // namespace
}  // namespace scopemia
