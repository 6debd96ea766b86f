#include "data/subvolumes.h"

#include <map>
#include <set>

#include <torch/torch.h>

#include <gtest/gtest.h>

namespace scopemia::data {
namespace {

TEST(SubvolumeSampler, CoversEverySliceOfEveryCaseWithKAndStride) {
  const std::vector<int64_t> depths{2, 16, 17, 40, 62, 5};  // LIDC-like, incl. D < k
  SamplerOptions o;
  o.windows = DepthWindows(16, 6);
  const SubvolumeSampler sampler(depths, o);
  std::map<int64_t, std::vector<int>> covered;
  for (int64_t c = 0; c < int64_t(depths.size()); ++c) covered[c].assign(depths[c], 0);
  for (const auto& w : sampler.windows()) {
    EXPECT_EQ(w.valid, std::min<int64_t>(16, depths[w.case_index]));
    EXPECT_LE(w.start + w.valid, depths[w.case_index]);
    for (int64_t z = w.start; z < w.start + w.valid; ++z) covered[w.case_index][z]++;
  }
  for (const auto& [c, slices] : covered)
    for (size_t z = 0; z < slices.size(); ++z) EXPECT_GT(slices[z], 0) << "case " << c << " slice " << z;
  // Consecutive windows of a case are s apart except the end-aligned last one.
  EXPECT_EQ(sampler.windows()[2].start, 0);  // case 2 (17 slices): 0, then 1 aligned to the end
  EXPECT_EQ(sampler.windows()[3].start, 1);
}

TEST(SubvolumeSampler, EpochsAreSeededPermutationsAndRanksSplitThem) {
  SamplerOptions o;
  o.windows = DepthWindows(4, 2);
  o.seed = 5;
  const std::vector<int64_t> depths{9, 12, 3, 7};
  const SubvolumeSampler whole(depths, o);
  const auto e0 = whole.epoch(0), again = whole.epoch(0), e1 = whole.epoch(1);
  EXPECT_EQ(e0, again);
  EXPECT_NE(e0, e1);
  EXPECT_EQ(e0.size(), whole.windows().size());
  std::multiset<std::tuple<int64_t, int64_t>> all, from_ranks;
  for (const auto& w : e0) all.insert({w.case_index, w.start});
  EXPECT_EQ(all.size(), whole.windows().size());
  for (int r = 0; r < 3; ++r) {
    SamplerOptions ro = o;
    ro.rank = r;
    ro.world_size = 3;
    const auto mine = SubvolumeSampler(depths, ro).epoch(0);
    EXPECT_EQ(int64_t(mine.size()), SubvolumeSampler(depths, ro).per_rank());
    for (const auto& w : mine) from_ranks.insert({w.case_index, w.start});
  }
  for (const auto& w : all) EXPECT_GE(from_ranks.count(w), 1u);  // every window on some rank
}

TEST(ExtractSubvolume, PadsThinCasesInDepth) {
  const auto volume = torch::arange(3 * 2 * 2, torch::kFloat32).view({3, 2, 2});
  const SubvolumeRef ref{0, 0, 3};
  const auto replicate = extract_subvolume(volume, ref, 5);
  ASSERT_EQ(replicate.sizes(), (std::vector<int64_t>{5, 2, 2}));
  EXPECT_TRUE(torch::equal(replicate.narrow(0, 0, 3), volume));
  EXPECT_TRUE(torch::equal(replicate[4], volume[2]));
  const auto zero = extract_subvolume(volume, ref, 5, DepthPadding::kZero);
  EXPECT_EQ(zero.narrow(0, 3, 2).abs().sum().item<float>(), 0.f);
  const auto inner = extract_subvolume(torch::arange(10, torch::kFloat32).view({10, 1, 1}), SubvolumeRef{0, 4, 3}, 3);
  EXPECT_EQ(inner[0][0][0].item<float>(), 4.f);
}

}  // namespace
}  // namespace scopemia::data
