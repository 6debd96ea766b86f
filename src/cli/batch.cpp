#include "cli/batch.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <atomic>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/runtime.h"

namespace scopemia::cli {

std::string resolve_shard(const std::string& shard) {
  if (shard != "auto") return shard;
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  const std::string id = env("SLURM_ARRAY_TASK_ID"), count = env("SLURM_ARRAY_TASK_COUNT");
  if (id.empty() || count.empty())
    throw InputError("--shard auto: SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT are not set (not a SLURM array task?)");
  const std::string min = env("SLURM_ARRAY_TASK_MIN");
  try {
    const long index = std::stol(id) - (min.empty() ? 0 : std::stol(min));
    return fmt::format("{}/{}", index, std::stol(count));
  } catch (const std::exception&) {
    throw InputError(fmt::format("--shard auto: SLURM_ARRAY_TASK_ID '{}' / SLURM_ARRAY_TASK_COUNT '{}' are not numbers",
                                 id, count));
  }
}

io::CaseManifest load_batch(const std::string& csv_path, const std::string& shard_option) {
  io::CaseManifest manifest = io::read_case_manifest(csv_path);
  const std::string shard = resolve_shard(shard_option);
  if (!shard.empty()) {
    const auto [i, n] = io::parse_shard(shard);
    manifest = manifest.shard(i, n);
  }
  return manifest;
}

std::vector<CaseRow> run_batch(const io::CaseManifest& manifest, int jobs, const std::string& label,
                               const std::function<CaseValues(const io::Case&)>& run_case) {
  const size_t n = manifest.cases.size();
  std::vector<CaseRow> rows(n);
  Progress progress(label, int64_t(n));
  std::atomic<size_t> next{0};
  std::atomic<int> failed{0};
  auto worker = [&] {
    for (size_t i = next++; i < n; i = next++) {
      CaseRow& row = rows[i];
      row.inputs = manifest.cases[i].columns;
      try {
        row.values = run_case(manifest.cases[i]);
      } catch (const std::exception& e) {
        row.error = e.what();
        if (row.error.empty()) row.error = "failed";
        ++failed;
      }
      progress.advance(1, failed ? fmt::format("{} failed", failed.load()) : std::string());
    }
  };
  const int threads = std::max(1, std::min<int>(jobs, int(std::max<size_t>(n, 1))));
  run_workers(threads, worker);
  if (n > 1) progress.finish();
  return rows;
}

io::CsvTable batch_table(const std::vector<std::string>& input_header, const std::vector<CaseRow>& rows,
                         bool error_column) {
  io::CsvTable t;
  t.header = input_header;
  const bool any_error =
      error_column || std::any_of(rows.begin(), rows.end(), [](const CaseRow& r) { return !r.error.empty(); });
  if (any_error) t.header.push_back("error");
  std::set<std::string> seen(t.header.begin(), t.header.end());
  for (const CaseRow& r : rows)
    for (const auto& [k, v] : r.values)
      if (seen.insert(k).second) t.header.push_back(k);
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < t.header.size(); ++i) index[t.header[i]] = i;
  for (const CaseRow& r : rows) {
    std::vector<std::string> row(t.header.size());
    for (const auto& [k, v] : r.inputs) row[index[k]] = v;
    if (any_error) row[index["error"]] = r.error;
    for (const auto& [k, v] : r.values) row[index[k]] = v;
    t.rows.push_back(std::move(row));
  }
  return t;
}

namespace {

bool is_text_column(const std::vector<std::string>& text_columns, const std::string& column) {
  return std::find(text_columns.begin(), text_columns.end(), column) != text_columns.end();
}

// A cell's value as a number, when all of it is one (hex floats stay text).
std::optional<double> as_number(const std::string& v) {
  if (v.empty() || v.find_first_of("xX") != std::string::npos) return std::nullopt;
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (end != v.c_str() + v.size()) return std::nullopt;
  return x;
}

}  // namespace

std::string format_table(const io::CsvTable& table, const OutputFormat& format,
                         const std::vector<std::string>& text_columns) {
  std::vector<bool> text(table.header.size());
  for (size_t c = 0; c < table.header.size(); ++c) text[c] = is_text_column(text_columns, table.header[c]);
  const auto skipped = [&](size_t c, const std::string& v) {
    if (!format.skip_nans || text[c]) return false;
    const auto x = as_number(v);
    return x && std::isnan(*x);
  };
  if (format.name == "csv") {
    if (!format.skip_nans) return io::to_csv(table);
    io::CsvTable kept = table;
    for (auto& row : kept.rows)
      for (size_t c = 0; c < row.size(); ++c)
        if (skipped(c, row[c])) row[c].clear();
    return io::to_csv(kept);
  }
  if (format.name == "txt") {
    std::string out;
    for (size_t r = 0; r < table.rows.size(); ++r)
      for (size_t c = 0; c < table.header.size(); ++c)
        if (!skipped(c, table.rows[r][c]))
          out += fmt::format("Case-{}_{}: {}\n", r + 1, table.header[c], table.rows[r][c]);
    return out;
  }
  if (format.name != "json") throw InputError(fmt::format("--format '{}': expected csv, json or txt", format.name));
  nlohmann::ordered_json cases = nlohmann::ordered_json::array();
  for (const auto& row : table.rows) {
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    for (size_t c = 0; c < table.header.size(); ++c) {
      const std::string& v = row[c];
      if (skipped(c, v)) continue;
      const auto x = text[c] ? std::nullopt : as_number(v);
      if (!x) object[table.header[c]] = v;
      else if (std::isfinite(*x)) object[table.header[c]] = *x;
      else object[table.header[c]] = nullptr;  // JSON has no NaN
    }
    cases.push_back(std::move(object));
  }
  return cases.dump(2) + "\n";
}

int finish_batch(const io::CaseManifest& manifest, const std::vector<CaseRow>& rows, const std::string& output,
                 Context& ctx, const OutputFormat& format, bool error_column) {
  int failed = 0;
  for (size_t i = 0; i < rows.size(); ++i)
    if (!rows[i].error.empty()) {
      ++failed;
      ctx.err << "scopemia: case " << manifest.cases[i].id << ": " << rows[i].error << "\n";
      if (auto log = spdlog::get(kCaseLogName)) log->error("case {}: {}", manifest.cases[i].id, rows[i].error);
    }
  const io::CsvTable table = batch_table(manifest.header, rows, error_column);
  std::vector<std::string> text_columns = manifest.header;
  text_columns.push_back("error");
  if (format.name == "csv" && !format.skip_nans && !output.empty()) io::write_csv(table, output);
  else if (output.empty()) ctx.out << format_table(table, format, text_columns);
  else write_file_atomically(output, format_table(table, format, text_columns));
  return failed > 0 ? kExitSomeCasesFailed : kExitOk;
}

}  // namespace scopemia::cli
