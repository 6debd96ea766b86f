#include "radiomics/texture_common.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace scopemia::radiomics {

std::vector<Angle> texture_angles(const Size3& size_xyz, const std::vector<int>& distances,
                                  bool bidirectional, int force2d_dimension) {
  if (distances.empty()) throw std::invalid_argument("texture angles: no distances");
  const int64_t size[3] = {size_xyz.z, size_xyz.y, size_xyz.x};  // numpy order
  int max_distance = 0;
  for (int d : distances) {
    if (d < 1) throw std::invalid_argument("texture angles: distances must be >= 1");
    max_distance = std::max(max_distance, d);
  }
  // Number of angles (get_angle_count): per distance, the offsets of infinity
  // norm exactly d that fit in the array.
  int64_t count = 0;
  for (int d : distances) {
    int64_t outer = 1, inner = 1;
    for (int dim = 0; dim < 3; ++dim) {
      if (dim == force2d_dimension) continue;
      if (d < size[dim]) {
        outer *= 2 * d + 1;
        inner *= 2 * d - 1;
      } else {
        outer *= 2 * (size[dim] - 1) + 1;
        inner *= 2 * (size[dim] - 1) + 1;
      }
    }
    count += outer - inner;
  }
  if (!bidirectional) count /= 2;

  std::vector<Angle> angles;
  angles.reserve(static_cast<size_t>(count));
  const int n_offsets = 2 * max_distance + 1;
  const int64_t combos = int64_t(n_offsets) * n_offsets * n_offsets;
  for (int64_t k = 0; k < combos && static_cast<int64_t>(angles.size()) < count; ++k) {
    Angle a{};
    int a_dist = 0;
    const int64_t stride[3] = {int64_t(n_offsets) * n_offsets, n_offsets, 1};
    for (int dim = 0; dim < 3; ++dim) {
      const int offset = max_distance - static_cast<int>((k / stride[dim]) % n_offsets);
      if ((dim == force2d_dimension && offset != 0) || offset >= size[dim] || offset <= -size[dim]) {
        a_dist = -1;
        break;
      }
      a[dim] = offset;
      a_dist = std::max(a_dist, std::abs(offset));
    }
    if (a_dist < 1) continue;
    if (std::find(distances.begin(), distances.end(), a_dist) != distances.end()) angles.push_back(a);
  }
  return angles;
}

int force2d_axis(bool force2d, int force2d_dimension) {
  if (!force2d) return -1;
  if (force2d_dimension < 0 || force2d_dimension > 2)
    throw std::invalid_argument("force2Ddimension must be 0, 1 or 2 (got " + std::to_string(force2d_dimension) + ")");
  return force2d_dimension;
}

GrayLevels gray_levels(const DiscretizedRoi& roi) {
  const int64_t n = roi.size.count();
  if (roi.size.x < 0 || roi.size.y < 0 || roi.size.z < 0 || static_cast<int64_t>(roi.mask.size()) != n ||
      static_cast<int64_t>(roi.level.size()) != n)
    throw std::invalid_argument("discretized ROI: buffer sizes do not match the box size");
  GrayLevels g;
  g.x0 = roi.size.x;
  g.y0 = roi.size.y;
  g.z0 = roi.size.z;
  std::vector<char> present(static_cast<size_t>(std::max(roi.max_level, 0)) + 1, 0);
  const uint8_t* mask = roi.mask.data();
  const int32_t* level = roi.level.data();
  const uint32_t max_level = static_cast<uint32_t>(std::max(roi.max_level, 0));
  bool bad = false;
  // Row by row: the box grows by the row's first and last masked voxel.
  for (int64_t z = 0; z < roi.size.z; ++z)
    for (int64_t y = 0; y < roi.size.y; ++y) {
      const int64_t row = roi.offset(0, y, z);
      int64_t first = -1, last = -1, count = 0;
      for (int64_t x = 0; x < roi.size.x; ++x) {
        if (!mask[row + x]) continue;
        const int32_t l = level[row + x];
        // l in 1..max_level <=> l - 1 < max_level as unsigned
        bad = bad || static_cast<uint32_t>(l) - 1u >= max_level;
        if (!bad) present[static_cast<size_t>(l)] = 1;
        if (first < 0) first = x;
        last = x;
        ++count;
      }
      if (bad) throw std::invalid_argument("discretized ROI: a masked voxel's level is outside 1..max_level");
      if (count == 0) continue;
      g.voxel_count += count;
      g.x0 = std::min(g.x0, first);
      g.x1 = std::max(g.x1, last);
      g.y0 = std::min(g.y0, y);
      g.y1 = std::max(g.y1, y);
      g.z0 = std::min(g.z0, z);
      g.z1 = std::max(g.z1, z);
    }
  g.index_of.assign(present.size(), -1);
  for (size_t l = 1; l < present.size(); ++l) {
    if (!present[l]) continue;
    g.index_of[l] = static_cast<int>(g.levels.size());
    g.levels.push_back(static_cast<int>(l));
  }
  g.max_level = g.levels.empty() ? 0 : g.levels.back();
  return g;
}

LocalGrid local_grid(const DiscretizedRoi& roi, const GrayLevels& g, int border) {
  LocalGrid grid;
  grid.border = border;
  if (g.voxel_count == 0) return grid;
  grid.ox = g.x0 - border;
  grid.oy = g.y0 - border;
  grid.oz = g.z0 - border;
  grid.sx = g.x1 - g.x0 + 1 + 2 * border;
  grid.sy = g.y1 - g.y0 + 1 + 2 * border;
  grid.sz = g.z1 - g.z0 + 1 + 2 * border;
  const size_t cells = static_cast<size_t>(grid.sx * grid.sy * grid.sz);
  grid.index.assign(cells, -1);
  grid.level.assign(cells, 0);
  for (int64_t z = g.z0; z <= g.z1; ++z)
    for (int64_t y = g.y0; y <= g.y1; ++y) {
      int64_t src = roi.offset(g.x0, y, z), dst = grid.offset(g.x0, y, z);
      for (int64_t x = g.x0; x <= g.x1; ++x, ++src, ++dst)
        if (roi.mask[src]) {
          grid.index[dst] = g.index_of[roi.level[src]];
          grid.level[dst] = roi.level[src];
        }
    }
  return grid;
}

std::vector<Span> interior_spans(const LocalGrid& grid) {
  std::vector<Span> spans;
  const int64_t b = grid.border;
  if (grid.sx <= 2 * b || grid.sy <= 2 * b) return spans;
  for (int64_t z = b; z < grid.sz - b; ++z) {
    const int64_t first = (z * grid.sy + b) * grid.sx + b;
    const int64_t last = (z * grid.sy + grid.sy - 1 - b) * grid.sx + grid.sx - 1 - b;
    spans.push_back({first, last - first + 1});
  }
  return spans;
}

WeightingNorm parse_weighting_norm(const std::string& name) {
  if (name.empty()) return WeightingNorm::None;
  if (name == "manhattan") return WeightingNorm::Manhattan;
  if (name == "euclidean") return WeightingNorm::Euclidean;
  if (name == "infinity") return WeightingNorm::Infinity;
  if (name == "no_weighting") return WeightingNorm::NoWeighting;
  throw std::invalid_argument("weightingNorm: unknown value '" + name +
                              "' (expected manhattan, euclidean, infinity or no_weighting)");
}

double angle_distance(const Angle& a, const Vec3& spacing_xyz, WeightingNorm norm) {
  const double d[3] = {std::abs(a[0]) * spacing_xyz[2], std::abs(a[1]) * spacing_xyz[1],
                       std::abs(a[2]) * spacing_xyz[0]};
  switch (norm) {
    case WeightingNorm::Infinity: return std::max({d[0], d[1], d[2]});
    case WeightingNorm::Euclidean: return std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    case WeightingNorm::Manhattan: return d[0] + d[1] + d[2];
    default: return 1.0;
  }
}

double nan_mean(const std::vector<double>& values) {
  double sum = 0;
  int n = 0;
  for (double v : values) {
    if (std::isnan(v)) continue;
    sum += v;
    ++n;
  }
  return n ? sum / n : std::numeric_limits<double>::quiet_NaN();
}

void neighbourhood_grid(const DiscretizedRoi& roi, const GrayLevels& levels, const std::vector<Angle>& angles,
                        NeighbourhoodGrid& out) {
  int border = 1;
  for (const Angle& a : angles) border = std::max({border, std::abs(a[0]), std::abs(a[1]), std::abs(a[2])});
  out.grid = &roi_local_grid(roi, levels, border, out.own);
  out.deltas.clear();
  for (const Angle& a : angles) out.deltas.push_back(out.grid->delta(a[2], a[1], a[0]));
}

void share_texture_inputs(DiscretizedRoi& roi) {
  roi.shared.reset();
  auto shared = std::make_shared<TextureInputs>();
  shared->levels = gray_levels(roi);
  shared->grid1 = local_grid(roi, shared->levels, 1);
  roi.shared = std::move(shared);
}

const GrayLevels& roi_gray_levels(const DiscretizedRoi& roi, GrayLevels& own) {
  if (roi.shared) return roi.shared->levels;
  own = gray_levels(roi);
  return own;
}

const LocalGrid& roi_local_grid(const DiscretizedRoi& roi, const GrayLevels& levels, int border, LocalGrid& own) {
  if (roi.shared && border == 1 && &levels == &roi.shared->levels) return roi.shared->grid1;
  own = local_grid(roi, levels, border);
  return own;
}

bool is_texture_class(const std::string& name) {
  for (const char* t : {"glcm", "glrlm", "glszm", "gldm", "ngtdm"})
    if (name == t) return true;
  return false;
}

FeatureList named_values(const std::vector<std::string>& names, const double* values) {
  FeatureList result;
  result.reserve(names.size());
  for (size_t f = 0; f < names.size(); ++f) result.emplace_back(names[f], values[f]);
  return result;
}

}  // namespace scopemia::radiomics
