#include "data/input_channels.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/error.h"

namespace scopemia::data {
namespace {

TEST(InputChannels, WindowsAreReDerivedFromTheWideOneAndTheRoiIsTheMask) {
  PreprocessOptions p;
  p.window_low = -1000;  // prepared 0..1 = -1000..1000 HU
  p.window_high = 1000;
  InputChannelOptions c;
  c.windows = {{-1000, 400}};
  c.roi = true;
  ASSERT_EQ(c.count(), 3);
  const auto image = torch::tensor({0.0f, 0.25f, 0.5f, 0.8f, 1.0f}).view({1, 1, 1, 1, 5});
  const auto roi = torch::tensor({0.f, 1.f, 1.f, 0.f, 0.3f}).view({1, 1, 1, 1, 5});
  const auto x = build_input(image, roi, c, p);
  ASSERT_EQ(x.sizes(), (std::vector<int64_t>{1, 3, 1, 1, 5}));
  EXPECT_TRUE(torch::equal(x.select(1, 0), image.select(1, 0)));
  // HU -1000, -500, 0, 600, 1000 through [-1000, 400].
  const float expected[5] = {0.f, 500.f / 1400, 1000.f / 1400, 1.f, 1.f};
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(x[0][1][0][0][i].item<float>(), expected[i], 1e-6) << i;
  const float mask[5] = {0, 1, 1, 0, 0};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(x[0][2][0][0][i].item<float>(), mask[i]) << i;
}

TEST(InputChannels, OneChannelIsTheImageAndMisfitsAreInputErrors) {
  const PreprocessOptions p;
  const auto image = torch::rand({2, 1, 4, 3, 3});
  EXPECT_TRUE(build_input(image, {}, InputChannelOptions{}, p).is_same(image));
  InputChannelOptions roi_only;
  roi_only.roi = true;
  EXPECT_THROW(build_input(image, {}, roi_only, p), InputError);
  InputChannelOptions windows;
  windows.windows = {{-1000, 400}};
  PreprocessOptions zscore;
  zscore.intensity = IntensityMode::kZScore;
  EXPECT_THROW(validate(windows, zscore, "test"), InputError);
  windows.windows = {{400, -1000}};
  EXPECT_THROW(validate(windows, p, "test"), InputError);
}

}  // namespace
}  // namespace scopemia::data
