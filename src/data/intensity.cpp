#include "data/intensity.h"

#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "core/error.h"

namespace scopemia::data {

void IntensityMapping::set_statistics(double sum, double sum_of_squares, double n) {
  if (n <= 0) throw InputError("the image has no voxels");
  mean = sum / n;
  sd = std::sqrt(std::max(sum_of_squares / n - mean * mean, 1e-12));
}

torch::Tensor IntensityMapping::apply(const torch::Tensor& raw) const {
  const auto v = raw.to(torch::kFloat64);
  if (mode == IntensityMode::kWindow) {
    const double span = high - low;
    if (!(span > 0)) throw InputError("intensity window: high must be above low");
    return ((v.clamp(low, high) - low) / span).to(torch::kFloat32);
  }
  return ((v - mean) / sd).to(torch::kFloat32);
}

torch::Tensor IntensityMapping::invert(const torch::Tensor& mapped) const {
  const auto v = mapped.to(torch::kFloat64);
  if (mode == IntensityMode::kWindow) return (v * (high - low) + low).to(torch::kFloat32);
  return (v * sd + mean).to(torch::kFloat32);
}

void accumulate_intensity(const Volume& v, double& sum, double& sum_of_squares) {
  const float* p = v.data();
  for (int64_t i = 0; i < v.voxel_count(); ++i) {
    sum += p[i];
    sum_of_squares += double(p[i]) * p[i];
  }
}

}  // namespace scopemia::data
