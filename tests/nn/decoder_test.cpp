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
