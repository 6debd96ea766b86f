#pragma once
// Helpers every texture class (glcm, glrlm, glszm, gldm, ngtdm) shares:
// PyRadiomics's neighbour offsets ("angles"), the gray levels present in the
// ROI, distance weights and NaN-aware means. See docs/radiomics-texture.md.
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "radiomics/discretized_roi.h"

// Kernels compiled three times, for the x86-64 baseline (SSE2), AVX2 and
// AVX-512F, the loader picking one at start-up. The clones do the same IEEE
// operations in the same order (no FMA contraction: glcm.cpp, whose Sturm
// counts are the one floating-point clone, is built with -ffp-contract=off),
// so they give the same bits; only the vector width differs. (AVX-512 took
// 12-15 % off GLDM's and NGTDM's integer neighbour passes on this VM's AMD
// EPYC; the LIDC batch output is byte-identical.)
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__) && !defined(SCOPEMIA_NO_SIMD_CLONES)
#define SCOPEMIA_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SCOPEMIA_SIMD_CLONES
#endif

namespace scopemia::radiomics {

// A neighbour offset in PyRadiomics's (numpy) axis order: z, y, x.
using Angle = std::array<int, 3>;

// Named feature values, in PyRadiomics's output order.
using FeatureList = std::vector<std::pair<std::string, double>>;

// glcm, glrlm, glszm, gldm, ngtdm: the classes that read DiscretizedRoi's
// shared inputs (share_texture_inputs pays off when more than one runs).
bool is_texture_class(const std::string& name);

// names[f] paired with values[f], for every name.
FeatureList named_values(const std::vector<std::string>& names, const double* values);

// The offsets PyRadiomics's C extension generates (build_angles): every
// offset whose infinity norm is one of `distances`, offsets of |o| >= size
// along an axis left out, no movement along `force2d_dimension` (numpy axis
// order: 0 = z (axial slices), 1 = y, 2 = x; -1 = 3D). Order: offsets
// enumerated from (+d,+d,+d) downwards, z slowest. Mono-directional
// (bidirectional = false) keeps the first half of that list: 13 angles in 3D,
// 4 in 2D for distance 1. `size` is the array the texture sees (x,y,z).
std::vector<Angle> texture_angles(const Size3& size, const std::vector<int>& distances,
                                  bool bidirectional, int force2d_dimension);

// force2D setting -> the dimension texture_angles takes (-1 when 3D). Throws
// std::invalid_argument for a force2Ddimension outside 0..2 when force2D is on.
int force2d_axis(bool force2d, int force2d_dimension);

// One pass over the ROI: the gray levels present inside the mask, ascending
// (PyRadiomics's coefficients['grayLevels']), `index_of` (size max_level + 1)
// mapping a level to its position in that list (-1 when absent), and the
// mask's bounding box inside the array (empty when x0 > x1). Matrices are
// built by scanning that box only; neighbours are still checked against the
// whole array. Throws std::invalid_argument when the buffers do not match the
// size or a masked voxel's level is outside 1..max_level.
struct GrayLevels {
  std::vector<int> levels;
  std::vector<int> index_of;
  int max_level = 0;  // PyRadiomics's coefficients['Ng']
  int64_t voxel_count = 0;
  int64_t x0 = 0, x1 = -1, y0 = 0, y1 = -1, z0 = 0, z1 = -1;  // inclusive
};
GrayLevels gray_levels(const DiscretizedRoi& roi);

// The mask's bounding box copied out with a border of `border` voxels on
// every side: each voxel holds its gray level's index in GrayLevels::levels,
// or -1 outside the ROI (the border included). Neighbour lookups then need no
// bounds checks: a neighbour beyond the bounding box is never in the ROI.
// Voxels are x fastest; (x, y, z) are coordinates in the original array.
struct LocalGrid {
  int64_t sx = 0, sy = 0, sz = 0;  // size with the border
  int border = 0;
  int64_t ox = 0, oy = 0, oz = 0;  // original coordinates of local (0,0,0)
  std::vector<int32_t> index;
  // Per voxel: its gray level (0 outside the ROI): with index >= 0 for
  // inside, what the neighbour passes over whole spans (GLDM, NGTDM) read,
  // with no branch on whether a neighbour is in the ROI.
  std::vector<int32_t> level;
  int64_t offset(int64_t x, int64_t y, int64_t z) const { return ((z - oz) * sy + (y - oy)) * sx + (x - ox); }
  int64_t delta(int dx, int dy, int dz) const { return (int64_t(dz) * sy + dy) * sx + dx; }
};
LocalGrid local_grid(const DiscretizedRoi& roi, const GrayLevels& levels, int border);

// The grid with a border wide enough for every offset in `angles`, and the
// buffer step of each offset: what the neighbourhood classes (GLDM, NGTDM)
// scan.
struct NeighbourhoodGrid {
  LocalGrid own;                  // the grid when it is not the shared one
  const LocalGrid* grid = nullptr;  // the grid to scan (&own or roi.shared's)
  std::vector<int64_t> deltas;    // one per angle, in order
  NeighbourhoodGrid() = default;
  NeighbourhoodGrid(const NeighbourhoodGrid&) = delete;
  NeighbourhoodGrid& operator=(const NeighbourhoodGrid&) = delete;
};
void neighbourhood_grid(const DiscretizedRoi& roi, const GrayLevels& levels, const std::vector<Angle>& angles,
                        NeighbourhoodGrid& out);

// The grid's interior as one contiguous span per slice: buffer positions
// [start, start + length) from the slice's first interior voxel to its last,
// the border columns between rows included. A neighbour pass over these
// spans (every voxel, in the ROI or not; only ROI voxels are read back) has
// long, contiguous, branch-free inner loops that vectorise; a per-ROI-voxel
// loop over the offsets gathers and branches per neighbour. Every neighbour
// of a span voxel within the border's reach lies inside the buffer.
struct Span {
  int64_t start = 0, length = 0;
};
std::vector<Span> interior_spans(const LocalGrid& grid);

// Calls visit(v, i) for every ROI voxel of the grid's interior: v its buffer
// position (add a delta for a neighbour), i its gray-level index.
template <typename Visit>
void for_each_roi_voxel(const LocalGrid& grid, Visit&& visit) {
  const int border = grid.border;
  const int32_t* index = grid.index.data();
  for (int64_t z = border; z < grid.sz - border; ++z)
    for (int64_t y = border; y < grid.sy - border; ++y) {
      const int64_t start = (z * grid.sy + y) * grid.sx;
      for (int64_t v = start + border; v < start + grid.sx - border; ++v)
        if (index[v] >= 0) visit(v, index[v]);
    }
}

// The gray levels and the border-1 grid of a ROI, shared by the texture
// classes of one extraction (DiscretizedRoi::shared).
struct TextureInputs {
  GrayLevels levels;
  LocalGrid grid1;  // local_grid(roi, levels, 1)
};
// Computes roi.shared (the extractor calls it once per discretized image).
void share_texture_inputs(DiscretizedRoi& roi);
// roi.shared's levels when set, else gray_levels(roi) computed into `own`.
const GrayLevels& roi_gray_levels(const DiscretizedRoi& roi, GrayLevels& own);
// roi.shared's grid when set and `border` is 1, else local_grid() into `own`.
const LocalGrid& roi_local_grid(const DiscretizedRoi& roi, const GrayLevels& levels, int border, LocalGrid& own);

// Distance-weighting norms (PyRadiomics's weightingNorm setting).
enum class WeightingNorm { None, Manhattan, Euclidean, Infinity, NoWeighting };
// "" -> None, "manhattan", "euclidean", "infinity", "no_weighting"; anything
// else throws std::invalid_argument naming the value.
WeightingNorm parse_weighting_norm(const std::string& name);
// The distance of `angle` under `norm` with voxel spacing (x,y,z), as
// PyRadiomics computes it (no_weighting -> 1).
double angle_distance(const Angle& angle, const Vec3& spacing_xyz, WeightingNorm norm);

// numpy.nanmean: mean of the non-NaN values; NaN when there are none.
double nan_mean(const std::vector<double>& values);

// numpy.spacing(1): PyRadiomics's epsilon.
constexpr double kTextureEps = 2.220446049250313e-16;

// log2(v + kTextureEps) for the cells of a texture matrix (the entropies):
// the cells are counts over one total, and a few values (0, 1/N, 2/N, ...)
// fill most of them, so each value's log2 is computed once, through a
// 64-entry cache keyed by the value's bits (a collision computes it again).
// The same value always gives the same log2: sums are unchanged.
class CellLog2 {
 public:
  CellLog2() {
    for (Entry& e : entries_) e.key = ~uint64_t(0);  // a NaN's bits: never a cell's
  }
  double operator()(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    Entry& e = entries_[(bits * 0x9E3779B97F4A7C15ull) >> 58];
    if (e.key != bits) {
      e.key = bits;
      e.log2 = std::log2(v + kTextureEps);
    }
    return e.log2;
  }

 private:
  struct Entry {
    uint64_t key;
    double log2;
  };
  Entry entries_[64];
};

}  // namespace scopemia::radiomics

namespace scopemia::radiomics {

// An angle as a step in the ROI's x-fastest buffer.
struct NeighbourStep {
  int dx = 0, dy = 0, dz = 0;
  int64_t delta = 0;  // buffer offset of the neighbour
};
inline std::vector<NeighbourStep> neighbour_steps(const DiscretizedRoi& roi, const std::vector<Angle>& angles,
                                                  int sign = 1) {
  std::vector<NeighbourStep> steps;
  steps.reserve(angles.size());
  for (const Angle& a : angles) {
    NeighbourStep s;
    s.dz = sign * a[0];
    s.dy = sign * a[1];
    s.dx = sign * a[2];
    s.delta = (int64_t(s.dz) * roi.size.y + s.dy) * roi.size.x + s.dx;
    steps.push_back(s);
  }
  return steps;
}
// True when (x,y,z) + step lies inside the box.
inline bool step_inside(const DiscretizedRoi& roi, int64_t x, int64_t y, int64_t z, const NeighbourStep& s) {
  return static_cast<uint64_t>(x + s.dx) < static_cast<uint64_t>(roi.size.x) &&
         static_cast<uint64_t>(y + s.dy) < static_cast<uint64_t>(roi.size.y) &&
         static_cast<uint64_t>(z + s.dz) < static_cast<uint64_t>(roi.size.z);
}

}  // namespace scopemia::radiomics
