// U-Net decoder on backbone features: shapes, gradients, and it learns.
#include "nn/decoder.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "nn/backbone.h"

namespace scopemia::nn {
namespace {

TEST(UNetDecoder, RestoresTheInputSizeOnEveryFamily) {
  torch::manual_seed(0);
  for (const char* name : {"convnext3d_nano", "resnet3d_18", "vgg3d_11", "densenet3d_121"}) {
    BackboneOptions o;
    o.kernel_size = 3;
    auto backbone = create(name, o);
    UNetDecoder dec(DecoderConfig{backbone->stage_channels(), 16, 2});
    const auto x = torch::randn({2, 1, 16, 32, 32});
    const auto y = dec->forward(backbone->forward(x).stages, {16, 32, 32});
    EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 2, 16, 32, 32})) << name;
    EXPECT_TRUE(torch::isfinite(y).all().item<bool>()) << name;
    y.pow(2).mean().backward();
    for (const auto& p : dec->named_parameters()) {
      ASSERT_TRUE(p.value().grad().defined()) << name << " " << p.key();
    }
  }
}

TEST(UNetDecoder, HeadBeforeTheLastUpsamplingIsUpsamplingBeforeTheHead) {
  // The decoder applies its 1x1x1 head at the shallowest level and then
  // upsamples; in exact arithmetic that is the textbook order (upsample, then
  // head) because both are linear and trilinear weights sum to 1. Checked in
  // double against that order, with a bias and several output channels, on
  // a stride pattern whose last upsampling is not a plain factor of 2.
  torch::manual_seed(2);
  BackboneOptions o;
  o.kernel_size = 3;
  auto backbone = create("convnext3d_nano", o);
  backbone->to(torch::kDouble);
  UNetDecoder dec(DecoderConfig{backbone->stage_channels(), 8, 3});
  dec->to(torch::kDouble);
  const auto x = torch::randn({2, 1, 16, 40, 36}, torch::kDouble);
  const std::vector<int64_t> size{16, 40, 36};
  const auto stages = backbone->forward(x).stages;
  const auto y = dec->forward(stages, size);
  // The textbook order, from the same modules: rerun the levels, upsample, head.
  torch::Tensor h = stages.back();
  const auto children = dec->named_children();
  size_t level = 0;
  for (int i = int(stages.size()) - 2; i >= 0; --i, ++level) {
    namespace F = torch::nn::functional;
    const auto& skip = stages[size_t(i)];
    h = F::interpolate(h, F::InterpolateFuncOptions()
                              .size(std::vector<int64_t>{skip.size(2), skip.size(3), skip.size(4)})
                              .mode(torch::kTrilinear)
                              .align_corners(false));
    h = children["up" + std::to_string(i)]->as<torch::nn::Sequential>()->forward(torch::cat({h, skip}, 1));
  }
  namespace F = torch::nn::functional;
  h = F::interpolate(h, F::InterpolateFuncOptions().size(size).mode(torch::kTrilinear).align_corners(false));
  const auto textbook = children["head"]->as<torch::nn::Conv3d>()->forward(h);
  ASSERT_EQ(y.sizes(), textbook.sizes());
  EXPECT_LE((y - textbook).abs().max().item<double>(), 1e-12 * (1 + textbook.abs().max().item<double>()));
}

TEST(UNetDecoder, LearnsToReconstructASmoothVolume) {
  // Autoencoding a fixed smooth volume: 40 Adam steps cut the MSE by > 5x.
  torch::manual_seed(1);
  BackboneOptions o;
  o.pde_stages = {1};
  auto backbone = create("convnext3d_nano", o);
  UNetDecoder dec(DecoderConfig{backbone->stage_channels(), 16, 1});
  auto z = torch::linspace(-1, 1, 16).view({1, 1, 16, 1, 1});
  auto y = torch::linspace(-1, 1, 32).view({1, 1, 1, 32, 1});
  auto x = torch::linspace(-1, 1, 32).view({1, 1, 1, 1, 32});
  const auto target = torch::exp(-(z * z + y * y + x * x) * 2.0).expand({2, 1, 16, 32, 32}).contiguous();
  std::vector<torch::Tensor> params = backbone->parameters();
  for (const auto& p : dec->parameters()) params.push_back(p);
  torch::optim::Adam opt(params, torch::optim::AdamOptions(3e-3));
  double first = 0, last = 0;
  for (int step = 0; step < 40; ++step) {
    opt.zero_grad();
    const auto out = dec->forward(backbone->forward(target).stages, {16, 32, 32});
    const auto loss = (out - target).pow(2).mean();
    loss.backward();
    opt.step();
    if (step == 0) first = loss.item<double>();
    last = loss.item<double>();
  }
  EXPECT_LT(last, first / 5) << first << " -> " << last;
}

}  // namespace
}  // namespace scopemia::nn
