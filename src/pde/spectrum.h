#pragma once
// How much of a feature map's energy sits at fine scales: the measure behind
// the disentanglement claim (docs/paper-map.md §2: the textural stream keeps
// detail, the anatomical one diffuses it away).
#include <torch/types.h>

namespace scopemia::pde {

// Share of the in-plane spectral energy of `f` [N,C,D,H,W] above `cutoff`
// times the Nyquist frequency (radially, |k| / k_Nyquist > cutoff, per
// slice), after removing each channel's in-plane mean: sum over N, C, D of
// the high-frequency energy divided by the sum of all (non-DC) energy. In
// [0, 1]; 0 for a map that is constant in-plane.
double high_frequency_share(const torch::Tensor& f, double cutoff = 0.5);

// The two energies the share is the ratio of (spectral units), so shares
// over several maps can be pooled by adding them.
struct SpectralEnergy {
  double high = 0, total = 0;
  double share() const { return total > 0 ? high / total : 0.0; }
};
SpectralEnergy in_plane_spectral_energy(const torch::Tensor& f, double cutoff = 0.5);

}  // namespace scopemia::pde
