// scopemia infer --checkpoint CK IMAGE -o OUT.nii.gz [--k K --stride S --fusion mean|gaussian]
//                [--sw-batch B] [--tile HxW] [--output reconstruction|segmentation|mci]
#include <memory>
#include <optional>
#include <regex>

#include <fmt/format.h>

#include "cli/command.h"
#include "core/error.h"
#include "infer/checkpoint_model.h"

namespace scopemia::cli {
namespace {

struct InferOptions {
  std::string image, output, checkpoint, series, fusion = "mean", tile, what;
  std::optional<int64_t> k, stride;
  int64_t batch = 1;
};

int run_infer(const InferOptions& o, Context& ctx) {
  const infer::CheckpointModel checkpoint = infer::CheckpointModel::load(o.checkpoint);
  const infer::DenseOutput what =
      o.what.empty() ? checkpoint.default_dense_output() : infer::parse_dense_output(o.what);
  const infer::WindowModel window_model = checkpoint.dense_window_model(what);
  infer::DenseInferenceOptions d = checkpoint.dense_options(what, checkpoint.windows(o.k, o.stride));
  d.read.series_uid = o.series;
  d.progress = true;
  d.window.fusion = o.fusion == "gaussian" ? infer::Fusion::kGaussian : infer::Fusion::kMean;
  d.window.batch = o.batch;
  if (!o.tile.empty()) {
    std::smatch m;
    if (!std::regex_match(o.tile, m, std::regex(R"((\d+)[xX](\d+))")))
      throw InputError("--tile must be HxW (e.g. 64x64), got '" + o.tile + "'");
    d.window.tile_h = std::stoll(m[1]);
    d.window.tile_w = std::stoll(m[2]);
  }
  const infer::DenseInferenceReport report = infer::infer_dense(o.image, o.output, window_model, d);
  if (report.resampled)
    ctx.err << fmt::format("scopemia: note: resampled to the model's spacing ({}, {}, {}) mm and back; "
                           "the whole volume was held in memory\n",
                           report.model_spacing[0], report.model_spacing[1], report.model_spacing[2]);
  ctx.out << o.output << "\n";
  return 0;
}

}  // namespace

Command add_infer_command(CLI::App& parent) {
  auto o = std::make_shared<InferOptions>();
  CLI::App* app = parent.add_subcommand(
      "infer", "Sliding-window inference of a dense model (reconstruction, ROI probability, MCI) over a whole volume");
  app->add_option("image", o->image, "Image file or DICOM series folder")->required();
  app->add_option("-o", o->output, "Output image file (float32, the input's geometry)")->required();
  app->add_option("--checkpoint", o->checkpoint, "A segmentation or pretrain checkpoint (file or run folder)")
      ->required();
  app->add_option("--k", o->k, "Slices per window (default: the checkpoint's)")->check(CLI::PositiveNumber);
  app->add_option("--stride", o->stride, "Window stride in slices (default: the checkpoint's)")
      ->check(CLI::PositiveNumber);
  app->add_option("--fusion", o->fusion, "Weights of overlapping windows")
      ->check(CLI::IsMember({"mean", "gaussian"}));
  app->add_option("--sw-batch", o->batch, "Windows per model call")->check(CLI::PositiveNumber);
  app->add_option("--tile", o->tile, "In-plane tile HxW (default: the checkpoint's in-plane size)");
  app->add_option("--output", o->what,
                  "What to write: reconstruction | mci (pretrain checkpoints), segmentation (ROI probability)")
      ->check(CLI::IsMember({"reconstruction", "segmentation", "mci"}));
  app->add_option("--series", o->series, "SeriesInstanceUID to read from a DICOM folder");
  return {app, [o](Context& ctx) {
            return run_infer(*o, ctx);
          }};
}

}  // namespace scopemia::cli
