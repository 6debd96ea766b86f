// Heads and ROI-masked pooling.
#include "nn/heads.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace scopemia::nn {
namespace {

TEST(MaskedAveragePool, AveragesInsideTheRoiWeightedByCoverage) {
  // Features 1 on the left half, 3 on the right half of a 2x2x4 grid.
  auto f = torch::ones({2, 1, 2, 2, 4});
  f.narrow(4, 2, 2).fill_(3.0);
  // Mask at twice the resolution: sample 0 covers the left half fully and
  // half of one right column's cells; sample 1 is empty.
  auto mask = torch::zeros({2, 4, 4, 8});
  mask[0].narrow(2, 0, 4).fill_(1);
  mask[0].narrow(2, 4, 1).fill_(1);  // half of column 2's cells
  const auto p = masked_average_pool(f, mask);
  // Left: 8 cells weight 1 (value 1); column 2: 4 cells weight 0.5 (value 3).
  EXPECT_NEAR(p[0][0].item<double>(), (8 * 1.0 + 4 * 0.5 * 3.0) / (8 + 2.0), 1e-6);
  EXPECT_NEAR(p[1][0].item<double>(), 2.0, 1e-6);  // empty mask: global mean
  EXPECT_NEAR(masked_average_pool(f, {})[0][0].item<double>(), 2.0, 1e-6);
}

TEST(Heads, ShapesAndGradients) {
  torch::manual_seed(0);
  LinearHead cls(16, 3);
  EmbeddingHead emb(16);
  auto f = torch::randn({4, 16, 2, 3, 3}, torch::requires_grad());
  const auto logits = cls->forward(f);
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{4, 3}));
  const auto e = emb->forward(f);
  EXPECT_EQ(e.sizes(), (std::vector<int64_t>{4, 16}));
  // LayerNorm: each embedding has zero mean, unit variance at init.
  EXPECT_LT(e.mean(1).abs().max().item<double>(), 1e-5);
  logits.sum().backward();
  EXPECT_TRUE(torch::isfinite(f.grad()).all().item<bool>());
}

}  // namespace
}  // namespace scopemia::nn
