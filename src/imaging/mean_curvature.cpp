#include "imaging/mean_curvature.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "imaging/gaussian.h"

namespace scopemia::imaging {

Volume mean_curvature(const Volume& image, const MeanCurvatureOptions& options) {
  const Volume smooth = options.sigma_mm > 0
                            ? gaussian_blur(image, Vec3{options.sigma_mm, options.sigma_mm, options.sigma_mm})
                            : image;
  const Size3 s = image.size();
  const Vec3& h = image.geometry().spacing;
  const int64_t n[3] = {s.x, s.y, s.z};
  auto value = [&](int64_t x, int64_t y, int64_t z) {
    // Replicate boundary for the second and mixed differences.
    x = std::clamp<int64_t>(x, 0, s.x - 1);
    y = std::clamp<int64_t>(y, 0, s.y - 1);
    z = std::clamp<int64_t>(z, 0, s.z - 1);
    return double(smooth.at(x, y, z));
  };

  const int64_t count = image.voxel_count();
  std::vector<double> gx(count), gy(count), gz(count), numerator(count);
  double largest_gradient = 0;
  for (int64_t z = 0; z < s.z; ++z)
    for (int64_t y = 0; y < s.y; ++y)
      for (int64_t x = 0; x < s.x; ++x) {
        const int64_t p[3] = {x, y, z};
        double g[3];
        double second[3];
        for (int a = 0; a < 3; ++a) {
          int64_t lo[3] = {x, y, z}, hi[3] = {x, y, z};
          lo[a] = std::max<int64_t>(p[a] - 1, 0);
          hi[a] = std::min<int64_t>(p[a] + 1, n[a] - 1);
          // Central inside, one-sided at the border.
          const double span = double(hi[a] - lo[a]) * h[a];
          g[a] = span > 0 ? (value(hi[0], hi[1], hi[2]) - value(lo[0], lo[1], lo[2])) / span : 0.0;
          int64_t m[3] = {x, y, z}, q[3] = {x, y, z};
          m[a] -= 1;
          q[a] += 1;
          second[a] = (value(q[0], q[1], q[2]) - 2 * value(x, y, z) + value(m[0], m[1], m[2])) / (h[a] * h[a]);
        }
        auto mixed = [&](int a, int b) {
          auto at = [&](int da, int db) {
            int64_t c[3] = {x, y, z};
            c[a] += da;
            c[b] += db;
            return value(c[0], c[1], c[2]);
          };
          return (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * h[a] * h[b]);
        };
        const double ixy = mixed(0, 1), ixz = mixed(0, 2), iyz = mixed(1, 2);
        const double ix = g[0], iy = g[1], iz = g[2];
        const int64_t i = image.offset(x, y, z);
        gx[i] = ix;
        gy[i] = iy;
        gz[i] = iz;
        numerator[i] = (iy * iy + iz * iz) * second[0] + (ix * ix + iz * iz) * second[1] +
                       (ix * ix + iy * iy) * second[2] - 2 * ix * iy * ixy - 2 * ix * iz * ixz - 2 * iy * iz * iyz;
        largest_gradient = std::max(largest_gradient, std::sqrt(ix * ix + iy * iy + iz * iz));
      }

  Volume k(s, image.geometry());
  k.set_source_pixel_type(PixelType::Float32);
  const double floor = options.relative_gradient_floor * largest_gradient;
  for (int64_t i = 0; i < count; ++i) {
    const double norm = std::sqrt(gx[i] * gx[i] + gy[i] * gy[i] + gz[i] * gz[i]);
    k[i] = norm > floor && norm > 0 ? static_cast<float>(numerator[i] / (norm * norm * norm)) : 0.f;
  }
  return k;
}

}  // namespace scopemia::imaging
