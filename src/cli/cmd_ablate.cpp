// scopemia ablate --config cfg.yaml [--seeds 3] [--cases CSV] [--out DIR] [--max-steps N] [--variants a,b] [--set k=v ...]
// Paper Table 1: the full model and one variant per removed component
// (train/ablation.h), each pretrained over several seeds and scored by SSIM
// and R on the validation split's reconstructions (train/ablate_runner.h).
#include <memory>

#include <fmt/format.h>

#include "cli/command.h"
#include "core/error.h"
#include "core/stop_signal.h"
#include "train/ablate_runner.h"
#include "train/config.h"
#include "train/trainer.h"

namespace scopemia::cli {
namespace {

struct AblateCommandOptions {
  std::string config, cases, out = "runs/ablate";
  int seeds = 3;
  int64_t max_steps = -1;
  std::vector<std::string> variants, overrides;
  bool resume = false;
};

int run_ablate(const AblateCommandOptions& o, Context& ctx) {
  std::vector<std::string> overrides{"task=pretrain"};
  overrides.insert(overrides.end(), o.overrides.begin(), o.overrides.end());
  train::TrainConfig config = train::load_config(o.config, overrides);
  if (!o.cases.empty()) config.data.cases_csv = o.cases;
  if (config.threads == 0 && ctx.threads > 0) config.threads = ctx.threads;
  train::AblateOptions a;
  a.out_dir = o.out;
  a.seeds = o.seeds;
  a.max_steps = o.max_steps > 0 ? o.max_steps : 0;
  a.variants = o.variants;
  a.resume = o.resume;
  train::AblateResult result;
  try {
    result = train::run_ablation(config, a);
  } catch (const train::TrainingDiverged& e) {
    ctx.err << "scopemia: error: training diverged: " << e.what() << "\n";
    return kExitFailure;
  } catch (const Stopped& e) {
    // The run's own message names its folder; the ablation goes on as a whole.
    throw Stopped(e.signal(), std::string(e.what()) + "; the same ablate command with --resume continues the ablation");
  }
  for (const auto& name : result.skipped)
    ctx.err << "scopemia: warning: variant " << name << " skipped (its component is already off in the config)\n";
  ctx.out << result.markdown;
  ctx.out << fmt::format("table1.csv and table1.md in {}\n", o.out);
  return kExitOk;
}

}  // namespace

Command add_ablate_command(CLI::App& parent) {
  auto o = std::make_shared<AblateCommandOptions>();
  CLI::App* app = parent.add_subcommand(
      "ablate", "Ablation study (paper Table 1): pretrain every variant over several seeds, score SSIM and R");
  app->add_option("--config", o->config, "Pretraining configuration (YAML; docs/training.md)")
      ->required()
      ->check(CLI::ExistingFile);
  app->add_option("--seeds", o->seeds, "Seeds per variant (config seed, seed+1, ...)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app->add_option("--cases", o->cases, "Cases CSV (overrides data.cases_csv)");
  app->add_option("--out", o->out, "Output folder: table1.csv, table1.md, runs/<variant>_seed<s>/")
      ->capture_default_str();
  app->add_option("--max-steps", o->max_steps, "Optimizer steps per run (overrides max_steps)")
      ->check(CLI::PositiveNumber);
  app->add_option("--variants", o->variants, "Only these variants (full, no_stability, ...)")->delimiter(',');
  app->add_option("--set", o->overrides, "Override a config key: --set epochs=2 (repeatable)");
  app->add_flag("--resume", o->resume,
                "Keep what an earlier ablation into --out left: finished runs are read back, interrupted ones "
                "continue from their checkpoint (a run folder of another configuration is an error)");
  return {app, [o](Context& ctx) { return run_ablate(*o, ctx); }};
}

}  // namespace scopemia::cli
