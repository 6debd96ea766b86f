#include "radiomics/shape.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "radiomics/mesh.h"

namespace scopemia::radiomics {
namespace {

constexpr double kPi = 3.14159265358979323846;

bool in_roi(uint8_t v, int label) { return label < 0 ? v != 0 : v == label; }

// Eigenvalues of a symmetric n x n matrix (n <= 3) by cyclic Jacobi
// rotations, ascending. Exact zeros (an axis without extent) stay zero.
template <int N>
void symmetric_eigenvalues(double a[N][N], double* out) {
  for (int sweep = 0; sweep < 64; ++sweep) {
    double off = 0;
    for (int p = 0; p < N; ++p)
      for (int q = p + 1; q < N; ++q) off += a[p][q] * a[p][q];
    if (off == 0) break;
    for (int p = 0; p < N; ++p)
      for (int q = p + 1; q < N; ++q) {
        if (a[p][q] == 0) continue;
        const double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < N; ++k) {  // A <- A J (columns p, q)
          const double akp = a[k][p], akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (int k = 0; k < N; ++k) {  // A <- J^T A (rows p, q)
          const double apk = a[p][k], aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        a[p][q] = a[q][p] = 0;
      }
  }
  for (int i = 0; i < N; ++i) out[i] = a[i][i];
  std::sort(out, out + N);
  // PyRadiomics rounds eigenvalues in (-1e-10, 0) to 0.
  for (int i = 0; i < N; ++i)
    if (out[i] < 0 && out[i] > -1e-10) out[i] = 0;
}

}  // namespace

MaskView mask_view(const LabelMap& mask, int label) {
  MaskView v;
  v.data = mask.data();
  v.size = mask.size();
  v.spacing = mask.geometry().spacing;
  v.label = label;
  return v;
}

MaskView mask_view(const DiscretizedRoi& roi) {
  MaskView v;
  v.data = roi.mask.data();
  v.size = roi.size;
  v.spacing = roi.spacing;
  v.label = -1;
  return v;
}

// ---- shape (3D) -------------------------------------------------------------

ShapeCoefficients shape_coefficients(const MaskView& mask) {
  ShapeCoefficients c;
  // Moments in numpy order (z, y, x), exact in integers: per row, the x
  // sums in 64 bits (a row's terms are below 2^31 x 2^31 x its length), the
  // totals in 128 bits.
  int64_t n = 0;
  int64_t s1[3] = {0, 0, 0};
  __int128 s2[3][3] = {};
  for (int64_t z = 0; z < mask.size.z; ++z)
    for (int64_t y = 0; y < mask.size.y; ++y) {
      const uint8_t* row = mask.data + (z * mask.size.y + y) * mask.size.x;
      int64_t rn = 0, rx = 0;
      __int128 rxx = 0;
      for (int64_t x = 0; x < mask.size.x; ++x) {
        const int64_t in = in_roi(row[x], mask.label);
        rn += in;
        rx += in * x;
        rxx += static_cast<__int128>(in * x * x);
      }
      if (rn == 0) continue;
      n += rn;
      s1[0] += rn * z;
      s1[1] += rn * y;
      s1[2] += rx;
      s2[0][0] += static_cast<__int128>(rn) * (z * z);
      s2[0][1] += static_cast<__int128>(rn) * (z * y);
      s2[0][2] += static_cast<__int128>(rx) * z;
      s2[1][1] += static_cast<__int128>(rn) * (y * y);
      s2[1][2] += static_cast<__int128>(rx) * y;
      s2[2][2] += rxx;
    }
  if (n == 0) throw InputError("shape: the ROI is empty");
  c.voxel_count = n;
  const double sz = mask.spacing[2], sy = mask.spacing[1], sx = mask.spacing[0];
  c.voxel_volume = static_cast<double>(n) * (sz * sx * sy);  // PyRadiomics's product order

  const double s[3] = {sz, sy, sx};
  double cov[3][3];
  const long double nn = static_cast<long double>(n) * static_cast<long double>(n);
  for (int i = 0; i < 3; ++i)
    for (int j = i; j < 3; ++j) {
      const __int128 num = static_cast<__int128>(n) * s2[i][j] - static_cast<__int128>(s1[i]) * s1[j];
      const long double v = static_cast<long double>(num) / nn;
      cov[i][j] = cov[j][i] = static_cast<double>(v * s[i] * s[j]);
    }
  symmetric_eigenvalues<3>(cov, c.eigenvalues);

  const Mesh3DMeasures m = mesh_measures_3d(mask.data, mask.size, mask.spacing, mask.label);
  c.mesh_volume = m.volume;
  c.surface_area = m.surface_area;
  c.diameter_slice = m.diameters.slice;
  c.diameter_column = m.diameters.column;
  c.diameter_row = m.diameters.row;
  c.diameter_3d = m.diameters.max3d;
  return c;
}

const std::vector<std::string>& shape_default_features() {
  static const std::vector<std::string> names = {
      "Elongation",         "Flatness",          "LeastAxisLength", "MajorAxisLength", "Maximum2DDiameterColumn",
      "Maximum2DDiameterRow", "Maximum2DDiameterSlice", "Maximum3DDiameter", "MeshVolume", "MinorAxisLength",
      "Sphericity",         "SurfaceArea",       "SurfaceVolumeRatio", "VoxelVolume"};
  return names;
}

const std::vector<std::string>& shape_deprecated_features() {
  static const std::vector<std::string> names = {"Compactness1", "Compactness2", "SphericalDisproportion"};
  return names;
}

bool is_shape_feature(const std::string& name) {
  const auto& d = shape_default_features();
  const auto& x = shape_deprecated_features();
  return std::find(d.begin(), d.end(), name) != d.end() || std::find(x.begin(), x.end(), name) != x.end();
}

double shape_feature(const ShapeCoefficients& c, const std::string& name) {
  const double V = c.mesh_volume, A = c.surface_area;
  const double* ev = c.eigenvalues;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (name == "MeshVolume") return V;
  if (name == "VoxelVolume") return c.voxel_volume;
  if (name == "SurfaceArea") return A;
  if (name == "SurfaceVolumeRatio") return A / V;
  if (name == "Sphericity") return std::cbrt(36 * kPi * V * V) / A;
  if (name == "Compactness1") return V / (std::pow(A, 1.5) * std::sqrt(kPi));
  if (name == "Compactness2") return (36.0 * kPi) * (V * V) / (A * A * A);
  if (name == "SphericalDisproportion") return A / std::cbrt(36 * kPi * V * V);
  if (name == "Maximum3DDiameter") return c.diameter_3d;
  if (name == "Maximum2DDiameterSlice") return c.diameter_slice;
  if (name == "Maximum2DDiameterColumn") return c.diameter_column;
  if (name == "Maximum2DDiameterRow") return c.diameter_row;
  if (name == "MajorAxisLength") return ev[2] < 0 ? nan : std::sqrt(ev[2]) * 4;
  if (name == "MinorAxisLength") return ev[1] < 0 ? nan : std::sqrt(ev[1]) * 4;
  if (name == "LeastAxisLength") return ev[0] < 0 ? nan : std::sqrt(ev[0]) * 4;
  if (name == "Elongation") return (ev[1] < 0 || ev[2] < 0) ? nan : std::sqrt(ev[1] / ev[2]);
  if (name == "Flatness") return (ev[0] < 0 || ev[2] < 0) ? nan : std::sqrt(ev[0] / ev[2]);
  throw InputError("shape: unknown feature '" + name + "'");
}

FeatureValues shape_features(const MaskView& mask, const std::vector<std::string>& enabled) {
  const std::vector<std::string>& names = enabled.empty() ? shape_default_features() : enabled;
  for (const auto& name : names)
    if (!is_shape_feature(name)) throw InputError("shape: unknown feature '" + name + "'");
  const ShapeCoefficients c = shape_coefficients(mask);
  FeatureValues out;
  out.reserve(names.size());
  for (const auto& name : names) out.emplace_back(name, shape_feature(c, name));
  return out;
}

// ---- shape2D ----------------------------------------------------------------

Shape2DCoefficients shape2d_coefficients(const MaskView& mask, int dim) {
  if (dim < 0 || dim > 2) throw InputError("shape2D: force2Ddimension must be 0, 1 or 2");
  // numpy order (z, y, x) sizes and spacings; the two in-plane axes kept in order.
  const int64_t size_zyx[3] = {mask.size.z, mask.size.y, mask.size.x};
  const double sp_zyx[3] = {mask.spacing[2], mask.spacing[1], mask.spacing[0]};
  int axes[2], k = 0;
  for (int a = 0; a < 3; ++a)
    if (a != dim) axes[k++] = a;
  const int64_t rows = size_zyx[axes[0]], cols = size_zyx[axes[1]];

  // Find the plane holding the ROI.
  int64_t plane = -1;
  for (int64_t z = 0; z < mask.size.z; ++z)
    for (int64_t y = 0; y < mask.size.y; ++y)
      for (int64_t x = 0; x < mask.size.x; ++x) {
        if (!in_roi(mask.data[(z * mask.size.y + y) * mask.size.x + x], mask.label)) continue;
        const int64_t p[3] = {z, y, x};
        if (plane < 0) plane = p[dim];
        else if (plane != p[dim])
          throw InputError("shape2D: the ROI spans more than one plane along force2Ddimension " +
                           std::to_string(dim));
      }
  if (plane < 0) throw InputError("shape2D: the ROI is empty");

  // The 2D mask, numpy rows = axes[0], columns = axes[1] (x fastest in memory
  // as "width" = cols).
  std::vector<uint8_t> m2(static_cast<size_t>(rows * cols), 0);
  Shape2DCoefficients c;
  int64_t n = 0, s1[2] = {0, 0};
  __int128 s2[2][2] = {};
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t q = 0; q < cols; ++q) {
      int64_t p[3];
      p[dim] = plane;
      p[axes[0]] = r;
      p[axes[1]] = q;
      const uint8_t v = mask.data[(p[0] * mask.size.y + p[1]) * mask.size.x + p[2]];
      if (!in_roi(v, mask.label)) continue;
      m2[r * cols + q] = 1;
      ++n;
      const int64_t pp[2] = {r, q};
      for (int i = 0; i < 2; ++i) {
        s1[i] += pp[i];
        for (int j = i; j < 2; ++j) s2[i][j] += static_cast<__int128>(pp[i] * pp[j]);
      }
    }
  const double s[2] = {sp_zyx[axes[0]], sp_zyx[axes[1]]};  // numpy "y, x"
  c.pixel_count = n;
  c.pixel_surface = static_cast<double>(n) * (s[1] * s[0]);
  double cov[2][2];
  const long double nn = static_cast<long double>(n) * static_cast<long double>(n);
  for (int i = 0; i < 2; ++i)
    for (int j = i; j < 2; ++j) {
      const __int128 num = static_cast<__int128>(n) * s2[i][j] - static_cast<__int128>(s1[i]) * s1[j];
      cov[i][j] = cov[j][i] = static_cast<double>(static_cast<long double>(num) / nn * s[i] * s[j]);
    }
  symmetric_eigenvalues<2>(cov, c.eigenvalues);

  const Mesh2DMeasures m = mesh_measures_2d(m2.data(), cols, rows, s[1], s[0], 1);
  c.mesh_surface = m.surface;
  c.perimeter = m.perimeter;
  c.diameter = m.diameter;
  return c;
}

const std::vector<std::string>& shape2d_default_features() {
  static const std::vector<std::string> names = {
      "Elongation", "MajorAxisLength",       "MaximumDiameter", "MeshSurface", "MinorAxisLength",
      "Perimeter",  "PerimeterSurfaceRatio", "PixelSurface",    "Sphericity"};
  return names;
}

const std::vector<std::string>& shape2d_deprecated_features() {
  static const std::vector<std::string> names = {"SphericalDisproportion"};
  return names;
}

bool is_shape2d_feature(const std::string& name) {
  const auto& d = shape2d_default_features();
  return std::find(d.begin(), d.end(), name) != d.end() || name == "SphericalDisproportion";
}

double shape2d_feature(const Shape2DCoefficients& c, const std::string& name) {
  const double A = c.mesh_surface, P = c.perimeter;
  const double* ev = c.eigenvalues;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (name == "MeshSurface") return A;
  if (name == "PixelSurface") return c.pixel_surface;
  if (name == "Perimeter") return P;
  if (name == "PerimeterSurfaceRatio") return P / A;
  if (name == "Sphericity") return (2 * std::sqrt(kPi * A)) / P;
  if (name == "SphericalDisproportion") return 1.0 / ((2 * std::sqrt(kPi * A)) / P);
  if (name == "MaximumDiameter") return c.diameter;
  if (name == "MajorAxisLength") return ev[1] < 0 ? nan : std::sqrt(ev[1]) * 4;
  if (name == "MinorAxisLength") return ev[0] < 0 ? nan : std::sqrt(ev[0]) * 4;
  if (name == "Elongation") return (ev[0] < 0 || ev[1] < 0) ? nan : std::sqrt(ev[0] / ev[1]);
  throw InputError("shape2D: unknown feature '" + name + "'");
}

FeatureValues shape2d_features(const MaskView& mask, int force2d_dimension, const std::vector<std::string>& enabled) {
  const std::vector<std::string>& names = enabled.empty() ? shape2d_default_features() : enabled;
  for (const auto& name : names)
    if (!is_shape2d_feature(name)) throw InputError("shape2D: unknown feature '" + name + "'");
  const Shape2DCoefficients c = shape2d_coefficients(mask, force2d_dimension);
  FeatureValues out;
  out.reserve(names.size());
  for (const auto& name : names) out.emplace_back(name, shape2d_feature(c, name));
  return out;
}

}  // namespace scopemia::radiomics
