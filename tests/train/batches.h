#pragma once
// Synthetic in-memory batches for the trainer tests (no files, no loader).
#include <cmath>
#include <vector>

#include <torch/torch.h>

#include "core/random.h"
#include "data/loader.h"
#include "train/config.h"

namespace scopemia::testing {

// A small config the tests share: ConvNeXt-3D nano with PDE blocks after
// stages 1 and 2, 16-slice 32x32 windows, one thread, deterministic.
inline train::TrainConfig tiny_config(train::Task task) {
  train::TrainConfig c;
  c.source = "test";
  c.task = task;
  c.model.backbone = "convnext3d_nano";
  c.model.pde_stages = {1, 2};
  c.k = 16;
  c.stride = 16;
  c.batch_size = 2;
  c.deterministic = true;
  c.threads = 1;
  c.seed = 11;
  c.schedule.warmup_steps = 2;
  c.pde_loss.scale = 0;  // the half-size copy of a 32x32 window is below nano's minimum
  return c;
}

// Sample `index` of a separable problem: label = index % 2; class 1 holds a
// bright ball (radius 5 voxels) at a random place, class 0 only noise. The
// ROI mask is the ball (class 1) or a ball-sized region (class 0).
inline void synthetic_sample(uint64_t seed, int64_t index, int64_t k, int64_t H, int64_t W, torch::Tensor& image,
                             torch::Tensor& mask, int64_t& label) {
  Random rng(seed, uint64_t(index));
  label = index % 2;
  image = torch::empty({k, H, W});
  mask = torch::zeros({k, H, W});
  auto im = image.accessor<float, 3>();
  auto ms = mask.accessor<float, 3>();
  const double cz = rng.uniform(6, k - 6), cy = rng.uniform(8, H - 8), cx = rng.uniform(8, W - 8);
  const double r = 5.0;
  for (int64_t z = 0; z < k; ++z)
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x) {
        const double d = std::sqrt((z - cz) * (z - cz) + (y - cy) * (y - cy) + (x - cx) * (x - cx));
        const bool inside = d <= r;
        const double smooth = 0.3 + 0.1 * std::sin(0.3 * x + 0.2 * y) * std::cos(0.25 * z);
        im[z][y][x] = float(smooth + 0.05 * rng.normal() + (label == 1 && inside ? 0.5 : 0.0));
        ms[z][y][x] = inside ? 1.f : 0.f;
      }
}

// Batch of samples first..first+n-1; the last `padded` slices are depth
// padding (valid = 0) when padded > 0.
inline data::Batch synthetic_batch(uint64_t seed, int64_t first, int64_t n, train::Task task, int64_t k = 16,
                                   int64_t H = 32, int64_t W = 32, int64_t padded = 0) {
  std::vector<torch::Tensor> images, masks;
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < n; ++i) {
    torch::Tensor im, m;
    int64_t label = 0;
    synthetic_sample(seed, first + i, k, H, W, im, m, label);
    images.push_back(im.unsqueeze(0));
    masks.push_back(m.unsqueeze(0));
    labels.push_back(label);
  }
  data::Batch b;
  b.image = torch::stack(images);
  b.mask = torch::stack(masks);
  b.valid = torch::ones({n, 1, k, 1, 1});
  if (padded > 0) b.valid.narrow(2, k - padded, padded).zero_();
  if (task == train::Task::kClassification) b.target = torch::tensor(labels, torch::kLong);
  if (task == train::Task::kRegression) b.target = torch::tensor(labels, torch::kFloat) * 2.0 + 1.0;
  for (int64_t i = 0; i < n; ++i) b.refs.push_back({first + i, 0, k - padded});
  return b;
}

}  // namespace scopemia::testing
