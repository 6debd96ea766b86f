#include "radiomics/image_types.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.h"
#include "imaging/itk_filters.h"
#include "radiomics/lbp.h"

namespace scopemia::radiomics {
namespace {

// PyWavelets decomposition low-pass filters (dec_lo); dec_hi follows as
// dec_hi[k] = (-1)^(k+1) dec_lo[F-1-k].
std::vector<double> dec_lo(const std::string& name) {
  if (name == "haar" || name == "db1") return {0.70710678118654757, 0.70710678118654757};
  // PyWavelets 1.x (wavelets_coeffs.template.h) values, to the last digit.
  if (name == "coif1")
    return {-0.015655728135791993, -0.07273261951252645, 0.3848648468648578,
            0.8525720202116004,    0.3378976624574818,   -0.07273261951252645};
  if (name == "db2")
    return {-0.12940952255092145, 0.22414386804185735, 0.83651630373746899, 0.48296291314469025};
  if (name == "db3")
    return {0.035226291882100656, -0.085441273882241486, -0.13501102001039084,
            0.45987750211933132,  0.80689150931333875,   0.33267055295095688};
  if (name == "db4")
    return {-0.010597401784997278, 0.032883011666982945, 0.030841381835986965, -0.18703481171888114,
            -0.027983769416983849, 0.63088076792959036,  0.71484657055254153,  0.23037781330885523};
  throw InputError(
      fmt::format("wavelet '{}' is not implemented in this build (available: coif1, haar, db1, db2, db3, db4)", name));
}

std::vector<double> dec_hi(const std::vector<double>& lo) {
  const size_t f = lo.size();
  std::vector<double> hi(f);
  for (size_t k = 0; k < f; ++k) hi[k] = ((k + 1) % 2 ? -1.0 : 1.0) * lo[f - 1 - k];
  return hi;
}

// pywt's downsampling_convolution_periodization with step 1 (the level-1
// SWT): out[o] = sum_j h[j] * in[(o + F/2 - j) mod N], summed in exactly
// pywt's order (its four loops), so values round as PyWavelets's do: ties
// between voxels decide percentiles' neighbours (RobustMeanAbsoluteDeviation).
template <typename T>
void swt_line(const T* input, int64_t n, const std::vector<T>& h, T* output) {
  const int64_t f = int64_t(h.size());
  int64_t i = f / 2, o = 0;
  for (; i < f && i < n; ++i, ++o) {
    T sum = 0;
    int64_t j = 0;
    for (j = 0; j <= i; ++j) sum += h[j] * input[i - j];
    while (j < f)
      for (int64_t k = 0; k < n && j < f; ++k, ++j) sum += h[j] * input[n - 1 - k];
    output[o] = sum;
  }
  for (; i < n; ++i, ++o) {
    T sum = 0;
    for (int64_t j = 0; j < f; ++j) sum += input[i - j] * h[j];
    output[o] = sum;
  }
  for (; i < f && i < n + f / 2; ++i, ++o) {
    T sum = 0;
    int64_t j = 0;
    while (i - j >= n)
      for (int64_t k = 0; k < n && i - j >= n; ++k, ++j) sum += h[i - n - j] * input[k];
    for (; j <= i; ++j) sum += h[j] * input[i - j];
    while (j < f)
      for (int64_t k = 0; k < n && j < f; ++k, ++j) sum += h[j] * input[n - 1 - k];
    output[o] = sum;
  }
  for (; i < n + f / 2; ++i, ++o) {
    T sum = 0;
    int64_t j = 0;
    while (i - j >= n)
      for (int64_t k = 0; k < n && i - j >= n; ++k, ++j) sum += h[i - n - j] * input[k];
    for (; j < f; ++j) sum += h[j] * input[i - j];
    output[o] = sum;
  }
}

// One level of the SWT along `dim` (0 = x, 1 = y, 2 = z of our layout), in
// T's precision (float for float32 images, as PyWavelets).
template <typename T>
Image<double> swt_along(const Image<double>& in, int dim, const std::vector<double>& h_double) {
  const Size3 s = in.size();
  Image<double> out(s, in.geometry());
  const int64_t n = dim == 0 ? s.x : dim == 1 ? s.y : s.z;
  const int64_t stride = dim == 0 ? 1 : dim == 1 ? s.x : s.x * s.y;
  const std::vector<T> h(h_double.begin(), h_double.end());
  std::vector<T> line(n), result(n);
  const int64_t lines = s.count() / n;
  for (int64_t l = 0; l < lines; ++l) {
    int64_t base;
    if (dim == 0) base = l * s.x;
    else if (dim == 1) base = (l / s.x) * s.x * s.y + (l % s.x);
    else base = l;
    for (int64_t k = 0; k < n; ++k) line[k] = static_cast<T>(in[base + k * stride]);
    swt_line<T>(line.data(), n, h, result.data());
    for (int64_t k = 0; k < n; ++k) out[base + k * stride] = result[k];
  }
  return out;
}

Image<double> map_image(const Image<double>& in, const std::function<double(double)>& f) {
  Image<double> out(in.size(), in.geometry());
  for (int64_t i = 0; i < in.voxel_count(); ++i) out[i] = f(in[i]);
  return out;
}

// SimpleITK's LoG and GradientMagnitude write float32 images.
Image<double> to_float32(Image<double> in) {
  for (int64_t i = 0; i < in.voxel_count(); ++i) in[i] = static_cast<double>(static_cast<float>(in[i]));
  return in;
}

double max_abs(const Image<double>& in) {
  double m = 0;
  for (int64_t i = 0; i < in.voxel_count(); ++i) m = std::max(m, std::abs(in[i]));
  return m;
}

}  // namespace

std::vector<WaveletBand> swtn_level1(const Image<double>& image, const std::string& wavelet,
                                     const std::vector<int>& numpy_axes, bool single_precision) {
  const std::vector<double> lo = dec_lo(wavelet);
  const std::vector<double> hi = dec_hi(lo);
  std::vector<WaveletBand> bands{{"", image}};
  for (int axis : numpy_axes) {
    const int dim = 2 - axis;
    std::vector<WaveletBand> next;
    for (const WaveletBand& b : bands) {
      if (single_precision) {
        next.push_back({b.key + "a", swt_along<float>(b.image, dim, lo)});
        next.push_back({b.key + "d", swt_along<float>(b.image, dim, hi)});
      } else {
        next.push_back({b.key + "a", swt_along<double>(b.image, dim, lo)});
        next.push_back({b.key + "d", swt_along<double>(b.image, dim, hi)});
      }
    }
    bands = std::move(next);
  }
  return bands;
}

void generate_images(const std::string& type, const Image<double>& image, const LabelMap& mask,
                     const Settings& s, const ImageSink& sink, PixelType pixel_type) {
  const bool single = pixel_type == PixelType::Float32;
  if (type == "Original") {
    sink("original", image);
  } else if (type == "Square") {
    const double c = 1.0 / std::sqrt(max_abs(image));
    sink("square", map_image(image, [c](double x) {
           const double y = c * x;
           return y * y;
         }));
  } else if (type == "SquareRoot") {
    const double c = max_abs(image);
    sink("squareroot", map_image(image, [c](double x) {
           return x > 0 ? std::sqrt(x * c) : x < 0 ? -std::sqrt(-x * c) : x;
         }));
  } else if (type == "Logarithm") {
    const double m = max_abs(image);
    Image<double> l = map_image(image, [](double x) {
      return x > 0 ? std::log(x + 1) : x < 0 ? -std::log(-(x - 1)) : x;
    });
    const double lm = max_abs(l);
    const double c = m / lm;
    for (int64_t i = 0; i < l.voxel_count(); ++i) l[i] = l[i] * c;
    sink("logarithm", l);
  } else if (type == "Exponential") {
    const double m = max_abs(image);
    const double c = std::log(m) / m;
    sink("exponential", map_image(image, [c](double x) { return std::exp(c * x); }));
  } else if (type == "Gradient") {
    sink("gradient", to_float32(imaging::gradient_magnitude(image, s.gradientUseSpacing)));
  } else if (type == "LoG") {
    const Size3 size = image.size();
    if (std::min({size.x, size.y, size.z}) < 4) return;  // PyRadiomics: image too small
    const Vec3& sp = image.geometry().spacing;
    for (size_t k = 0; k < s.sigma.size(); ++k) {
      const double sigma = s.sigma[k];
      const bool fits = size.x >= std::ceil(sigma / sp[0]) + 1 && size.y >= std::ceil(sigma / sp[1]) + 1 &&
                        size.z >= std::ceil(sigma / sp[2]) + 1;
      if (!fits) continue;
      std::string label = s.sigma_names[k];
      std::replace(label.begin(), label.end(), '.', '-');
      sink("log-sigma-" + label + "-mm-3D", to_float32(imaging::laplacian_of_gaussian(image, sigma)));
    }
  } else if (type == "Wavelet") {
    std::vector<int> axes{2, 1, 0};
    if (s.force2D) axes.erase(std::remove(axes.begin(), axes.end(), s.force2Ddimension), axes.end());
    // Odd sizes: pad one voxel at the end by wrapping (numpy.pad 'wrap').
    const Size3 in = image.size();
    const Size3 padded{in.x + in.x % 2, in.y + in.y % 2, in.z + in.z % 2};
    Image<double> data(padded, image.geometry());
    for (int64_t z = 0; z < padded.z; ++z)
      for (int64_t y = 0; y < padded.y; ++y)
        for (int64_t x = 0; x < padded.x; ++x)
          data.at(x, y, z) = image.at(x % in.x, y % in.y, z % in.z);
    auto unpad = [&](const Image<double>& d) {
      Image<double> out(in, image.geometry());
      for (int64_t z = 0; z < in.z; ++z)
        for (int64_t y = 0; y < in.y; ++y)
          for (int64_t x = 0; x < in.x; ++x) out.at(x, y, z) = d.at(x, y, z);
      return out;
    };
    const std::string approx_key(axes.size(), 'a');
    for (int i = 0; i < s.start_level; ++i) {
      auto bands = swtn_level1(data, s.wavelet, axes, single);
      data = bands.front().image;
    }
    for (int i = 0; i < s.level; ++i) {
      auto bands = swtn_level1(data, s.wavelet, axes, single);
      for (const WaveletBand& b : bands) {
        if (b.key == approx_key) continue;
        std::string name = b.key;
        for (char& c : name) c = c == 'a' ? 'L' : 'H';
        sink(i == 0 ? "wavelet-" + name : fmt::format("wavelet{}-{}", i + 1, name), unpad(b.image));
      }
      data = bands.front().image;
    }
    const std::string ll(axes.size(), 'L');
    sink(s.level == 1 ? "wavelet-" + ll : fmt::format("wavelet{}-{}", s.level, ll), unpad(data));
  } else if (type == "LBP2D") {
    if (!s.force2D)  // PyRadiomics's warning, word for word
      spdlog::warn("Calculating Local Binary Pattern in 2D, but extracting features in 3D. Use with caution!");
    sink("lbp-2D", lbp2d_image(image, s.force2Ddimension, s.lbp2DSamples, s.lbp2DRadius, s.lbp2DMethod, pixel_type));
  } else if (type == "LBP3D") {
    if (s.force2D)
      spdlog::warn("Calculating Local Binary Pattern in 3D, but extracting features in 2D. Use with caution!");
    Lbp3dImages lbp = lbp3d_images(image, mask, s.lbp3DLevels, s.lbp3DIcosphereRadius, s.lbp3DIcosphereSubdivision,
                                   pixel_type);
    for (size_t l = 0; l < lbp.levels.size(); ++l) sink(fmt::format("lbp-3D-m{}", l + 1), lbp.levels[l]);
    sink("lbp-3D-k", lbp.kurtosis);
  } else {
    throw InputError(fmt::format("image type '{}' is not implemented in this build", type));
  }
}

}  // namespace scopemia::radiomics
