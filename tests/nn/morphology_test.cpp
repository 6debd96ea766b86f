// In-plane dilation and erosion: the same maps as libtorch's max_pool3d with a
// 1x(2r+1)x(2r+1) window and -inf padding (what they were before the shifted-
// maxima rewrite), bit for bit, and the textbook picture of a square.
#include "nn/morphology.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace scopemia::nn {
namespace {

torch::Tensor max_pool_dilation(const torch::Tensor& m, int64_t r) {
  namespace F = torch::nn::functional;
  return F::max_pool3d(m, F::MaxPool3dFuncOptions({1, 2 * r + 1, 2 * r + 1}).stride(1).padding({0, r, r}));
}

TEST(Morphology, DilationEqualsAnInPlaneMaxPoolBitForBit) {
  torch::manual_seed(4);
  for (int64_t r : {1, 2, 3}) {
    // Non-square planes, a batch of two, masks touching the border.
    const auto m = (torch::rand({2, 1, 3, 9, 13}) > 0.8).to(torch::kFloat);
    EXPECT_TRUE(torch::equal(dilate_in_plane(m, r), max_pool_dilation(m, r))) << r;
    EXPECT_TRUE(torch::equal(erode_in_plane(m, r), 1 - max_pool_dilation(1 - m, r))) << r;
    // Not only 0/1 maps: a max filter of any values.
    const auto v = torch::randn({1, 1, 2, 7, 5}, torch::kDouble);
    EXPECT_TRUE(torch::equal(dilate_in_plane(v, r), max_pool_dilation(v, r))) << r;
  }
}

TEST(Morphology, SquareGrowsAndShrinksInPlaneOnly) {
  auto m = torch::zeros({1, 1, 3, 11, 11});
  m.index_put_({0, 0, 1, torch::indexing::Slice(4, 7), torch::indexing::Slice(4, 7)}, 1.f);  // 3x3 on slice 1
  const auto d = dilate_in_plane(m, 2);
  EXPECT_EQ(d.sum().item<float>(), 49.f);  // 7x7, still on slice 1 alone
  EXPECT_EQ(d.select(2, 1).sum().item<float>(), 49.f);
  EXPECT_EQ(d[0][0][1][2][2].item<float>(), 1.f);
  EXPECT_EQ(d[0][0][1][1][1].item<float>(), 0.f);
  const auto e = erode_in_plane(m, 1);
  EXPECT_EQ(e.sum().item<float>(), 1.f);  // the centre voxel
  EXPECT_EQ(e[0][0][1][5][5].item<float>(), 1.f);
}

}  // namespace
}  // namespace scopemia::nn
