#include "imaging/gaussian.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace scopemia::imaging {
namespace {

std::vector<double> kernel(double sigma_voxels) {
  const int radius = std::max(1, static_cast<int>(std::ceil(4.0 * sigma_voxels)));
  std::vector<double> k(2 * radius + 1);
  double sum = 0;
  for (int i = -radius; i <= radius; ++i) sum += k[i + radius] = std::exp(-0.5 * i * i / (sigma_voxels * sigma_voxels));
  for (auto& v : k) v /= sum;
  return k;
}

// Convolves along one axis: `stride` between neighbours, `n` samples per line.
void blur_axis(Volume& v, int axis, double sigma_voxels) {
  if (sigma_voxels <= 0) return;
  const auto k = kernel(sigma_voxels);
  const int radius = static_cast<int>(k.size() / 2);
  const Size3& s = v.size();
  const int64_t n = axis == 0 ? s.x : axis == 1 ? s.y : s.z;
  const int64_t stride = axis == 0 ? 1 : axis == 1 ? s.x : s.x * s.y;
  const int64_t lines = v.voxel_count() / std::max<int64_t>(n, 1);
  std::vector<float> line(n);
  float* data = v.data();
  for (int64_t l = 0; l < lines; ++l) {
    // Line start: all voxels whose `axis` index is 0.
    int64_t base;
    if (axis == 0) base = l * s.x;
    else if (axis == 1) base = (l / s.x) * s.x * s.y + (l % s.x);
    else base = l;
    for (int64_t i = 0; i < n; ++i) line[i] = data[base + i * stride];
    for (int64_t i = 0; i < n; ++i) {
      double acc = 0;
      for (int j = -radius; j <= radius; ++j) {
        const int64_t idx = std::clamp<int64_t>(i + j, 0, n - 1);
        acc += k[j + radius] * line[idx];
      }
      data[base + i * stride] = static_cast<float>(acc);
    }
  }
}

}  // namespace

Volume gaussian_blur(const Volume& volume, const Vec3& sigma_mm) {
  Volume out = volume.clone();
  for (int axis = 0; axis < 3; ++axis) blur_axis(out, axis, sigma_mm[axis] / volume.geometry().spacing[axis]);
  return out;
}

}  // namespace scopemia::imaging
