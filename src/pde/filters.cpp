#include "pde/filters.h"

#include <torch/torch.h>

#include <cmath>
#include <vector>

#include "pde/operators.h"

namespace scopemia::pde {

torch::Tensor gaussian_blur(const torch::Tensor& u, double sigma) {
  if (!(sigma > 0)) return u;
  const int64_t r = static_cast<int64_t>(std::ceil(3.0 * sigma));
  std::vector<double> w(2 * r + 1);
  double total = 0;
  for (int64_t t = -r; t <= r; ++t) {
    w[t + r] = std::exp(-0.5 * static_cast<double>(t * t) / (sigma * sigma));
    total += w[t + r];
  }
  for (auto& v : w) v /= total;
  torch::Tensor out = u;
  for (int axis = 0; axis < 3; ++axis) {
    const int64_t d = spatial_dim(out, axis);
    const int64_t n = out.size(d);
    if (n < 2) continue;
    const auto p = replicate_pad(out, axis, r);
    torch::Tensor acc = p.narrow(d, 0, n) * w[0];
    for (int64_t t = 1; t <= 2 * r; ++t) acc = acc.add(p.narrow(d, t, n), w[t]);
    out = acc;
  }
  return out;
}

torch::Tensor fft_highpass(const torch::Tensor& u, double sigma) {
  if (!(sigma > 0)) return torch::zeros_like(u);
  const int64_t nd = u.dim();
  const int64_t D = u.size(nd - 3), H = u.size(nd - 2), W = u.size(nd - 1);
  const auto real_opts = u.options().dtype(u.scalar_type() == torch::kFloat64 ? torch::kFloat64
                                                                               : torch::kFloat32);
  const auto spectrum = torch::fft::rfftn(u, c10::nullopt, std::vector<int64_t>{nd - 3, nd - 2, nd - 1});
  auto wz = torch::fft::fftfreq(D, real_opts).mul(2 * M_PI).view({D, 1, 1});
  auto wy = torch::fft::fftfreq(H, real_opts).mul(2 * M_PI).view({1, H, 1});
  auto wx = torch::fft::rfftfreq(W, real_opts).mul(2 * M_PI).view({1, 1, W / 2 + 1});
  const auto w2 = wz * wz + wy * wy + wx * wx;
  const auto transfer = 1.0 - torch::exp(-0.5 * sigma * sigma * w2);
  return torch::fft::irfftn(spectrum * transfer, std::vector<int64_t>{D, H, W},
                            std::vector<int64_t>{nd - 3, nd - 2, nd - 1});
}

}  // namespace scopemia::pde
