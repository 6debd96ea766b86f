#include "data/loader.h"

#include <chrono>
#include <future>
#include <map>
#include <thread>

#include <torch/torch.h>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/tensor_bridge.h"

namespace scopemia::data {
namespace {

// Cases whose voxels say where they come from: case*1000 + slice + y/100 +
// x/10000; the mask marks x < y; the MCI map is minus the image.
CaseDataset numbered_cases(const std::vector<int64_t>& depths, int64_t h = 8, int64_t w = 6, bool mci = true) {
  std::vector<CaseRecord> records;
  for (size_t c = 0; c < depths.size(); ++c) {
    CaseRecord r;
    r.id = "c" + std::to_string(c);
    r.target = double(c % 3);
    Volume image(Size3{w, h, depths[c]}, Geometry{});
    LabelMap mask(image.size(), Geometry{});
    Volume m(image.size(), Geometry{});
    for (int64_t z = 0; z < depths[c]; ++z)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
          image.at(x, y, z) = float(1000 * c + z) + float(y) / 100 + float(x) / 10000;
          mask.at(x, y, z) = x < y ? 1 : 0;
          m.at(x, y, z) = -image.at(x, y, z);
        }
    r.prepared = PreparedCase{image, mask};
    if (mci) r.mci = m;
    records.push_back(r);
  }
  return CaseDataset(records);
}

std::vector<Batch> drain(BatchLoader& loader) {
  std::vector<Batch> out;
  while (auto b = loader.next()) out.push_back(std::move(*b));
  return out;
}

LoaderOptions augmented_options(int workers) {
  LoaderOptions o;
  o.batch_size = 3;
  o.windows = DepthWindows(4, 4);
  o.workers = workers;
  o.prefetch = 1;
  o.seed = 11;
  o.target = TargetKind::kClassification;
  o.augment.flip = true;
  o.augment.rotate_degrees = 15;
  o.augment.intensity_scale = 0.1;
  o.augment.intensity_shift = 0.05;
  return o;
}

TEST(BatchLoader, BatchesAreIdenticalForAnyNumberOfWorkers) {
  const CaseDataset d = numbered_cases({2, 9, 13, 4, 7});
  SamplerOptions so;
  so.windows = DepthWindows(4, 2);
  so.seed = 3;
  const SubvolumeSampler sampler(d.depths(), so);
  const auto windows = sampler.epoch(1);
  BatchLoader reference(d, windows, augmented_options(0), 1);
  const auto expected = drain(reference);
  ASSERT_EQ(int64_t(expected.size()), reference.num_batches());
  for (int workers : {1, 3}) {
    BatchLoader loader(d, windows, augmented_options(workers), 1);
    const auto got = drain(loader);
    ASSERT_EQ(got.size(), expected.size());
    for (size_t b = 0; b < got.size(); ++b) {
      EXPECT_TRUE(torch::equal(got[b].image, expected[b].image)) << "workers " << workers << " batch " << b;
      EXPECT_TRUE(torch::equal(got[b].mask, expected[b].mask));
      EXPECT_TRUE(torch::equal(got[b].mci, expected[b].mci));
      EXPECT_TRUE(torch::equal(got[b].valid, expected[b].valid));
      EXPECT_TRUE(torch::equal(got[b].target, expected[b].target));
      EXPECT_EQ(got[b].refs, expected[b].refs);
    }
  }
  // The augmentation is really on, and another epoch or seed draws another one.
  BatchLoader other_epoch(d, windows, augmented_options(2), 2);
  EXPECT_FALSE(torch::equal(other_epoch.next()->image, expected[0].image));
  LoaderOptions plain = augmented_options(0);
  plain.augment = AugmentOptions{};
  BatchLoader unaugmented(d, windows, plain, 1);
  EXPECT_FALSE(torch::equal(unaugmented.next()->image, expected[0].image));
}

TEST(BatchLoader, EveryWindowOfTheEpochComesOnceInOrderWithItsVoxelsAndPadding) {
  const CaseDataset d = numbered_cases({2, 9, 5, 4});
  for (DepthPadding padding : {DepthPadding::kReplicate, DepthPadding::kZero}) {
    SamplerOptions so;
    so.windows = DepthWindows(4, 3);
    so.seed = 9;
    const auto windows = SubvolumeSampler(d.depths(), so).epoch(0);
    LoaderOptions o;
    o.batch_size = 2;
    o.windows = DepthWindows(4, 4);
    o.padding = padding;
    o.workers = 2;
    o.target = TargetKind::kRegression;
    BatchLoader loader(d, windows, o, 0);
    std::vector<SubvolumeRef> seen;
    int64_t batches = 0;
    while (auto b = loader.next()) {
      ++batches;
      ASSERT_EQ(b->image.sizes(), (std::vector<int64_t>{int64_t(b->refs.size()), 1, 4, 8, 6}));
      EXPECT_EQ(b->valid.sizes(), (std::vector<int64_t>{int64_t(b->refs.size()), 1, 4, 1, 1}));
      EXPECT_EQ(b->target.scalar_type(), torch::kFloat32);
      for (size_t i = 0; i < b->refs.size(); ++i) {
        const SubvolumeRef& r = b->refs[i];
        const CaseRecord& c = d[r.case_index];
        const auto expected = extract_subvolume(as_tensor(c.prepared.image), r, 4, padding);
        EXPECT_TRUE(torch::equal(b->image[int64_t(i)][0], expected));
        EXPECT_TRUE(torch::equal(b->mask[int64_t(i)][0],
                                 extract_subvolume(as_tensor(c.prepared.mask), r, 4, padding).to(torch::kFloat32)));
        EXPECT_TRUE(torch::equal(b->mci[int64_t(i)][0], -expected));
        for (int64_t z = 0; z < 4; ++z) EXPECT_EQ(b->valid[int64_t(i)][0][z].item<float>(), z < r.valid ? 1.f : 0.f);
        EXPECT_EQ(b->target[int64_t(i)].item<float>(), float(c.target));
      }
      seen.insert(seen.end(), b->refs.begin(), b->refs.end());
    }
    EXPECT_EQ(seen, windows);  // each window once, in the epoch's order
    EXPECT_EQ(batches, loader.num_batches());
    EXPECT_EQ(batches, (int64_t(windows.size()) + 1) / 2);
  }
}

TEST(BatchLoader, DropLastDropsOnlyTheShortBatch) {
  const CaseDataset d = numbered_cases({4, 4, 4, 4, 4, 4, 4}, 8, 6, false);  // 7 windows of k = 4
  const SubvolumeSampler sampler(d.depths(), SamplerOptions{DepthWindows(4, 4), false, 0, 0, 1});
  LoaderOptions o;
  o.windows = DepthWindows(4, 4);
  o.batch_size = 3;
  o.workers = 2;
  o.target = TargetKind::kClassification;
  {
    BatchLoader loader(d, sampler.windows(), o, 0);
    const auto all = drain(loader);
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[2].image.size(0), 1);
    EXPECT_FALSE(all[0].mci.defined());
    EXPECT_EQ(all[0].target.scalar_type(), torch::kInt64);
    EXPECT_TRUE(torch::equal(all[1].target, torch::tensor({0, 1, 2}, torch::kInt64)));
  }
  o.drop_last = true;
  BatchLoader loader(d, sampler.windows(), o, 0);
  EXPECT_EQ(loader.num_batches(), 2);
  const auto kept = drain(loader);
  ASSERT_EQ(kept.size(), 2u);
  for (const auto& b : kept) EXPECT_EQ(b.image.size(0), 3);
  EXPECT_FALSE(loader.next().has_value());
  o.target = TargetKind::kNone;
  BatchLoader unsupervised(d, sampler.windows(), o, 0);
  EXPECT_FALSE(unsupervised.next()->target.defined());
}

TEST(BatchLoader, WorkerErrorsAreRethrownFromNextInOrder) {
  // Case 2 has another in-plane size: the batch mixing it with case 1 fails.
  CaseDataset ok = numbered_cases({4, 4}, 8, 6, false), odd = numbered_cases({4}, 10, 6, false);
  std::vector<CaseRecord> records{ok[0], ok[1], odd[0]};
  const CaseDataset d(records);
  const std::vector<SubvolumeRef> windows{{0, 0, 4}, {1, 0, 4}, {0, 0, 4}, {2, 0, 4}, {1, 0, 4}, {0, 0, 4}};
  for (int workers : {0, 1, 3}) {
    LoaderOptions o;
    o.windows = DepthWindows(4, 4);
    o.batch_size = 2;
    o.workers = workers;
    BatchLoader loader(d, windows, o, 0);
    ASSERT_TRUE(loader.next().has_value());  // batch 0 is fine
    EXPECT_THROW(loader.next(), InputError) << workers;
    EXPECT_THROW(loader.next(), InputError) << "the failure is sticky";
  }
  LoaderOptions o;
  o.windows = DepthWindows(4, 4);
  EXPECT_THROW(BatchLoader(d, {{0, 2, 4}}, o, 0), std::out_of_range);  // window past the case's end
}

TEST(BatchLoader, DestructorReturnsWhileWorkersWaitOnAFullQueue) {
  const CaseDataset d = numbered_cases(std::vector<int64_t>(40, 6), 16, 16, true);
  SamplerOptions so;
  so.windows = DepthWindows(4, 1);
  const auto windows = SubvolumeSampler(d.depths(), so).epoch(0);  // 120 windows
  auto run = [&] {
    LoaderOptions o = augmented_options(3);
    o.batch_size = 2;
    o.prefetch = 1;
    BatchLoader loader(d, windows, o, 0);
    loader.next();  // the workers fill the queue, then block on it
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  };  // ~BatchLoader with 57 batches never taken
  auto done = std::async(std::launch::async, run);
  ASSERT_EQ(done.wait_for(std::chrono::seconds(20)), std::future_status::ready) << "~BatchLoader hangs";
  done.get();
  // A loader destroyed before its first next() also returns.
  auto unused = std::async(std::launch::async, [&] { BatchLoader loader(d, windows, augmented_options(3), 0); });
  ASSERT_EQ(unused.wait_for(std::chrono::seconds(20)), std::future_status::ready);
}

TEST(BatchLoader, WaitSecondsCountsOnlyTimeSpentBlockedInNext) {
  const CaseDataset d = numbered_cases(std::vector<int64_t>(6, 8), 32, 32, true);
  SamplerOptions so;
  so.windows = DepthWindows(4, 4);
  const auto windows = SubvolumeSampler(d.depths(), so).epoch(0);
  LoaderOptions o = augmented_options(0);
  o.batch_size = 2;
  BatchLoader inline_loader(d, windows, o, 0);
  EXPECT_EQ(inline_loader.wait_seconds(), 0.0);
  const auto start = std::chrono::steady_clock::now();
  drain(inline_loader);
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Without workers next() assembles the batch itself: all of it is waiting.
  EXPECT_GT(inline_loader.wait_seconds(), 0.0);
  EXPECT_LE(inline_loader.wait_seconds(), total);

  // With a worker and a slow consumer the batches are ready before they are asked for.
  o.workers = 1;
  o.prefetch = 2;
  BatchLoader ahead(d, windows, o, 0);
  double slept = 0;
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(40));
    slept += 0.04;
    if (!ahead.next()) break;
  }
  EXPECT_LT(ahead.wait_seconds(), 0.25 * slept);
}

}  // namespace
}  // namespace scopemia::data
