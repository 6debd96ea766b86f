#include "core/windows.h"

#include <algorithm>

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace scopemia
