#include "cli/batch.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <atomic>
#include <map>
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

std::string format_table(const io::CsvTable& table, const std::string& format,
                         const std::vector<std::string>& text_columns) {
  if (format == "csv") return io::to_csv(table);
  if (format == "txt") {
    std::string out;
    for (size_t r = 0; r < table.rows.size(); ++r)
      for (size_t c = 0; c < table.header.size(); ++c)
        out += fmt::format("Case-{}_{}: {}\n", r + 1, table.header[c], table.rows[r][c]);
    return out;
  }
  if (format != "json") throw InputError(fmt::format("--format '{}': expected csv, json or txt", format));
  nlohmann::ordered_json cases = nlohmann::ordered_json::array();
  for (const auto& row : table.rows) {
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    for (size_t c = 0; c < table.header.size(); ++c) {
      const std::string& v = row[c];
      if (std::find(text_columns.begin(), text_columns.end(), table.header[c]) != text_columns.end()) {
        object[table.header[c]] = v;
        continue;
      }
      char* end = nullptr;
      const double x = v.empty() ? 0 : std::strtod(v.c_str(), &end);
      const bool number = !v.empty() && end == v.c_str() + v.size() && v.find_first_of("xX") == std::string::npos;
      if (!number) object[table.header[c]] = v;
      else if (std::isfinite(x)) object[table.header[c]] = x;
      else object[table.header[c]] = nullptr;  // JSON has no NaN
    }
    cases.push_back(std::move(object));
  }
  return cases.dump(2) + "\n";
}

int finish_batch(const io::CaseManifest& manifest, const std::vector<CaseRow>& rows, const std::string& output,
                 Context& ctx, const std::string& format, bool error_column) {
  int failed = 0;
  for (size_t i = 0; i < rows.size(); ++i)
    if (!rows[i].error.empty()) {
      ++failed;
      ctx.err << "scopemia: case " << manifest.cases[i].id << ": " << rows[i].error << "\n";
      if (auto log = spdlog::get(kCaseLogName)) log->error("case {}: {}", manifest.cases[i].id, rows[i].error);
    }
  const io::CsvTable table = batch_table(manifest.header, rows, error_column);
  if (format == "csv" && !output.empty()) io::write_csv(table, output);
  else {
    std::vector<std::string> text_columns = manifest.header;
    text_columns.push_back("error");
    if (output.empty()) ctx.out << format_table(table, format, text_columns);
    else write_file_atomically(output, format_table(table, format, text_columns));
  }
  return failed > 0 ? kExitSomeCasesFailed : kExitOk;
}

}  // namespace scopemia::cli
