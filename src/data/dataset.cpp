#include "data/dataset.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/random.h"
#include "core/runtime.h"
#include "imaging/mean_curvature.h"
#include "io/case_manifest.h"
#include "io/dicom_mask.h"
#include "io/image_io.h"

namespace scopemia::data {
namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------- targets

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// The whole text as a finite double, or nullopt.
std::optional<double> parse_real(const std::string& text) {
  const std::string t = trim(text);
  if (t.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size() || errno == ERANGE || !std::isfinite(v)) return std::nullopt;
  return v;
}

int column_of(const io::CaseManifest& m, const std::string& name, const char* what) {
  for (size_t i = 0; i < m.header.size(); ++i)
    if (m.header[i] == name) return int(i);
  throw InputError(m.path, fmt::format("no column '{}' (the {} column)", name, what));
}

// Targets and groups of every case, checked before any image is read.
void read_targets(const io::CaseManifest& m, const DatasetOptions& o, std::vector<CaseRecord>& records) {
  const bool needs_target = o.target == TargetKind::kClassification || o.target == TargetKind::kRegression;
  if (needs_target && o.target_column.empty())
    throw InputError(m.path, "classification/regression needs a target column");
  const int target_col = needs_target ? column_of(m, o.target_column, "target") : -1;
  const int group_col = o.group_column.empty() ? -1 : column_of(m, o.group_column, "group");
  for (size_t r = 0; r < m.cases.size(); ++r) {
    const io::Case& c = m.cases[r];
    CaseRecord& rec = records[r];
    rec.id = c.id;
    const auto where = [&](const std::string& column) {
      return fmt::format("column '{}', row {} ({})", column, r + 1, c.id);
    };
    if (group_col >= 0) {
      rec.group = trim(c.columns[size_t(group_col)].second);
      if (rec.group.empty()) throw InputError(m.path, where(o.group_column) + ": empty group");
    } else {
      rec.group = c.id;
    }
    if (target_col < 0) continue;
    const std::string& text = c.columns[size_t(target_col)].second;
    const auto value = parse_real(text);
    if (o.target == TargetKind::kRegression) {
      if (!value) throw InputError(m.path, fmt::format("{}: '{}' is not a number", where(o.target_column), text));
      rec.target = *value;
    } else {
      // A class is a non-negative integer; "2.0" (pandas writes integers so
      // when a column has gaps) is accepted, "2.5", "-1" or "yes" are not.
      if (!value || *value < 0 || *value != std::floor(*value) || *value > 1e6)
        throw InputError(m.path, fmt::format("{}: class label '{}' is not a non-negative integer (0..C-1)",
                                             where(o.target_column), text));
      rec.target = *value;
    }
  }
}

// ---------------------------------------------------------------- cache

uint64_t fnv1a(const void* data, size_t n, uint64_t h = 0xcbf29ce484222325ULL) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string hex(uint64_t v) { return fmt::format("{:016x}", v); }

// "size mtime" of a file; for a folder (a DICOM series) every file below it,
// sorted by name. A missing input is the same InputError reading would give.
std::string file_stamp(const std::string& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw InputError(path, "no such file or folder");
  auto stamp = [](const fs::path& p) {
    std::error_code e;
    const auto size = fs::file_size(p, e);
    const auto time = fs::last_write_time(p, e).time_since_epoch().count();
    return fmt::format("{} {}", e ? 0 : size, time);
  };
  if (!fs::is_directory(st)) return stamp(path);
  std::vector<std::string> lines;
  for (const auto& entry : fs::recursive_directory_iterator(path, ec))
    if (entry.is_regular_file()) lines.push_back(fs::relative(entry.path(), path).string() + " " + stamp(entry.path()));
  std::sort(lines.begin(), lines.end());
  std::string out = "folder";
  for (const auto& l : lines) out += "\n  " + l;
  return out;
}

std::string cache_key(const io::Case& c, const DatasetOptions& o) {
  const io::MaskSpec spec = io::parse_mask_spec(c.mask_spec());
  std::string key = "scopemia prepared-case cache 1\n";
  key += fmt::format("image: {}\nimage_stamp: {}\n", c.image, file_stamp(c.image));
  key += fmt::format("mask: {}\nmask_stamp: {}\n", c.mask_spec(), file_stamp(spec.path));
  key += describe(o.preprocess);
  key += o.with_mci ? fmt::format("mci_sigma_mm: {}\n", o.mci_sigma_mm) : std::string("mci: none\n");
  return key;
}

std::string geometry_text(const Geometry& g) {
  std::string s;
  for (double v : g.spacing) s += fmt::format("{:.17g} ", v);
  for (double v : g.origin) s += fmt::format("{:.17g} ", v);
  for (double v : g.direction) s += fmt::format("{:.17g} ", v);
  return s;
}

bool parse_geometry(const std::string& text, Geometry& g) {
  std::istringstream in(text);
  for (double& v : g.spacing) in >> v;
  for (double& v : g.origin) in >> v;
  for (double& v : g.direction) in >> v;
  return !in.fail();
}

template <typename T>
uint64_t checksum(const Image<T>& image) {
  const Size3 s = image.size();
  const int64_t dims[3] = {s.x, s.y, s.z};
  return fnv1a(image.data(), sizeof(T) * size_t(image.voxel_count()), fnv1a(dims, sizeof(dims)));
}

struct CacheEntry {
  fs::path dir;
  std::string key;
};

CacheEntry cache_entry(const std::string& cache_dir, const io::Case& c, const DatasetOptions& o) {
  CacheEntry e;
  e.key = cache_key(c, o);
  e.dir = fs::path(cache_dir) / hex(fnv1a(e.key.data(), e.key.size()));
  return e;
}

const char* kSeparator = "--- entry\n";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The prepared case from its cache entry, or nullopt when the entry is
// missing, belongs to other inputs, or is corrupt in any way.
std::optional<CaseRecord> read_cache(const CacheEntry& e, bool with_mci) {
  const std::string meta = read_text(e.dir / "entry.txt");
  const std::string head = e.key + kSeparator;
  if (meta.size() <= head.size() || meta.compare(0, head.size(), head) != 0) return std::nullopt;
  std::map<std::string, std::string> fields;
  std::istringstream lines(meta.substr(head.size()));
  for (std::string line; std::getline(lines, line);) {
    const auto colon = line.find(": ");
    if (colon != std::string::npos) fields[line.substr(0, colon)] = line.substr(colon + 2);
  }
  try {
    CaseRecord rec;
    Geometry gi, gm, gc;
    if (!parse_geometry(fields["image_geometry"], gi) || !parse_geometry(fields["mask_geometry"], gm))
      return std::nullopt;
    rec.prepared.image = io::read_volume((e.dir / "image.nii").string());
    rec.prepared.mask = io::read_label_map((e.dir / "mask.nii").string());
    rec.prepared.image.set_geometry(gi);  // exact: NIfTI keeps geometry in float32
    rec.prepared.mask.set_geometry(gm);
    rec.prepared.image.set_source_pixel_type(PixelType::Float32);
    if (hex(checksum(rec.prepared.image)) != fields["image_checksum"] ||
        hex(checksum(rec.prepared.mask)) != fields["mask_checksum"])
      return std::nullopt;
    if (with_mci) {
      if (!parse_geometry(fields["mci_geometry"], gc)) return std::nullopt;
      Volume mci = io::read_volume((e.dir / "mci.nii").string());
      mci.set_geometry(gc);
      mci.set_source_pixel_type(PixelType::Float32);
      if (hex(checksum(mci)) != fields["mci_checksum"]) return std::nullopt;
      rec.mci = std::move(mci);
    }
    return rec;
  } catch (const std::exception&) {
    return std::nullopt;  // unreadable: rebuilt by the caller
  }
}

// Writes every volume atomically, then the entry file that makes it valid.
void write_cache(const CacheEntry& e, const CaseRecord& rec) {
  fs::create_directories(e.dir);
  fs::remove(e.dir / "entry.txt");  // invalid while its volumes change
  auto write = [&](const char* name, auto&& writer) {
    AtomicOutput out(e.dir / name);
    writer(out.temp_path().string());
    out.commit();
  };
  write("image.nii", [&](const std::string& p) { io::write_volume(rec.prepared.image, p, PixelType::Float32); });
  write("mask.nii", [&](const std::string& p) { io::write_label_map(rec.prepared.mask, p); });
  std::string meta = e.key + kSeparator;
  meta += fmt::format("image_geometry: {}\nimage_checksum: {}\n", geometry_text(rec.prepared.image.geometry()),
                      hex(checksum(rec.prepared.image)));
  meta += fmt::format("mask_geometry: {}\nmask_checksum: {}\n", geometry_text(rec.prepared.mask.geometry()),
                      hex(checksum(rec.prepared.mask)));
  if (rec.mci) {
    write("mci.nii", [&](const std::string& p) { io::write_volume(*rec.mci, p, PixelType::Float32); });
    meta += fmt::format("mci_geometry: {}\nmci_checksum: {}\n", geometry_text(rec.mci->geometry()),
                        hex(checksum(*rec.mci)));
  }
  write_file_atomically(e.dir / "entry.txt", meta);
}

// ---------------------------------------------------------------- one case

// Reads and prepares one case (from the cache when its entry is valid).
// Returns true on a cache hit.
bool prepare_one(const io::Case& c, const DatasetOptions& o, CaseRecord& rec) {
  std::optional<CacheEntry> entry;
  if (!o.cache_dir.empty()) {
    entry = cache_entry(o.cache_dir, c, o);
    if (auto cached = read_cache(*entry, o.with_mci)) {
      rec.prepared = std::move(cached->prepared);
      rec.mci = std::move(cached->mci);
      return true;
    }
  }
  const Volume image = io::read_volume(c.image);
  const LabelMap mask = io::read_mask(c.mask_spec(), c.image);
  try {
    rec.prepared = prepare_case(image, mask, o.preprocess);
  } catch (const InputError& e) {
    throw InputError(c.mask_spec(), fmt::format("case {}: {}", c.id, e.cause()));
  }
  if (o.with_mci) {
    imaging::MeanCurvatureOptions mo;
    mo.sigma_mm = o.mci_sigma_mm;
    rec.mci = imaging::mean_curvature(rec.prepared.image, mo);
  }
  if (entry) {
    try {
      write_cache(*entry, rec);
    } catch (const std::exception& e) {
      const std::string what = e.what();  // libtorch appends a backtrace
      throw InputError(entry->dir.string(),
                       fmt::format("cannot write the data cache: {}", what.substr(0, what.find('\n'))));
    }
  }
  return false;
}

}  // namespace

// ---------------------------------------------------------------- CaseDataset

CaseDataset CaseDataset::load(const DatasetOptions& options) {
  LoadStats stats;
  return load(options, stats);
}

CaseDataset CaseDataset::load(const DatasetOptions& o, LoadStats& stats) {
  const io::CaseManifest manifest = io::read_case_manifest(o.cases_csv);
  const size_t n = manifest.cases.size();
  if (n == 0) throw InputError(o.cases_csv, "no cases");
  if (o.with_mci && !(o.mci_sigma_mm >= 0)) throw InputError("MCI sigma must be >= 0");
  std::vector<CaseRecord> records(n);
  read_targets(manifest, o, records);
  if (!o.cache_dir.empty()) {
    std::error_code ec;
    fs::create_directories(o.cache_dir, ec);
    if (ec) throw InputError(o.cache_dir, "cannot create the cache folder: " + ec.message());
  }

  Progress progress("cases prepared", int64_t(n));
  std::atomic<size_t> next{0};
  std::atomic<int64_t> hits{0};
  std::atomic<bool> failed{false};
  std::vector<std::exception_ptr> errors(n);
  auto worker = [&] {
    for (size_t i = next++; i < n && !failed; i = next++) {
      try {
        if (prepare_one(manifest.cases[i], o, records[i])) ++hits;
      } catch (...) {
        errors[i] = std::current_exception();
        failed = true;
      }
      progress.advance(1, o.cache_dir.empty() ? std::string() : fmt::format("{} from cache", hits.load()));
    }
  };
  const int threads = std::max(1, std::min<int>(o.threads, int(n)));
  run_workers(threads, worker);
  // The first failing case in CSV order (whatever the thread timing).
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  progress.finish();
  stats.cache_hits = hits;
  stats.cache_misses = int64_t(n) - hits;
  return CaseDataset(std::move(records));
}

std::vector<int64_t> CaseDataset::depths() const {
  std::vector<int64_t> d;
  d.reserve(cases_.size());
  for (const auto& c : cases_) d.push_back(c.prepared.image.depth());
  return d;
}

CaseDataset CaseDataset::subset(const std::vector<int64_t>& indices) const {
  std::vector<CaseRecord> out;
  out.reserve(indices.size());
  for (int64_t i : indices) {
    if (i < 0 || i >= size()) throw std::out_of_range(fmt::format("CaseDataset::subset: index {} of {}", i, size()));
    out.push_back(cases_[size_t(i)]);
  }
  return CaseDataset(std::move(out));
}

int64_t CaseDataset::num_classes() const {
  int64_t most = -1;
  for (const auto& c : cases_) most = std::max(most, int64_t(std::llround(c.target)));
  return most + 1;
}

std::pair<std::vector<int64_t>, std::vector<int64_t>> group_split(const CaseDataset& dataset, double fraction,
                                                                  uint64_t seed) {
  if (!(fraction >= 0 && fraction < 1)) throw InputError(fmt::format("validation fraction {} is not in [0, 1)", fraction));
  // Groups in order of first appearance, so the split depends on the seed only.
  std::vector<std::string> names;
  std::map<std::string, std::vector<int64_t>> members;
  for (int64_t i = 0; i < dataset.size(); ++i) {
    auto& m = members[dataset[i].group];
    if (m.empty()) names.push_back(dataset[i].group);
    m.push_back(i);
  }
  Random rng(seed, 0x5EC7);
  for (int64_t i = int64_t(names.size()) - 1; i > 0; --i)
    std::swap(names[size_t(i)], names[size_t(rng.next() % uint64_t(i + 1))]);

  const double target = fraction * double(dataset.size());
  size_t taken = 0;  // groups names[0, taken) go to validation
  int64_t in_validation = 0;
  if (fraction > 0) {
    // Take groups in the shuffled order while each brings the count closer to
    // the target (v + g/2 < target): the result is within half a group of it.
    while (taken < names.size()) {
      const auto g = int64_t(members[names[taken]].size());
      if (!(double(in_validation) + 0.5 * double(g) < target)) break;
      in_validation += g;
      ++taken;
    }
    if (names.size() >= 2) taken = std::clamp<size_t>(taken, 1, names.size() - 1);  // both sides non-empty
  }
  std::vector<int64_t> train, validation;
  for (size_t g = 0; g < names.size(); ++g) {
    auto& side = g < taken ? validation : train;
    side.insert(side.end(), members[names[g]].begin(), members[names[g]].end());
  }
  std::sort(train.begin(), train.end());
  std::sort(validation.begin(), validation.end());
  return {train, validation};
}

}  // namespace scopemia::data
