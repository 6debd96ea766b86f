#include "train/recon_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <torch/torch.h>

#include "core/error.h"

namespace scopemia::train {

// ---------------------------------------------------------------- SSIM ----

namespace {

int64_t largest_odd_at_most(int64_t n) { return n <= 0 ? 1 : (n % 2 == 1 ? n : n - 1); }

void check_pair(const torch::Tensor& x, const torch::Tensor& y, const char* what) {
  if (x.dim() != 5 || y.dim() != 5)
    throw std::invalid_argument(std::string(what) + ": expected [N,C,D,H,W] tensors");
  if (x.sizes() != y.sizes()) throw std::invalid_argument(std::string(what) + ": shapes differ");
  if (!x.is_floating_point() || !y.is_floating_point())
    throw std::invalid_argument(std::string(what) + ": expected floating tensors");
}

// Filters u [B,1,D,H,W] along spatial axis `axis` (0 = D) with a 1D window
// ("valid": the axis shrinks by size-1), as a weighted sum of shifted slices:
// on CPU this is several times faster than conv3d with a 1D kernel, in the
// backward pass most of all (docs/paper-map.md §10).
torch::Tensor filter_axis(const torch::Tensor& u, const std::vector<double>& weights, int axis) {
  const int64_t taps = int64_t(weights.size());
  if (taps == 1) return u;  // a single tap of weight 1
  const int64_t dim = 2 + axis, out = u.size(dim) - taps + 1;
  auto sum = u.narrow(dim, 0, out) * weights[0];
  for (int64_t i = 1; i < taps; ++i) sum = sum + u.narrow(dim, i, out) * weights[i];
  return sum;
}

}  // namespace

std::array<int64_t, 3> ssim_window_sizes(int64_t depth, int64_t height, int64_t width, const SsimOptions& o) {
  if (o.window < 1 || o.window % 2 == 0) throw std::invalid_argument("SSIM window must be odd and positive");
  return {std::min(o.window, largest_odd_at_most(depth)), std::min(o.window, largest_odd_at_most(height)),
          std::min(o.window, largest_odd_at_most(width))};
}

std::vector<double> ssim_window_weights(int64_t size, const SsimOptions& o) {
  std::vector<double> w(static_cast<size_t>(size), 1.0);
  if (o.sigma > 0) {
    const double c = double(size - 1) / 2.0;
    for (int64_t i = 0; i < size; ++i) w[i] = std::exp(-(double(i) - c) * (double(i) - c) / (2 * o.sigma * o.sigma));
  }
  double sum = 0;
  for (double v : w) sum += v;
  for (double& v : w) v /= sum;
  return w;
}

SsimTerms ssim3d_terms(const torch::Tensor& x, const torch::Tensor& y, const SsimOptions& o) {
  check_pair(x, y, "ssim3d");
  if (!(o.data_range > 0)) throw std::invalid_argument("ssim3d: data range must be positive");
  const int64_t N = x.size(0), C = x.size(1), D = x.size(2), H = x.size(3), W = x.size(4);
  const auto win = ssim_window_sizes(D, H, W, o);
  const auto xs = x.reshape({N * C, 1, D, H, W}), ys = y.reshape({N * C, 1, D, H, W});
  // The five local moments in one batch: E[x], E[y], E[x^2], E[y^2], E[xy].
  auto moments = torch::cat({xs, ys, xs * xs, ys * ys, xs * ys}, 0);
  for (int axis = 0; axis < 3; ++axis) moments = filter_axis(moments, ssim_window_weights(win[axis], o), axis);
  const auto parts = moments.chunk(5, 0);
  const auto &mx = parts[0], &my = parts[1];
  const auto sxx = parts[2] - mx * mx, syy = parts[3] - my * my, sxy = parts[4] - mx * my;
  const double c1 = (o.k1 * o.data_range) * (o.k1 * o.data_range);
  const double c2 = (o.k2 * o.data_range) * (o.k2 * o.data_range);
  const auto cs_map = (2 * sxy + c2) / (sxx + syy + c2);
  const auto l_map = (2 * mx * my + c1) / (mx * mx + my * my + c1);
  SsimTerms terms;
  terms.cs = cs_map.flatten(1).mean(1).view({N, C});
  terms.ssim = (l_map * cs_map).flatten(1).mean(1).view({N, C});
  return terms;
}

torch::Tensor ssim3d(const torch::Tensor& x, const torch::Tensor& y, const SsimOptions& o) {
  return ssim3d_terms(x, y, o).ssim.mean();
}

MsSsimPlan ms_ssim_plan(int64_t D, int64_t H, int64_t W, const MsSsimOptions& o) {
  if (o.weights.empty()) throw std::invalid_argument("MS-SSIM needs at least one scale weight");
  MsSsimPlan plan;
  const int64_t window = o.ssim.window;
  while (plan.scales < int(o.weights.size())) {
    const int64_t h = H / 2, w = W / 2;
    if (std::min(h, w) < window) break;
    const bool pool_depth = D / 2 >= window;
    plan.pool_depth.push_back(pool_depth);
    if (pool_depth) D /= 2;
    H = h;
    W = w;
    ++plan.scales;
  }
  return plan;
}

torch::Tensor ms_ssim3d_per_sample(const torch::Tensor& x, const torch::Tensor& y, const MsSsimOptions& o) {
  check_pair(x, y, "ms_ssim3d");
  const auto plan = ms_ssim_plan(x.size(2), x.size(3), x.size(4), o);
  const int M = plan.scales;
  std::vector<double> weights(o.weights.begin(), o.weights.begin() + M);
  if (M < int(o.weights.size())) {
    double sum = 0;
    for (double w : weights) sum += w;
    for (double& w : weights) w /= sum;
  }
  std::vector<torch::Tensor> values;
  auto a = x, b = y;
  for (int j = 0; j < M; ++j) {
    const auto terms = ssim3d_terms(a, b, o.ssim);
    if (j + 1 < M) {
      values.push_back(terms.cs);
      const std::vector<int64_t> kernel{plan.pool_depth[j] ? 2 : 1, 2, 2};
      a = torch::avg_pool3d(a, kernel, kernel);
      b = torch::avg_pool3d(b, kernel, kernel);
    } else {
      values.push_back(terms.ssim);
    }
  }
  const auto stacked = torch::stack(values, 0).clamp_min(o.floor);  // [M, N, C]
  const auto exponents = torch::tensor(weights, torch::TensorOptions().dtype(torch::kFloat64))
                             .to(stacked.device(), stacked.scalar_type())
                             .view({M, 1, 1});
  return stacked.pow(exponents).prod(0);
}

torch::Tensor ms_ssim3d(const torch::Tensor& x, const torch::Tensor& y, const MsSsimOptions& o) {
  return ms_ssim3d_per_sample(x, y, o).mean();
}

// ------------------------------------------------------------- R metric ----

int OtsuResult::bin_of(double value) const {
  if (!(high > low)) return 0;
  const double t = (value - low) / (high - low) * bins;
  if (!(t >= 0)) return 0;  // below the range, or NaN
  if (t >= bins) return bins - 1;
  return static_cast<int>(t);
}

OtsuResult otsu_threshold(const std::vector<double>& values, int bins) {
  if (bins < 2) throw std::invalid_argument("Otsu needs at least 2 bins");
  OtsuResult r;
  r.bins = bins;
  if (values.empty()) return r;
  r.low = std::numeric_limits<double>::infinity();
  r.high = -r.low;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    r.low = std::min(r.low, v);
    r.high = std::max(r.high, v);
  }
  if (!(r.high > r.low)) return r;  // constant (or no finite value): no split
  std::vector<double> hist(static_cast<size_t>(bins), 0.0);
  double n = 0;
  for (double v : values)
    if (std::isfinite(v)) {
      hist[r.bin_of(v)] += 1;
      n += 1;
    }
  double mu_total = 0;
  for (int i = 0; i < bins; ++i) mu_total += i * hist[i] / n;
  // Between-class variance of the split after bin k, for k = 0 .. bins-2.
  std::vector<double> sigma_b(static_cast<size_t>(bins - 1), -1.0);
  double omega = 0, mu = 0;
  for (int k = 0; k + 1 < bins; ++k) {
    omega += hist[k] / n;
    mu += k * hist[k] / n;
    if (omega <= 0 || omega >= 1) continue;
    const double d = mu_total * omega - mu;
    sigma_b[k] = d * d / (omega * (1 - omega));
  }
  const double best = *std::max_element(sigma_b.begin(), sigma_b.end());
  const double tolerance = best * 1e-12;
  int first = 0;
  while (sigma_b[first] < best - tolerance) ++first;
  int last = first;
  while (last + 1 < bins - 1 && sigma_b[last + 1] >= best - tolerance) ++last;
  r.split_bin = (first + last) / 2;
  r.threshold = r.low + (r.split_bin + 1) * (r.high - r.low) / bins;
  r.defined = true;
  return r;
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Squared distance transform along one line (Felzenszwalb & Huttenlocher):
// d[p] = min_q (x_p - x_q)^2 + f[q], x_i = i * spacing; sites with f = inf
// are skipped. `f` and `d` may not alias.
void distance_1d(const double* f, int64_t n, double spacing, double* d, std::vector<int64_t>& v,
                 std::vector<double>& z) {
  int64_t k = -1;
  for (int64_t q = 0; q < n; ++q) {
    if (f[q] == kInf) continue;
    const double xq = q * spacing;
    double s = -kInf;
    while (k >= 0) {
      const double xv = v[k] * spacing;
      s = ((f[q] + xq * xq) - (f[v[k]] + xv * xv)) / (2 * (xq - xv));
      if (s <= z[k]) {
        --k;
        s = -kInf;
      } else {
        break;
      }
    }
    ++k;
    v[k] = q;
    z[k] = s;
    z[k + 1] = kInf;
  }
  if (k < 0) {
    std::fill(d, d + n, kInf);
    return;
  }
  int64_t j = 0;
  for (int64_t p = 0; p < n; ++p) {
    const double xp = p * spacing;
    while (z[j + 1] < xp) ++j;
    const double dx = xp - v[j] * spacing;
    d[p] = dx * dx + f[v[j]];
  }
}

// Exact squared Euclidean distance (physical units) from every voxel to the
// nearest voxel with `sites` set.
std::vector<double> squared_distance_map(const std::vector<uint8_t>& sites, const std::array<int64_t, 3>& size,
                                         const std::array<double, 3>& spacing) {
  const int64_t D = size[0], H = size[1], W = size[2];
  std::vector<double> dist(sites.size());
  for (size_t i = 0; i < sites.size(); ++i) dist[i] = sites[i] ? 0.0 : kInf;
  const int64_t longest = std::max({D, H, W});
  std::vector<double> line(longest), out(longest), z(longest + 1);
  std::vector<int64_t> v(longest);
  const int64_t strides[3] = {H * W, W, 1};
  for (int axis = 2; axis >= 0; --axis) {
    const int64_t n = size[axis], stride = strides[axis];
    for (int64_t start = 0; start < D * H * W; ++start) {
      // `start` is the first voxel of a line along `axis` iff its coordinate there is 0.
      if ((start / stride) % n != 0) continue;
      for (int64_t i = 0; i < n; ++i) line[i] = dist[start + i * stride];
      distance_1d(line.data(), n, spacing[axis], out.data(), v, z);
      for (int64_t i = 0; i < n; ++i) dist[start + i * stride] = out[i];
    }
  }
  return dist;
}

// Voxels of the segmentation with a 6-neighbour outside it; the outside of
// the volume counts as background.
std::vector<uint8_t> surface(const BinaryVolume& s) {
  const int64_t D = s.size[0], H = s.size[1], W = s.size[2];
  std::vector<uint8_t> out(s.voxels.size(), 0);
  auto at = [&](int64_t z, int64_t y, int64_t x) -> bool {
    if (z < 0 || y < 0 || x < 0 || z >= D || y >= H || x >= W) return false;
    return s.voxels[(z * H + y) * W + x] != 0;
  };
  for (int64_t z = 0; z < D; ++z)
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x) {
        if (!at(z, y, x)) continue;
        const bool interior = at(z - 1, y, x) && at(z + 1, y, x) && at(z, y - 1, x) && at(z, y + 1, x) &&
                              at(z, y, x - 1) && at(z, y, x + 1);
        out[(z * H + y) * W + x] = interior ? 0 : 1;
      }
  return out;
}

// Linear-interpolation percentile (numpy's default) of unsorted values.
double percentile_of(std::vector<double> values, double p) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const double pos = std::clamp(p, 0.0, 100.0) / 100.0 * double(values.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (pos - double(lo)) * (values[hi] - values[lo]);
}

double directed_percentile(const std::vector<uint8_t>& from_surface, const std::vector<double>& to_distance2,
                           double percentile) {
  std::vector<double> d;
  for (size_t i = 0; i < from_surface.size(); ++i)
    if (from_surface[i]) d.push_back(std::sqrt(to_distance2[i]));
  return percentile_of(std::move(d), percentile);
}

void check_binary(const BinaryVolume& s, const char* what) {
  if (int64_t(s.voxels.size()) != s.size[0] * s.size[1] * s.size[2])
    throw std::invalid_argument(std::string(what) + ": voxel count does not match the size");
}

double voxel_diagonal(const std::array<int64_t, 3>& size, const std::array<double, 3>& spacing) {
  double d2 = 0;
  for (int a = 0; a < 3; ++a) {
    const double e = double(std::max<int64_t>(size[a] - 1, 0)) * spacing[a];
    d2 += e * e;
  }
  return std::sqrt(d2);
}

BinaryVolume threshold_volume(const std::vector<double>& values, const std::array<int64_t, 3>& size,
                              const OtsuResult& otsu) {
  BinaryVolume s;
  s.size = size;
  s.voxels.resize(values.size());
  for (size_t i = 0; i < values.size(); ++i) s.voxels[i] = otsu.above(values[i]) ? 1 : 0;
  return s;
}

std::vector<double> to_doubles(const torch::Tensor& t) {
  const auto c = t.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  const double* p = c.data_ptr<double>();
  return std::vector<double>(p, p + c.numel());
}

torch::Tensor as_3d(const torch::Tensor& t, const char* what) {
  auto u = t;
  while (u.dim() > 3 && u.size(0) == 1) u = u.squeeze(0);
  if (u.dim() != 3) throw std::invalid_argument(std::string(what) + ": expected a [D,H,W] volume");
  return u;
}

}  // namespace

double percentile_hausdorff(const BinaryVolume& a, const BinaryVolume& b, const std::array<double, 3>& spacing,
                            double percentile) {
  check_binary(a, "percentile_hausdorff");
  check_binary(b, "percentile_hausdorff");
  if (a.size != b.size) throw std::invalid_argument("percentile_hausdorff: sizes differ");
  const auto sa = surface(a), sb = surface(b);
  const auto da = squared_distance_map(sa, a.size, spacing), db = squared_distance_map(sb, b.size, spacing);
  return std::max(directed_percentile(sa, db, percentile), directed_percentile(sb, da, percentile));
}

RMetric r_metric_from_segmentations(const BinaryVolume& s, const BinaryVolume& s_hat, const RMetricOptions& o) {
  check_binary(s, "r_metric");
  check_binary(s_hat, "r_metric");
  if (s.size != s_hat.size) throw std::invalid_argument("r_metric: segmentation sizes differ");
  RMetric m;
  m.defined = true;
  m.diagonal = voxel_diagonal(s.size, o.spacing);
  int64_t inter = 0, uni = 0;
  for (size_t i = 0; i < s.voxels.size(); ++i) {
    const bool a = s.voxels[i] != 0, b = s_hat.voxels[i] != 0;
    m.volume_gt += a;
    m.volume_rec += b;
    inter += a && b;
    uni += a || b;
  }
  if (m.volume_gt == 0 && m.volume_rec == 0) {  // nothing in either: identical
    m.dv = 0;
    m.jaccard = 1;
    m.hd95 = 0;
    m.h = 0;
  } else {
    m.dv = m.volume_gt > 0 ? double(std::abs(m.volume_rec - m.volume_gt)) / double(m.volume_gt) : 1.0;
    m.jaccard = double(inter) / double(uni);
    if (m.volume_gt == 0 || m.volume_rec == 0) {  // one side empty: the largest distance
      m.hd95 = m.diagonal;
      m.h = 1.0;
    } else {
      m.hd95 = percentile_hausdorff(s, s_hat, o.spacing, o.percentile);
      m.h = m.diagonal > 0 ? std::min(m.hd95 / m.diagonal, 1.0) : 0.0;
    }
  }
  m.r = 0.4 * m.dv + 0.3 * m.h + 0.3 * (1.0 - m.jaccard);
  return m;
}

RMetric r_metric(const torch::Tensor& ground_truth, const torch::Tensor& reconstruction, const RMetricOptions& o) {
  const auto gt = as_3d(ground_truth, "r_metric"), rec = as_3d(reconstruction, "r_metric");
  if (gt.sizes() != rec.sizes()) throw std::invalid_argument("r_metric: shapes differ");
  const std::array<int64_t, 3> size{gt.size(0), gt.size(1), gt.size(2)};
  const auto g = to_doubles(gt), r = to_doubles(rec);
  const auto otsu = otsu_threshold(g, o.bins);
  if (!otsu.defined) {
    RMetric m;
    m.defined = false;
    m.r = m.dv = m.h = m.jaccard = m.hd95 = std::numeric_limits<double>::quiet_NaN();
    m.diagonal = voxel_diagonal(size, o.spacing);
    m.threshold = otsu.low;
    return m;
  }
  auto m = r_metric_from_segmentations(threshold_volume(g, size, otsu), threshold_volume(r, size, otsu), o);
  m.threshold = otsu.threshold;
  return m;
}

RMetricMean r_metric_batch(const torch::Tensor& ground_truth, const torch::Tensor& reconstruction,
                           const RMetricOptions& o) {
  if (ground_truth.dim() != 5 || ground_truth.sizes() != reconstruction.sizes() || ground_truth.size(1) != 1)
    throw std::invalid_argument("r_metric_batch: expected two [N,1,D,H,W] tensors of the same shape");
  RMetricMean mean;
  mean.samples = ground_truth.size(0);
  for (int64_t i = 0; i < mean.samples; ++i) {
    const auto m = r_metric(ground_truth[i][0], reconstruction[i][0], o);
    if (!m.defined) continue;
    ++mean.defined;
    mean.r += m.r;
    mean.dv += m.dv;
    mean.h += m.h;
    mean.jaccard += m.jaccard;
  }
  if (mean.defined > 0) {
    const double n = double(mean.defined);
    mean.r /= n;
    mean.dv /= n;
    mean.h /= n;
    mean.jaccard /= n;
  } else {
    mean.r = mean.dv = mean.h = mean.jaccard = std::numeric_limits<double>::quiet_NaN();
  }
  return mean;
}

}  // namespace scopemia::train
