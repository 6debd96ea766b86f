// libFuzzer target: the CSV reader (io/csv.h) and the batch manifest built
// on it (io/case_manifest.h) on arbitrary bytes. Findings: a crash or
// sanitizer report, an exception other than InputError, and a table that
// does not survive writing: parse(to_csv(parse(text))) must equal
// parse(text) field for field. Built and run by scripts/fuzz.sh.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "io/case_manifest.h"
#include "io/csv.h"
#include "scratch_file.h"

namespace {
void check_round_trip(const scopemia::io::CsvTable& table) {
  // A leading UTF-8 BOM is taken as the file's, not the first field's: a
  // header whose first field starts with one cannot round-trip by design.
  if (!table.header.empty() && table.header[0].compare(0, 3, "\xEF\xBB\xBF") == 0) return;
  const scopemia::io::CsvTable again = scopemia::io::parse_csv(scopemia::io::to_csv(table), "round trip");
  if (again.header != table.header || again.rows != table.rows) {
    std::fprintf(stderr, "CSV round trip changed the table (%zu -> %zu rows)\n", table.rows.size(), again.rows.size());
    std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scopemia;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    check_round_trip(io::parse_csv(text, "fuzz.csv"));
  } catch (const InputError&) {
  }
  const std::string path = fuzz::write_scratch_file("cases.csv", data, size);
  try {
    const io::CaseManifest manifest = io::read_case_manifest(path);
    for (const io::Case& c : manifest.cases)
      if (c.image.empty() || c.id.empty()) {
        std::fprintf(stderr, "manifest accepted a case without image or ID\n");
        std::abort();
      }
    if (!manifest.cases.empty()) manifest.shard(0, 2);
  } catch (const InputError&) {
  }
  try {
    io::parse_shard(text);
  } catch (const InputError&) {
  }
  return 0;
}
