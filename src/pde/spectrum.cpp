#include "pde/spectrum.h"

#include <torch/torch.h>

#include "core/error.h"

namespace scopemia::pde {

SpectralEnergy in_plane_spectral_energy(const torch::Tensor& f, double cutoff) {
  if (f.dim() != 5) throw InputError("high_frequency_share needs [N,C,D,H,W]");
  torch::NoGradGuard no_grad;
  const auto x = f.to(torch::kFloat64);
  const auto centred = x - x.mean({3, 4}, true);
  const auto power = torch::fft::fft2(centred).abs().square();  // over the last two dims (H, W)
  const int64_t H = f.size(3), W = f.size(4);
  // |k| / k_Nyquist per bin: fftfreq gives cycles per sample in [-0.5, 0.5).
  const auto fy = torch::fft::fftfreq(H, torch::kFloat64).abs() / 0.5;
  const auto fx = torch::fft::fftfreq(W, torch::kFloat64).abs() / 0.5;
  const auto radius = (fy.view({H, 1}).square() + fx.view({1, W}).square()).sqrt();
  const auto high = (radius > cutoff).to(torch::kFloat64);
  return {(power * high).sum().item<double>(), power.sum().item<double>()};
}

double high_frequency_share(const torch::Tensor& f, double cutoff) {
  return in_plane_spectral_energy(f, cutoff).share();
}

}  // namespace scopemia::pde
