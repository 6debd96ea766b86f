#include "pde/spectrum.h"

#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace scopemia::pde {
namespace {

torch::Tensor wave(double cycles_per_sample, int64_t n = 32) {
  const auto x = torch::arange(n, torch::kFloat64);
  const auto row = torch::cos(2 * M_PI * cycles_per_sample * x);
  return row.view({1, 1, 1, 1, n}).expand({1, 2, 3, n, n}).contiguous();
}

TEST(HighFrequencyShare, SinusoidsFallOnTheirSideOfTheCutoff) {
  // Nyquist is 0.5 cycles/sample: 0.375 is at 0.75 Nyquist, 0.125 at 0.25.
  EXPECT_NEAR(high_frequency_share(wave(0.375)), 1.0, 1e-12);
  EXPECT_NEAR(high_frequency_share(wave(0.125)), 0.0, 1e-12);
  // Equal amplitudes of both: half the energy is high.
  EXPECT_NEAR(high_frequency_share(wave(0.375) + wave(0.125)), 0.5, 1e-12);
  // A checkerboard is all Nyquist; a constant map has no non-DC energy.
  const auto i = torch::arange(8, torch::kFloat64);
  const auto checker = torch::remainder(i.view({8, 1}) + i.view({1, 8}), 2).view({1, 1, 1, 8, 8});
  EXPECT_NEAR(high_frequency_share(checker), 1.0, 1e-12);
  EXPECT_EQ(high_frequency_share(torch::ones({1, 1, 1, 8, 8})), 0.0);
}

TEST(HighFrequencyShare, DiffusionLowersItAndNoiseIsNearTheAreaShare) {
  torch::manual_seed(0);
  const auto noise = torch::randn({1, 4, 2, 64, 64}, torch::kFloat64);
  // White noise: the share is the fraction of the spectrum outside radius
  // 0.5 within the unit square, 1 - pi/16 ~ 0.80.
  EXPECT_NEAR(high_frequency_share(noise), 1 - M_PI / 16, 0.02);
  // A 3x3 box blur removes fine scales.
  const auto flat = noise.view({8, 1, 64, 64});
  const auto blurred = torch::avg_pool2d(flat, 3, 1, 1).view({1, 4, 2, 64, 64});
  EXPECT_LT(high_frequency_share(blurred), 0.5 * high_frequency_share(noise));
}

}  // namespace
}  // namespace scopemia::pde
