#include "core/geometry.h"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace scopemia {

Vec3 Geometry::index_to_physical(const Vec3& ci) const {
  const Vec3 scaled{ci[0] * spacing[0], ci[1] * spacing[1], ci[2] * spacing[2]};
  Vec3 p{};
  for (int r = 0; r < 3; ++r) {
    p[r] = origin[r] + direction[r * 3 + 0] * scaled[0] + direction[r * 3 + 1] * scaled[1] +
           direction[r * 3 + 2] * scaled[2];
  }
  return p;
}

Vec3 Geometry::index_to_physical(const Index3& index) const {
  return index_to_physical(Vec3{double(index.x), double(index.y), double(index.z)});
}

Vec3 Geometry::physical_to_index(const Vec3& point) const {
  const Mat3 inv = invert(direction);
  const Vec3 d{point[0] - origin[0], point[1] - origin[1], point[2] - origin[2]};
  Vec3 ci{};
  for (int r = 0; r < 3; ++r) {
    ci[r] = (inv[r * 3 + 0] * d[0] + inv[r * 3 + 1] * d[1] + inv[r * 3 + 2] * d[2]) / spacing[r];
  }
  return ci;
}

Geometry Geometry::shifted_to(const Index3& start) const {
  Geometry g = *this;
  g.origin = index_to_physical(start);
  return g;
}

double Geometry::max_difference(const Geometry& other) const {
  double worst = 0.0;
  for (int i = 0; i < 3; ++i) {
    worst = std::max(worst, std::abs(spacing[i] - other.spacing[i]));
    worst = std::max(worst, std::abs(origin[i] - other.origin[i]));
  }
  for (int i = 0; i < 9; ++i) worst = std::max(worst, std::abs(direction[i] - other.direction[i]));
  return worst;
}

std::string Geometry::describe() const {
  return fmt::format(
      "spacing ({:.6g}, {:.6g}, {:.6g}) origin ({:.6g}, {:.6g}, {:.6g}) direction "
      "({:.6g}, {:.6g}, {:.6g}; {:.6g}, {:.6g}, {:.6g}; {:.6g}, {:.6g}, {:.6g})",
      spacing[0], spacing[1], spacing[2], origin[0], origin[1], origin[2], direction[0],
      direction[1], direction[2], direction[3], direction[4], direction[5], direction[6],
      direction[7], direction[8]);
}

Mat3 invert(const Mat3& m) {
  const double det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
                     m[2] * (m[3] * m[7] - m[4] * m[6]);
  if (std::abs(det) < 1e-12) throw std::invalid_argument("singular direction matrix");
  const double s = 1.0 / det;
  return Mat3{(m[4] * m[8] - m[5] * m[7]) * s, (m[2] * m[7] - m[1] * m[8]) * s,
              (m[1] * m[5] - m[2] * m[4]) * s, (m[5] * m[6] - m[3] * m[8]) * s,
              (m[0] * m[8] - m[2] * m[6]) * s, (m[2] * m[3] - m[0] * m[5]) * s,
              (m[3] * m[7] - m[4] * m[6]) * s, (m[1] * m[6] - m[0] * m[7]) * s,
              (m[0] * m[4] - m[1] * m[3]) * s};
}

}  // namespace scopemia
