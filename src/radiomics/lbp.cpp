#include "radiomics/lbp.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "core/error.h"

namespace scopemia::radiomics {
namespace {

constexpr double kPi = 3.14159265358979323846;

// numpy's round(x, 5): rint(x * 1e5) / 1e5.
double round5(double x) { return std::nearbyint(x * 1e5) / 1e5; }

// scikit-image's bilinear_interpolation with mode 'C', cval 0.
double bilinear(const double* image, int64_t rows, int64_t cols, double r, double c) {
  const double minr = std::floor(r), minc = std::floor(c), maxr = std::ceil(r), maxc = std::ceil(c);
  const double dr = r - minr, dc = c - minc;
  auto pixel = [&](double rr, double cc) {
    if (rr < 0 || rr >= double(rows) || cc < 0 || cc >= double(cols)) return 0.0;
    return image[int64_t(rr) * cols + int64_t(cc)];
  };
  const double top = (1 - dc) * pixel(minr, minc) + dc * pixel(minr, maxc);
  const double bottom = (1 - dc) * pixel(maxr, minc) + dc * pixel(maxr, maxc);
  return (1 - dr) * top + dr * bottom;
}

// A double written into a numpy array of the given dtype.
double cast_to(double v, PixelType t) {
  switch (t) {
    case PixelType::Float64: return v;
    case PixelType::Float32: return static_cast<double>(static_cast<float>(v));
    default: break;
  }
  if (!std::isfinite(v)) return 0;  // undefined in numpy; only 'var' can give NaN
  const int64_t i = static_cast<int64_t>(std::trunc(v));
  switch (t) {
    case PixelType::UInt8: return static_cast<uint8_t>(i);
    case PixelType::Int8: return static_cast<int8_t>(i);
    case PixelType::UInt16: return static_cast<uint16_t>(i);
    case PixelType::Int16: return static_cast<int16_t>(i);
    case PixelType::UInt32: return static_cast<uint32_t>(i);
    case PixelType::Int32: return static_cast<int32_t>(i);
    case PixelType::UInt64: return static_cast<double>(static_cast<uint64_t>(i));
    default: return static_cast<double>(i);
  }
}

// scipy.ndimage's conversion of an interpolated value to an integer output
// (round half away from zero; unsigned types clamp negatives to 0).
double interpolated_as(double v, PixelType t) {
  switch (t) {
    case PixelType::Float64: return v;
    case PixelType::Float32: return static_cast<double>(static_cast<float>(v));
    case PixelType::UInt8:
    case PixelType::UInt16:
    case PixelType::UInt32:
    case PixelType::UInt64: return v > 0 ? std::floor(v + 0.5) : 0.0;
    default: return v > 0 ? std::floor(v + 0.5) : std::ceil(v - 0.5);
  }
}

// Associated Legendre P_n^m(x), m >= 0, with the Condon-Shortley phase.
double legendre(int m, int n, double x) {
  const double s = std::sqrt(std::max(0.0, (1 - x) * (1 + x)));
  double pmm = 1;
  for (int k = 1; k <= m; ++k) pmm *= -double(2 * k - 1) * s;
  if (n == m) return pmm;
  double p1 = x * double(2 * m + 1) * pmm;  // P_{m+1}^m
  if (n == m + 1) return p1;
  double p0 = pmm;
  for (int l = m + 2; l <= n; ++l) {
    const double p2 = (double(2 * l - 1) * x * p1 - double(l + m - 1) * p0) / double(l - m);
    p0 = p1;
    p1 = p2;
  }
  return p1;
}

// One line of the cubic B-spline prefilter with mirror boundaries, in place,
// in scipy.ndimage's order of operations (ni_splines.c): gain
// (1 - z)(1 - 1/z), exact mirrored causal start, causal pass, anticausal
// start, anticausal pass.
void spline_prefilter_line(double* c, int64_t n, int64_t stride) {
  if (n < 2) return;
  const double z = -0.267949192431122706472553658494127633;  // sqrt(3) - 2
  const double gain = (1.0 - z) * (1.0 - 1.0 / z);
  for (int64_t i = 0; i < n; ++i) c[i * stride] *= gain;
  const double zn1 = std::pow(z, double(n - 1));
  double c0 = c[0] + zn1 * c[(n - 1) * stride];
  double zi = z;
  for (int64_t i = 1; i < n - 1; ++i) {
    c0 += zi * (c[i * stride] + zn1 * c[(n - 1 - i) * stride]);
    zi *= z;
  }
  c[0] = c0 / (1 - zn1 * zn1);
  for (int64_t i = 1; i < n; ++i) c[i * stride] += z * c[(i - 1) * stride];
  c[(n - 1) * stride] = (z * c[(n - 2) * stride] + c[(n - 1) * stride]) * z / (z * z - 1);
  for (int64_t i = n - 2; i >= 0; --i) c[i * stride] = z * (c[(i + 1) * stride] - c[i * stride]);
}

int64_t mirror_index(int64_t i, int64_t n) {
  if (n == 1) return 0;
  const int64_t period = 2 * (n - 1);
  i = std::abs(i) % period;
  return i >= n ? period - i : i;
}

// Cubic B-spline weights of the 4 coefficients floor(x)-1 .. floor(x)+2,
// t = x - floor(x), computed as scipy does (the last one as 1 - the others).
std::array<double, 4> cubic_weights(double t) {
  const double y = t, z = 1.0 - t;
  std::array<double, 4> w;
  w[1] = (y * y * (y - 2.0) * 3.0 + 4.0) / 6.0;
  w[2] = (z * z * (z - 2.0) * 3.0 + 4.0) / 6.0;
  w[0] = z * z * z / 6.0;
  w[3] = 1.0;
  for (int i = 0; i < 3; ++i) w[3] -= w[i];
  return w;
}

}  // namespace

void lbp2d_slice(const double* image, int64_t rows, int64_t cols, int samples, double radius,
                 const std::string& method, double* output) {
  const int P = samples;
  if (P < 1) throw InputError("lbp2DSamples must be at least 1");
  const bool dflt = method == "default", ror = method == "ror", uniform = method == "uniform",
             nri = method == "nri_uniform", var = method == "var";
  if (!(dflt || ror || uniform || nri || var))
    throw InputError(fmt::format("lbp2DMethod '{}' is not one of default, ror, uniform, nri_uniform, var", method));
  if ((dflt || ror) && P > 62) throw InputError("lbp2DSamples above 62 does not fit a code");
  std::vector<double> rp(P), cp(P), texture(P);
  std::vector<int> bits(P);
  for (int k = 0; k < P; ++k) {
    const double a = 2 * kPi * double(k) / double(P);
    rp[k] = round5(-radius * std::sin(a));
    cp[k] = round5(radius * std::cos(a));
  }
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      const double centre = image[r * cols + c];
      for (int k = 0; k < P; ++k) {
        texture[k] = bilinear(image, rows, cols, double(r) + rp[k], double(c) + cp[k]);
        bits[k] = texture[k] - centre >= 0 ? 1 : 0;
      }
      double code = 0;
      if (var) {
        double sum = 0, sq = 0;
        for (int k = 0; k < P; ++k) {
          sum += texture[k];
          sq += texture[k] * texture[k];
        }
        const double v = (sq - sum * sum / P) / P;
        code = v != 0 ? v : std::numeric_limits<double>::quiet_NaN();
      } else if (uniform || nri) {
        int changes = 0;
        for (int k = 0; k + 1 < P; ++k) changes += bits[k] != bits[k + 1];
        int ones = 0;
        for (int k = 0; k < P; ++k) ones += bits[k];
        if (uniform) {
          code = changes <= 2 ? ones : P + 1;
        } else if (changes > 2) {
          code = P * (P - 1) + 2;
        } else if (ones == 0) {
          code = 0;
        } else if (ones == P) {
          code = P * (P - 1) + 1;
        } else {
          int first_one = -1, first_zero = -1;
          for (int k = 0; k < P; ++k) {
            if (bits[k] && first_one < 0) first_one = k;
            if (!bits[k] && first_zero < 0) first_zero = k;
          }
          const int rot = first_one == 0 ? ones - first_zero : P - first_one;
          code = 1 + (ones - 1) * P + rot;
        }
      } else {
        uint64_t v = 0;
        for (int k = 0; k < P; ++k) v |= uint64_t(bits[k]) << k;
        if (ror) {
          uint64_t best = v, cur = v;
          for (int k = 1; k < P; ++k) {
            cur = (cur >> 1) | ((cur & 1u) << (P - 1));
            best = std::min(best, cur);
          }
          v = best;
        }
        code = double(v);
      }
      output[r * cols + c] = code;
    }
  }
}

Image<double> lbp2d_image(const Image<double>& image, int numpy_axis, int samples, double radius,
                          const std::string& method, PixelType pixel_type) {
  if (numpy_axis < 0 || numpy_axis > 2) throw InputError("force2Ddimension must be 0, 1 or 2");
  // numpy axes after swapaxes(0, axis): slices along `axis`, rows and
  // columns the remaining two in that swapped order.
  std::array<int, 3> order{0, 1, 2};
  std::swap(order[0], order[numpy_axis]);
  const Size3 s = image.size();
  const std::array<int64_t, 3> dim_size{s.z, s.y, s.x};                 // by numpy axis
  const std::array<int64_t, 3> stride{s.x * s.y, s.x, 1};               // by numpy axis
  const int64_t n = dim_size[order[0]], rows = dim_size[order[1]], cols = dim_size[order[2]];
  Image<double> out(s, image.geometry());
  std::vector<double> slice(size_t(rows * cols)), codes(size_t(rows * cols));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        slice[r * cols + c] = image[i * stride[order[0]] + r * stride[order[1]] + c * stride[order[2]]];
    lbp2d_slice(slice.data(), rows, cols, samples, radius, method, codes.data());
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        out[i * stride[order[0]] + r * stride[order[1]] + c * stride[order[2]]] =
            cast_to(codes[r * cols + c], pixel_type);
  }
  return out;
}

std::vector<std::array<double, 3>> icosphere_vertices(int subdivision, double radius) {
  if (subdivision < 0) throw InputError("lbp3DIcosphereSubdivision must be >= 0");
  using V = std::array<double, 3>;
  const double t = (1.0 + std::sqrt(5.0)) / 2.0;
  // The 12 vertices: cyclic permutations of (+-1, +-t, 0).
  std::vector<V> v;
  for (int p = 0; p < 3; ++p)
    for (double a : {-1.0, 1.0})
      for (double b : {-t, t}) {
        V q{0, 0, 0};
        q[p] = a;
        q[(p + 1) % 3] = b;
        v.push_back(q);
      }
  const double norm = std::sqrt(2.0 + t);  // |(1, t, 0)|
  for (V& q : v)
    for (double& x : q) x /= norm;
  auto dist2 = [](const V& a, const V& b) {
    double d = 0;
    for (int k = 0; k < 3; ++k) d += (a[k] - b[k]) * (a[k] - b[k]);
    return d;
  };
  // Faces: triples of mutually adjacent vertices (edge length 2 / norm).
  const double edge2 = 4.0 / (norm * norm);
  auto adjacent = [&](size_t i, size_t j) { return std::abs(dist2(v[i], v[j]) - edge2) < 1e-9; };
  std::vector<std::array<size_t, 3>> faces;
  for (size_t i = 0; i < v.size(); ++i)
    for (size_t j = i + 1; j < v.size(); ++j)
      for (size_t k = j + 1; k < v.size(); ++k)
        if (adjacent(i, j) && adjacent(j, k) && adjacent(i, k)) faces.push_back({i, j, k});
  for (int level = 0; level < subdivision; ++level) {
    std::map<std::pair<size_t, size_t>, size_t> midpoint;
    auto mid = [&](size_t a, size_t b) {
      const auto key = std::minmax(a, b);
      auto it = midpoint.find(key);
      if (it != midpoint.end()) return it->second;
      V m;
      for (int k = 0; k < 3; ++k) m[k] = (v[a][k] + v[b][k]) / 2.0;
      v.push_back(m);
      midpoint.emplace(key, v.size() - 1);
      return v.size() - 1;
    };
    std::vector<std::array<size_t, 3>> next;
    for (const auto& f : faces) {
      const size_t ab = mid(f[0], f[1]), bc = mid(f[1], f[2]), ca = mid(f[2], f[0]);
      next.push_back({f[0], ab, ca});
      next.push_back({f[1], bc, ab});
      next.push_back({f[2], ca, bc});
      next.push_back({ab, bc, ca});
    }
    faces = std::move(next);
    // trimesh's refine_spherical: v += v/|v| * (radius - |v|)
    for (V& q : v) {
      const double s = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
      const double off = radius - s;
      for (int k = 0; k < 3; ++k) q[k] += q[k] / s * off;
    }
  }
  return v;
}

std::complex<double> scipy_sph_harm(int m, int n, double theta, double phi) {
  if (n < 0 || std::abs(m) > n) return {std::nan(""), std::nan("")};
  const int mp = std::abs(m);
  // (n-mp)!/(n+mp)!
  double ratio = 1;
  for (int k = n - mp + 1; k <= n + mp; ++k) ratio /= double(k);
  std::complex<double> y = std::sqrt((2 * n + 1) / (4 * kPi) * ratio) * legendre(mp, n, std::cos(phi)) *
                           std::exp(std::complex<double>(0, double(mp) * theta));
  if (m < 0) y = (mp % 2 ? -1.0 : 1.0) * std::conj(y);
  return y;
}

CubicSplineSampler::CubicSplineSampler(const Image<double>& image) : coefficients_(image.clone()) {
  // numpy axes 0, 1, 2 in turn (z, y, x), as scipy.ndimage.spline_filter.
  const Size3 s = image.size();
  double* c = coefficients_.data();
  for (int64_t y = 0; y < s.y; ++y)
    for (int64_t x = 0; x < s.x; ++x) spline_prefilter_line(c + y * s.x + x, s.z, s.x * s.y);
  for (int64_t z = 0; z < s.z; ++z)
    for (int64_t x = 0; x < s.x; ++x) spline_prefilter_line(c + z * s.y * s.x + x, s.y, s.x);
  for (int64_t z = 0; z < s.z; ++z)
    for (int64_t y = 0; y < s.y; ++y) spline_prefilter_line(c + (z * s.y + y) * s.x, s.x, 1);
}

double CubicSplineSampler::operator()(double z, double y, double x) const {
  const Size3 s = coefficients_.size();
  if (z < 0 || y < 0 || x < 0 || z > double(s.z - 1) || y > double(s.y - 1) || x > double(s.x - 1)) return 0.0;
  const double fz = std::floor(z), fy = std::floor(y), fx = std::floor(x);
  const auto wz = cubic_weights(z - fz), wy = cubic_weights(y - fy), wx = cubic_weights(x - fx);
  std::array<int64_t, 4> iz, iy, ix;
  for (int k = 0; k < 4; ++k) {
    iz[k] = mirror_index(int64_t(fz) - 1 + k, s.z);
    iy[k] = mirror_index(int64_t(fy) - 1 + k, s.y);
    ix[k] = mirror_index(int64_t(fx) - 1 + k, s.x);
  }
  // One running sum over the 64 terms, x fastest, each coefficient times
  // the z, y, x weights in that order (scipy's NI_GeometricTransform).
  double sum = 0;
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b < 4; ++b) {
      const double* row = coefficients_.data() + (iz[a] * s.y + iy[b]) * s.x;
      for (int c = 0; c < 4; ++c) sum += row[ix[c]] * wz[a] * wy[b] * wx[c];
    }
  return sum;
}

Lbp3dImages lbp3d_images(const Image<double>& image, const LabelMap& mask, int levels, double radius,
                         int subdivision, PixelType pixel_type) {
  if (levels < 1) throw InputError("lbp3DLevels must be at least 1");
  if (mask.size() != image.size()) throw InputError("LBP3D: mask and image sizes differ");
  const auto verts = icosphere_vertices(subdivision, radius);
  const size_t nv = verts.size();
  // Harmonics per vertex, PyRadiomics's arguments: theta = arccos(v_z / R)
  // (polar) into scipy's azimuth slot, phi = arctan2(v_y, v_x) into its polar
  // slot. Vertex (v_x, v_y, v_z) offsets numpy axes (z, y, x).
  struct Harmonic {
    int n;
    std::vector<std::complex<double>> y;  // per vertex
  };
  std::vector<Harmonic> harmonics;
  for (int n = 0; n < levels; ++n)
    for (int m = -n; m <= n; ++m) {
      Harmonic h{n, std::vector<std::complex<double>>(nv)};
      for (size_t v = 0; v < nv; ++v) {
        const double theta = std::acos(verts[v][2] / radius);
        const double phi = std::atan2(verts[v][1], verts[v][0]);
        h.y[v] = scipy_sph_harm(m, n, theta, phi);
      }
      harmonics.push_back(std::move(h));
    }

  const CubicSplineSampler sample(image);
  Lbp3dImages out;
  for (int l = 0; l < levels; ++l) out.levels.emplace_back(image.size(), image.geometry(), 0.0);
  out.kurtosis = Image<double>(image.size(), image.geometry(), 0.0);

  const Size3 s = image.size();
  std::vector<double> f(nv);
  std::vector<int> bit(nv);
  std::vector<std::complex<double>> coef(harmonics.size());
  std::vector<std::complex<double>> energy(static_cast<size_t>(levels)), g(static_cast<size_t>(levels));
  const double resolution = 1e-15;  // numpy.finfo(float64).resolution
  for (int64_t z = 0; z < s.z; ++z)
    for (int64_t y = 0; y < s.y; ++y)
      for (int64_t x = 0; x < s.x; ++x) {
        const int64_t idx = image.offset(x, y, z);
        if (!mask[idx]) continue;
        for (size_t v = 0; v < nv; ++v)
          f[v] = interpolated_as(sample(double(z) + verts[v][0], double(y) + verts[v][1], double(x) + verts[v][2]),
                                 pixel_type);
        // scipy.stats.kurtosis (Fisher, biased); NaN for a (numerically)
        // constant sample set.
        double mean = 0;
        for (double a : f) mean += a;
        mean /= double(nv);
        double m2 = 0, m4 = 0;
        for (double a : f) {
          const double d2 = (a - mean) * (a - mean);
          m2 += d2;
          m4 += d2 * d2;
        }
        m2 /= double(nv);
        m4 /= double(nv);
        const double tol = resolution * mean;
        out.kurtosis[idx] = m2 <= tol * tol ? std::numeric_limits<double>::quiet_NaN() : m4 / (m2 * m2) - 3.0;

        const double centre = image[idx];
        for (size_t v = 0; v < nv; ++v) bit[v] = f[v] >= centre ? 1 : 0;
        for (size_t h = 0; h < harmonics.size(); ++h) {
          std::complex<double> c = 0;
          for (size_t v = 0; v < nv; ++v)
            if (bit[v]) c += harmonics[h].y[v];
          coef[h] = c;
        }
        // Per degree n: sqrt(sum_v (sum_m c_nm Y_nm(v))^2), squared as a
        // complex number (numpy's f ** 2), then the real part.
        std::fill(energy.begin(), energy.end(), std::complex<double>(0));
        for (size_t v = 0; v < nv; ++v) {
          std::fill(g.begin(), g.end(), std::complex<double>(0));
          for (size_t h = 0; h < harmonics.size(); ++h) g[size_t(harmonics[h].n)] += coef[h] * harmonics[h].y[v];
          for (int l = 0; l < levels; ++l) energy[size_t(l)] += g[size_t(l)] * g[size_t(l)];
        }
        for (int l = 0; l < levels; ++l) out.levels[size_t(l)][idx] = std::sqrt(energy[size_t(l)]).real();
      }
  return out;
}

}  // namespace scopemia::radiomics
