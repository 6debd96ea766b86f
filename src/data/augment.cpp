#include "data/augment.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <torch/torch.h>

namespace scopemia::data {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Sizes of a [1,k,H,W] (or [1,k,1,1]) tensor.
struct Dims {
  int64_t k, h, w;
};

Dims dims_of(const torch::Tensor& t) {
  TORCH_CHECK(t.dim() == 4 && t.size(0) == 1 && t.scalar_type() == torch::kFloat32,
              "augmentation: expected a float32 [1,k,H,W] tensor, got ", t.sizes());
  return {t.size(1), t.size(2), t.size(3)};
}

torch::Tensor flipped(const torch::Tensor& in, const bool flip[3]) {
  const torch::Tensor src = in.contiguous();
  const Dims d = dims_of(src);
  torch::Tensor out = torch::empty_like(src);
  const float* s = src.data_ptr<float>();
  float* o = out.data_ptr<float>();
  for (int64_t z = 0; z < d.k; ++z) {
    const int64_t sz = flip[2] ? d.k - 1 - z : z;
    for (int64_t y = 0; y < d.h; ++y) {
      const int64_t sy = flip[1] ? d.h - 1 - y : y;
      const float* row = s + (sz * d.h + sy) * d.w;
      float* dst = o + (z * d.h + y) * d.w;
      if (flip[0])
        for (int64_t x = 0; x < d.w; ++x) dst[x] = row[d.w - 1 - x];
      else
        std::copy(row, row + d.w, dst);
    }
  }
  return out;
}

// Where each output pixel of an H x W plane samples the input plane.
struct PlaneMap {
  std::vector<int64_t> corner;   // 4 per pixel: (x0,y0) (x1,y0) (x0,y1) (x1,y1) offsets
  std::vector<float> weight;     // 4 per pixel
  std::vector<int64_t> nearest;  // offset, or -1 outside the plane
};

// Snaps a coordinate within 1e-9 of an integer onto it, so right angles move
// voxels exactly.
double snap(double v) {
  const double r = std::round(v);
  return std::abs(v - r) < 1e-9 ? r : v;
}

PlaneMap rotation_map(int64_t h, int64_t w, double degrees) {
  const double t = degrees * kPi / 180.0, c = std::cos(t), s = std::sin(t);
  const double cx = 0.5 * double(w - 1), cy = 0.5 * double(h - 1);
  PlaneMap m;
  m.corner.resize(size_t(4 * h * w));
  m.weight.resize(size_t(4 * h * w));
  m.nearest.resize(size_t(h * w));
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      // Inverse rotation: the input point that lands on (x, y).
      const double dx = double(x) - cx, dy = double(y) - cy;
      const double sx = snap(cx + c * dx + s * dy), sy = snap(cy - s * dx + c * dy);
      const size_t p = size_t(y * w + x);
      const double nx = std::floor(sx + 0.5), ny = std::floor(sy + 0.5);
      m.nearest[p] = nx >= 0 && ny >= 0 && nx <= double(w - 1) && ny <= double(h - 1)
                         ? int64_t(ny) * w + int64_t(nx)
                         : -1;
      const double qx = std::clamp(sx, 0.0, double(w - 1)), qy = std::clamp(sy, 0.0, double(h - 1));
      const int64_t x0 = int64_t(std::floor(qx)), y0 = int64_t(std::floor(qy));
      const int64_t x1 = std::min(x0 + 1, w - 1), y1 = std::min(y0 + 1, h - 1);
      const double fx = qx - double(x0), fy = qy - double(y0);
      const int64_t corners[4] = {y0 * w + x0, y0 * w + x1, y1 * w + x0, y1 * w + x1};
      const double weights[4] = {(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy};
      for (int j = 0; j < 4; ++j) {
        m.corner[4 * p + size_t(j)] = corners[j];
        m.weight[4 * p + size_t(j)] = float(weights[j]);
      }
    }
  return m;
}

torch::Tensor rotated(const torch::Tensor& in, const PlaneMap& m, bool nearest) {
  const torch::Tensor src = in.contiguous();
  const Dims d = dims_of(src);
  torch::Tensor out = torch::empty_like(src);
  const int64_t plane = d.h * d.w;
  for (int64_t z = 0; z < d.k; ++z) {
    const float* s = src.data_ptr<float>() + z * plane;
    float* o = out.data_ptr<float>() + z * plane;
    for (int64_t p = 0; p < plane; ++p) {
      if (nearest) {
        o[p] = m.nearest[size_t(p)] >= 0 ? s[m.nearest[size_t(p)]] : 0.0f;
      } else {
        const int64_t* c = &m.corner[size_t(4 * p)];
        const float* wt = &m.weight[size_t(4 * p)];
        o[p] = wt[0] * s[c[0]] + wt[1] * s[c[1]] + wt[2] * s[c[2]] + wt[3] * s[c[3]];
      }
    }
  }
  return out;
}

}  // namespace

Augmentation draw_augmentation(const AugmentOptions& o, Random& rng) {
  Augmentation a;
  if (o.flip)
    for (bool& f : a.flip) f = rng.uniform() < 0.5;
  if (o.rotate_degrees > 0) a.angle_degrees = rng.uniform(-o.rotate_degrees, o.rotate_degrees);
  if (o.intensity_scale > 0) a.scale = 1.0 + rng.uniform(-o.intensity_scale, o.intensity_scale);
  if (o.intensity_shift > 0) a.shift = rng.uniform(-o.intensity_shift, o.intensity_shift);
  return a;
}

void apply_augmentation(const Augmentation& a, Sample& s) {
  const Dims d = dims_of(s.image);
  auto same_shape = [&](const torch::Tensor& t, const char* name) {
    TORCH_CHECK(!t.defined() || t.sizes() == s.image.sizes(), "augmentation: ", name, " ", t.sizes(),
                " does not match the image ", s.image.sizes());
  };
  same_shape(s.mask, "mask");
  same_shape(s.mci, "mci");
  if (a.flip[0] || a.flip[1] || a.flip[2]) {
    s.image = flipped(s.image, a.flip);
    if (s.mask.defined()) s.mask = flipped(s.mask, a.flip);
    if (s.mci.defined()) s.mci = flipped(s.mci, a.flip);
    if (s.valid.defined() && a.flip[2]) {
      TORCH_CHECK(s.valid.dim() == 4 && s.valid.size(1) == d.k, "augmentation: valid must be [1,k,1,1]");
      const bool depth_only[3] = {false, false, true};
      s.valid = flipped(s.valid, depth_only);
    }
  }
  if (a.angle_degrees != 0.0) {
    const PlaneMap m = rotation_map(d.h, d.w, a.angle_degrees);
    s.image = rotated(s.image, m, false);
    if (s.mask.defined()) s.mask = rotated(s.mask, m, true);
    if (s.mci.defined()) s.mci = rotated(s.mci, m, false);
  }
  if (a.scale != 1.0 || a.shift != 0.0) {
    const torch::Tensor src = s.image.contiguous();
    torch::Tensor out = torch::empty_like(src);
    const float* in = src.data_ptr<float>();
    float* v = out.data_ptr<float>();
    const float scale = float(a.scale), shift = float(a.shift);
    for (int64_t i = 0, n = out.numel(); i < n; ++i) v[i] = in[i] * scale + shift;
    s.image = out;
  }
}

Augmentation augment(Sample& sample, const AugmentOptions& options, Random& rng) {
  const Augmentation a = draw_augmentation(options, rng);
  apply_augmentation(a, sample);
  return a;
}

}  // namespace scopemia::data
