// Every registered backbone, one parameterised test: forward + backward on a
// small input, stage shapes, finite values.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/error.h"
#include "nn/backbone.h"

namespace scopemia::nn {
namespace {

class EveryBackbone : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryBackbone, ForwardBackwardWithPdeBlocks) {
  torch::manual_seed(0);
  BackboneOptions o;
  o.kernel_size = 3;  // keep the test quick on CPU; kernel size is a config value
  o.pde_stages = {2};
  auto model = create(GetParam(), o);
  // Batch 2: BatchNorm (ResNet) needs more than one value per channel when
  // training, and the last stage is 1x1x1 here.
  const auto x = torch::randn({2, 1, 16, 32, 32});
  const auto out = model->forward(x);
  ASSERT_EQ(out.stages.size(), model->stage_channels().size());
  for (size_t i = 0; i < out.stages.size(); ++i) {
    EXPECT_EQ(out.stages[i].size(1), model->stage_channels()[i]);
    EXPECT_TRUE(torch::isfinite(out.stages[i]).all().item<bool>());
  }
  EXPECT_EQ(out.stages.back().size(1), model->out_channels());
  ASSERT_EQ(out.pde_states.size(), 1u);
  EXPECT_EQ(model->pde_blocks().size(), 1u);
  out.stages.back().mean().backward();
  for (const auto& p : model->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    ASSERT_TRUE(torch::isfinite(p.value().grad()).all().item<bool>()) << p.key();
  }
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryBackbone, ::testing::ValuesIn(registered_backbones()));

TEST(Registry, UnknownNameListsTheKnownOnes) {
  try {
    create("alexnet3d");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("convnext3d_small"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace scopemia::nn
