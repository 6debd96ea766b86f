#include "core/windows.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "core/error.h"

namespace scopemia {
namespace {

TEST(WindowStarts, LastWindowIsAlignedToTheEndAndEverySliceIsCovered) {
  EXPECT_EQ(window_starts(10, 4, 3), (std::vector<int64_t>{0, 3, 6}));
  EXPECT_EQ(window_starts(11, 4, 3), (std::vector<int64_t>{0, 3, 6, 7}));
  EXPECT_EQ(window_starts(3, 4, 2), (std::vector<int64_t>{0}));
  EXPECT_EQ(window_starts(4, 4, 2), (std::vector<int64_t>{0}));
  for (int64_t D : {1, 5, 16, 17, 31, 64})
    for (int64_t k : {1, 4, 8, 16})
      for (int64_t s = 1; s <= k; s += 3) {
        std::vector<int> covered(D, 0);
        for (int64_t start : window_starts(D, k, s))
          for (int64_t z = start; z < std::min(start + k, D); ++z) covered[z]++;
        for (int64_t z = 0; z < D; ++z) ASSERT_GT(covered[z], 0) << D << " " << k << " " << s << " slice " << z;
      }
}

// The one check of k and stride, with the names and source of the values.
TEST(DepthWindows, ExistOnlyWithStrideInOneToK) {
  EXPECT_EQ(DepthWindows(16, 8).k(), 16);
  EXPECT_EQ(DepthWindows(16, 16).stride(), 16);
  EXPECT_EQ(DepthWindows(10, 3).starts(11), window_starts(11, 10, 3));
  const auto message = [](auto make) {
    try {
      make();
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message([] { DepthWindows(0, 1, "cfg.yaml"); }), "cfg.yaml: k: must be at least 1 (got 0)");
  EXPECT_EQ(message([] { DepthWindows(4, 5, "cfg.yaml"); }), "cfg.yaml: stride: must be in [1, k] (got 5 with k 4)");
  EXPECT_EQ(message([] { DepthWindows(4, 0); }), "stride: must be in [1, k] (got 0 with k 4)");
}

// A checkpoint's windows with a command's --k / --stride over them: a
// stride not given is the saved one capped at the new k.
TEST(DepthWindows, OverriddenByTheCommandLine) {
  const DepthWindows saved(16, 8);
  EXPECT_EQ(saved.overridden(std::nullopt, std::nullopt), saved);
  EXPECT_EQ(saved.overridden(24, std::nullopt), DepthWindows(24, 8));
  EXPECT_EQ(saved.overridden(4, std::nullopt), DepthWindows(4, 4));
  EXPECT_EQ(saved.overridden(std::nullopt, 3), DepthWindows(16, 3));
  EXPECT_EQ(saved.overridden(20, 5), DepthWindows(20, 5));
  EXPECT_THROW(saved.overridden(std::nullopt, 17), InputError);
  try {
    saved.overridden(4, 6);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "--stride: must be in [1, --k] (got 6 with --k 4)");
  }
}

}  // namespace
}  // namespace scopemia
