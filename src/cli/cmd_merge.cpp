// scopemia merge PART.csv... [--cases cases.csv] [--id-column ID] [-o merged.csv]
// Shard outputs of one cohort (radiomics --shard, embed --shard) into one
// table: the same columns in every part, the cases file's order, every
// duplicate, missing or unknown case reported.
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "cli/command.h"
#include "core/error.h"
#include "io/case_manifest.h"
#include "io/csv.h"

namespace scopemia::cli {
namespace {

struct MergeOptions {
  std::vector<std::string> parts;
  std::string cases, id_column = "ID", output;
};

int run_merge(const MergeOptions& o, Context& ctx) {
  io::CsvTable merged;
  std::map<std::string, std::pair<size_t, std::string>> where;  // id -> (row in merged, part)
  int duplicates = 0;
  for (const std::string& part : o.parts) {
    const io::CsvTable t = io::read_csv(part);
    if (merged.header.empty()) {
      merged.header = t.header;
      if (merged.column(o.id_column) < 0) throw InputError(part, fmt::format("no id column '{}'", o.id_column));
    } else if (t.header != merged.header) {
      size_t k = 0;
      while (k < t.header.size() && k < merged.header.size() && t.header[k] == merged.header[k]) ++k;
      throw InputError(part, fmt::format("its columns differ from {}'s from column {} ('{}' vs '{}')", o.parts[0],
                                         k + 1, k < t.header.size() ? t.header[k] : "(none)",
                                         k < merged.header.size() ? merged.header[k] : "(none)"));
    }
    const size_t id = static_cast<size_t>(merged.column(o.id_column));
    for (const auto& row : t.rows) {
      auto it = where.find(row[id]);
      if (it != where.end()) {
        if (merged.rows[it->second.first] != row)
          throw InputError(part, fmt::format("case {} is also in {} with other values", row[id], it->second.second));
        ctx.err << fmt::format("scopemia: merge: case {} is in {} and {} (identical rows; kept once)\n", row[id],
                               it->second.second, part);
        ++duplicates;
        continue;
      }
      where[row[id]] = {merged.rows.size(), part};
      merged.rows.push_back(row);
    }
  }
  int missing = 0, unknown = 0;
  if (!o.cases.empty()) {
    // The cases file's order; its ids as the batch commands give them.
    const io::CaseManifest manifest = io::read_case_manifest(o.cases);
    io::CsvTable ordered;
    ordered.header = merged.header;
    std::set<std::string> listed;
    for (const io::Case& c : manifest.cases) {
      listed.insert(c.id);
      auto it = where.find(c.id);
      if (it == where.end()) {
        ctx.err << fmt::format("scopemia: merge: case {} of {} is in no part\n", c.id, o.cases);
        ++missing;
        continue;
      }
      ordered.rows.push_back(merged.rows[it->second.first]);
    }
    for (const auto& [id, at] : where)
      if (!listed.count(id)) {
        ctx.err << fmt::format("scopemia: merge: case {} of {} is not in {} (left out)\n", id, at.second, o.cases);
        ++unknown;
      }
    merged = std::move(ordered);
  }
  int failed = 0;
  if (const int e = merged.column("error"); e >= 0)
    for (const auto& row : merged.rows) failed += !row[static_cast<size_t>(e)].empty();
  if (o.output.empty()) ctx.out << io::to_csv(merged);
  else io::write_csv(merged, o.output);
  ctx.err << fmt::format("merged {} part(s): {} cases, {} failed, {} missing, {} duplicate, {} not in the cases file\n",
                         o.parts.size(), merged.rows.size(), failed, missing, duplicates, unknown);
  return (failed || missing) ? kExitSomeCasesFailed : kExitOk;
}

}  // namespace

Command add_merge_command(CLI::App& parent) {
  auto o = std::make_shared<MergeOptions>();
  CLI::App* app = parent.add_subcommand(
      "merge", "Shard outputs of one cohort (radiomics/embed --shard) into one table, in the cases file's order");
  app->add_option("parts", o->parts, "Shard output CSVs (same columns)")->required();
  app->add_option("--cases", o->cases,
                  "The cases CSV the shards came from: rows in its order, missing and unknown cases reported");
  app->add_option("--id-column", o->id_column, "Case-id column")->capture_default_str();
  app->add_option("-o,--output", o->output, "Merged CSV (default: stdout), written atomically");
  return {app, [o](Context& ctx) { return run_merge(*o, ctx); }};
}

}  // namespace scopemia::cli
