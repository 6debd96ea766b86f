// scopemia train --config cfg.yaml [--cases CSV] [--out DIR] [--resume CK] [--max-steps N] [--set key=value ...]
// (and `scopemia pretrain`, the same with the task fixed to pretrain: cmd_pretrain.cpp)
#include <memory>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "cli/command.h"
#include "core/error.h"
#include "train/config.h"
#include "train/trainer.h"

namespace scopemia::cli {

// Shared by `train` and `pretrain` (declared again in cmd_pretrain.cpp).
Command add_training_command(CLI::App& parent, const std::string& name, bool pretrain);

namespace {

struct TrainCommandOptions {
  std::string config, cases, out, resume, figures;
  int64_t max_steps = -1;
  std::vector<std::string> overrides;
};

// `pretrain` fixes the task; a config that names another task is an error.
std::vector<std::string> pretrain_overrides(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw InputError(path, "cannot read the configuration");
  } catch (const YAML::Exception& e) {
    throw InputError(path, std::string("invalid YAML: ") + e.msg);
  }
  if (root.IsMap() && root["task"] && root["task"].IsScalar() && root["task"].Scalar() != "pretrain")
    throw InputError(path, "task: '" + root["task"].Scalar() + "' (scopemia pretrain trains task pretrain; use scopemia train)");
  return {"task=pretrain"};
}

int run_training_command(const TrainCommandOptions& o, bool pretrain, Context& ctx) {
  std::vector<std::string> overrides = pretrain ? pretrain_overrides(o.config) : std::vector<std::string>{};
  overrides.insert(overrides.end(), o.overrides.begin(), o.overrides.end());
  train::TrainConfig config = train::load_config(o.config, overrides);
  if (pretrain && config.task != train::Task::kPretrain)
    throw InputError(o.config, "task: scopemia pretrain trains task pretrain");
  if (!o.cases.empty()) config.data.cases_csv = o.cases;
  if (!o.out.empty()) config.output_dir = o.out;
  if (o.max_steps >= 0) config.max_steps = o.max_steps;
  if (config.threads == 0 && ctx.threads > 0) config.threads = ctx.threads;
  if ((config.task == train::Task::kClassification || config.task == train::Task::kRegression) &&
      config.data.target_column.empty())
    throw InputError(o.config, "data.target_column: required for task " + train::to_string(config.task));
  train::RunOptions run;
  run.resume = o.resume;
  run.figures_dir = o.figures;
  train::RunSummary summary;
  try {
    summary = train::run_training(config, run);
  } catch (const train::TrainingDiverged& e) {
    ctx.err << "scopemia: error: training diverged: " << e.what() << "\n";
    return kExitFailure;
  }
  if (!summary.main_rank) return kExitOk;  // rank 0 reports
  ctx.out << fmt::format("trained {} steps ({} epochs completed); checkpoint {}\n", summary.steps,
                         summary.epochs_completed, summary.checkpoint);
  for (const auto& [k, v] : summary.last_validation) ctx.out << fmt::format("{} {:.6g}\n", k, v);
  return kExitOk;
}

}  // namespace

Command add_training_command(CLI::App& parent, const std::string& name, bool pretrain) {
  auto o = std::make_shared<TrainCommandOptions>();
  CLI::App* app = parent.add_subcommand(
      name, pretrain ? "Pretrain SCOPE-MIA as a 3D masked autoencoder on k-slice subvolumes (optional MCI head)"
                     : "Train SCOPE-MIA on k-slice subvolumes: classification, regression, segmentation or pretrain");
  app->add_option("--config", o->config, "Training configuration (YAML; docs/training.md)")->required()->check(CLI::ExistingFile);
  app->add_option("--cases", o->cases, "Cases CSV (overrides data.cases_csv)");
  app->add_option("--out", o->out, "Output folder: metrics.csv, checkpoint.pt, model.pt (overrides output_dir)");
  app->add_option("--resume", o->resume, "Continue from a checkpoint file or a run folder");
  app->add_option("--max-steps", o->max_steps, "Stop after this many optimizer steps (overrides max_steps)")
      ->check(CLI::NonNegativeNumber);
  if (pretrain)
    app->add_option("--figures", o->figures,
                    "Also write fig2_masking.png and fig3_reconstruction.png into this folder (always in --out)");
  app->add_option("--set", o->overrides, "Override a config key: --set optimizer.lr=3e-4 (repeatable)");
  return {app, [o, pretrain](Context& ctx) { return run_training_command(*o, pretrain, ctx); }};
}

Command add_train_command(CLI::App& parent) { return add_training_command(parent, "train", false); }

}  // namespace scopemia::cli
