// Where outputs go (issue 13): a full disk publishes nothing and leaves no
// temporary behind, for every command that writes; `-o /dev/null`, `-o -`,
// a symlink, a FIFO are written as a user means them; temporaries of a
// killed process are cleaned.
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <random>

#include <gtest/gtest.h>

#include "bad_inputs/bad_input_files.h"
#include "core/atomic_file.h"
#include "support/run_cli.h"
#include "support/temp_dir.h"

namespace scopemia {
namespace {
namespace fs = std::filesystem;
using testing::NiftiSpec;
using testing::run_binary;
using testing::TempDir;

void write_case(const fs::path& d) {
  NiftiSpec image;
  image.values = testing::test_image_values();
  testing::write_nifti((d / "image.nii.gz").string(), image);
  NiftiSpec mask;
  mask.datatype = 2;
  mask.values = testing::test_mask_values();
  testing::write_nifti((d / "mask.nii.gz").string(), mask);
}

std::vector<std::string> radiomics_to(const fs::path& d, const std::string& out) {
  return {"radiomics", (d / "image.nii.gz").string(), (d / "mask.nii.gz").string(), "-o", out};
}

bool has_temporaries(const fs::path& d) {
  for (const auto& e : fs::recursive_directory_iterator(d))
    if (e.path().filename().string().rfind(".scopemia-tmp", 0) == 0) return true;
  return false;
}

TEST(Outputs, DashWritesToStandardOutput) {
  TempDir dir;
  write_case(dir.path());
  const auto plain = run_binary({"radiomics", dir.file("image.nii.gz"), dir.file("mask.nii.gz")});
  const auto dash = run_binary(radiomics_to(dir.path(), "-"));
  ASSERT_EQ(dash.code, 0) << dash.err;
  EXPECT_EQ(dash.out, plain.out);
  EXPECT_NE(dash.out.find("original_firstorder_Mean"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir.file("-")));
}

TEST(Outputs, DevNullStaysTheNullDevice) {
  TempDir dir;
  write_case(dir.path());
  const auto r = run_binary(radiomics_to(dir.path(), "/dev/null"));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
  EXPECT_FALSE(has_temporaries("/dev"));
}

TEST(Outputs, SymlinkIsWrittenThroughAndStaysALink) {
  TempDir dir;
  write_case(dir.path());
  fs::create_directory(dir.path() / "real");
  std::ofstream(dir.file("real/features.csv")) << "old\n";
  fs::create_symlink(dir.path() / "real" / "features.csv", dir.path() / "link.csv");
  fs::create_symlink("real/new.csv", dir.path() / "dangling.csv");  // relative, target absent
  for (const char* link : {"link.csv", "dangling.csv"}) {
    const auto r = run_binary(radiomics_to(dir.path(), dir.file(link)));
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(fs::is_symlink(dir.path() / link)) << link;
  }
  EXPECT_NE(testing::read_bytes(dir.file("real/features.csv")).find("original_firstorder_Mean"), std::string::npos);
  EXPECT_NE(testing::read_bytes(dir.file("real/new.csv")).find("original_firstorder_Mean"), std::string::npos);
  EXPECT_FALSE(has_temporaries(dir.path()));
}

TEST(Outputs, FifoReceivesTheOutputAndStaysAFifo) {
  TempDir dir;
  write_case(dir.path());
  const std::string fifo = dir.file("pipe.csv");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto reader = std::async(std::launch::async, [&] { return testing::read_bytes(fifo); });
  const auto r = run_binary(radiomics_to(dir.path(), fifo));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(reader.get().find("original_firstorder_Mean"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST(Outputs, TemporariesOfDeadProcessesAreRemovedLiveOnesKept) {
  TempDir dir;
  write_case(dir.path());
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
  pid_t dead = 0;  // a pid no process has
  for (pid_t p = 4000000; p > 300000; --p)
    if (::kill(p, 0) != 0 && errno == ESRCH) {
      dead = p;
      break;
    }
  ASSERT_GT(dead, 0);
  const fs::path stale = dir.path() / (".scopemia-tmp-" + std::string(host) + "-" + std::to_string(dead) + "-0");
  const fs::path old_style = dir.path() / (".scopemia-tmp-" + std::to_string(dead) + "-3");
  const fs::path live = dir.path() / (".scopemia-tmp-" + std::string(host) + "-" + std::to_string(::getpid()) + "-0");
  const fs::path other_host = dir.path() / (".scopemia-tmp-elsewhere-" + std::to_string(dead) + "-0");
  for (const auto& d : {stale, old_style, live, other_host}) {
    fs::create_directory(d);
    std::ofstream(d / "partial.nii.gz") << "partial";
  }
  ASSERT_EQ(run_binary({"convert", dir.file("image.nii.gz"), dir.file("out.nrrd")}).code, 0);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_FALSE(fs::exists(old_style));
  EXPECT_TRUE(fs::exists(live));        // this test process is alive
  EXPECT_TRUE(fs::exists(other_host));  // another machine's process may be alive
  EXPECT_TRUE(fs::exists(dir.file("out.nrrd")));
}

// ---------------------------------------------------------------- full disk

// A small tmpfs mounted on a fresh folder, filled to `free_bytes` free.
// Needs root (CI runs as root); skipped with a message otherwise.
class FullDisk {
 public:
  explicit FullDisk(size_t free_bytes) {
    if (::geteuid() != 0) return;
    mount_ = dir_.path() / "disk";
    fs::create_directory(mount_);
    if (::mount("tmpfs", mount_.c_str(), "tmpfs", 0, "size=1m") != 0) return;
    mounted_ = true;
    std::ofstream filler(mount_ / "filler", std::ios::binary);
    const std::string block(4096, 'x');
    while (filler.write(block.data(), block.size())) {
    }
    filler.close();
    fs::resize_file(mount_ / "filler", fs::file_size(mount_ / "filler") - free_bytes);
  }
  ~FullDisk() {
    if (mounted_) ::umount(mount_.c_str());
  }
  bool mounted() const { return mounted_; }
  fs::path path(const std::string& name) const { return mount_ / name; }
  // Everything on the disk but the filler.
  std::vector<std::string> leftovers() const {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(mount_))
      if (e.path().filename() != "filler") out.push_back(fs::relative(e.path(), mount_).string());
    return out;
  }

 private:
  TempDir dir_;
  fs::path mount_;
  bool mounted_ = false;
};

#define REQUIRE_FULL_DISK(disk)                                                            \
  if (!(disk).mounted()) GTEST_SKIP() << "needs root to mount a small tmpfs (CI runs as root)"

void expect_clean_failure(const testing::CliResult& r, const FullDisk& disk, const std::vector<std::string>& allowed = {}) {
  EXPECT_NE(r.code, 0) << "a full disk was not reported";
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.find("Exception raised from"), std::string::npos) << r.err;
  EXPECT_TRUE(r.err.find("No space left") != std::string::npos || r.err.find("disk full") != std::string::npos)
      << "failed for another reason: " << r.err;
  auto left = disk.leftovers();
  for (const auto& a : allowed) left.erase(std::remove(left.begin(), left.end(), a), left.end());
  EXPECT_TRUE(left.empty()) << "left on the full disk: " << left.front();
}

// A 64^3 image of noise: megabytes in any format, compressed or not.
void write_big_image(const std::string& path) {
  NiftiSpec s;
  s.dims[0] = s.dims[1] = s.dims[2] = 64;
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> u(-1000, 1000);
  s.values.resize(64 * 64 * 64);
  for (auto& v : s.values) v = u(rng);
  testing::write_nifti(path, s);
}

TEST(FullDiskOutputs, ConvertToEveryFormatPublishesNothing) {
  FullDisk disk(8192);
  REQUIRE_FULL_DISK(disk);
  TempDir dir;
  write_big_image(dir.file("big.nii.gz"));
  for (const char* out : {"out.nii", "out.nii.gz", "out.mha", "out.nrrd", "out.mhd"}) {
    const auto r = run_binary({"convert", dir.file("big.nii.gz"), disk.path(out).string()});
    SCOPED_TRACE(out);
    expect_clean_failure(r, disk);
  }
}

TEST(FullDiskOutputs, MciPublishesNothing) {
  FullDisk disk(8192);
  REQUIRE_FULL_DISK(disk);
  TempDir dir;
  write_big_image(dir.file("big.nii.gz"));
  expect_clean_failure(run_binary({"mci", dir.file("big.nii.gz"), "-o", disk.path("mci.nii.gz").string()}), disk);
}

TEST(FullDiskOutputs, RadiomicsPublishesNothing) {
  FullDisk disk(512);
  REQUIRE_FULL_DISK(disk);
  TempDir dir;
  write_case(dir.path());
  expect_clean_failure(run_binary(radiomics_to(dir.path(), disk.path("features.csv").string())), disk);
  std::ofstream(dir.file("cases.csv")) << "ID,Image,Mask\na," << dir.file("image.nii.gz") << "," << dir.file("mask.nii.gz")
                                        << "\nb," << dir.file("image.nii.gz") << "," << dir.file("mask.nii.gz") << "\n";
  expect_clean_failure(
      run_binary({"radiomics", "--batch", dir.file("cases.csv"), "-o", disk.path("batch.csv").string()}), disk);
}

TEST(FullDiskOutputs, EmbedAndEvaluatePublishNothing) {
  FullDisk disk(1024);
  REQUIRE_FULL_DISK(disk);
  TempDir dir;
  ASSERT_EQ(run_binary({"phantom", "-o", dir.file("cohort"), "--cases", "12", "--seed", "3", "--size", "48", "48", "16"}).code, 0);
  const std::string cases = dir.file("cohort/cases.csv"), config = dir.file("c.yaml");
  std::ofstream(config) << "task: pretrain\ndata: {preprocess: {spacing: [0, 0, 0], height: 32, width: 32}}\n"
                           "model: {pde_stages: [0]}\nembedding: {taps: [pde0], regions: [roi]}\n";
  expect_clean_failure(run_binary({"--threads", "1", "embed", "--config", config, "--seed", "1", "--cases", cases, "-o",
                                   disk.path("embeddings.csv").string()}),
                       disk);
  // evaluate: the features fit on a normal disk; the report does not fit.
  ASSERT_EQ(run_binary({"radiomics", "--batch", cases, "-o", dir.file("features.csv")}).code, 0);
  const auto r = run_binary({"evaluate", "--features", dir.file("features.csv"), "--labels", cases, "--target",
                             "heterogeneous", "--classifiers", "logreg", "--folds", "3", "--repeats", "1", "--no-plots",
                             "-o", disk.path("report").string()});
  expect_clean_failure(r, disk, {"report"});  // the (empty) folder it was asked to write into
}

TEST(FullDiskOutputs, TrainingStopsWithOneLineAndNoCheckpoint) {
  FullDisk disk(4096);
  REQUIRE_FULL_DISK(disk);
  TempDir dir;
  ASSERT_EQ(run_binary({"phantom", "-o", dir.file("cohort"), "--cases", "4", "--seed", "3", "--size", "48", "48", "16"}).code, 0);
  const std::string common = "data: {preprocess: {spacing: [0, 0, 0], height: 32, width: 32}, target_column: heterogeneous}\n"
                             "model: {pde_stages: [0]}\npde_loss: {scale: 0}\nbatch_size: 1\nk: 16\nstride: 16\nworkers: 0\nthreads: 1\n";
  // Self-supervised pretraining and supervised training share the run loop
  // but not the task heads and metrics: both are run.
  for (const std::string task : {"pretrain", "classification"}) {
    SCOPED_TRACE(task);
    const std::string config = dir.file(task + ".yaml");
    std::ofstream(config) << "task: " << task << "\n" << common;
    const std::string run = "run-" + task;
    const auto r = run_binary({task == "pretrain" ? "pretrain" : "train", "--config", config, "--cases",
                               dir.file("cohort/cases.csv"), "--out", disk.path(run).string(), "--max-steps", "1"});
    EXPECT_NE(r.code, 0);
    EXPECT_EQ(r.err.find("Exception raised from"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("scopemia: "), std::string::npos) << r.err;
    EXPECT_TRUE(r.err.find("No space left") != std::string::npos || r.err.find("disk full") != std::string::npos)
        << "failed for another reason: " << r.err;
    EXPECT_FALSE(fs::exists(disk.path(run + "/model.pt")));
    EXPECT_FALSE(fs::exists(disk.path(run + "/checkpoint.pt")));
    EXPECT_FALSE(has_temporaries(disk.path("")));
  }
}

}  // namespace
}  // namespace scopemia
