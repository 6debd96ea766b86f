#pragma once
// What every cohort command shares (radiomics, embed): the cases CSV with an
// optional shard, cases run in parallel with a progress line, a failed case
// becoming its row's `error` while the others go on, one row per case with the
// input columns carried through, and exit code 3 when some cases failed.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cli/command.h"
#include "io/case_manifest.h"
#include "io/csv.h"

namespace scopemia::cli {

// The manifest of --batch, sharded by --shard "I/N" or "auto" (resolve_shard).
io::CaseManifest load_batch(const std::string& csv_path, const std::string& shard);

// Named output values of one case, in column order.
using CaseValues = std::vector<std::pair<std::string, std::string>>;

struct CaseRow {
  std::vector<std::pair<std::string, std::string>> inputs;
  CaseValues values;
  std::string error;  // empty when the case succeeded
};

// Runs `run_case` for every case on `jobs` threads; exceptions become the
// case's error. `label` names the work on the progress line.
std::vector<CaseRow> run_batch(const io::CaseManifest& manifest, int jobs, const std::string& label,
                               const std::function<CaseValues(const io::Case&)>& run_case);

// Input columns, `error` (empty when the case succeeded), then every value
// column in first-seen order. The `error` column is always there, so shards
// of one cohort have the same columns whichever of their cases failed;
// `error_column` false (one case, whose failure is the command's) leaves it out.
io::CsvTable batch_table(const std::vector<std::string>& input_header, const std::vector<CaseRow>& rows,
                         bool error_column = true);

// A logger of this name, when registered (radiomics --log-file), also gets
// every failed case as an error line.
inline constexpr const char* kCaseLogName = "scopemia-cases";

// How a table is written, as PyRadiomics's -f/--format and --skip-nans.
struct OutputFormat {
  std::string name = "csv";  // csv | json | txt
  // A value that is NaN is left out as PyRadiomics's --skip-nans leaves it:
  // an empty cell in csv (the columns stay), no line in txt, no key in json.
  bool skip_nans = false;
};

// The table in PyRadiomics's output formats: "csv"; "json" (a list of one
// object per case, indent 2, as its --format json; values that are numbers
// as numbers, NaN as null, the `text_columns` — the cases file's — always as
// strings); "txt" (one "Case-<n>_<column>: <value>" line per value).
std::string format_table(const io::CsvTable& table, const OutputFormat& format,
                         const std::vector<std::string>& text_columns = {});

// Reports failed cases on stderr, writes the table (stdout when `output` is
// empty, else atomically) in `format` and returns the exit code.
int finish_batch(const io::CaseManifest& manifest, const std::vector<CaseRow>& rows, const std::string& output,
                 Context& ctx, const OutputFormat& format = {}, bool error_column = true);

// The manifest of --batch, sharded by --shard "I/N", or by "auto": the task
// of a SLURM job array (SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN, of
// SLURM_ARRAY_TASK_COUNT), so `sbatch --array=0-9` needs no arithmetic.
std::string resolve_shard(const std::string& shard);

}  // namespace scopemia::cli
