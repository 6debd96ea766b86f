#include "nn/roi_pooling.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "nn/convnext3d.h"

namespace scopemia::nn {
namespace {

// A "backbone" whose only stage is its input, so pooled values can be
// checked against sums written out by hand.
class IdentityBackbone : public BackboneImpl {
 public:
  BackboneOutput forward(const torch::Tensor& x) override {
    BackboneOutput out;
    out.stages.push_back(x);
    return out;
  }
  int64_t out_channels() const override { return 1; }
  std::vector<int64_t> stage_channels() const override { return {1}; }
  std::vector<PdeBlock>& pde_blocks() override { return blocks_; }

 private:
  std::vector<PdeBlock> blocks_;
};

PoolingSpec stage_spec(std::vector<std::string> regions) {
  PoolingSpec s;
  s.taps = {"stage0"};
  s.regions = std::move(regions);
  s.shell_voxels = 1;
  return s;
}

TEST(RoiPooling, MeansAndDeviationsAreThoseOfTheVoxelsInEachRegion) {
  IdentityBackbone backbone;
  const RoiPooling pooling(stage_spec({"roi", "global"}), backbone, torch::zeros({1, 1, 2, 6, 6}));
  ASSERT_EQ(pooling.names(), (std::vector<std::string>{"scope_stage0_roi_mean_0", "scope_stage0_roi_sd_0",
                                                      "scope_stage0_global_mean_0", "scope_stage0_global_sd_0"}));
  auto x = torch::zeros({1, 1, 2, 6, 6});
  auto roi = torch::zeros({1, 1, 2, 6, 6});
  // ROI: four voxels with values 1, 2, 3, 6 (mean 3, population sd sqrt(3.5)).
  const float values[4] = {1, 2, 3, 6};
  for (int i = 0; i < 4; ++i) {
    x[0][0][0][2][1 + i] = values[i];
    roi[0][0][0][2][1 + i] = 1;
  }
  const auto valid = torch::ones({1, 1, 2, 1, 1});
  const auto stats = RoiPooling::statistics(pooling.moments(backbone.forward(x), roi, valid));
  ASSERT_EQ(stats.sizes(), (std::vector<int64_t>{1, 4}));
  EXPECT_NEAR(stats[0][0].item<double>(), 3.0, 1e-6);
  EXPECT_NEAR(stats[0][1].item<double>(), std::sqrt(3.5), 1e-5);
  EXPECT_NEAR(stats[0][2].item<double>(), 12.0 / 72.0, 1e-6);  // 72 voxels in the crop
}

TEST(RoiPooling, ShellIsTheInPlaneBandAroundTheBoundary) {
  // A 4x4 square ROI, half-width 1: dilation 6x6 minus erosion 2x2 = 32 voxels
  // in the ROI's slice only.
  const PoolingSpec spec = stage_spec({"shell"});
  auto roi = torch::zeros({1, 1, 3, 10, 10});
  roi.narrow(2, 1, 1).narrow(3, 3, 4).narrow(4, 3, 4).fill_(1);
  const auto maps = region_maps(spec, roi, torch::ones({1, 1, 3, 1, 1}));
  ASSERT_EQ(maps.size(), 1u);
  EXPECT_EQ(maps[0].sum().item<double>(), 32.0);
  EXPECT_EQ(maps[0].select(2, 0).sum().item<double>(), 0.0);
  EXPECT_EQ(maps[0][0][0][1][4][4].item<float>(), 0.f);  // deep inside
  EXPECT_EQ(maps[0][0][0][1][3][3].item<float>(), 1.f);  // on the edge
  EXPECT_EQ(maps[0][0][0][1][2][2].item<float>(), 1.f);  // just outside
  // Depth padding (valid = 0) is never in a region.
  auto valid = torch::ones({1, 1, 3, 1, 1});
  valid[0][0][1] = 0;
  EXPECT_EQ(region_maps(spec, roi, valid)[0].sum().item<double>(), 0.0);
}

TEST(RoiPooling, MomentsOfDepthWindowsAddUpToTheWholeVolume) {
  IdentityBackbone backbone;
  const RoiPooling pooling(stage_spec({"roi", "shell", "global"}), backbone, torch::zeros({1, 1, 4, 8, 8}));
  torch::manual_seed(3);
  const auto x = torch::randn({1, 1, 4, 8, 8});
  const auto roi = (torch::rand({1, 1, 4, 8, 8}) > 0.6).to(torch::kFloat32);
  const auto ones = torch::ones({1, 1, 2, 1, 1});
  const auto whole = pooling.moments(backbone.forward(x), roi, torch::ones({1, 1, 4, 1, 1}));
  const auto a = pooling.moments(backbone.forward(x.narrow(2, 0, 2)), roi.narrow(2, 0, 2), ones);
  const auto b = pooling.moments(backbone.forward(x.narrow(2, 2, 2)), roi.narrow(2, 2, 2), ones);
  for (size_t i = 0; i < whole.size(); ++i) {
    EXPECT_TRUE(torch::allclose(whole[i].mass, a[i].mass + b[i].mass));
    EXPECT_TRUE(torch::allclose(whole[i].sum, a[i].sum + b[i].sum, 1e-5, 1e-5));
    EXPECT_TRUE(torch::allclose(whole[i].sum_sq, a[i].sum_sq + b[i].sum_sq, 1e-5, 1e-5));
  }
}

TEST(RoiPooling, UnknownTapsAndRegionsAreInputErrors) {
  IdentityBackbone backbone;
  const auto probe = torch::zeros({1, 1, 2, 4, 4});
  PoolingSpec s = stage_spec({"roi"});
  s.taps = {"pde0"};
  EXPECT_THROW(RoiPooling(s, backbone, probe), InputError);  // no PDE blocks
  s.taps = {"stage1"};
  EXPECT_THROW(RoiPooling(s, backbone, probe), InputError);  // one stage
  s.taps = {"stem"};
  EXPECT_THROW(RoiPooling(s, backbone, probe), InputError);  // no full-resolution stem
  s.taps = {"layer3"};
  EXPECT_THROW(validate(s, "test"), InputError);
  s = stage_spec({"border"});
  EXPECT_THROW(validate(s, "test"), InputError);
}

// A ConvNeXt with a full-resolution stem: the `stem` tap pools the stem's
// map over the exact lesion mask (no averaging onto a coarser grid), i.e.
// its statistics are those of the stem features of the ROI's voxels.
TEST(RoiPooling, StemTapPoolsTheFullResolutionStemOverTheExactMask) {
  torch::manual_seed(0);
  auto c = convnext3d_preset("nano");
  c.kernel_size = 3;
  c.stem_width = 4;
  ConvNeXt3D model(c);
  PoolingSpec s;
  s.taps = {"stem"};
  s.regions = {"roi"};
  const auto x = torch::rand({1, 1, 16, 32, 32});
  const RoiPooling pooling(s, *model, x);
  ASSERT_EQ(pooling.features(), 8);
  EXPECT_EQ(pooling.names().front(), "scope_stem_roi_mean_0");
  auto roi = torch::zeros({1, 1, 16, 32, 32});
  roi.index_put_({0, 0, torch::indexing::Slice(3, 5), torch::indexing::Slice(5, 8), torch::indexing::Slice(6, 9)}, 1);
  torch::NoGradGuard no_grad;
  const auto out = model->forward(x);
  ASSERT_TRUE(out.stem.defined());
  EXPECT_EQ(out.stem.sizes(), (std::vector<int64_t>{1, 4, 16, 32, 32}));
  const auto stats = RoiPooling::statistics(pooling.moments(out, roi, torch::ones({1, 1, 16, 1, 1})));
  const auto inside = out.stem.index({0, torch::indexing::Slice(), torch::indexing::Slice(3, 5),
                                      torch::indexing::Slice(5, 8), torch::indexing::Slice(6, 9)})
                          .reshape({4, -1});
  for (int64_t ch = 0; ch < 4; ++ch) {
    EXPECT_NEAR(stats[0][ch].item<double>(), inside[ch].mean().item<double>(), 1e-5);
    EXPECT_NEAR(stats[0][4 + ch].item<double>(), inside[ch].std(/*unbiased=*/false).item<double>(), 1e-4);
  }
}

}  // namespace
}  // namespace scopemia::nn
