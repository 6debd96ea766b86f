#include "data/masking.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

namespace scopemia::data {
namespace {

struct Strategy {
  MaskStrategy strategy;
  double ratio;
};

class MaskRatio : public ::testing::TestWithParam<Strategy> {};

TEST_P(MaskRatio, HitsTheRatioWithinTwoPercentAndHasItsShape) {
  const auto [strategy, ratio] = GetParam();
  Random rng(11);
  const int64_t k = 16, H = 64, W = 64;
  for (int trial = 0; trial < 5; ++trial) {
    const auto mask = make_mask(k, H, W, MaskOptions{strategy, ratio, 4}, rng);
    ASSERT_EQ(mask.sizes(), (std::vector<int64_t>{k, H, W}));
    const double fraction = mask.to(torch::kFloat64).mean().item<double>();
    EXPECT_NEAR(fraction, ratio, 0.02) << to_string(strategy);
    const auto any_d = mask.any(0), all_d = mask.all(0);  // per in-plane position
    switch (strategy) {
      case MaskStrategy::kSlices:  // each slice all or nothing
        EXPECT_TRUE(torch::equal(mask.any(2).any(1), mask.all(2).all(1)));
        break;
      case MaskStrategy::kTubes:
      case MaskStrategy::kBlock:  // each column through the depth all or nothing
        EXPECT_TRUE(torch::equal(any_d, all_d));
        break;
      case MaskStrategy::kRandomCubes: {  // aligned 4^3 cubes, each all or nothing
        const auto cells = mask.view({k / 4, 4, H / 4, 4, W / 4, 4}).permute({0, 2, 4, 1, 3, 5}).reshape({-1, 64});
        EXPECT_TRUE(torch::equal(cells.any(1), cells.all(1)));
        break;
      }
    }
    if (strategy == MaskStrategy::kBlock) {  // one box: its bounding box is full
      const auto rows = any_d.any(1).nonzero(), cols = any_d.any(0).nonzero();
      const int64_t h = rows.max().item<int64_t>() - rows.min().item<int64_t>() + 1;
      const int64_t w = cols.max().item<int64_t>() - cols.min().item<int64_t>() + 1;
      EXPECT_EQ(any_d.sum().item<int64_t>(), h * w);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    StrategiesAndRatios, MaskRatio,
    ::testing::Values(Strategy{MaskStrategy::kRandomCubes, 0.25}, Strategy{MaskStrategy::kRandomCubes, 0.5},
                      Strategy{MaskStrategy::kRandomCubes, 0.75}, Strategy{MaskStrategy::kBlock, 0.25},
                      Strategy{MaskStrategy::kBlock, 0.5}, Strategy{MaskStrategy::kBlock, 0.75},
                      Strategy{MaskStrategy::kSlices, 0.25}, Strategy{MaskStrategy::kSlices, 0.5},
                      Strategy{MaskStrategy::kSlices, 0.75}, Strategy{MaskStrategy::kTubes, 0.25},
                      Strategy{MaskStrategy::kTubes, 0.5}, Strategy{MaskStrategy::kTubes, 0.75}));

TEST(Masking, SameSeedSameMaskAndStrategiesDiffer) {
  Random a(3), b(3);
  const MaskOptions o{MaskStrategy::kRandomCubes, 0.5, 4};
  EXPECT_TRUE(torch::equal(make_mask(8, 16, 16, o, a), make_mask(8, 16, 16, o, b)));
  EXPECT_THROW(parse_mask_strategy("stripes"), std::exception);
  EXPECT_EQ(parse_mask_strategy("tubes"), MaskStrategy::kTubes);
}

TEST(Masking, MseCountsOnlyMaskedVoxels) {
  const auto target = torch::zeros({1, 1, 2, 2, 2});
  auto prediction = torch::zeros({1, 1, 2, 2, 2});
  prediction[0][0][0][0][0] = 2.f;  // masked, error 4
  prediction[0][0][1][1][1] = 10.f;  // visible: ignored
  auto mask = torch::zeros({2, 2, 2}, torch::kBool);
  mask[0][0][0] = true;
  mask[0][0][1] = true;
  EXPECT_FLOAT_EQ(masked_mse(prediction, target, mask).item<float>(), 2.f);  // (4 + 0) / 2
}

}  // namespace
}  // namespace scopemia::data
