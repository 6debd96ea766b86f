#pragma once
// The intensity step of the network's preprocessing (data/preprocess.h):
// a CT window mapped to [0, 1], or a z-score. One definition, used by
// prepare_case (training, embeddings) and by whole-volume inference, so both
// give the network the same numbers: computed in double, rounded to float.
#include <torch/types.h>

#include "core/image.h"

namespace scopemia::data {

enum class IntensityMode {
  kWindow,  // clamp to [window_low, window_high], map to [0, 1] (CT: HU)
  kZScore,  // (x - mean) / sd over the ROI box (MR)
};

struct IntensityMapping {
  IntensityMode mode = IntensityMode::kWindow;
  double low = -1024.0, high = 2048.0;  // window
  double mean = 0.0, sd = 1.0;          // z-score statistics

  // Population mean and sd from running sums over n voxels (sd floored).
  void set_statistics(double sum, double sum_of_squares, double n);

  torch::Tensor apply(const torch::Tensor& raw) const;      // float32 in, float32 out
  torch::Tensor invert(const torch::Tensor& mapped) const;  // back to the input's units
};

// Adds the volume's voxels to running sums (for z-score statistics).
void accumulate_intensity(const Volume& volume, double& sum, double& sum_of_squares);


}  // namespace scopemia::data
