// scopemia radiomics IMAGE MASK [--params P.yaml] [--label N] [-o out.csv]
// scopemia radiomics --batch cases.csv [--params P.yaml] [-j N] [--shard I/N] [-o out.csv]
#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "cli/command.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/runtime.h"
#include "imaging/itk_filters.h"
#include "io/case_manifest.h"
#include "io/csv.h"
#include "radiomics/extractor.h"

namespace scopemia::cli {
namespace {

struct RadiomicsOptions {
  std::string image, mask, params, batch, output, shard;
  std::optional<int> label;
  int jobs = 1;
};

struct CaseOutcome {
  std::vector<std::pair<std::string, std::string>> inputs;
  radiomics::CaseResult result;
  std::string error;  // empty when it succeeded
};

// Runs one case; every failure becomes the case's error text.
CaseOutcome run_case(const radiomics::Extractor& extractor, const io::Case& c, std::optional<int> label) {
  CaseOutcome out;
  out.inputs = c.columns;
  try {
    std::optional<int> l = label;
    for (const auto& [k, v] : c.columns)
      if (k == "Label" && !v.empty()) l = std::stoi(v);
    out.result = extractor.execute_files(c.image, c.mask_spec(), l);
  } catch (const std::exception& e) {
    out.error = e.what();
    if (out.error.empty()) out.error = "failed";
  }
  return out;
}

io::CsvTable to_table(const std::vector<std::string>& input_header, const std::vector<CaseOutcome>& outcomes) {
  io::CsvTable t;
  t.header = input_header;
  const bool any_error =
      std::any_of(outcomes.begin(), outcomes.end(), [](const CaseOutcome& o) { return !o.error.empty(); });
  if (any_error) t.header.push_back("error");
  std::vector<std::string> value_columns;
  std::set<std::string> seen(t.header.begin(), t.header.end());
  for (const CaseOutcome& o : outcomes) {
    for (const auto& [k, v] : o.result.diagnostics)
      if (seen.insert(k).second) value_columns.push_back(k);
    for (const auto& [k, v] : o.result.features)
      if (seen.insert(k).second) value_columns.push_back(k);
  }
  t.header.insert(t.header.end(), value_columns.begin(), value_columns.end());
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < t.header.size(); ++i) index[t.header[i]] = i;
  for (const CaseOutcome& o : outcomes) {
    std::vector<std::string> row(t.header.size());
    for (const auto& [k, v] : o.inputs) row[index[k]] = v;
    if (any_error) row[index["error"]] = o.error;
    for (const auto& [k, v] : o.result.diagnostics) row[index[k]] = v;
    for (const auto& [k, v] : o.result.features) row[index[k]] = radiomics::py_float_repr(v);
    t.rows.push_back(std::move(row));
  }
  return t;
}

int run_radiomics(const RadiomicsOptions& o, Context& ctx) {
  const radiomics::Params params =
      o.params.empty() ? radiomics::default_params() : radiomics::load_params(o.params);
  const radiomics::Extractor extractor(params);

  io::CaseManifest manifest;
  if (!o.batch.empty()) {
    if (!o.image.empty()) throw InputError("give either IMAGE MASK or --batch, not both");
    manifest = io::read_case_manifest(o.batch);
    if (!o.shard.empty()) {
      const auto [i, n] = io::parse_shard(o.shard);
      manifest = manifest.shard(i, n);
    }
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

  const size_t n = manifest.cases.size();
  std::vector<CaseOutcome> outcomes(n);
  const int jobs = std::max(1, std::min<int>(o.jobs, int(std::max<size_t>(n, 1))));
  imaging::set_itk_threads(o.jobs > 1 ? 1 : (ctx.threads > 0 ? ctx.threads : hardware_threads()));
  {
    Progress progress("radiomics", int64_t(n));
    std::atomic<size_t> next{0};
    std::atomic<int> failed{0};
    auto worker = [&] {
      for (size_t i = next++; i < n; i = next++) {
        outcomes[i] = run_case(extractor, manifest.cases[i], o.label);
        if (!outcomes[i].error.empty()) ++failed;
        progress.advance(1, failed ? fmt::format("{} failed", failed.load()) : std::string());
      }
    };
    if (jobs == 1 || n <= 1) {
      worker();
    } else {
      std::vector<std::thread> threads;
      for (int t = 0; t < jobs; ++t) threads.emplace_back(worker);
      for (auto& t : threads) t.join();
    }
    if (n > 1) progress.finish();
  }

  int failed = 0;
  for (size_t i = 0; i < n; ++i)
    if (!outcomes[i].error.empty()) {
      ++failed;
      ctx.err << "scopemia: case " << manifest.cases[i].id << ": " << outcomes[i].error << "\n";
    }
  const io::CsvTable table = to_table(manifest.header, outcomes);
  if (o.output.empty()) ctx.out << io::to_csv(table);
  else io::write_csv(table, o.output);
  return std::min(failed, 100);
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
