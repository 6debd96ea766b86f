// scopemia radiomics IMAGE MASK [--params P.yaml] [--label N] [-o out.csv]
// scopemia radiomics --batch cases.csv [--params P.yaml] [-j N] [--shard I/N] [-o out.csv]
#include <algorithm>
#include <map>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include "cli/batch.h"
#include "cli/command.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/runtime.h"
#include "imaging/itk_filters.h"
#include "io/csv.h"
#include "io/dicom_mask.h"
#include "io/image_io.h"
#include "radiomics/extractor.h"
#include "radiomics/voxel_maps.h"

namespace scopemia::cli {
namespace {

namespace fs = std::filesystem;

struct RadiomicsOptions {
  std::string image, mask, params, batch, output, shard;
  std::optional<int> label;
  int jobs = 1;
  // PyRadiomics's command-line options (its names work too: -p/--param, --out).
  std::vector<std::string> settings;  // -s key:value
  OutputFormat format;                // -f csv|json|txt, --skip-nans
  std::string format_path;            // absolute|relative|basename; empty = as written
  bool validate = false;
  std::string log_file, logging_level = "WARNING";  // PyRadiomics's --log-file / --logging-level
  // --mode voxel: one map per feature (radiomics/voxel_maps.h) in out_dir.
  std::string mode = "segment";
  std::string out_dir;
  std::string voxel_grid = "input";  // input | cropped (PyRadiomics's: the ROI box grown by kernelRadius)
  std::string map_extension = ".nrrd";
};

// --log-file: the log (per-case failures, warnings, with -v the progress)
// also appended to a file, at --logging-level (PyRadiomics's level names),
// for as long as the returned guard lives.
struct LogFileGuard {
  std::shared_ptr<spdlog::sinks::sink> sink;
  spdlog::level::level_enum level = spdlog::level::info;  // the logger's before
  std::vector<std::pair<std::shared_ptr<spdlog::sinks::sink>, spdlog::level::level_enum>> others;
  ~LogFileGuard() {
    if (!sink) return;
    auto logger = spdlog::default_logger();
    auto& sinks = logger->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());
    for (auto& [other, l] : others) other->set_level(l);
    logger->set_level(level);
    spdlog::drop(kCaseLogName);
  }
};

std::unique_ptr<LogFileGuard> add_log_file(const RadiomicsOptions& o) {
  auto guard = std::make_unique<LogFileGuard>();
  if (o.log_file.empty()) return guard;
  static const std::map<std::string, spdlog::level::level_enum> levels = {
      {"NOTSET", spdlog::level::trace}, {"DEBUG", spdlog::level::debug},  {"INFO", spdlog::level::info},
      {"WARNING", spdlog::level::warn}, {"ERROR", spdlog::level::err},    {"CRITICAL", spdlog::level::critical}};
  std::shared_ptr<spdlog::sinks::basic_file_sink_mt> sink;
  try {
    sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(o.log_file, /*truncate=*/false);
  } catch (const spdlog::spdlog_ex& e) {
    throw InputError(o.log_file, "cannot open the log file");
  }
  sink->set_level(levels.at(o.logging_level));
  sink->set_pattern("[%Y-%m-%d %H:%M:%S] %L: %v");
  auto logger = spdlog::default_logger();
  // The terminal keeps its -v/-q level; only the file gets --logging-level.
  guard->level = logger->level();
  for (auto& other : logger->sinks()) {
    guard->others.emplace_back(other, other->level());
    other->set_level(std::max(other->level(), logger->level()));
  }
  logger->sinks().push_back(sink);
  logger->set_level(std::min(logger->level(), levels.at(o.logging_level)));
  logger->flush_on(spdlog::level::trace);
  // finish_batch writes each failed case there too (on the terminal it is a
  // plain "scopemia: case ..." line, not a log line).
  spdlog::drop(kCaseLogName);
  auto cases = std::make_shared<spdlog::logger>(kCaseLogName, sink);
  cases->set_level(spdlog::level::trace);
  cases->flush_on(spdlog::level::trace);  // a cluster job's log is read while it runs
  spdlog::register_logger(cases);
  guard->sink = sink;
  return guard;
}

// -s/--setting key:value, as PyRadiomics's command line takes them.
radiomics::Params with_overrides(radiomics::Params params, const std::vector<std::string>& settings) {
  std::vector<std::pair<std::string, radiomics::PyValue>> overrides;
  for (const std::string& s : settings) {
    const size_t colon = s.find(':');
    if (colon == std::string::npos || colon == 0)
      throw InputError(fmt::format("--setting '{}': expected key:value (e.g. binWidth:10)", s));
    const std::string key = s.substr(0, colon);
    overrides.emplace_back(key, radiomics::parse_setting_text(key, s.substr(colon + 1)));
  }
  if (!overrides.empty()) radiomics::apply_setting_overrides(params, overrides, "--setting");
  return params;
}

// --format-path: how the Image and Mask columns are written, as PyRadiomics does
// (relative: to the cases file's folder, or the working folder for one case).
void format_paths(io::CaseManifest& manifest, const std::string& how) {
  if (how.empty()) return;
  const fs::path base = manifest.path.empty() ? fs::current_path() : fs::absolute(manifest.path).parent_path();
  for (io::Case& c : manifest.cases)
    for (auto& [column, value] : c.columns) {
      if (column != "Image" && column != "Mask") continue;
      const std::string resolved = column == "Image" ? c.image : c.mask;
      const fs::path absolute = fs::absolute(resolved).lexically_normal();
      if (how == "absolute") value = absolute.string();
      else if (how == "basename") value = absolute.filename().string();
      else value = absolute.lexically_relative(base).string();
    }
}

// --validate: the parameters and every case's files are readable; nothing is extracted.
int validate_only(const radiomics::Params& params, const io::CaseManifest& manifest, Context& ctx) {
  int bad = 0;
  for (const io::Case& c : manifest.cases) {
    try {
      io::read_info(c.image);
      const std::string mask_file = c.mask.substr(0, c.mask.find('#'));
      if (mask_file.size() == c.mask.size()) io::read_info(c.mask);
      else if (!fs::is_regular_file(mask_file)) throw InputError(mask_file, "no such file");
    } catch (const std::exception& e) {
      ++bad;
      ctx.err << "scopemia: case " << c.id << ": " << e.what() << "\n";
    }
  }
  ctx.out << fmt::format("{}: {} case(s), {} with unreadable inputs; parameters {} valid\n",
                         bad ? "invalid" : "valid", manifest.cases.size(), bad, params.source);
  return bad ? kExitBadInput : kExitOk;
}

// The case's Label column over --label, as PyRadiomics's batch reads it.
std::optional<int> case_label(const io::Case& c, std::optional<int> label) {
  for (const auto& [k, v] : c.columns)
    if (k == "Label" && !v.empty()) label = std::stoi(v);
  return label;
}

// The --out-dir (made when absent; voxel maps default to the working
// folder), once for all cases.
fs::path out_dir_folder(const RadiomicsOptions& o) {
  const fs::path dir = o.out_dir.empty() ? fs::current_path() : fs::path(o.out_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir)) throw InputError(dir.string(), "cannot create the --out-dir folder");
  return dir;
}

// --mode voxel, one case: every feature map written to out_dir as
// <case>_<feature><ext> (each file atomically), float64, on the input's grid
// (initValue outside the ROI's grown box) or PyRadiomics's cropped grid; the
// row holds the diagnostics and each feature's map path, as PyRadiomics's
// voxel-based command line writes.
CaseValues run_voxel_case(const radiomics::Params& params, const io::Case& c, const std::string& stem,
                          const RadiomicsOptions& o, const fs::path& dir, int threads) {
  const Image<double> image = radiomics::read_extraction_image(c.image);
  const LabelMap labels = io::read_mask(c.mask_spec(), c.image);
  const radiomics::VoxelResult r = radiomics::extract_voxel_maps(params, image, image.source_pixel_type(), labels,
                                                                 case_label(c, o.label), threads);
  CaseValues values(r.diagnostics.begin(), r.diagnostics.end());
  for (const radiomics::VoxelMap& m : r.maps) {
    const std::string path = (dir / (stem + "_" + m.name + o.map_extension)).string();
    if (o.voxel_grid == "cropped") {
      io::write_volume(m.map, path, PixelType::Float64);
    } else {
      Image<double> full(r.image_size, r.image_geometry, params.settings.initValue);
      for (int64_t z = 0; z < r.box.size.z; ++z)
        for (int64_t y = 0; y < r.box.size.y; ++y)
          std::copy_n(&m.map.at(0, y, z), r.box.size.x, &full.at(r.box.start.x, r.box.start.y + y, r.box.start.z + z));
      io::write_volume(full, path, PixelType::Float64);
    }
    values.emplace_back(m.name, path);
  }
  return values;
}

// A case's ID (or its 1-based row number) as a file-name part.
std::string file_safe_id(const io::Case& c) {
  std::string id = c.id;
  for (char& ch : id)
    if (ch == '/' || ch == '\\' || ch == '\0') ch = '_';
  return id;
}

// The file-name stem of a case's maps: its ID, or PyRadiomics's Case-<N>.
std::string case_stem(const io::CaseManifest& manifest, const io::Case& c) {
  const bool has_id = std::find(manifest.header.begin(), manifest.header.end(), "ID") != manifest.header.end();
  return (has_id ? "" : "Case-") + file_safe_id(c);
}

// --mode segment with --out-dir, as PyRadiomics's: each case's row is kept in
// <out-dir>/features_<N>.csv (N its row; its ID when the cases file has
// one), and a case whose file is there — with the case's input columns as
// they are now — is read back instead of extracted, so an interrupted batch goes on where it
// stopped. Unlike PyRadiomics, a failed case leaves no file: it is tried again.
CaseValues kept_or_run(const fs::path& file, const io::Case& c, const std::function<CaseValues()>& run) {
  std::error_code ec;
  std::optional<io::CsvTable> read;
  if (fs::is_regular_file(file, ec)) {
    try {
      read = io::read_csv(file.string());
    } catch (const InputError&) {  // damaged: extracted again and replaced
    }
  }
  if (read) {
    const io::CsvTable& kept = *read;
    const size_t n = c.columns.size();
    bool same_inputs = kept.rows.size() == 1 && kept.header.size() >= n && kept.rows[0].size() == kept.header.size();
    for (size_t k = 0; same_inputs && k < n; ++k)
      same_inputs = kept.header[k] == c.columns[k].first && kept.rows[0][k] == c.columns[k].second;
    if (same_inputs) {
      CaseValues values;
      for (size_t k = c.columns.size(); k < kept.header.size(); ++k) values.emplace_back(kept.header[k], kept.rows[0][k]);
      return values;
    }
  }
  const CaseValues values = run();
  io::CsvTable row;
  row.rows.emplace_back();
  for (const auto& [k, v] : c.columns) {
    row.header.push_back(k);
    row.rows[0].push_back(v);
  }
  for (const auto& [k, v] : values) {
    row.header.push_back(k);
    row.rows[0].push_back(v);
  }
  write_file_atomically(file, io::to_csv(row));
  return values;
}

// Runs one case: diagnostics, then features at full precision.
CaseValues run_case(const radiomics::Extractor& extractor, const io::Case& c, std::optional<int> label) {
  const radiomics::CaseResult result = extractor.execute_files(c.image, c.mask_spec(), case_label(c, label));
  CaseValues values(result.diagnostics.begin(), result.diagnostics.end());
  for (const auto& [k, v] : result.features) values.emplace_back(k, radiomics::py_float_repr(v));
  return values;
}

int run_radiomics(const RadiomicsOptions& given, Context& ctx) {
  RadiomicsOptions o = given;
  // PyRadiomics's `pyradiomics cases.csv`: a lone .csv positional is the batch.
  const std::string csv = ".csv";
  if (o.batch.empty() && o.mask.empty() && o.image.size() > csv.size() &&
      o.image.compare(o.image.size() - csv.size(), csv.size(), csv) == 0) {
    o.batch = o.image;
    o.image.clear();
  }
  const radiomics::Params params =
      with_overrides(o.params.empty() ? radiomics::default_params() : radiomics::load_params(o.params), o.settings);

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
  const auto log_file = add_log_file(o);
  if (o.validate) return validate_only(params, manifest, ctx);
  format_paths(manifest, o.format_path);
  const radiomics::Extractor extractor(params);
  const int case_threads = o.jobs > 1 ? 1 : (ctx.threads > 0 ? ctx.threads : hardware_threads());
  imaging::set_itk_threads(case_threads);
  if (o.mode == "segment" && params.has_voxel_settings)
    spdlog::warn("{}: voxelSetting is used only with --mode voxel; computing segment features", params.source);
  const fs::path out_folder = o.mode == "voxel" || !o.out_dir.empty() ? out_dir_folder(o) : fs::path();
  const auto one_case = [&](const io::Case& c) {
    if (o.mode == "voxel") return run_voxel_case(params, c, case_stem(manifest, c), o, out_folder, case_threads);
    if (o.out_dir.empty()) return run_case(extractor, c, o.label);
    return kept_or_run(out_folder / ("features_" + file_safe_id(c) + ".csv"), c,
                       [&] { return run_case(extractor, c, o.label); });
  };
  if (o.batch.empty()) {  // one case: its failure is the command's (one line, exit 2, no output)
    CaseRow row;
    row.inputs = manifest.cases[0].columns;
    row.values = one_case(manifest.cases[0]);
    return finish_batch(manifest, {row}, o.output, ctx, o.format, /*error_column=*/false);
  }
  const auto rows = run_batch(manifest, o.jobs, "radiomics", one_case);
  return finish_batch(manifest, rows, o.output, ctx, o.format);
}

}  // namespace

Command add_radiomics_command(CLI::App& parent) {
  auto o = std::make_shared<RadiomicsOptions>();
  auto label = std::make_shared<int>(0);
  CLI::App* app = parent.add_subcommand(
      "radiomics", "PyRadiomics-compatible features of one case (IMAGE MASK) or a cohort (--batch cases.csv)");
  app->add_option("image", o->image, "Image file or DICOM folder; a .csv alone is a batch (as --batch)");
  app->add_option("mask", o->mask, "Mask (label map) file");
  app->add_option("--params,-p,--param", o->params,
                  "PyRadiomics parameter file (YAML); default: PyRadiomics's defaults");
  app->add_option("-s,--setting", o->settings,
                  "A setting over the parameter file, key:value (repeat; lists comma-separated), as PyRadiomics's -s");
  app->add_option("-f,--format", o->format.name, "Output format: csv, json (a list of cases) or txt (Case-N_name: value)")
      ->check(CLI::IsMember({"csv", "json", "txt"}))->capture_default_str();
  app->add_flag("--skip-nans", o->format.skip_nans,
                "Leave out values that are NaN, as PyRadiomics's --skip-nans: an empty cell in csv, no line in txt, "
                "no key in json");
  app->add_option("--format-path", o->format_path,
                  "How the Image/Mask columns are written: absolute, relative (to the cases file) or basename; "
                  "default as written")
      ->check(CLI::IsMember({"absolute", "relative", "basename"}));
  app->add_flag("--validate", o->validate, "Check the parameters and every case's files; extract nothing");
  app->add_option("--log-file", o->log_file, "Also append the log to this file (PyRadiomics's --log-file)");
  app->add_option("--logging-level", o->logging_level, "Level of --log-file")
      ->check(CLI::IsMember({"NOTSET", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}))->capture_default_str();
  auto* label_opt = app->add_option("--label", *label, "ROI label (overrides the params' label)")
                        ->check(CLI::Range(1, 255));
  app->add_option("-o,--output,--out", o->output, "Output file (default: stdout)");
  app->add_option("--batch", o->batch, "Cases CSV with Image and Mask columns (PyRadiomics batch format)");
  app->add_option("-j,--jobs", o->jobs, "Cases processed in parallel")->check(CLI::PositiveNumber);
  app->add_option("--mode", o->mode,
                  "segment: one row of features per case; voxel: one map per feature and case (PyRadiomics's "
                  "voxel-based extraction, the params' voxelSetting), written to --out-dir")
      ->check(CLI::IsMember({"segment", "voxel"}))->capture_default_str();
  app->add_option("--out-dir", o->out_dir,
                  "--mode voxel: folder of the maps (default: the working folder); segment: each case's row is kept "
                  "there as features_<N or ID>.csv and read back on a rerun (an interrupted batch goes on); -od as "
                  "PyRadiomics");
  app->add_option("--voxel-grid", o->voxel_grid,
                  "--mode voxel: input (the maps on the input image's grid) or cropped (PyRadiomics's: the ROI's "
                  "bounding box grown by kernelRadius)")
      ->check(CLI::IsMember({"input", "cropped"}))->capture_default_str();
  app->add_option("--map-extension", o->map_extension, "--mode voxel: map file type, by extension")
      ->check(CLI::IsMember({".nrrd", ".nii.gz", ".nii", ".mha"}))->capture_default_str();
  app->add_option("--shard", o->shard,
                  "I/N: only every N-th case starting at I (0-based); auto: this SLURM array task's share");
  return {app, [o, label, label_opt](Context& ctx) {
            if (label_opt->count() > 0) o->label = *label;
            return run_radiomics(*o, ctx);
          }};
}

}  // namespace scopemia::cli
