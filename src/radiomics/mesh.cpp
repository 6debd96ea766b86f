#include "radiomics/mesh.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

namespace scopemia::radiomics {
namespace {

// ---------------------------------------------------------------------------
// Marching cubes tables (numpy axis order z, y, x).
//
// Cube corners relative to the cube origin: bit i of the cube index is set
// when corner i is inside the ROI.
constexpr int kCorner[8][3] = {{0, 0, 0}, {0, 0, 1}, {0, 1, 1}, {0, 1, 0},
                               {1, 0, 0}, {1, 0, 1}, {1, 1, 1}, {1, 1, 0}};
// The cube-index bits of a face x = 0 or x = 1 of a cube, by the face's
// 4-bit code (bit z * 2 + y set when the face's corner (z, y) is inside).
constexpr std::array<uint8_t, 16> face_bits(int x) {
  std::array<uint8_t, 16> bits{};
  for (int code = 0; code < 16; ++code)
    for (int corner = 0; corner < 8; ++corner)
      if (kCorner[corner][2] == x && (code >> (kCorner[corner][0] * 2 + kCorner[corner][1]) & 1))
        bits[code] = static_cast<uint8_t>(bits[code] | 1u << corner);
  return bits;
}
// Position of the vertex on each of the 12 cube edges, in doubled units
// (0, 1 = halfway, 2). Edge e joins the two corners at half a voxel from it.
constexpr int kEdgeVertex2[12][3] = {{0, 0, 1}, {0, 1, 2}, {0, 2, 1}, {0, 1, 0}, {2, 0, 1}, {2, 1, 2},
                                     {2, 2, 1}, {2, 1, 0}, {1, 0, 0}, {1, 0, 2}, {1, 2, 2}, {1, 2, 0}};

// Triangles of each cube configuration 0..127 (configurations >= 128 use the
// complement with the volume sign flipped), as triples of edge numbers, -1
// ends a row. This is the triangulation of PyRadiomics 3.1 (cshape.c,
// BSD-3-Clause), whose vertex order makes every normal point outwards; it is
// data, kept as PyRadiomics has it, because the choice of triangulation
// decides the surface area.
constexpr int8_t kTriangles[128][16] = {
    {-1},
    {0, 8, 3, -1},
    {1, 9, 0, -1},
    {1, 8, 3, 1, 9, 8, -1},
    {1, 2, 10, -1},
    {0, 8, 3, 1, 2, 10, -1},
    {9, 2, 10, 0, 2, 9, -1},
    {2, 8, 3, 2, 10, 8, 10, 9, 8, -1},
    {11, 2, 3, -1},
    {11, 2, 0, 0, 8, 11, -1},
    {1, 9, 0, 11, 2, 3, -1},
    {11, 2, 1, 1, 9, 11, 9, 8, 11, -1},
    {3, 10, 1, 11, 10, 3, -1},
    {10, 1, 0, 0, 8, 10, 8, 11, 10, -1},
    {9, 0, 3, 3, 11, 9, 11, 10, 9, -1},
    {9, 8, 10, 11, 10, 8, -1},
    {4, 7, 8, -1},
    {0, 4, 3, 4, 7, 3, -1},
    {1, 9, 0, 4, 7, 8, -1},
    {1, 9, 4, 1, 4, 7, 1, 7, 3, -1},
    {1, 2, 10, 4, 7, 8, -1},
    {3, 4, 7, 3, 0, 4, 1, 2, 10, -1},
    {9, 2, 10, 9, 0, 2, 4, 7, 8, -1},
    {2, 10, 9, 2, 9, 7, 2, 7, 3, 4, 7, 9, -1},
    {4, 7, 8, 11, 2, 3, -1},
    {11, 4, 7, 11, 2, 4, 2, 0, 4, -1},
    {1, 9, 0, 4, 7, 8, 11, 2, 3, -1},
    {4, 7, 11, 9, 4, 11, 11, 2, 9, 1, 9, 2, -1},
    {3, 10, 1, 11, 10, 3, 4, 7, 8, -1},
    {11, 10, 1, 1, 4, 11, 1, 0, 4, 4, 7, 11, -1},
    {4, 7, 8, 9, 0, 3, 3, 11, 9, 11, 10, 9, -1},
    {4, 7, 11, 4, 11, 9, 9, 11, 10, -1},
    {9, 5, 4, -1},
    {9, 5, 4, 0, 8, 3, -1},
    {0, 5, 4, 0, 1, 5, -1},
    {8, 5, 4, 8, 3, 5, 3, 1, 5, -1},
    {1, 2, 10, 9, 5, 4, -1},
    {0, 8, 3, 1, 2, 10, 9, 5, 4, -1},
    {2, 10, 5, 5, 4, 2, 2, 4, 0, -1},
    {2, 10, 5, 3, 2, 5, 3, 5, 4, 8, 3, 4, -1},
    {9, 5, 4, 11, 2, 3, -1},
    {11, 2, 0, 0, 8, 11, 9, 5, 4, -1},
    {0, 5, 4, 0, 1, 5, 11, 2, 3, -1},
    {2, 1, 5, 2, 5, 8, 11, 2, 8, 5, 4, 8, -1},
    {3, 10, 1, 11, 10, 3, 9, 5, 4, -1},
    {5, 4, 9, 10, 1, 0, 0, 8, 10, 8, 11, 10, -1},
    {5, 4, 0, 5, 0, 11, 10, 5, 11, 11, 0, 3, -1},
    {5, 4, 8, 10, 5, 8, 11, 10, 8, -1},
    {7, 8, 9, 5, 7, 9, -1},
    {3, 0, 9, 5, 3, 9, 3, 5, 7, -1},
    {7, 8, 0, 0, 1, 7, 7, 1, 5, -1},
    {1, 5, 7, 1, 7, 3, -1},
    {7, 8, 9, 5, 7, 9, 1, 2, 10, -1},
    {1, 2, 10, 3, 0, 9, 3, 9, 5, 3, 5, 7, -1},
    {0, 2, 8, 8, 2, 5, 8, 5, 7, 2, 10, 5, -1},
    {2, 10, 5, 2, 5, 3, 3, 5, 7, -1},
    {5, 7, 9, 7, 8, 9, 11, 2, 3, -1},
    {5, 7, 9, 9, 7, 2, 2, 0, 9, 11, 2, 7, -1},
    {11, 2, 3, 0, 1, 8, 1, 7, 8, 1, 5, 7, -1},
    {2, 1, 11, 1, 7, 11, 1, 5, 7, -1},
    {7, 8, 9, 5, 7, 9, 3, 10, 1, 11, 10, 3, -1},
    {5, 7, 0, 5, 0, 9, 7, 11, 0, 10, 1, 0, 11, 10, 0, -1},
    {11, 10, 0, 0, 3, 11, 10, 5, 0, 0, 7, 8, 5, 7, 0, -1},
    {11, 10, 5, 5, 7, 11, -1},
    {6, 5, 10, -1},
    {0, 8, 3, 6, 5, 10, -1},
    {1, 9, 0, 6, 5, 10, -1},
    {1, 8, 3, 1, 9, 8, 6, 5, 10, -1},
    {1, 6, 5, 1, 2, 6, -1},
    {1, 6, 5, 1, 2, 6, 0, 8, 3, -1},
    {9, 6, 5, 9, 0, 6, 0, 2, 6, -1},
    {5, 9, 8, 5, 8, 2, 5, 2, 6, 8, 3, 2, -1},
    {11, 2, 3, 6, 5, 10, -1},
    {11, 2, 0, 0, 8, 11, 6, 5, 10, -1},
    {1, 9, 0, 11, 2, 3, 6, 5, 10, -1},
    {11, 2, 1, 1, 9, 11, 9, 8, 11, 6, 5, 10, -1},
    {6, 3, 11, 6, 5, 3, 5, 1, 3, -1},
    {0, 8, 11, 0, 11, 5, 0, 5, 1, 5, 11, 6, -1},
    {6, 3, 11, 0, 3, 6, 0, 6, 5, 0, 5, 9, -1},
    {6, 5, 9, 6, 9, 11, 11, 9, 8, -1},
    {4, 7, 8, 6, 5, 10, -1},
    {0, 4, 3, 4, 7, 3, 6, 5, 10, -1},
    {1, 9, 0, 4, 7, 8, 6, 5, 10, -1},
    {1, 9, 4, 1, 4, 7, 1, 7, 3, 6, 5, 10, -1},
    {4, 7, 8, 1, 6, 5, 1, 2, 6, -1},
    {0, 4, 3, 4, 7, 3, 1, 6, 5, 1, 2, 6, -1},
    {4, 7, 8, 9, 6, 5, 9, 0, 6, 0, 2, 6, -1},
    {7, 3, 9, 4, 7, 9, 3, 2, 9, 5, 9, 6, 2, 6, 9, -1},
    {11, 2, 3, 4, 7, 8, 6, 5, 10, -1},
    {11, 4, 7, 11, 2, 4, 2, 0, 4, 6, 5, 10, -1},
    {1, 9, 0, 11, 2, 3, 4, 7, 8, 6, 5, 10, -1},
    {4, 7, 11, 9, 4, 11, 11, 2, 9, 1, 9, 2, 6, 5, 10, -1},
    {4, 7, 8, 6, 3, 11, 6, 5, 3, 5, 1, 3, -1},
    {5, 1, 11, 5, 11, 6, 1, 0, 11, 4, 7, 11, 0, 4, 11, -1},
    {4, 7, 8, 6, 3, 11, 0, 3, 6, 0, 6, 5, 0, 5, 9, -1},
    {6, 5, 9, 6, 9, 11, 4, 7, 9, 7, 11, 9, -1},
    {10, 4, 9, 6, 4, 10, -1},
    {10, 4, 9, 6, 4, 10, 0, 8, 3, -1},
    {0, 1, 10, 10, 6, 0, 6, 4, 0, -1},
    {1, 8, 3, 1, 6, 8, 8, 6, 4, 6, 1, 10, -1},
    {1, 4, 9, 1, 2, 4, 2, 6, 4, -1},
    {1, 4, 9, 1, 2, 4, 2, 6, 4, 0, 8, 3, -1},
    {0, 2, 4, 4, 2, 6, -1},
    {8, 3, 2, 8, 2, 4, 4, 2, 6, -1},
    {11, 2, 3, 10, 4, 9, 6, 4, 10, -1},
    {11, 2, 0, 0, 8, 11, 10, 4, 9, 6, 4, 10, -1},
    {11, 2, 3, 0, 1, 10, 10, 6, 0, 6, 4, 0, -1},
    {6, 4, 1, 6, 1, 10, 1, 4, 8, 11, 2, 1, 1, 8, 11, -1},
    {9, 6, 4, 3, 6, 9, 1, 3, 9, 11, 6, 3, -1},
    {1, 8, 11, 0, 8, 1, 11, 6, 1, 1, 4, 9, 6, 4, 1, -1},
    {6, 3, 11, 0, 3, 6, 6, 4, 0, -1},
    {8, 6, 4, 6, 8, 11, -1},
    {6, 7, 10, 7, 8, 10, 8, 9, 10, -1},
    {6, 7, 10, 0, 10, 7, 0, 9, 10, 0, 7, 3, -1},
    {6, 7, 10, 1, 10, 7, 1, 7, 8, 0, 1, 8, -1},
    {6, 7, 10, 1, 10, 7, 1, 7, 3, -1},
    {1, 2, 6, 1, 6, 8, 1, 8, 9, 6, 7, 8, -1},
    {2, 6, 9, 1, 2, 9, 6, 7, 9, 3, 0, 9, 7, 3, 9, -1},
    {0, 7, 8, 7, 0, 6, 6, 0, 2, -1},
    {2, 7, 3, 2, 6, 7, -1},
    {11, 2, 3, 6, 7, 10, 7, 8, 10, 8, 9, 10, -1},
    {2, 0, 7, 11, 2, 7, 0, 9, 7, 6, 7, 10, 9, 10, 7, -1},
    {6, 7, 10, 1, 10, 7, 1, 7, 8, 0, 1, 8, 11, 2, 3, -1},
    {11, 2, 1, 1, 7, 11, 10, 6, 1, 1, 6, 7, -1},
    {8, 9, 6, 6, 7, 8, 1, 6, 9, 11, 6, 3, 1, 3, 6, -1},
    {0, 9, 1, 6, 7, 11, -1},
    {0, 7, 8, 7, 0, 6, 0, 3, 11, 11, 6, 0, -1},
    {6, 7, 11, -1},
};

// ---------------------------------------------------------------------------
// Marching squares tables (numpy order y, x). Corners: 0 (0,0), 1 (0,1),
// 2 (1,1), 3 (1,0); edge vertices in doubled units; segments per square
// configuration as pairs of edges (PyRadiomics's orientation: the signed
// area of (O, a, b) sums to the ROI's area).
constexpr int kCorner2D[4][2] = {{0, 0}, {0, 1}, {1, 1}, {1, 0}};
constexpr int kEdgeVertex2D2[4][2] = {{0, 1}, {1, 2}, {2, 1}, {1, 0}};
constexpr int8_t kSegments[16][5] = {{-1},         {3, 0, -1}, {0, 1, -1}, {3, 1, -1},         {1, 2, -1},
                                     {1, 2, 3, 0, -1}, {0, 2, -1}, {3, 2, -1}, {2, 3, -1},     {2, 0, -1},
                                     {0, 1, 2, 3, -1}, {2, 1, -1}, {1, 3, -1}, {1, 0, -1},     {0, 3, -1},
                                     {-1}};

bool inside(uint8_t v, int label) { return label < 0 ? v != 0 : v == label; }

// ---------------------------------------------------------------------------
// Exact 2D convex hull (strict vertices only) of integer points.
using P2 = std::array<int64_t, 2>;

int64_t cross(const P2& o, const P2& a, const P2& b) {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

struct Phys3 {
  double c[3];
};

Phys3 physical(const HalfIndex& v, const Vec3& s) {
  return Phys3{{(0.5 * v[0]) * s[0], (0.5 * v[1]) * s[1], (0.5 * v[2]) * s[2]}};
}

// Squared distance exactly as PyRadiomics sums it (z, then y, then x).
double dist2(const Phys3& a, const Phys3& b) {
  const double d0 = a.c[0] - b.c[0], d1 = a.c[1] - b.c[1], d2 = a.c[2] - b.c[2];
  return d0 * d0 + d1 * d1 + d2 * d2;
}

// Largest pairwise squared distance of `pts` if it exceeds `best` (else
// `best`), pruned by the triangle inequality through a centre point:
// |p - q| <= r_p + r_q. Pairs are visited by decreasing r_p + r_q bound and
// the search stops once no pair can beat the best found.
double max_dist2_pruned(const Phys3* pts, size_t n, double best) {
  if (n < 2) return best;
  double lo[3], hi[3];
  for (int d = 0; d < 3; ++d) lo[d] = hi[d] = pts[0].c[d];
  for (const Phys3* p = pts; p != pts + n; ++p)
    for (int d = 0; d < 3; ++d) {
      lo[d] = std::min(lo[d], p->c[d]);
      hi[d] = std::max(hi[d], p->c[d]);
    }
  // Safety margin so that rounding in a bound never prunes the true maximum.
  constexpr double kSlack = 1 + 1e-9;
  double diag2 = 0;
  for (int d = 0; d < 3; ++d) diag2 += (hi[d] - lo[d]) * (hi[d] - lo[d]);
  if (diag2 * kSlack * kSlack < best) return best;  // no pair can beat it
  const double centre[3] = {(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, (lo[2] + hi[2]) / 2};
  thread_local std::vector<std::pair<double, uint32_t>> order_buffer;  // reused: a case searches ~100 sections
  std::vector<std::pair<double, uint32_t>>& order = order_buffer;
  order.resize(n);
  for (size_t i = 0; i < n; ++i) {
    double r2 = 0;
    for (int d = 0; d < 3; ++d) r2 += (pts[i].c[d] - centre[d]) * (pts[i].c[d] - centre[d]);
    order[i] = {std::sqrt(r2) * kSlack, static_cast<uint32_t>(i)};
  }
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t i = 0; i + 1 < n; ++i) {
    const double ri = order[i].first;
    if ((ri + order[i + 1].first) * (ri + order[i + 1].first) < best) break;
    const Phys3& a = pts[order[i].second];
    for (size_t j = i + 1; j < n; ++j) {
      const double bound = ri + order[j].first;
      if (bound * bound < best) break;
      const double d = dist2(a, pts[order[j].second]);
      if (d > best) best = d;
    }
  }
  return best;
}

// Strict hull vertices of points already sorted by (u, v) (indices into pts).
void hull_of_sorted(const std::vector<P2>& pts, std::vector<size_t>& h) {
  const size_t n = pts.size();
  if (n <= 2) {
    h.resize(n);
    std::iota(h.begin(), h.end(), 0);
    return;
  }
  h.resize(2 * n);
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    while (k >= 2 && cross(pts[h[k - 2]], pts[h[k - 1]], pts[i]) <= 0) --k;
    h[k++] = i;
  }
  for (size_t i = n - 1, t = k + 1; i-- > 0;) {
    while (k >= t && cross(pts[h[k - 2]], pts[h[k - 1]], pts[i]) <= 0) --k;
    h[k++] = i;
  }
  h.resize(k - 1);
}

// The triangles of one cube configuration with the cube at the origin
// (corners in mm, z y x): their count, summed area, and the two terms of
// their summed signed tetrahedron volume (times 6) as a function of the
// cube's origin (see mesh_measures_3d).
struct ConfigurationMeasures {
  bool known = false;
  int triangles = 0;
  double area = 0, det = 0;
  double normal_sum[3] = {0, 0, 0};
};

ConfigurationMeasures configuration_measures(const int8_t* tri, const double* s) {
  ConfigurationMeasures cm;
  cm.known = true;
  const auto cross = [](const double* a, const double* b, double* out) {
    out[0] = a[1] * b[2] - b[1] * a[2];
    out[1] = a[2] * b[0] - b[2] * a[0];
    out[2] = a[0] * b[1] - b[0] * a[1];
  };
  for (int t = 0; tri[t] >= 0; t += 3) {
    double p[3][3];
    for (int k = 0; k < 3; ++k)
      for (int d = 0; d < 3; ++d) p[k][d] = (0.5 * kEdgeVertex2[tri[t + k]][d]) * s[d];
    const double* a = p[0];
    const double* b = p[1];
    const double* c = p[2];
    double ab[3], bc[3], ca[3];
    cross(a, b, ab);
    cross(b, c, bc);
    cross(c, a, ca);
    cm.det += ab[0] * c[0] + ab[1] * c[1] + ab[2] * c[2];
    for (int d = 0; d < 3; ++d) cm.normal_sum[d] += ab[d] + bc[d] + ca[d];
    // Triangle area: half the norm of (a - c) x (b - c).
    const double u[3] = {a[0] - c[0], a[1] - c[1], a[2] - c[2]};
    const double v[3] = {b[0] - c[0], b[1] - c[1], b[2] - c[2]};
    double n[3];
    cross(u, v, n);
    cm.area += 0.5 * std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
    ++cm.triangles;
  }
  return cm;
}

}  // namespace

// ---------------------------------------------------------------------------
Mesh3DMeasures mesh_measures_3d(const uint8_t* mask, const Size3& size, const Vec3& spacing, int label) {
  Mesh3DMeasures out;
  // PyRadiomics crops the mask to the ROI's bounding box, then pads it with
  // one empty voxel on each side; the tetrahedra are measured from the origin
  // of that padded box. The mesh is not closed for every configuration (the
  // 128-entry table resolves ambiguous faces differently in neighbouring
  // cubes), so the origin matters at the 1e-4 level: keep it as PyRadiomics.
  int64_t lo[3] = {size.x, size.y, size.z}, hi[3] = {-1, -1, -1};
  for (int64_t z = 0; z < size.z; ++z)
    for (int64_t y = 0; y < size.y; ++y) {
      const uint8_t* src = mask + (z * size.y + y) * size.x;
      for (int64_t x = 0; x < size.x; ++x)
        if (inside(src[x], label)) {
          const int64_t p[3] = {x, y, z};
          for (int d = 0; d < 3; ++d) {
            lo[d] = std::min(lo[d], p[d]);
            hi[d] = std::max(hi[d], p[d]);
          }
        }
    }
  if (hi[0] < 0) return out;  // empty ROI: no mesh
  // Padded grid in numpy order: P[z][y][x].
  const int64_t px = hi[0] - lo[0] + 3, py = hi[1] - lo[1] + 3, pz = hi[2] - lo[2] + 3;
  std::vector<uint8_t> grid(static_cast<size_t>(pz * py * px), 0);
  for (int64_t z = lo[2]; z <= hi[2]; ++z)
    for (int64_t y = lo[1]; y <= hi[1]; ++y) {
      const uint8_t* src = mask + (z * size.y + y) * size.x;
      uint8_t* dst = grid.data() + ((z - lo[2] + 1) * py + (y - lo[1] + 1)) * px + 1 - lo[0];
      for (int64_t x = lo[0]; x <= hi[0]; ++x) dst[x] = inside(src[x], label) ? 1 : 0;
    }
  const double s[3] = {spacing[2], spacing[1], spacing[0]};  // z, y, x
  const int64_t stride[3] = {py * px, px, 1};
  // A cube's index from its two faces x = ix and x = ix + 1, each the 4-bit
  // code of its corners (z, y) = (0,0), (0,1), (1,0), (1,1): the face at
  // x = ix + 1 is the next cube's face at x = ix, so each face is read once.
  static constexpr std::array<uint8_t, 16> kNearFace = face_bits(0), kFarFace = face_bits(1);

  std::array<ConfigurationMeasures, 128> per_configuration{};
  double volume6 = 0, area = 0;
  for (int64_t iz = 0; iz < pz - 1; ++iz) {
    for (int64_t iy = 0; iy < py - 1; ++iy) {
      const uint8_t* r00 = grid.data() + iz * stride[0] + iy * stride[1];
      const uint8_t* r01 = r00 + stride[1];
      const uint8_t* r10 = r00 + stride[0];
      const uint8_t* r11 = r10 + stride[1];
      unsigned near_face = r00[0] | r01[0] << 1 | r10[0] << 2 | r11[0] << 3;
      for (int64_t ix = 0; ix < px - 1; ++ix) {
        const unsigned far_face = r00[ix + 1] | r01[ix + 1] << 1 | r10[ix + 1] << 2 | r11[ix + 1] << 3;
        unsigned cube = kNearFace[near_face] | kFarFace[far_face];
        near_face = far_face;
        if (cube == 0 || cube == 0xff) continue;
        double sign = 1;
        if (cube & 0x80) {
          cube ^= 0xff;
          sign = -1;
        }
        // Vertices on the cube's edges 6, 7 and 11 (all meet corner 7, which
        // is outside after the flip): each in/out edge of the grid is edge 6,
        // 7 or 11 of exactly one cube, so every vertex is stored once.
        const int32_t z2 = static_cast<int32_t>(2 * iz), y2 = static_cast<int32_t>(2 * iy),
                      x2 = static_cast<int32_t>(2 * ix);
        if (cube & (1u << 6)) out.vertices.push_back({z2 + 2, y2 + 2, x2 + 1});
        if (cube & (1u << 4)) out.vertices.push_back({z2 + 2, y2 + 1, x2});
        if (cube & (1u << 3)) out.vertices.push_back({z2 + 1, y2 + 2, x2});

        // Every cube of one configuration holds the same triangles, moved:
        // its area, and its signed volume as a polynomial in the cube's
        // origin O, are computed once per configuration. With the corners
        // A + O, B + O, C + O of a triangle,
        //   det(A + O, B + O, C + O) = det(A, B, C) + O . (A x B + B x C + C x A)
        // (the terms with O twice vanish), so a cube adds
        //   sign * (D + O . N),  D = sum det(A, B, C),  N = sum (A x B + B x C + C x A).
        ConfigurationMeasures& cm = per_configuration[cube];
        if (!cm.known) cm = configuration_measures(kTriangles[cube], s);
        const double o0 = static_cast<double>(iz) * s[0], o1 = static_cast<double>(iy) * s[1],
                     o2 = static_cast<double>(ix) * s[2];
        volume6 += sign * (cm.det + (o0 * cm.normal_sum[0] + o1 * cm.normal_sum[1] + o2 * cm.normal_sum[2]));
        area += cm.area;
        out.triangles += cm.triangles;
      }
    }
  }
  out.volume = volume6 / 6;
  out.surface_area = area;
  out.diameters = mesh_diameters(out.vertices, Vec3{s[0], s[1], s[2]});
  return out;
}

// ---------------------------------------------------------------------------
MeshDiameters mesh_diameters_all_pairs(const std::vector<HalfIndex>& vertices, const Vec3& spacing_zyx) {
  std::vector<Phys3> p(vertices.size());
  for (size_t i = 0; i < vertices.size(); ++i) p[i] = physical(vertices[i], spacing_zyx);
  double d[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < p.size(); ++i)
    for (size_t j = 0; j < i; ++j) {
      const double dd = dist2(p[i], p[j]);
      if (p[i].c[0] == p[j].c[0] && dd > d[0]) d[0] = dd;
      if (p[i].c[1] == p[j].c[1] && dd > d[1]) d[1] = dd;
      if (p[i].c[2] == p[j].c[2] && dd > d[2]) d[2] = dd;
      if (dd > d[3]) d[3] = dd;
    }
  return MeshDiameters{std::sqrt(d[0]), std::sqrt(d[1]), std::sqrt(d[2]), std::sqrt(d[3])};
}

// The largest distance between two points of a finite set is reached between
// two vertices (extreme points) of its convex hull, and an extreme point of
// the set is a strict hull vertex of every plane section through it. So:
//  - per plane z = const (and y, x), only the strict vertices of that
//    section's 2D hull are compared (hulls in exact integer doubled-index
//    coordinates: scaling by the spacing is affine and keeps extreme points
//    extreme); within a line of the section only its two end points can be
//    hull vertices;
//  - for the 3D diameter only points that are hull vertices of all three of
//    their sections are candidates.
// Every search is a pruned all-pairs search (max_dist2_pruned) that starts
// from the best distance found so far, and planes are visited largest first.
// Distances are summed as PyRadiomics sums them, so the maxima are the same
// doubles.
MeshDiameters mesh_diameters(const std::vector<HalfIndex>& vertices, const Vec3& spacing_zyx) {
  const size_t n = vertices.size();
  MeshDiameters out;
  if (n < 2) return out;
  int32_t lo[3], hi[3];
  for (int d = 0; d < 3; ++d) lo[d] = hi[d] = vertices[0][d];
  for (const auto& p : vertices)
    for (int d = 0; d < 3; ++d) {
      lo[d] = std::min(lo[d], p[d]);
      hi[d] = std::max(hi[d], p[d]);
    }
  std::vector<uint8_t> extreme_count(n, 0);
  double plane_best[3] = {0, 0, 0};
  std::vector<int32_t> first, last;  // per (plane, u): vertex with the smallest / largest v
  std::vector<P2> pts;
  std::vector<size_t> ids, hull;
  // Each plane's hull vertices, all in one buffer: sections[s] holds
  // hull_points[begin, end).
  struct Section {
    double bound2;  // squared bounding-box diagonal (an upper bound)
    size_t begin, end;
  };
  std::vector<Section> sections;
  std::vector<Phys3> hull_points;

  for (int axis = 0; axis < 3; ++axis) {
    const int u = axis == 0 ? 1 : 0;
    const int v = axis == 2 ? 1 : 2;
    const int64_t np = hi[axis] - lo[axis] + 1, nu = hi[u] - lo[u] + 1;
    first.assign(static_cast<size_t>(np * nu), -1);
    last.assign(static_cast<size_t>(np * nu), -1);
    for (size_t i = 0; i < n; ++i) {
      const auto& p = vertices[i];
      const size_t key = static_cast<size_t>((p[axis] - lo[axis]) * nu + (p[u] - lo[u]));
      if (first[key] < 0 || p[v] < vertices[first[key]][v]) first[key] = static_cast<int32_t>(i);
      if (last[key] < 0 || p[v] > vertices[last[key]][v]) last[key] = static_cast<int32_t>(i);
    }
    sections.clear();
    hull_points.clear();
    for (int64_t plane = 0; plane < np; ++plane) {
      pts.clear();
      ids.clear();
      for (int64_t k = 0; k < nu; ++k) {
        const int32_t a = first[plane * nu + k], b = last[plane * nu + k];
        if (a < 0) continue;
        pts.push_back({vertices[a][u], vertices[a][v]});
        ids.push_back(static_cast<size_t>(a));
        if (b != a) {
          pts.push_back({vertices[b][u], vertices[b][v]});
          ids.push_back(static_cast<size_t>(b));
        }
      }
      if (pts.empty()) continue;
      Section sec;
      sec.begin = hull_points.size();
      double blo[3] = {0, 0, 0}, bhi[3] = {0, 0, 0};
      bool init = false;
      hull_of_sorted(pts, hull);
      for (size_t h : hull) {
        ++extreme_count[ids[h]];
        const Phys3 q = physical(vertices[ids[h]], spacing_zyx);
        hull_points.push_back(q);
        for (int d = 0; d < 3; ++d) {
          blo[d] = init ? std::min(blo[d], q.c[d]) : q.c[d];
          bhi[d] = init ? std::max(bhi[d], q.c[d]) : q.c[d];
        }
        init = true;
      }
      sec.bound2 = 0;
      for (int d = 0; d < 3; ++d) sec.bound2 += (bhi[d] - blo[d]) * (bhi[d] - blo[d]);
      sec.bound2 *= 1 + 1e-9;
      sec.end = hull_points.size();
      sections.push_back(sec);
    }
    std::sort(sections.begin(), sections.end(),
              [](const Section& a, const Section& b) { return a.bound2 > b.bound2; });
    double best = 0;
    for (const Section& sec : sections) {
      if (sec.bound2 < best) break;
      best = max_dist2_pruned(hull_points.data() + sec.begin, sec.end - sec.begin, best);
    }
    plane_best[axis] = best;
  }
  std::vector<Phys3> candidates;
  for (size_t i = 0; i < n; ++i)
    if (extreme_count[i] == 3) candidates.push_back(physical(vertices[i], spacing_zyx));
  // Plane maxima are distances between mesh vertices too: a valid start.
  const double start = std::max({plane_best[0], plane_best[1], plane_best[2]});
  const double best3 = max_dist2_pruned(candidates.data(), candidates.size(), start);
  out.slice = std::sqrt(plane_best[0]);
  out.column = std::sqrt(plane_best[1]);
  out.row = std::sqrt(plane_best[2]);
  out.max3d = std::sqrt(best3);
  return out;
}

// ---------------------------------------------------------------------------
Mesh2DMeasures mesh_measures_2d(const uint8_t* mask, int64_t width, int64_t height, double spacing_x,
                                double spacing_y, int label) {
  Mesh2DMeasures out;
  // Cropped to the ROI's bounding box and padded by one pixel, as PyRadiomics.
  int64_t lo[2] = {width, height}, hi[2] = {-1, -1};
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < width; ++x)
      if (inside(mask[y * width + x], label)) {
        lo[0] = std::min(lo[0], x);
        hi[0] = std::max(hi[0], x);
        lo[1] = std::min(lo[1], y);
        hi[1] = std::max(hi[1], y);
      }
  if (hi[0] < 0) return out;
  const int64_t px = hi[0] - lo[0] + 3, py = hi[1] - lo[1] + 3;
  std::vector<uint8_t> grid(static_cast<size_t>(py * px), 0);
  for (int64_t y = lo[1]; y <= hi[1]; ++y)
    for (int64_t x = lo[0]; x <= hi[0]; ++x)
      grid[(y - lo[1] + 1) * px + x - lo[0] + 1] = inside(mask[y * width + x], label) ? 1 : 0;
  const double s[2] = {spacing_y, spacing_x};
  double surface2 = 0, perimeter = 0;
  for (int64_t iy = 0; iy < py - 1; ++iy) {
    for (int64_t ix = 0; ix < px - 1; ++ix) {
      unsigned sq = 0;
      for (int a = 0; a < 4; ++a)
        sq |= static_cast<unsigned>(grid[(iy + kCorner2D[a][0]) * px + ix + kCorner2D[a][1]]) << a;
      if (sq == 0 || sq == 0xF) continue;
      const int8_t* seg = kSegments[sq];
      for (int t = 0; seg[t] >= 0; t += 2) {
        double a[2], b[2];
        a[0] = (static_cast<double>(iy) + 0.5 * kEdgeVertex2D2[seg[t]][0]) * s[0];
        a[1] = (static_cast<double>(ix) + 0.5 * kEdgeVertex2D2[seg[t]][1]) * s[1];
        b[0] = (static_cast<double>(iy) + 0.5 * kEdgeVertex2D2[seg[t + 1]][0]) * s[0];
        b[1] = (static_cast<double>(ix) + 0.5 * kEdgeVertex2D2[seg[t + 1]][1]) * s[1];
        surface2 += a[0] * b[1] - b[0] * a[1];
        const double d0 = a[0] - b[0], d1 = a[1] - b[1];
        perimeter += std::sqrt(d0 * d0 + d1 * d1);
      }
      // Vertices on edges 3 (corners 3-0) and 2 (corners 2-3), once each.
      if (sq > 7) sq ^= 0xF;
      const int32_t y2 = static_cast<int32_t>(2 * iy), x2 = static_cast<int32_t>(2 * ix);
      if (sq & 1u) out.vertices.push_back({y2 + 1, x2});
      if (sq & 4u) out.vertices.push_back({y2 + 2, x2 + 1});
    }
  }
  out.surface = surface2 / 2;
  out.perimeter = perimeter;
  // Diameter: between vertices of the contour's convex hull.
  std::vector<P2> pts(out.vertices.size());
  for (size_t i = 0; i < pts.size(); ++i) pts[i] = {out.vertices[i][0], out.vertices[i][1]};
  std::sort(pts.begin(), pts.end());
  std::vector<size_t> hull_ids;
  hull_of_sorted(pts, hull_ids);
  std::vector<Phys3> hull;
  hull.reserve(hull_ids.size());
  for (size_t h : hull_ids) hull.push_back(Phys3{{(0.5 * pts[h][0]) * s[0], (0.5 * pts[h][1]) * s[1], 0.0}});
  const double best = max_dist2_pruned(hull.data(), hull.size(), 0.0);
  out.diameter = std::sqrt(best);
  return out;
}

double mesh_diameter_2d_all_pairs(const std::vector<std::array<int32_t, 2>>& vertices, double spacing_y,
                                  double spacing_x) {
  double best = 0;
  for (size_t i = 0; i < vertices.size(); ++i)
    for (size_t j = 0; j < i; ++j) {
      const double dy = (0.5 * vertices[i][0]) * spacing_y - (0.5 * vertices[j][0]) * spacing_y;
      const double dx = (0.5 * vertices[i][1]) * spacing_x - (0.5 * vertices[j][1]) * spacing_x;
      best = std::max(best, dy * dy + dx * dx);
    }
  return std::sqrt(best);
}

}  // namespace scopemia::radiomics
