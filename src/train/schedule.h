#pragma once
// Learning-rate schedule: linear warm-up, then a half cosine down to min_lr.
// A pure function of the step, so a resumed run continues it exactly.
#include <cstdint>

namespace scopemia::train {

struct LrSchedule {
  double base_lr = 1e-3;
  double min_lr = 0.0;
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;  // optimizer steps of the whole run

  // Learning rate of step `step` (0-based: the step about to be taken).
  //   step < W:        base * (step + 1) / W
  //   otherwise:       min + (base - min) * (1 + cos(pi * p)) / 2,
  //                    p = (step - W) / max(1, T - 1 - W), clamped to [0, 1]
  // so the first step after warm-up runs at base and the last (T - 1) at min.
  double lr(int64_t step) const;
};

}  // namespace scopemia::train
