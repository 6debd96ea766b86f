#include <cmath>

#include <gtest/gtest.h>

#include "train/schedule.h"

namespace scopemia::train {
namespace {

TEST(LrSchedule, LinearWarmupThenCosineToMin) {
  LrSchedule s;
  s.base_lr = 1e-3;
  s.min_lr = 1e-5;
  s.warmup_steps = 4;
  s.total_steps = 14;  // steps 0..13; cosine over steps 4..13 (span 9)
  EXPECT_DOUBLE_EQ(s.lr(0), 0.25e-3);
  EXPECT_DOUBLE_EQ(s.lr(1), 0.5e-3);
  EXPECT_DOUBLE_EQ(s.lr(2), 0.75e-3);
  EXPECT_DOUBLE_EQ(s.lr(3), 1e-3);
  EXPECT_DOUBLE_EQ(s.lr(4), 1e-3);  // first cosine step at the base rate
  // p = 3/9: cos(pi/3) = 1/2 -> min + (base - min) * 3/4
  EXPECT_NEAR(s.lr(7), 1e-5 + 0.99e-3 * 0.75, 1e-18);
  // p = 1/2: halfway between base and min
  const double half = 1e-5 + 0.99e-3 * 0.5 * (1 + std::cos(M_PI * 4.5 / 9));
  EXPECT_NEAR(s.lr(8), 1e-5 + 0.99e-3 * 0.5 * (1 + std::cos(M_PI * 4.0 / 9)), 1e-18);
  EXPECT_GT(s.lr(8), half);
  EXPECT_DOUBLE_EQ(s.lr(13), 1e-5);  // last step at min
  EXPECT_DOUBLE_EQ(s.lr(100), 1e-5);  // past the end stays at min
  for (int64_t t = 4; t < 13; ++t) EXPECT_GT(s.lr(t), s.lr(t + 1)) << t;  // strictly decreasing
}

TEST(LrSchedule, NoWarmupStartsAtBase) {
  LrSchedule s;
  s.base_lr = 0.1;
  s.min_lr = 0.0;
  s.warmup_steps = 0;
  s.total_steps = 3;  // steps 0, 1, 2: base, base/2, 0
  EXPECT_DOUBLE_EQ(s.lr(0), 0.1);
  EXPECT_NEAR(s.lr(1), 0.05, 1e-17);
  EXPECT_DOUBLE_EQ(s.lr(2), 0.0);
}

TEST(LrSchedule, SingleStepRunUsesBase) {
  LrSchedule s;
  s.base_lr = 0.01;
  s.total_steps = 1;
  EXPECT_DOUBLE_EQ(s.lr(0), 0.01);
}

}  // namespace
}  // namespace scopemia::train
