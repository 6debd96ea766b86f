#include "infer/gradcam.h"

#include <torch/torch.h>

#include <gtest/gtest.h>

#include "nn/backbone.h"

namespace scopemia::infer {
namespace {

// Grad-CAM weights channels by their mean gradient: a channel active only in
// region R, with the score reading only that channel, gives a map inside R.
TEST(GradCam, MapFollowsTheChannelTheScoreReads) {
  auto inside = torch::zeros({6, 8, 8});
  inside.narrow(0, 1, 2).narrow(1, 2, 3).narrow(2, 4, 3).fill_(1);
  auto a = torch::stack({inside, 1 - inside}).unsqueeze(0).clone().requires_grad_(true);  // [1,2,6,8,8]
  const auto score = a.select(1, 0).sum();
  const auto cam = grad_cam_map(a, score);
  EXPECT_TRUE(torch::allclose(cam, inside));  // w_0 = mean gradient = 1, w_1 = 0
}

// A stand-in backbone whose score depends only on a known block of the input
// (x < 16, y < 16): f_T' holds the input there in channel 0 and elsewhere in
// channel 1 (f_A' likewise, halved); the score sums both channels 0.
class RegionBackbone : public nn::BackboneImpl {
 public:
  nn::BackboneOutput forward(const torch::Tensor& x) override {
    auto region = torch::zeros_like(x);
    region.narrow(3, 0, 16).narrow(4, 0, 16).fill_(1);
    nn::PdeBlockStates st;
    st.f_T_new = torch::cat({x * region, x * (1 - region)}, 1);
    st.f_A_new = torch::cat({0.5 * x * region, 0.5 * x * (1 - region)}, 1);
    nn::BackboneOutput out;
    out.stages = {st.f_T_new};
    out.pde_states = {st};
    out.pde_stage_index = {0};
    return out;
  }
  int64_t out_channels() const override { return 2; }
  std::vector<int64_t> stage_channels() const override { return {2}; }
  std::vector<nn::PdeBlock>& pde_blocks() override { return blocks_; }

 private:
  std::vector<nn::PdeBlock> blocks_;
};

TEST(GradCam, MapsOfARegionModelLieInTheRegionWithTheInputsGeometry) {
  Geometry g;
  g.spacing = {0.8, 0.8, 2.0};
  g.origin = {-30, 12, 40};
  Volume input(Size3{48, 40, 8}, g);
  for (int64_t i = 0; i < input.voxel_count(); ++i) input[i] = 0.1f + float((i * 7919) % 1000) / 1000.f;
  RegionBackbone model;
  const auto maps = grad_cam(model, input, [](const nn::BackboneOutput& out) {
    return out.pde_states[0].f_T_new.select(1, 0).sum() + out.pde_states[0].f_A_new.select(1, 0).sum();
  });
  ASSERT_EQ(maps.size(), 2u);
  EXPECT_EQ(maps[0].name, "pde0_anatomical");
  EXPECT_EQ(maps[1].name, "pde0_textural");
  for (const auto& m : maps) {
    EXPECT_EQ(m.map.size(), input.size());
    EXPECT_EQ(m.map.geometry().max_difference(g), 0.0);
    double inside = 0, total = 0, peak = 0;
    for (int64_t z = 0; z < 8; ++z)
      for (int64_t y = 0; y < 40; ++y)
        for (int64_t x = 0; x < 48; ++x) {
          const double v = m.map.at(x, y, z);
          total += v;
          peak = std::max(peak, v);
          if (x < 16 && y < 16) inside += v;
        }
    ASSERT_GT(total, 0.0) << m.name;
    EXPECT_GT(inside / total, 0.99) << m.name;
    EXPECT_FLOAT_EQ(peak, 1.0) << m.name;
  }
}

}  // namespace
}  // namespace scopemia::infer

#include <filesystem>

#include "io/image_io.h"
#include "support/run_cli.h"
#include "support/temp_dir.h"
#include "synth/phantom.h"

namespace scopemia::infer {
namespace {

TEST(ExplainCli, WritesOneMapPerStreamOnTheInputGridWithOverlays) {
  testing::TempDir dir;
  synth::PhantomOptions p;
  const synth::PhantomCase c = synth::make_phantom_case(p, 0);
  io::write_volume(c.image, dir.file("image.nii.gz"));
  io::write_label_map(c.mask, dir.file("mask.nii.gz"));
  const auto r = testing::run_binary(
      {"explain", dir.file("image.nii.gz"), dir.file("mask.nii.gz"), "-o", dir.file("maps"), "--slice", "20"});
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* stream : {"pde0_anatomical", "pde0_textural", "pde1_anatomical", "pde1_textural"}) {
    const std::string base = dir.file(std::string("maps/gradcam_") + stream);
    const Volume map = io::read_volume(base + ".nii.gz");
    EXPECT_EQ(map.size(), c.image.size()) << stream;
    EXPECT_LE(map.geometry().max_difference(c.image.geometry()), 1e-4) << stream;
    for (int64_t i = 0; i < map.voxel_count(); ++i) ASSERT_TRUE(map[i] >= 0.f && map[i] <= 1.f) << stream;
    EXPECT_TRUE(std::filesystem::exists(base + "_slice020.png")) << stream;
  }
}

}  // namespace
}  // namespace scopemia::infer
