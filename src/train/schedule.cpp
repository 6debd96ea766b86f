#include "train/schedule.h"

#include <algorithm>
#include <cmath>

namespace scopemia::train {

double LrSchedule::lr(int64_t step) const {
  if (step < 0) step = 0;
  if (warmup_steps > 0 && step < warmup_steps)
    return base_lr * double(step + 1) / double(warmup_steps);
  const int64_t span = std::max<int64_t>(1, total_steps - 1 - warmup_steps);
  const double p = std::clamp(double(step - warmup_steps) / double(span), 0.0, 1.0);
  return min_lr + (base_lr - min_lr) * 0.5 * (1.0 + std::cos(M_PI * p));
}

}  // namespace scopemia::train
