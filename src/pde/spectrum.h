#pragma once
// How much of a feature map's energy sits at fine scales: the measure behind
// the disentanglement claim (DESIGN.md, PDE block: the textural stream keeps
// detail, the anatomical one diffuses it away).
#include <torch/types.h>

namespace scopemia::pde {

// Share of the in-plane spectral energy of `f` [N,C,D,H,W] above `cutoff`
// times the Nyquist frequency (radially, |k| / k_Nyquist > cutoff, per
// slice), after removing each channel's in-plane mean: sum over N, C, D of
// the high-frequency energy divided by the sum of all (non-DC) energy. In
// [0, 1]; 0 for a map that is constant in-plane.
double high_frequency_share(const torch::Tensor& f, double cutoff = 0.5);

// The non-DC in-plane energy the share is taken of (sum of squares after
// removing each channel's in-plane mean), to weight shares across windows.
double in_plane_energy(const torch::Tensor& f);

}  // namespace scopemia::pde
