#pragma once
// Physical geometry of a voxel grid, exactly as ITK defines it (LPS space):
//   physical = origin + direction * diag(spacing) * index
// Indices use ITK's order (x fastest, then y, then z); a Volume's tensor view
// has shape [D,H,W] = [size.z, size.y, size.x].
#include <array>
#include <cstdint>
#include <string>

namespace scopemia {

struct Index3 {
  int64_t x = 0, y = 0, z = 0;
  bool operator==(const Index3& o) const { return x == o.x && y == o.y && z == o.z; }
  bool operator!=(const Index3& o) const { return !(*this == o); }
};

struct Size3 {
  int64_t x = 0, y = 0, z = 0;
  int64_t count() const { return x * y * z; }
  bool operator==(const Size3& o) const { return x == o.x && y == o.y && z == o.z; }
  bool operator!=(const Size3& o) const { return !(*this == o); }
};

using Vec3 = std::array<double, 3>;
using Mat3 = std::array<double, 9>;  // row-major: direction[row*3 + col]

// A box of voxels: start index and size (both in x,y,z order).
struct Region {
  Index3 start;
  Size3 size;
  bool empty() const { return size.x <= 0 || size.y <= 0 || size.z <= 0; }
  bool operator==(const Region& o) const { return start == o.start && size == o.size; }
};

struct Geometry {
  Vec3 spacing{1.0, 1.0, 1.0};  // mm, x y z
  Vec3 origin{0.0, 0.0, 0.0};   // mm, physical position of voxel (0,0,0)'s centre
  Mat3 direction{1, 0, 0, 0, 1, 0, 0, 0, 1};  // columns are the axes' unit vectors

  Vec3 index_to_physical(const Vec3& continuous_index) const;
  Vec3 index_to_physical(const Index3& index) const;
  Vec3 physical_to_index(const Vec3& point) const;  // continuous index

  // The geometry of the sub-grid that starts at `start` (voxels keep their
  // physical positions).
  Geometry shifted_to(const Index3& start) const;

  // Largest absolute difference in spacing, origin (mm) and direction
  // (cosines) against `other`.
  double max_difference(const Geometry& other) const;
  bool is_close(const Geometry& other, double tolerance) const {
    return max_difference(other) <= tolerance;
  }

  // "spacing (0.78, 0.78, 6.5) origin (...) direction (...)": for messages.
  std::string describe() const;
};

// Inverse of a 3x3 row-major matrix; throws std::invalid_argument when singular.
Mat3 invert(const Mat3& m);

}  // namespace scopemia
