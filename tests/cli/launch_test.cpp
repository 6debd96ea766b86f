// `scopemia launch`: the processes it starts, their environment, exit codes,
// and how it stops them. The launcher is run on /bin/sh scripts (what each
// rank sees and does is then explicit), and end to end on the scopemia binary.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "cli/launch.h"
#include "core/error.h"
#include "io/image_io.h"
#include "support/run_cli.h"
#include "support/temp_dir.h"

namespace scopemia::cli {
namespace {
namespace fs = std::filesystem;
using testing::run_binary;
using testing::TempDir;

LaunchOptions shell(int nproc, const std::string& script) {
  LaunchOptions o;
  o.nproc = nproc;
  o.executable = "/bin/sh";
  o.args = {"-c", script};
  o.grace_seconds = 2;
  return o;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string read_text(const std::string& path) {
  std::string s = testing::read_bytes(path);
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

TEST(Launch, EveryRankRunsWithTheTorchrunEnvironment) {
  TempDir dir;
  auto o = shell(3, "echo \"$RANK $LOCAL_RANK $WORLD_SIZE $LOCAL_WORLD_SIZE $MASTER_ADDR $MASTER_PORT\" > " +
                        dir.file("rank") + "$RANK");
  o.master_port = 23456;
  std::ostringstream err;
  ASSERT_EQ(launch(o, err), 0) << err.str();
  for (int r = 0; r < 3; ++r) {
    const std::string r_ = std::to_string(r);
    EXPECT_EQ(read_text(dir.file("rank" + r_)), r_ + " " + r_ + " 3 3 127.0.0.1 23456");
  }
  EXPECT_EQ(testing::list_files(dir.path()).size(), 3u);
}

TEST(Launch, WithoutAPortItPicksOneAndAllRanksShareIt) {
  TempDir dir;
  std::ostringstream err;
  ASSERT_EQ(launch(shell(2, "echo $MASTER_PORT > " + dir.file("port") + "$RANK"), err), 0);
  const std::string p0 = read_text(dir.file("port0")), p1 = read_text(dir.file("port1"));
  EXPECT_EQ(p0, p1);
  EXPECT_GT(std::stoi(p0), 0);
  EXPECT_LE(std::stoi(p0), 65535);
}

TEST(Launch, AFailingRankStopsTheOthersAndGivesItsExitCode) {
  // Rank 1 fails at once; rank 0 would sleep a minute.
  const auto start = std::chrono::steady_clock::now();
  std::ostringstream err;
  EXPECT_EQ(launch(shell(2, "if [ \"$RANK\" = 1 ]; then exit 3; fi; exec sleep 60"), err), 3);
  EXPECT_LT(seconds_since(start), 20.0) << "rank 0 should have been stopped";
  EXPECT_NE(err.str().find("rank 1 exited with code 3"), std::string::npos) << err.str();
}

TEST(Launch, ARankThatIgnoresSigtermIsKilledAfterTheGracePeriod) {
  const auto start = std::chrono::steady_clock::now();
  std::ostringstream err;
  EXPECT_EQ(launch(shell(2, "if [ \"$RANK\" = 1 ]; then sleep 0.2; exit 4; fi; trap '' TERM; exec sleep 60"), err), 4);
  const double s = seconds_since(start);
  EXPECT_GE(s, 2.0) << "grace period of 2 s";
  EXPECT_LT(s, 20.0);
}

TEST(Launch, ARankKilledByASignalExitsWith128PlusTheSignal) {
  std::ostringstream err;
  EXPECT_EQ(launch(shell(2, "if [ \"$RANK\" = 0 ]; then kill -KILL $$; fi; exit 0"), err), 128 + SIGKILL);
}

TEST(Launch, AllRanksSucceedingIsSuccess) {
  std::ostringstream err;
  EXPECT_EQ(launch(shell(4, "exit 0"), err), 0);
  EXPECT_EQ(err.str(), "");
}

TEST(Launch, SigtermToTheLauncherReachesTheRanks) {
  TempDir dir;
  auto o = shell(2, "touch " + dir.file("started") + "$RANK; exec sleep 60");
  o.grace_seconds = 30;
  const auto start = std::chrono::steady_clock::now();
  auto result = std::async(std::launch::async, [&] {
    std::ostringstream err;
    return launch(o, err);
  });
  // Once both ranks run, the launcher's handler is in place.
  while (!(fs::exists(dir.file("started0")) && fs::exists(dir.file("started1"))) && seconds_since(start) < 20)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(fs::exists(dir.file("started1")));
  kill(getpid(), SIGTERM);
  ASSERT_EQ(result.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_EQ(result.get(), 128 + SIGTERM);
  EXPECT_LT(seconds_since(start), 20.0);
}

TEST(Launch, BadOptionsAreInputErrors) {
  std::ostringstream err;
  EXPECT_THROW(launch(shell(0, "exit 0"), err), InputError);
  auto o = shell(1, "exit 0");
  o.master_port = 70000;
  EXPECT_THROW(launch(o, err), InputError);
}

// ---- the scopemia binary ----------------------------------------------------------

TEST(LaunchCommand, RunsTheScopemiaCommandInEveryProcess) {
  TempDir dir;
  const std::string file = dir.file("v.nrrd");
  io::write_volume(Volume({5, 4, 3}, Geometry{}, 1.5f), file);
  const auto r = run_binary({"launch", "--nproc", "2", "--", "info", "--json", file});
  ASSERT_EQ(r.code, 0) << r.err;
  size_t count = 0;
  for (size_t at = r.out.find("\"size\""); at != std::string::npos; at = r.out.find("\"size\"", at + 1)) ++count;
  EXPECT_EQ(count, 2u) << r.out;
  // Without --, options of the launched command still reach it.
  const auto plain = run_binary({"launch", "--nproc", "3", "info", "--json", file});
  ASSERT_EQ(plain.code, 0) << plain.err;
  count = 0;
  for (size_t at = plain.out.find("\"size\""); at != std::string::npos; at = plain.out.find("\"size\"", at + 1)) ++count;
  EXPECT_EQ(count, 3u) << plain.out;
}

TEST(LaunchCommand, TheExitCodeIsThatOfTheFailingProcesses) {
  TempDir dir;
  const auto r = run_binary({"launch", "--nproc", "2", "--", "info", dir.file("missing.nii")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("missing.nii"), std::string::npos) << r.err;
}

TEST(LaunchCommand, UsageErrors) {
  EXPECT_EQ(run_binary({"launch", "--", "--version"}).code, 2);                  // no --nproc
  EXPECT_EQ(run_binary({"launch", "--nproc", "0", "--", "--version"}).code, 2);  // not a count
  EXPECT_EQ(run_binary({"launch", "--nproc", "2"}).code, 2);                     // no command
  EXPECT_EQ(run_binary({"launch", "--nproc", "2", "--", "launch", "--nproc", "2", "--", "--version"}).code, 2);
}

}  // namespace
}  // namespace scopemia::cli
