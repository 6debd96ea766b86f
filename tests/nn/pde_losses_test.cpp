// The PDE losses applied to a block's states.
#include "nn/pde_losses.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "pde/entropy.h"
#include "pde/operators.h"

namespace scopemia::nn {
namespace {

TEST(PdeLosses, WeightedSumOfFiniteTermsThatTrainTheBlock) {
  torch::manual_seed(0);
  PdeBlockConfig c;
  c.channels = 6;
  c.steps = 2;
  PdeBlock block(c);
  {
    torch::NoGradGuard g;
    block->named_parameters()["attention.weight"].normal_(0, 0.3);
  }
  const auto x = torch::randn({2, 6, 4, 8, 8});
  auto mask = torch::zeros({2, 4, 8, 8});
  mask[0].narrow(1, 2, 4).narrow(2, 2, 4).fill_(1);
  const auto out = block->forward(x);
  PdeLossWeights w;
  w.stability = 0.5;
  w.entropy = 2.0;
  w.hessian = 0.25;
  w.attention = 3.0;
  const auto t = pde_losses(*block, out.states, w, mask);
  for (const auto& v : {t.stability, t.entropy, t.hessian, t.attention, t.total}) {
    ASSERT_EQ(v.dim(), 0);
    EXPECT_TRUE(std::isfinite(v.item<double>()));
    EXPECT_GE(v.item<double>(), 0.0);
  }
  EXPECT_GT(t.attention.item<double>(), 0.0);
  const double expected = 0.5 * t.stability.item<double>() + 2.0 * t.entropy.item<double>() +
                          0.25 * t.hessian.item<double>() + 3.0 * t.attention.item<double>();
  EXPECT_NEAR(t.total.item<double>(), expected, 1e-5 * std::max(1.0, expected));
  // The values are the pde-level losses on the named states.
  EXPECT_NEAR(t.hessian.item<double>(), pde::hessian_loss(out.states.f_A_new).item<double>(), 1e-6);
  EXPECT_NEAR(t.entropy.item<double>(),
              pde::entropy_sensitivity_loss(out.states.entropy, out.states.f_A,
                                            out.states.f_A_new)
                  .item<double>(),
              1e-7);
  t.total.backward();
  auto params = block->named_parameters();
  EXPECT_GT(params["attention.weight"].grad().abs().sum().item<double>(), 0.0);
  EXPECT_GT(params["raw_d_anatomical"].grad().abs().sum().item<double>(), 0.0);
}

TEST(PdeLosses, AttentionTermIsZeroWithoutMaskOrAttention) {
  PdeBlockConfig c;
  c.channels = 4;
  PdeBlock block(c);
  const auto out = block->forward(torch::randn({1, 4, 3, 6, 6}));
  EXPECT_EQ(pde_losses(*block, out.states, {}).attention.item<double>(), 0.0);
  c.attention = false;
  PdeBlock no_attention(c);
  const auto out2 = no_attention->forward(torch::randn({1, 4, 3, 6, 6}));
  EXPECT_EQ(pde_losses(*no_attention, out2.states, {}, torch::ones({1, 3, 6, 6}))
                .attention.item<double>(),
            0.0);
}

TEST(PdeLosses, EntropyAdaptationLowersTheEntropyLoss) {
  // Half the volume has near-uniform channels (high entropy): the adapted
  // block diffuses less there, so its entropy-sensitivity loss is smaller.
  torch::manual_seed(1);
  auto x = 0.5 * torch::randn({1, 6, 4, 8, 16});
  x.narrow(4, 8, 8).select(1, 0).add_(6.0);
  PdeBlockConfig c;
  c.channels = 6;
  c.reaction = false;
  c.detail = DetailMode::kNone;
  c.attention = false;
  c.edge_kappa = 0;
  c.dt = 1.0;
  auto loss_with = [&](bool adapt) {
    c.entropy_adaptation = adapt;
    PdeBlock block(c);
    return pde_losses(*block, block->forward(x).states, {}).entropy.item<double>();
  };
  const double adapted = loss_with(true);
  const double plain = loss_with(false);
  EXPECT_LT(adapted, 0.5 * plain) << adapted << " vs " << plain;
}

}  // namespace
}  // namespace scopemia::nn
