#pragma once
// A training cohort in memory: every case of a cases CSV (io/case_manifest.h)
// read, prepared exactly as embedding prepares it (data/preprocess.h) and
// kept with its target and group. Prepared volumes are cached on disk, keyed
// by the input files (path, size, mtime) and the preprocessing, so a second
// run skips reading and resampling.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/image.h"
#include "data/preprocess.h"

namespace scopemia::data {

enum class TargetKind {
  kNone,            // self-supervised (pretraining)
  kClassification,  // integer class 0..C-1 from target_column
  kRegression,      // real value from target_column
  kSegmentation,    // the ROI mask itself is the target
};

struct DatasetOptions {
  std::string cases_csv;            // Image, Mask[, ID, ROI, ...] as radiomics --batch takes it
  PreprocessOptions preprocess;
  TargetKind target = TargetKind::kNone;
  std::string target_column;        // for classification / regression
  std::string group_column;         // e.g. patient_id; empty: each case is its own group
  std::string cache_dir;            // empty: no cache
  bool with_mci = false;            // also compute the MCI map of each prepared image
  double mci_sigma_mm = 1.0;        // scale of imaging::mean_curvature
  int threads = 1;                  // cases prepared in parallel
};

struct CaseRecord {
  std::string id;
  std::string group;
  double target = 0.0;  // class index or value; 0 when TargetKind::kNone/kSegmentation
  PreparedCase prepared;           // image [D,H,W] in the network's range, mask 0/1
  std::optional<Volume> mci;       // when DatasetOptions::with_mci
};

// What a load did: cases taken from the cache and cases read and prepared.
struct LoadStats {
  int64_t cache_hits = 0;
  int64_t cache_misses = 0;
};

class CaseDataset {
 public:
  CaseDataset() = default;
  explicit CaseDataset(std::vector<CaseRecord> cases) : cases_(std::move(cases)) {}

  // Reads and prepares every case (progress on a terminal). A case that fails
  // to read is an InputError naming its file: training needs every case.
  static CaseDataset load(const DatasetOptions& options);
  static CaseDataset load(const DatasetOptions& options, LoadStats& stats);

  int64_t size() const { return int64_t(cases_.size()); }
  const CaseRecord& operator[](int64_t i) const { return cases_[size_t(i)]; }
  std::vector<int64_t> depths() const;  // slices of each prepared image
  CaseDataset subset(const std::vector<int64_t>& indices) const;
  int64_t num_classes() const;          // 1 + max target (classification)

 private:
  std::vector<CaseRecord> cases_;
};

// Split case indices into (train, validation) so no group is on both sides:
// groups are shuffled with `seed` and taken into validation until it holds
// about `fraction` of the cases.
std::pair<std::vector<int64_t>, std::vector<int64_t>> group_split(const CaseDataset& dataset,
                                                                  double fraction, uint64_t seed);

}  // namespace scopemia::data
