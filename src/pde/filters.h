#pragma once
// Smoothing and high-pass filters for the textural detail operator.
#include <torch/types.h>

namespace scopemia::pde {

// Separable Gaussian blur over the last three dimensions (D,H,W) with
// standard deviation `sigma` in voxels, taps truncated at ceil(3 sigma),
// replicate boundary; each pass is a weighted sum of padded slices. Axes of
// size 1 are left alone. sigma <= 0 returns the input.
torch::Tensor gaussian_blur(const torch::Tensor& u, double sigma);

// Gaussian high-pass by FFT over (D,H,W): u - G_sigma * u with the Gaussian
// applied as its transfer function exp(-sigma^2 |omega|^2 / 2), omega in
// radians per voxel. Periodic boundary (the FFT's).
torch::Tensor fft_highpass(const torch::Tensor& u, double sigma);

}  // namespace scopemia::pde
