#include "core/runtime.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "support/temp_dir.h"

namespace scopemia {
namespace {

std::string contents(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Image writers point descriptor 2 at a temporary file while niftilib runs
// (io/image_io.cpp). The program's log was on descriptor 2 then, so a log line
// of another thread went into that file. The logger writes to the stderr
// init_logging found, whatever descriptor 2 points at later.
TEST(Logging, LinesReachTheStderrInitLoggingFoundWhileDescriptor2IsHeldElsewhere) {
  testing::TempDir dir;
  const std::string log_path = dir.file("stderr.txt"), held_path = dir.file("held.txt");
  std::FILE* log_file = std::fopen(log_path.c_str(), "w");
  std::FILE* held_file = std::fopen(held_path.c_str(), "w");
  ASSERT_TRUE(log_file && held_file);
  std::fflush(stderr);
  const int original = ::dup(STDERR_FILENO);
  auto previous = spdlog::default_logger();
  spdlog::drop("scopemia");

  ::dup2(::fileno(log_file), STDERR_FILENO);
  init_logging(Verbosity::Normal);                 // stderr is stderr.txt now
  ::dup2(::fileno(held_file), STDERR_FILENO);      // a writer's hold
  spdlog::info("epoch 1: a line of another thread");
  spdlog::default_logger()->flush();
  std::fflush(stderr);

  ::dup2(original, STDERR_FILENO);
  ::close(original);
  spdlog::drop("scopemia");
  spdlog::set_default_logger(previous);
  std::fclose(log_file);
  std::fclose(held_file);

  EXPECT_NE(contents(log_path).find("epoch 1: a line of another thread"), std::string::npos);
  EXPECT_EQ(contents(held_path), "");
}

}  // namespace
}  // namespace scopemia
