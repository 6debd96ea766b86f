// scopemia radiomics IMAGE MASK [--params P.yaml] [--label N] [-o out.csv]
// scopemia radiomics --batch cases.csv [--params P.yaml] [-j N] [--shard I/N] [-o out.csv]
#include <algorithm>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "cli/batch.h"
#include "cli/command.h"
#include "core/error.h"
#include "core/runtime.h"
#include "imaging/itk_filters.h"
#include "radiomics/extractor.h"

namespace scopemia::cli {
namespace {

struct RadiomicsOptions {
  std::string image, mask, params, batch, output, shard;
  std::optional<int> label;
  int jobs = 1;
};

// Runs one case: diagnostics, then features at full precision.
CaseValues run_case(const radiomics::Extractor& extractor, const io::Case& c, std::optional<int> label) {
  std::optional<int> l = label;
  for (const auto& [k, v] : c.columns)
    if (k == "Label" && !v.empty()) l = std::stoi(v);
  const radiomics::CaseResult result = extractor.execute_files(c.image, c.mask_spec(), l);
  CaseValues values(result.diagnostics.begin(), result.diagnostics.end());
  for (const auto& [k, v] : result.features) values.emplace_back(k, radiomics::py_float_repr(v));
  return values;
}

int run_radiomics(const RadiomicsOptions& o, Context& ctx) {
  const radiomics::Params params =
      o.params.empty() ? radiomics::default_params() : radiomics::load_params(o.params);
  const radiomics::Extractor extractor(params);

  io::CaseManifest manifest;
  if (!o.batch.empty()) {
    if (!o.image.empty()) throw InputError("give either IMAGE MASK or --batch, not both");
    manifest = load_batch(o.batch, o.shard);
  } else {
    if (o.image.empty() || o.mask.empty()) throw InputError("give IMAGE and MASK, or --batch cases.csv");
    if (!o.shard.empty()) throw InputError("--shard needs --batch");
    io::Case c;
    c.id = "1";
    c.image = o.image;
    c.mask = o.mask;
    c.columns = {{"Image", o.image}, {"Mask", o.mask}};
    manifest.header = {"Image", "Mask"};
    manifest.cases.push_back(c);
  }
  imaging::set_itk_threads(o.jobs > 1 ? 1 : (ctx.threads > 0 ? ctx.threads : hardware_threads()));
  if (o.batch.empty()) {  // one case: its failure is the command's (one line, exit 2, no output)
    CaseRow row;
    row.inputs = manifest.cases[0].columns;
    row.values = run_case(extractor, manifest.cases[0], o.label);
    return finish_batch(manifest, {row}, o.output, ctx);
  }
  const auto rows = run_batch(manifest, o.jobs, "radiomics",
                              [&](const io::Case& c) { return run_case(extractor, c, o.label); });
  return finish_batch(manifest, rows, o.output, ctx);
}

}  // namespace

Command add_radiomics_command(CLI::App& parent) {
  auto o = std::make_shared<RadiomicsOptions>();
  auto label = std::make_shared<int>(0);
  CLI::App* app = parent.add_subcommand(
      "radiomics", "PyRadiomics-compatible features of one case (IMAGE MASK) or a cohort (--batch cases.csv)");
  app->add_option("image", o->image, "Image file or DICOM folder");
  app->add_option("mask", o->mask, "Mask (label map) file");
  app->add_option("--params", o->params, "PyRadiomics parameter file (YAML); default: PyRadiomics's defaults");
  auto* label_opt = app->add_option("--label", *label, "ROI label (overrides the params' label)")
                        ->check(CLI::Range(1, 255));
  app->add_option("-o,--output", o->output, "Output CSV (default: stdout)");
  app->add_option("--batch", o->batch, "Cases CSV with Image and Mask columns (PyRadiomics batch format)");
  app->add_option("-j,--jobs", o->jobs, "Cases processed in parallel")->check(CLI::PositiveNumber);
  app->add_option("--shard", o->shard, "I/N: only every N-th case starting at I (0-based)");
  return {app, [o, label, label_opt](Context& ctx) {
            if (label_opt->count() > 0) o->label = *label;
            return run_radiomics(*o, ctx);
          }};
}

}  // namespace scopemia::cli
