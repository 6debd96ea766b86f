// scopemia explain IMAGE [MASK] -o DIR [--checkpoint CK | --model NAME --seed S]
#include <filesystem>
#include <memory>
#include <optional>

#include <torch/torch.h>

#include <fmt/format.h>

#include "cli/command.h"
#include "core/error.h"
#include "core/label_map.h"
#include "data/preprocess.h"
#include "imaging/itk_filters.h"
#include "infer/checkpoint_model.h"
#include "infer/gradcam.h"
#include "io/dicom_mask.h"
#include "io/image_io.h"
#include "io/png.h"
#include "nn/heads.h"

namespace scopemia::cli {
namespace {

struct ExplainOptions {
  std::string image, mask, output, checkpoint, model = "convnext3d_nano";
  uint64_t seed = 0;
  std::vector<int> pde_stages{1, 2};
  std::vector<int64_t> slices;
  std::vector<CLI::Option*> model_options;  // fixed by a checkpoint
};

int run_explain(const ExplainOptions& o, Context& ctx) {
  std::optional<infer::CheckpointModel> checkpoint;
  if (!o.checkpoint.empty()) {
    for (const CLI::Option* opt : o.model_options)
      if (opt->count() > 0)
        throw InputError(opt->get_name() + " cannot be combined with --checkpoint (the checkpoint fixes it)");
    checkpoint = infer::CheckpointModel::load(o.checkpoint);
  }
  const Volume image = io::read_volume(o.image);
  LabelMap mask;
  if (!o.mask.empty()) {
    mask = io::read_mask(o.mask, o.image);
  } else {  // no ROI: explain the whole image
    mask = LabelMap(image.size(), image.geometry(), 1);
  }
  const data::PreprocessOptions pre =
      infer::explain_preprocess(checkpoint ? &checkpoint->config().data.preprocess : nullptr, o.mask.empty());
  const data::PreparedCase prepared = data::prepare_case(image, mask, pre);

  std::vector<infer::StreamMaps> maps;
  if (checkpoint) {
    const infer::Explanation e = checkpoint->explain(prepared.image);
    maps = e.maps;
    if (e.classification)
      ctx.err << fmt::format("scopemia: explaining class {} (logit {:.6g})\n", e.predicted_class, e.score);
    else
      ctx.err << fmt::format("scopemia: explaining the predicted value {:.6g}\n", e.score);
  } else {
    torch::manual_seed(o.seed);
    nn::BackboneOptions b;
    b.pde_stages = o.pde_stages;
    auto model = nn::create(o.model, b);
    model->eval();
    nn::LinearHead head(model->out_channels(), 1);
    head->eval();
    maps = infer::grad_cam(*model, prepared.image, [&](const nn::BackboneOutput& out) {
      return head->forward(out.stages.back()).sum();  // the prediction's logit
    });
  }

  if (maps.empty()) throw InputError("the model has no PDE blocks: no anatomical/textural streams to explain");
  std::filesystem::create_directories(o.output);
  const int64_t roi_slice = [&] {
    const auto box = bounding_box(mask);
    return box ? box->start.z + box->size.z / 2 : image.depth() / 2;
  }();
  const std::vector<int64_t> slices = o.slices.empty() ? std::vector<int64_t>{roi_slice} : o.slices;
  for (const auto& m : maps) {
    const Volume on_input =
        imaging::resample(m.map, imaging::Grid{image.size(), image.geometry()}, imaging::Interpolator::Linear, 0.0);
    const std::string base = (std::filesystem::path(o.output) / ("gradcam_" + m.name)).string();
    io::write_volume(on_input, base + ".nii.gz", PixelType::Float32);
    for (int64_t z : slices)
      io::write_overlay_png(image, &on_input, z, pre.window_low, std::min(pre.window_high, 400.0),
                            fmt::format("{}_slice{:03d}.png", base, z));
    ctx.out << base << ".nii.gz\n";
  }
  return 0;
}

}  // namespace

Command add_explain_command(CLI::App& parent) {
  auto o = std::make_shared<ExplainOptions>();
  CLI::App* app = parent.add_subcommand(
      "explain", "Grad-CAM of the prediction for each PDE block's anatomical and textural streams (NIfTI + PNG)");
  app->add_option("image", o->image, "Image file or DICOM folder")->required();
  app->add_option("mask", o->mask, "Optional ROI (label map, RS.dcm#ROI or SEG): the case is cropped around it");
  app->add_option("-o,--output", o->output, "Output folder")->required();
  app->add_option("--checkpoint", o->checkpoint,
                  "A classification or regression checkpoint (file or run folder): explains its prediction");
  o->model_options = {
      app->add_option("--model", o->model, "Registered backbone (randomly initialised with --seed)"),
      app->add_option("--seed", o->seed, "Seed of the model's weights"),
      app->add_option("--pde-stages", o->pde_stages, "Stages followed by a PDE block")->delimiter(','),
  };
  app->add_option("--slice", o->slices, "Axial slices for the PNG overlays (default: the ROI's middle)");
  return {app, [o](Context& ctx) { return run_explain(*o, ctx); }};
}

}  // namespace scopemia::cli
