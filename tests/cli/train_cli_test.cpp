// scopemia train / pretrain end to end on a few synthetic cases.
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cli/launch.h"
#include "io/csv.h"
#include "support/run_cli.h"
#include "support/temp_dir.h"
#include "synth/phantom.h"
#include "train/checkpoint.h"

namespace scopemia {
namespace {
namespace fs = std::filesystem;
using testing::run_binary;
using testing::run_cli;
using testing::TempDir;

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

std::string write_cohort(const TempDir& dir) {
  synth::PhantomOptions p;
  p.cases = 6;
  p.size = Size3{48, 48, 16};
  p.spacing = Vec3{1.0, 1.0, 1.5};
  p.threads = 1;
  return synth::write_phantom_cohort(dir.file("cohort"), p).csv_path;
}

const char* kConfig = R"(task: classification
data:
  target_column: heterogeneous
  group_column: patient_id
  val_fraction: 0.34
  preprocess: {spacing: [1, 1, 1], height: 32, width: 32, margin_mm: 5}
model: {backbone: convnext3d_nano, pde_stages: [1, 2]}
pde_loss: {scale: 0}
epochs: 2
batch_size: 2
k: 16
stride: 8
workers: 1
deterministic: true
threads: 1
)";

TEST(TrainCli, TrainsWritesMetricsAndCheckpointsAndResumes) {
  TempDir dir;
  const std::string cases = write_cohort(dir);
  const std::string cfg = dir.file("cfg.yaml"), out = dir.file("run");
  std::ofstream(cfg) << kConfig;

  const auto r = run_binary({"train", "--config", cfg, "--cases", cases, "--out", out});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("epochs completed"), std::string::npos) << r.out;
  for (const char* f : {"metrics.csv", "checkpoint.pt", "model.pt", "config.yaml"})
    EXPECT_TRUE(fs::is_regular_file(fs::path(out) / f)) << f;
  const auto lines = lines_of(out + "/metrics.csv");
  ASSERT_EQ(lines.size(), 3u) << "header + one row per epoch";
  EXPECT_EQ(lines[0], "epoch,step,lr,train_loss,train_task,train_pde,val_loss,val_accuracy,val_auc,seconds,loader_wait_seconds");
  EXPECT_EQ(lines[1].substr(0, 2), "1,");
  EXPECT_EQ(lines[2].substr(0, 2), "2,");
  const io::CsvTable table = io::read_csv(out + "/metrics.csv");
  const int64_t steps_after_2 = std::stoll(table.rows[1][1]);
  EXPECT_GT(steps_after_2, 0);
  EXPECT_FALSE(table.rows[1][7].empty()) << "validation accuracy";
  // A log's progress: each epoch's line gives the step out of the run's, the
  // time so far and, until the last, an ETA.
  const auto epoch_line = [](const std::string& log, const std::string& start) {
    const size_t at = log.find(start);
    return at == std::string::npos ? std::string() : log.substr(at, log.find('\n', at) - at);
  };
  const std::string first = epoch_line(r.err, fmt::format("epoch 1: step {}/{}, loss", steps_after_2 / 2, steps_after_2));
  EXPECT_NE(first.find(" elapsed, ETA "), std::string::npos) << r.err;
  // Half the steps done: the ETA is the time so far (the same rounded text).
  const auto field_before = [](const std::string& line, const std::string& tail) {
    const size_t end = line.find(tail);
    if (end == std::string::npos) return std::string();
    const size_t begin = line.rfind(' ', end - 1);
    return line.substr(begin + 1, end - begin - 1);
  };
  const std::string elapsed = field_before(first, " elapsed");
  EXPECT_FALSE(elapsed.empty()) << first;
  EXPECT_EQ(first.substr(first.find("ETA ") + 4), elapsed) << first;
  const std::string last = epoch_line(r.err, fmt::format("epoch 2: step {}/{}, loss", steps_after_2, steps_after_2));
  EXPECT_NE(last.find(" elapsed"), std::string::npos) << r.err;
  EXPECT_EQ(last.find("ETA"), std::string::npos) << last;

  // The model comes back from the checkpoint alone.
  const auto loaded = train::load_model_from_checkpoint(out);
  EXPECT_EQ(loaded.info.progress.global_step, steps_after_2);
  EXPECT_EQ(loaded.info.progress.epoch, 2);
  EXPECT_EQ(loaded.config.data.target_column, "heterogeneous");
  EXPECT_EQ(loaded.info.outputs, 2);

  // Resuming with more epochs continues the same run and appends to the log.
  const auto again = run_binary({"train", "--config", cfg, "--out", out, "--resume", out, "--set", "epochs=3",
                                 "--set", "data.cases_csv=" + cases});
  ASSERT_EQ(again.code, 0) << again.err;
  const io::CsvTable more = io::read_csv(out + "/metrics.csv");
  ASSERT_EQ(more.rows.size(), 3u);
  EXPECT_EQ(more.rows[2][0], "3");
  EXPECT_EQ(std::stoll(more.rows[2][1]), steps_after_2 + steps_after_2 / 2);
}

TEST(TrainCli, PretrainWithMaxStepsAndErrors) {
  TempDir dir;
  const std::string cases = write_cohort(dir);
  const std::string cfg = dir.file("pre.yaml"), out = dir.file("pre");
  std::ofstream(cfg) << "data: {val_fraction: 0.34, group_column: patient_id, preprocess: {spacing: [1, 1, 1], "
                        "height: 32, width: 32}}\nmasking: {strategy: tubes, ratio: [0.25, 0.75]}\npde_loss: {scale: 0}\n"
                        "epochs: 50\nbatch_size: 2\nworkers: 0\n";
  const auto r = run_binary({"pretrain", "--config", cfg, "--cases", cases, "--out", out, "--max-steps", "3"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("trained 3 steps"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("val_masked_mse"), std::string::npos) << r.out;
  const io::CsvTable t = io::read_csv(out + "/metrics.csv");
  ASSERT_GE(t.rows.size(), 1u);
  EXPECT_EQ(t.header[6], "val_masked_mse");
  EXPECT_EQ(t.rows.back()[1], "3");
  EXPECT_EQ(train::read_checkpoint_info(out + "/model.pt").progress.global_step, 3);

  // A config naming another task is refused by pretrain; unknown keys name the file.
  const std::string cls = dir.file("cls.yaml");
  std::ofstream(cls) << "task: classification\n";
  const auto wrong = run_cli({"pretrain", "--config", cls, "--cases", cases});
  EXPECT_EQ(wrong.code, 2);
  EXPECT_NE(wrong.err.find("use scopemia train"), std::string::npos) << wrong.err;
  const std::string bad = dir.file("bad.yaml");
  std::ofstream(bad) << "optimiser: {lr: 1}\n";
  const auto unknown = run_cli({"train", "--config", bad, "--cases", cases});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find(bad + ": unknown key 'optimiser'"), std::string::npos) << unknown.err;
  const auto no_target = run_cli({"train", "--config", cfg, "--cases", cases, "--set", "task=regression"});
  EXPECT_EQ(no_target.code, 2);
  EXPECT_NE(no_target.err.find("data.target_column"), std::string::npos) << no_target.err;
}

// Two data-parallel processes: rank 0 alone reports, logs and checkpoints.
TEST(TrainCli, LaunchedOnTwoRanksOnlyRankZeroWrites) {
  TempDir dir;
  const std::string cases = write_cohort(dir);
  const std::string cfg = dir.file("cfg.yaml"), out = dir.file("ddp");
  std::ofstream(cfg) << kConfig;
  const auto r = run_binary({"launch", "--nproc", "2", "--", "train", "--config", cfg, "--cases", cases, "--out", out,
                             "--max-steps", "2"});
  ASSERT_EQ(r.code, 0) << r.err;
  size_t reports = 0;
  for (size_t at = r.out.find("trained 2 steps"); at != std::string::npos; at = r.out.find("trained 2 steps", at + 1))
    ++reports;
  EXPECT_EQ(reports, 1u) << r.out;
  const auto lines = lines_of(out + "/metrics.csv");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].substr(0, 4), "1,2,");
  EXPECT_EQ(train::read_checkpoint_info(out + "/checkpoint.pt").progress.global_step, 2);
}

}  // namespace
}  // namespace scopemia

namespace scopemia {
namespace {

using testing::shell_quote;

void expect_same_weights(const std::string& a, const std::string& b) {
  const train::LoadedModel ma = train::load_model_from_checkpoint(a), mb = train::load_model_from_checkpoint(b);
  const auto pa = ma.model->named_parameters(), pb = mb.model->named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  ASSERT_GT(pa.size(), 0u);
  for (const auto& item : pa) {
    const torch::Tensor* other = pb.find(item.key());
    ASSERT_NE(other, nullptr) << item.key();
    EXPECT_TRUE(torch::equal(item.value(), *other)) << item.key() << " differs";
  }
  EXPECT_EQ(ma.info.progress.global_step, mb.info.progress.global_step);
}

// A world started by the environment alone (what torchrun, a SLURM script or
// several machines do: RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT,
// LOCAL_RANK), and one started by SLURM's step variables (SLURM_PROCID,
// SLURM_STEP_NUM_TASKS), train bit-identically to `scopemia launch --nproc 2`.
TEST(TrainCli, TwoProcessesStartedByTheEnvironmentTrainAsLaunchDoes) {
  TempDir dir;
  const std::string cases = write_cohort(dir);
  const std::string cfg = dir.file("cfg.yaml");
  std::ofstream(cfg) << kConfig;
  const std::vector<std::string> train_args = {"train", "--config", cfg, "--cases", cases, "--max-steps", "3"};

  std::vector<std::string> launched = {"--threads", "1", "launch", "--nproc", "2", "--"};
  launched.insert(launched.end(), train_args.begin(), train_args.end());
  launched.insert(launched.end(), {"--out", dir.file("launch")});
  const auto l = testing::run_binary(launched);
  ASSERT_EQ(l.code, 0) << l.err;

  // Both ranks from one shell, each with its own environment, no launcher.
  const auto start_two = [&](const std::string& name, const std::vector<std::string>& env0,
                             const std::vector<std::string>& env1) {
    const std::string out = dir.file(name);
    std::string command;
    for (int rank = 0; rank < 2; ++rank) {
      command += "env";
      for (const std::string& e : rank == 0 ? env0 : env1) command += " " + shell_quote(e);
      command += " " + shell_quote(testing::scopemia_binary()) + " --threads 1";
      for (const std::string& a : train_args) command += " " + shell_quote(a);
      command += " --out " + shell_quote(out) + " >" + shell_quote(out + ".out" + std::to_string(rank)) + " 2>&1 & p" +
                 std::to_string(rank) + "=$!; ";
    }
    command += "wait $p0; s0=$?; wait $p1; s1=$?; exit $((s0 | s1))";
    const int status = std::system(("bash -c " + shell_quote(command)).c_str());
    std::ifstream log0(out + ".out0"), log1(out + ".out1");
    std::stringstream text;
    text << log0.rdbuf() << log1.rdbuf();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text.str();
    return out;
  };
  const std::string port = std::to_string(cli::free_local_port());
  const std::string torchrun = start_two(
      "torchrun",
      {"RANK=0", "LOCAL_RANK=0", "WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + port},
      {"RANK=1", "LOCAL_RANK=1", "WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + port});
  expect_same_weights(dir.file("launch"), torchrun);

  const std::string port2 = std::to_string(cli::free_local_port());
  const std::string slurm = start_two(
      "slurm",
      {"-u", "WORLD_SIZE", "-u", "RANK", "SLURM_PROCID=0", "SLURM_STEP_NUM_TASKS=2", "MASTER_ADDR=127.0.0.1",
       "MASTER_PORT=" + port2},
      {"-u", "WORLD_SIZE", "-u", "RANK", "SLURM_PROCID=1", "SLURM_STEP_NUM_TASKS=2", "MASTER_ADDR=127.0.0.1",
       "MASTER_PORT=" + port2});
  expect_same_weights(dir.file("launch"), slurm);
}

}  // namespace
}  // namespace scopemia
