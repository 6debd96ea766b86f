// scopemia ablate end to end on a tiny synthetic cohort: every variant of
// train/ablation.h over two seeds, Table 1 as CSV and markdown.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "core/error.h"
#include "io/csv.h"
#include "support/run_cli.h"
#include "support/temp_dir.h"
#include "synth/phantom.h"
#include "train/ablate_runner.h"
#include "train/ablation.h"
#include "train/config.h"
#include "train/trainer.h"

namespace scopemia {
namespace {
namespace fs = std::filesystem;
using testing::run_binary;
using testing::TempDir;

// 64 x 64 in-plane so the scale-consistency term (a half-size second pass
// through ConvNeXt-3D) is on and its variant is a real change.
const char* kConfig = R"(task: pretrain
data:
  group_column: patient_id
  val_fraction: 0.34
  preprocess: {spacing: [1, 1, 1], height: 64, width: 64, margin_mm: 5}
model: {backbone: convnext3d_nano, pde_stages: [1]}
masking: {strategy: cubes, ratio: [0.5], unit: 4}
pde_loss: {stability: 0.1, entropy: 0.1, hessian: 0.01, scale: 0.1, attention: 0.1}
epochs: 1
batch_size: 2
k: 16
stride: 16
workers: 0
deterministic: true
threads: 1
)";

double number(const std::string& cell) {
  if (cell.empty()) return std::nan("");
  return std::stod(cell);
}

// Six 48x48x16 phantom cases at 1 mm: two validation patients at val_fraction 0.34.
std::string write_tiny_cohort(const TempDir& dir) {
  synth::PhantomOptions p;
  p.cases = 6;
  p.size = Size3{48, 48, 16};
  p.spacing = Vec3{1.0, 1.0, 1.0};
  p.threads = 1;
  return synth::write_phantom_cohort(dir.file("cohort"), p).csv_path;
}

TEST(AblateCli, OneRowPerVariantOverSeedsWithTheIntendedSwitches) {
  TempDir dir;
  const std::string cases = write_tiny_cohort(dir);
  const std::string cfg = dir.file("cfg.yaml"), out = dir.file("ablate");
  std::ofstream(cfg) << kConfig;

  const auto r = run_binary({"ablate", "--config", cfg, "--cases", cases, "--out", out, "--seeds", "2",
                             "--max-steps", "2"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto& variants = train::ablation_variants();
  ASSERT_EQ(variants.size(), 6u);
  for (const auto& v : variants) EXPECT_NE(r.out.find(v.label), std::string::npos) << v.label << "\n" << r.out;

  ASSERT_TRUE(fs::is_regular_file(fs::path(out) / "table1.csv"));
  ASSERT_TRUE(fs::is_regular_file(fs::path(out) / "table1.md"));
  const std::string md = testing::read_bytes((fs::path(out) / "table1.md").string());
  EXPECT_NE(r.out.find(md), std::string::npos) << "the printed table is the written one";

  const io::CsvTable t = io::read_csv(out + "/table1.csv");
  ASSERT_EQ(t.rows.size(), variants.size()) << "one row per variant";
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < t.header.size(); ++i) col[t.header[i]] = i;
  for (const char* c : {"variant", "seeds", "ssim_mean", "ssim_std", "r_mean", "r_std"}) ASSERT_TRUE(col.count(c)) << c;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const auto& row = t.rows[i];
    EXPECT_EQ(row[col["variant"]], variants[i].name);
    EXPECT_EQ(row[col["seeds"]], "2");
    const double ssim = number(row[col["ssim_mean"]]), ssim_std = number(row[col["ssim_std"]]);
    const double rm = number(row[col["r_mean"]]), r_std = number(row[col["r_std"]]);
    EXPECT_TRUE(std::isfinite(ssim_std) && ssim_std >= 0) << variants[i].name << " " << row[col["ssim_std"]];
    EXPECT_TRUE(std::isfinite(r_std) && r_std >= 0) << variants[i].name << " " << row[col["r_std"]];
    // The reconstruction keeps the visible half of the window, so SSIM is
    // well above 0 and at most 1; R is a weighted sum of terms in [0, 1]
    // except dV (unbounded above), so it is at least 0.
    EXPECT_GT(ssim, 0.0) << variants[i].name;
    EXPECT_LE(ssim, 1.0) << variants[i].name;
    EXPECT_GE(rm, 0.0) << variants[i].name;
  }

  // Each run's saved config differs from the full model's exactly in the
  // variant's switch; the seeds are the config's seed and seed + 1.
  auto load = [&](const std::string& variant, int seed) {
    const fs::path p = fs::path(out) / "runs" / (variant + "_seed" + std::to_string(seed)) / "config.yaml";
    EXPECT_TRUE(fs::is_regular_file(p)) << p;
    return train::load_config(p.string());
  };
  for (int seed : {0, 1}) {
    const auto full = load("full", seed);
    EXPECT_EQ(full.seed, uint64_t(seed));
    EXPECT_TRUE(full.model.pde.entropy_adaptation);
    EXPECT_DOUBLE_EQ(full.pde_loss.stability, 0.1);
    EXPECT_DOUBLE_EQ(full.pde_loss.entropy, 0.1);
    EXPECT_DOUBLE_EQ(full.pde_loss.hessian, 0.01);
    EXPECT_DOUBLE_EQ(full.pde_loss.scale, 0.1);
    EXPECT_DOUBLE_EQ(full.pde_loss.attention, 0.1);
    EXPECT_EQ(full.max_steps, 2);
    const auto settings_full = train::ablation_settings(full);
    for (const auto& v : variants) {
      if (v.removed == train::AblationComponent::kNone) continue;
      const auto c = load(v.name, seed);
      EXPECT_EQ(c.seed, uint64_t(seed));
      const auto s = train::ablation_settings(c);
      const bool ent = v.removed == train::AblationComponent::kEntropyAdaptation;
      EXPECT_EQ(s.entropy_adaptation, !ent) << v.name;
      EXPECT_EQ(s.entropy_weight, ent ? 0.0 : settings_full.entropy_weight) << v.name;
      EXPECT_EQ(s.stability_weight, v.removed == train::AblationComponent::kStability ? 0.0 : 0.1) << v.name;
      EXPECT_EQ(s.hessian_weight, v.removed == train::AblationComponent::kHessian ? 0.0 : 0.01) << v.name;
      EXPECT_EQ(s.scale_weight, v.removed == train::AblationComponent::kScaleConsistency ? 0.0 : 0.1) << v.name;
      EXPECT_EQ(s.attention_weight, v.removed == train::AblationComponent::kAttentionGuidance ? 0.0 : 0.1) << v.name;
      EXPECT_TRUE(fs::is_regular_file(fs::path(c.output_dir) / "metrics.csv") ||
                  fs::is_regular_file(fs::path(out) / "runs" / (v.name + "_seed" + std::to_string(seed)) / "metrics.csv"));
    }
  }

  // Ablation scores validation: a config without it is a one-line error.
  const auto no_val = run_binary({"ablate", "--config", cfg, "--cases", cases, "--out", dir.file("x"), "--set",
                                  "data.val_fraction=0", "--max-steps", "1"});
  EXPECT_EQ(no_val.code, 2) << no_val.err;
  EXPECT_NE(no_val.err.find("val_fraction"), std::string::npos) << no_val.err;
}

// `ablate --resume`: a finished run is read back without training, an
// interrupted one continues from its checkpoint and ends where an
// uninterrupted ablation ends; another configuration's folder is refused.
TEST(Ablate, ResumeReadsFinishedRunsBackAndContinuesInterruptedOnesBitwise) {
  TempDir dir;
  const std::string cases = write_tiny_cohort(dir);
  train::TrainConfig base = train::parse_config(kConfig, "cfg.yaml");
  base.data.cases_csv = cases;
  base.max_steps = 3;
  train::AblateOptions o;
  o.seeds = 1;
  o.variants = {"full"};
  o.progress_bar = false;
  o.out_dir = dir.file("straight");
  const train::AblateResult straight = train::run_ablation(base, o);
  ASSERT_EQ(straight.runs.size(), 1u);
  ASSERT_TRUE(std::isfinite(straight.runs[0].ssim));

  const fs::path metrics = fs::path(o.out_dir) / "runs" / "full_seed0" / "metrics.csv";
  const std::string logged = testing::read_bytes(metrics.string());
  const fs::path model = metrics.parent_path() / "model.pt";
  const auto model_written = fs::last_write_time(model);
  o.resume = true;
  const train::AblateResult again = train::run_ablation(base, o);
  EXPECT_EQ(again.runs[0].ssim, straight.runs[0].ssim);
  EXPECT_EQ(again.runs[0].r, straight.runs[0].r);
  EXPECT_EQ(testing::read_bytes(metrics.string()), logged) << "a finished run is not trained again";
  EXPECT_EQ(fs::last_write_time(model), model_written) << "nor its model written again";

  // Killed after its first step: what a stopped run leaves (no model.pt).
  const train::TrainConfig run = train::ablation_run_config(base, train::find_ablation_variant("full"), 0,
                                                            dir.file("interrupted"));
  train::RunOptions stop;
  stop.progress_bar = false;
  stop.figures = false;
  stop.stop_at_step = 1;
  ASSERT_EQ(train::run_training(run, stop).steps, 1);
  ASSERT_TRUE(fs::remove(fs::path(run.output_dir) / "model.pt"));
  const std::string stopped_log = testing::read_bytes((fs::path(run.output_dir) / "metrics.csv").string());
  o.out_dir = dir.file("interrupted");
  const train::AblateResult continued = train::run_ablation(base, o);
  // Continued, not trained afresh (a fresh run would end the same, but its log would not start with the stopped one's).
  const std::string continued_log = testing::read_bytes((fs::path(run.output_dir) / "metrics.csv").string());
  EXPECT_EQ(continued_log.substr(0, stopped_log.size()), stopped_log);
  EXPECT_GT(continued_log.size(), stopped_log.size());
  EXPECT_EQ(continued.runs[0].ssim, straight.runs[0].ssim);
  EXPECT_EQ(continued.runs[0].r, straight.runs[0].r);
  EXPECT_TRUE(fs::is_regular_file(fs::path(run.output_dir) / "model.pt"));

  train::TrainConfig other = base;
  other.optimizer.lr *= 2;
  o.out_dir = dir.file("straight");
  EXPECT_THROW(train::run_ablation(other, o), InputError);
}

}  // namespace
}  // namespace scopemia
