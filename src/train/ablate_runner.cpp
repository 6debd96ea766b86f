#include "train/ablate_runner.h"

#include <cmath>
#include <filesystem>
#include <limits>
#include <map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/file_contents.h"
#include "core/progress.h"
#include "io/csv.h"
#include "train/trainer.h"

namespace scopemia::train {

AblationSettings ablation_settings(const TrainConfig& c) {
  AblationSettings s;
  s.stability_weight = c.pde_loss.stability;
  s.entropy_weight = c.pde_loss.entropy;
  s.hessian_weight = c.pde_loss.hessian;
  s.scale_weight = c.pde_loss.scale;
  s.attention_weight = c.pde_loss.attention;
  s.entropy_adaptation = c.model.pde.entropy_adaptation;
  return s;
}

void apply_ablation_settings(TrainConfig& c, const AblationSettings& s) {
  c.pde_loss.stability = s.stability_weight;
  c.pde_loss.entropy = s.entropy_weight;
  c.pde_loss.hessian = s.hessian_weight;
  c.pde_loss.scale = s.scale_weight;
  c.pde_loss.attention = s.attention_weight;
  c.model.pde.entropy_adaptation = s.entropy_adaptation;
}

TrainConfig ablation_run_config(const TrainConfig& base, const AblationVariant& variant, int seed_index,
                                const std::string& out_dir) {
  TrainConfig c = base;
  apply_ablation_settings(c, apply_variant(ablation_settings(base), variant));
  c.seed = base.seed + uint64_t(seed_index);
  c.output_dir = (std::filesystem::path(out_dir) / "runs" / fmt::format("{}_seed{}", variant.name, c.seed)).string();
  return c;
}

namespace {

namespace fs = std::filesystem;

enum class EarlierRun { kNone, kInterrupted, kFinished };

// What an earlier ablation left in this run's folder (AblateOptions::resume).
EarlierRun earlier_run(const TrainConfig& c) {
  const fs::path dir(c.output_dir);
  const bool finished = fs::is_regular_file(dir / "model.pt");
  if (!finished && !fs::is_regular_file(dir / "checkpoint.pt")) return EarlierRun::kNone;
  const fs::path written = dir / "config.yaml";  // run_training writes to_yaml of its config
  if (read_file_contents(written) != to_yaml(c))
    throw InputError(written.string(), "this run folder holds a run of another configuration than this ablation's "
                                       "(remove it, or run without --resume)");
  return finished ? EarlierRun::kFinished : EarlierRun::kInterrupted;
}

// The last validation pass a run logged (its metrics.csv's last row).
std::map<std::string, double> last_logged_validation(const TrainConfig& c) {
  const std::string path = (fs::path(c.output_dir) / "metrics.csv").string();
  const io::CsvTable log = io::read_csv(path);
  if (log.rows.empty()) throw InputError(path, "no epoch logged; remove the run folder to train it again");
  std::map<std::string, double> validation;
  for (size_t i = 0; i < log.header.size(); ++i)
    if (log.header[i].rfind("val_", 0) == 0 && !log.rows.back()[i].empty())
      validation[log.header[i]] = std::stod(log.rows.back()[i]);
  return validation;
}

}  // namespace

AblateResult run_ablation(const TrainConfig& base_in, const AblateOptions& o) {
  if (base_in.task != Task::kPretrain)
    throw InputError(base_in.source, "task: scopemia ablate pretrains (task pretrain), not " + to_string(base_in.task));
  if (o.seeds < 1) throw InputError("--seeds: must be at least 1");
  TrainConfig base = base_in;
  if (o.max_steps > 0) base.max_steps = o.max_steps;
  if (base.data.val_fraction <= 0)
    throw InputError(base.source, "data.val_fraction: ablation scores the validation split; it must be > 0");

  std::vector<AblationVariant> variants;
  if (o.variants.empty()) {
    variants = ablation_variants();
  } else {
    for (const auto& name : o.variants) variants.push_back(find_ablation_variant(name));
  }
  AblateResult result;
  const AblationSettings settings = ablation_settings(base);
  std::vector<AblationVariant> active;
  for (const auto& v : variants) {
    if (v.removed != AblationComponent::kNone && !variant_changes(settings, v)) {
      spdlog::warn("ablation: skipping {} (the component is already off in the base config)", v.name);
      result.skipped.push_back(v.name);
      continue;
    }
    active.push_back(v);
  }

  std::filesystem::create_directories(o.out_dir);
  const int64_t total = int64_t(active.size()) * o.seeds;
  Progress progress("ablation runs", total, stderr, o.progress_bar ? -1 : 0);
  int64_t index = 0;
  for (const auto& v : active) {
    for (int s = 0; s < o.seeds; ++s) {
      const TrainConfig c = ablation_run_config(base, v, s, o.out_dir);
      const EarlierRun earlier = o.resume ? earlier_run(c) : EarlierRun::kNone;
      if (earlier == EarlierRun::kFinished) {
        spdlog::info("ablation run {}/{}: {} seed {}: finished earlier in {}", index + 1, total, v.name, c.seed,
                     c.output_dir);
      } else {
        spdlog::info("ablation run {}/{}: {} seed {} -> {}{}", index + 1, total, v.name, c.seed, c.output_dir,
                     earlier == EarlierRun::kInterrupted ? " (continuing from its checkpoint)" : "");
        RunOptions ro;
        ro.progress_bar = o.progress_bar;
        ro.figures = false;
        if (earlier == EarlierRun::kInterrupted) ro.resume = c.output_dir;
        run_training(c, ro);
      }
      // Always the logged values, so a run read back scores what it scored
      // when it ran (the log keeps 6 significant digits).
      const std::map<std::string, double> validation = last_logged_validation(c);
      AblationRun run;
      run.variant = v.name;
      run.seed = c.seed;
      const auto get = [&](const char* key) {
        const auto it = validation.find(key);
        return it == validation.end() ? std::numeric_limits<double>::quiet_NaN() : it->second;
      };
      run.ssim = get("val_ssim");
      run.r = get("val_r");
      result.runs.push_back(run);
      ++index;
      if (o.on_run) o.on_run(run, index, total);
      progress.advance(1, fmt::format("{} seed {}: SSIM {:.4f} R {:.4f}", v.name, c.seed, run.ssim, run.r));
    }
  }
  progress.finish();

  result.rows = summarise_ablation(result.runs, active);
  result.markdown = ablation_markdown(result.rows);
  io::write_csv(ablation_csv(result.rows), (std::filesystem::path(o.out_dir) / "table1.csv").string());
  write_file_atomically(std::filesystem::path(o.out_dir) / "table1.md", result.markdown);
  return result;
}

}  // namespace scopemia::train
