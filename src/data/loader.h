#pragma once
// Batches of k-slice subvolumes, assembled by background threads ahead of
// the training loop. The batches come out in the order of the windows given
// and are identical whatever the number of workers: each sample's
// augmentation draws from a generator seeded by (seed, epoch, position).
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <torch/types.h>

#include "data/augment.h"
#include "data/dataset.h"
#include "data/subvolumes.h"

namespace scopemia::data {

struct Batch {
  torch::Tensor image;   // [N,1,k,H,W] float32
  torch::Tensor mask;    // [N,1,k,H,W] float32 ROI 0/1 (after the same augmentation)
  torch::Tensor mci;     // [N,1,k,H,W] float32 when the dataset has MCI maps, else undefined
  torch::Tensor target;  // [N]: int64 classes (classification), float32 values (regression), else undefined
  torch::Tensor valid;   // [N,1,k,1,1] float32: 1 for slices from the case, 0 for depth padding
  std::vector<SubvolumeRef> refs;
};

struct LoaderOptions {
  int64_t batch_size = 2;
  DepthWindows windows{16, 8};  // the sampler's: batches are [N, 1, k, H, W]
  DepthPadding padding = DepthPadding::kReplicate;
  bool drop_last = false;
  int workers = 1;       // background threads; 0 assembles batches in next()
  int prefetch = 2;      // batches ready ahead, per worker
  AugmentOptions augment;
  TargetKind target = TargetKind::kNone;
  uint64_t seed = 0;
};

class BatchLoader {
 public:
  // `windows`: the epoch's windows in order (SubvolumeSampler::epoch).
  BatchLoader(const CaseDataset& dataset, std::vector<SubvolumeRef> windows, LoaderOptions options,
              int64_t epoch);
  ~BatchLoader();

  std::optional<Batch> next();  // nullopt after the last batch
  int64_t num_batches() const;
  double wait_seconds() const;  // total time next() waited for a worker

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace scopemia::data
