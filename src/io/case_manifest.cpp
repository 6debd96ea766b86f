#include "io/case_manifest.h"

#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "core/error.h"
#include "io/csv.h"

namespace scopemia::io {
namespace fs = std::filesystem;

namespace {
std::string resolve(const fs::path& base, const std::string& path) {
  if (path.empty()) return path;
  const fs::path p(path);
  return p.is_absolute() ? p.lexically_normal().string() : (base / p).lexically_normal().string();
}
}  // namespace

CaseManifest read_case_manifest(const std::string& csv_path) {
  if (!fs::exists(csv_path)) throw InputError(csv_path, "no such file or folder");
  const CsvTable table = read_csv(csv_path);
  const int image_col = table.column("Image"), mask_col = table.column("Mask"), id_col = table.column("ID");
  const int roi_col = table.column("ROI");
  if (image_col < 0 || mask_col < 0)
    throw InputError(csv_path, "cases CSV needs the columns Image and Mask (PyRadiomics batch convention)");
  const fs::path base = fs::path(csv_path).parent_path();
  CaseManifest manifest;
  manifest.path = csv_path;
  manifest.header = table.header;
  std::set<std::string> seen;
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    Case c;
    c.id = id_col >= 0 ? row[id_col] : std::to_string(r + 1);
    if (c.id.empty()) throw InputError(csv_path, fmt::format("row {}: empty ID", r + 1));
    if (!seen.insert(c.id).second) throw InputError(csv_path, fmt::format("row {}: duplicate ID {}", r + 1, c.id));
    if (row[image_col].empty()) throw InputError(csv_path, fmt::format("row {} ({}): empty Image", r + 1, c.id));
    c.image = resolve(base, row[image_col]);
    c.mask = resolve(base, row[mask_col]);
    if (roi_col >= 0) c.roi = row[roi_col];
    for (size_t i = 0; i < table.header.size(); ++i) c.columns.emplace_back(table.header[i], row[i]);
    manifest.cases.push_back(std::move(c));
  }
  return manifest;
}

CaseManifest CaseManifest::shard(int index, int count) const {
  CaseManifest out;
  out.path = path;
  out.header = header;
  for (size_t i = 0; i < cases.size(); ++i)
    if (static_cast<int>(i % count) == index) out.cases.push_back(cases[i]);
  return out;
}

std::pair<int, int> parse_shard(const std::string& text) {
  int index = -1, count = -1;
  char slash = 0, extra = 0;
  if (std::sscanf(text.c_str(), "%d%c%d%c", &index, &slash, &count, &extra) != 3 || slash != '/' ||
      count < 1 || index < 0 || index >= count)
    throw InputError(fmt::format("--shard {}: expected I/N with 0 <= I < N", text));
  return {index, count};
}

}  // namespace scopemia::io
