#pragma once
// `scopemia ablate` (paper Table 1): every variant of train/ablation.h,
// each pretrained over several seeds in-process (run_training), scored by
// the validation split's reconstruction SSIM and R (val_ssim, val_r of the
// last row of the run's metrics.csv); the table goes to
// <out>/table1.{csv,md}. docs/training.md, "Ablation".
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "train/ablation.h"
#include "train/config.h"

namespace scopemia::train {

// The ablation switches of a training config and back: the PDE-loss weights
// (pde_loss.*) and the PDE block's entropy adaptation
// (model.pde.entropy_adaptation).
AblationSettings ablation_settings(const TrainConfig& config);
void apply_ablation_settings(TrainConfig& config, const AblationSettings& settings);

// One run's config: `base` with the variant's component removed, seed
// base.seed + seed_index, output <out_dir>/runs/<variant>_seed<seed>.
TrainConfig ablation_run_config(const TrainConfig& base, const AblationVariant& variant, int seed_index,
                                const std::string& out_dir);

struct AblateOptions {
  std::string out_dir = "runs/ablate";
  int seeds = 3;
  int64_t max_steps = 0;          // > 0: overrides max_steps of every run
  std::vector<std::string> variants;  // machine names; empty: all
  bool progress_bar = true;
  // Keep what an earlier ablation into out_dir left: a finished run
  // (model.pt) is read back from its metrics.csv, an interrupted one
  // (checkpoint.pt only) continues from its checkpoint, bitwise as if never
  // stopped. A run folder written with another configuration is an
  // InputError. Without it every run starts afresh.
  bool resume = false;
  // Called after each run (variant, seed, index of the run, number of runs).
  std::function<void(const AblationRun&, int64_t, int64_t)> on_run;
};

struct AblateResult {
  std::vector<AblationRun> runs;
  std::vector<AblationRow> rows;
  std::vector<std::string> skipped;  // variants that would not change the base config
  std::string markdown;              // ablation_markdown(rows)
};

// Runs everything, then writes <out>/table1.csv and <out>/table1.md
// (atomically). Pretraining only (base.task must be pretrain).
AblateResult run_ablation(const TrainConfig& base, const AblateOptions& options);

}  // namespace scopemia::train
