#include "cli/batch.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/error.h"
#include "core/progress.h"
#include "core/runtime.h"

namespace scopemia::cli {

io::CaseManifest load_batch(const std::string& csv_path, const std::string& shard) {
  io::CaseManifest manifest = io::read_case_manifest(csv_path);
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

io::CsvTable batch_table(const std::vector<std::string>& input_header, const std::vector<CaseRow>& rows) {
  io::CsvTable t;
  t.header = input_header;
  const bool any_error = std::any_of(rows.begin(), rows.end(), [](const CaseRow& r) { return !r.error.empty(); });
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

int finish_batch(const io::CaseManifest& manifest, const std::vector<CaseRow>& rows, const std::string& output,
                 Context& ctx) {
  int failed = 0;
  for (size_t i = 0; i < rows.size(); ++i)
    if (!rows[i].error.empty()) {
      ++failed;
      ctx.err << "scopemia: case " << manifest.cases[i].id << ": " << rows[i].error << "\n";
    }
  const io::CsvTable table = batch_table(manifest.header, rows);
  if (output.empty()) ctx.out << io::to_csv(table);
  else io::write_csv(table, output);
  return failed > 0 ? kExitSomeCasesFailed : kExitOk;
}

}  // namespace scopemia::cli
