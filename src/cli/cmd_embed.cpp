// scopemia embed [--checkpoint CK | --model NAME --seed S] --cases cases.csv -o embeddings.csv [-j N] [--shard I/N]
#include <functional>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "cli/batch.h"
#include "cli/command.h"
#include "core/error.h"
#include "core/runtime.h"
#include "infer/checkpoint_embedder.h"
#include "infer/embed.h"
#include "infer/embedder_pool.h"
#include "io/dicom_mask.h"
#include "io/image_io.h"
#include "train/config.h"

namespace scopemia::cli {
namespace {

struct EmbedCommandOptions {
  infer::EmbedOptions embed;
  std::string cases, output, shard, checkpoint, config;
  int jobs = 1;
  std::vector<double> spacing, window, input_windows;
  std::vector<int64_t> size;
  std::vector<std::string> taps, regions;
  std::optional<int64_t> shell_voxels;
  std::optional<int> pde_block;
  // --descriptor-columns, --descriptor-columns-only, --no-descriptor-columns;
  // unset: the configuration's or checkpoint's descriptors.in_embedding.
  std::optional<train::DescriptorColumns> descriptor_columns;
  bool spectra = false;
  std::optional<int64_t> k, stride;
  // Options that a checkpoint fixes (they may not be given with one).
  std::vector<CLI::Option*> model_options;
};

using MakeEmbedder = infer::EmbedderPool::Make;


// --taps/--regions/--shell-voxels (and the older --pde-block N, i.e. --taps pdeN)
// replace the pooling a checkpoint or the defaults give.
void apply_pooling_overrides(EmbedCommandOptions& o) {
  if (o.pde_block && !o.taps.empty()) throw InputError("--pde-block and --taps cannot be combined");
  if (o.pde_block) o.embed.pooling.taps = {"pde" + std::to_string(*o.pde_block)};
  if (!o.taps.empty()) o.embed.pooling.taps = o.taps;
  if (!o.regions.empty()) o.embed.pooling.regions = o.regions;
  if (o.shell_voxels) o.embed.pooling.shell_voxels = *o.shell_voxels;
  nn::validate(o.embed.pooling, "embed");
}

// What a configuration fixes, then the pooling, window and descriptor-column
// options the command line may still change.
void apply_window_and_pooling_overrides(EmbedCommandOptions& o) {
  apply_pooling_overrides(o);
  o.embed.windows = o.embed.windows.overridden(o.k, o.stride);
  if (o.descriptor_columns) o.embed.descriptor_columns = *o.descriptor_columns;
}

// With a checkpoint: its backbone, trained weights, preprocessing and
// window depth/stride (--k/--stride may still override the window).
MakeEmbedder checkpoint_embedder(EmbedCommandOptions& o) {
  for (const CLI::Option* opt : o.model_options)
    if (opt->count() > 0)
      throw InputError(opt->get_name() + " cannot be combined with --checkpoint (the checkpoint fixes it)");
  const infer::CheckpointEmbedding checkpoint = infer::read_checkpoint_embedding(o.checkpoint);
  o.embed = checkpoint.options;
  apply_window_and_pooling_overrides(o);
  const infer::EmbedOptions options = o.embed;
  return [path = checkpoint.path, options] { return infer::load_checkpoint_embedder(path, options); };
}

// --config: the untrained network a training configuration describes, with
// the weights its run starts from (the config's backbone, input channels,
// preprocessing, windows and pooling; --seed replaces its seed).
MakeEmbedder config_embedder(EmbedCommandOptions& o, const CLI::App& app) {
  for (const CLI::Option* opt : o.model_options)
    if (opt->count() > 0 && opt->get_name() != "--seed")
      throw InputError(opt->get_name() + " cannot be combined with --config (the configuration fixes it)");
  const uint64_t seed = o.embed.seed;
  const train::TrainConfig config = train::load_config(o.config);
  o.embed = infer::embed_options(config);
  apply_window_and_pooling_overrides(o);
  if (app.get_option("--seed")->count() > 0) o.embed.seed = seed;
  const infer::EmbedOptions options = o.embed;
  return [config, options] { return infer::initial_embedder(config, options); };
}

MakeEmbedder random_embedder(EmbedCommandOptions& o) {
  if (o.descriptor_columns.value_or(train::DescriptorColumns::kNone) != train::DescriptorColumns::kNone)
    throw InputError("--descriptor-columns needs --checkpoint or --config (a model with the descriptor head)");
  apply_pooling_overrides(o);
  if (o.input_windows.size() % 2 != 0) throw InputError("--input-window takes pairs: low high");
  for (size_t i = 0; i < o.input_windows.size(); i += 2)
    o.embed.input.windows.push_back({o.input_windows[i], o.input_windows[i + 1]});
  o.embed.windows = o.embed.windows.overridden(o.k, o.stride);
  if (!o.spacing.empty()) o.embed.preprocess.spacing = Vec3{o.spacing[0], o.spacing[1], o.spacing[2]};
  if (!o.size.empty()) {
    o.embed.preprocess.height = o.size[0];
    o.embed.preprocess.width = o.size[1];
  }
  if (!o.window.empty()) {
    o.embed.preprocess.window_low = o.window[0];
    o.embed.preprocess.window_high = o.window[1];
  }
  const infer::EmbedOptions options = o.embed;
  return [options] { return std::make_unique<infer::Embedder>(options); };
}

int run_embed(EmbedCommandOptions& o, const CLI::App& app, Context& ctx) {
  if (!o.checkpoint.empty() && !o.config.empty()) throw InputError("--checkpoint and --config cannot be combined");
  const MakeEmbedder make = !o.checkpoint.empty() ? checkpoint_embedder(o)
                            : !o.config.empty()   ? config_embedder(o, app)
                                                  : random_embedder(o);
  const io::CaseManifest manifest = load_batch(o.cases, o.shard);
  const int jobs = std::max(1, o.jobs);
  // Cases in parallel share the cores: each gets its slice of compute threads.
  set_compute_threads(std::max(1, (ctx.threads > 0 ? ctx.threads : hardware_threads()) / jobs));
  infer::EmbedderPool pool(make, jobs);
  const auto& names = pool.any().names();
  const auto rows = run_batch(manifest, jobs, "embeddings", [&](const io::Case& c) {
    const infer::EmbedderPool::Lease embedder = pool.lease();
    const Volume image = io::read_volume(c.image);
    const LabelMap mask = io::read_mask(c.mask_spec(), c.image);
    CaseValues values;
    if (o.spectra) {
      const auto spectra = embedder->stream_spectra(image, mask);
      for (size_t b = 0; b < spectra.size(); ++b) {
        values.emplace_back(fmt::format("hf_share_pde{}A", b), fmt::format("{:.9g}", spectra[b].anatomical));
        values.emplace_back(fmt::format("hf_share_pde{}T", b), fmt::format("{:.9g}", spectra[b].textural));
      }
      return values;
    }
    const std::vector<float> row = embedder->embed(image, mask);
    for (size_t i = 0; i < row.size(); ++i) values.emplace_back(names[i], fmt::format("{:.9g}", row[i]));
    return values;
  });
  return finish_batch(manifest, rows, o.output, ctx);
}

}  // namespace

Command add_embed_command(CLI::App& parent) {
  auto o = std::make_shared<EmbedCommandOptions>();
  CLI::App* app = parent.add_subcommand(
      "embed", "Lesion embeddings: anatomical and textural PDE streams pooled in the ROI, one row per case");
  app->add_option("--cases", o->cases, "Cases CSV (Image, Mask; PyRadiomics batch format)")->required();
  app->add_option("-o,--output", o->output, "Output CSV (default: stdout)");
  app->add_option("--checkpoint", o->checkpoint,
                  "A checkpoint (file or run folder from scopemia train/pretrain): its backbone, weights and "
                  "preprocessing");
  app->add_option("--config", o->config,
                  "A training configuration: its network with the weights its run starts from (random, --seed "
                  "or the config's seed), preprocessing and pooling");
  o->model_options = {
      app->add_option("--model", o->embed.model, "Registered backbone (randomly initialised with --seed)"),
      app->add_option("--seed", o->embed.seed, "Seed of the model's weights"),
      app->add_option("--pde-stages", o->embed.backbone.pde_stages, "Stages followed by a PDE block")->delimiter(','),
      app->add_option("--spacing", o->spacing, "Resample to this spacing, mm (x y z; 0 keeps an axis)")->expected(3),
      app->add_option("--size", o->size, "In-plane size after crop/pad (H W)")->expected(2),
      app->add_option("--margin", o->embed.preprocess.margin_mm, "Margin around the ROI, mm"),
      app->add_option("--window", o->window, "Intensity window mapped to [0, 1] (low high)")->expected(2),
      app->add_option("--input-window", o->input_windows,
                      "An extra CT window as an input channel, HU (low high; repeat for more)")
          ->expected(2)
          ->take_all()
          ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll),
      app->add_flag("--roi-channel", o->embed.input.roi, "The ROI mask as an input channel"),
  };
  app->add_option("--taps", o->taps, "Maps to pool: stage<i>, pde<b> (b < 0 from the last block) and/or stem (full resolution, model.stem_width)")
      ->delimiter(',');
  app->add_option("--regions", o->regions, "Pooling regions: roi, shell (boundary band), global")->delimiter(',');
  app->add_option("--shell-voxels", o->shell_voxels, "In-plane half-width of the boundary band, voxels")
      ->check(CLI::PositiveNumber);
  app->add_option("--pde-block", o->pde_block, "Pool only this PDE block's streams (same as --taps pde<N>)");
  app->add_option("--k", o->k, "Slices per window (default 16, or the checkpoint's)")->check(CLI::PositiveNumber);
  app->add_option("--stride", o->stride, "Window stride in slices (default 8, or the checkpoint's)")
      ->check(CLI::PositiveNumber);
  // Three callbacks, not a flag pair on an optional<bool>: CLI11 2.1 takes
  // optional<bool> for a counting flag and sets it to 0 when the flag is
  // declared, so the configuration's choice was never seen.
  const auto choose = [o](train::DescriptorColumns c) { return [o, c] { o->descriptor_columns = c; }; };
  auto* append = app->add_flag_callback("--descriptor-columns", choose(train::DescriptorColumns::kAppended),
                                        "Append the pretraining descriptor head's predictions, scope_head_<descriptor> "
                                        "(default: the configuration's descriptors.in_embedding); needs the pooling "
                                        "the head was trained with");
  auto* only = app->add_flag_callback("--descriptor-columns-only", choose(train::DescriptorColumns::kOnly),
                                      "Write the descriptor head's predictions instead of the pooled columns "
                                      "(descriptors.in_embedding: only)");
  auto* none = app->add_flag_callback("--no-descriptor-columns", choose(train::DescriptorColumns::kNone),
                                      "Neither (descriptors.in_embedding: none)");
  only->excludes(append);
  none->excludes(append)->excludes(only);
  app->add_flag("--spectra", o->spectra,
                "Instead of embeddings: per PDE block, the share of in-plane spectral energy above half Nyquist of "
                "the anatomical and the textural stream (hf_share_pde<b>A/T; the disentanglement measure)");
  app->add_option("-j,--jobs", o->jobs, "Cases processed in parallel")->check(CLI::PositiveNumber);
  app->add_option("--shard", o->shard, "I/N: only every N-th case starting at I (0-based); auto: this SLURM array task's share");
  return {app, [o, app](Context& ctx) { return run_embed(*o, *app, ctx); }};
}

}  // namespace scopemia::cli
