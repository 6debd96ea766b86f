#pragma once
// A binary problem with no signal: alternating labels, standard-normal
// features. Leakage tests need it: any AUC away from 0.5 is a leak.
#include "core/random.h"
#include "eval/dataset.h"

namespace scopemia::testing {

inline eval::Dataset noise_dataset(int rows, int features, uint64_t seed) {
  Random rng(seed);
  eval::Dataset d;
  d.task = eval::Task::Binary;
  d.class_names = {"0", "1"};
  d.X.resize(rows, features);
  d.y.resize(rows);
  for (int i = 0; i < rows; ++i) {
    d.y(i) = i % 2;
    for (int j = 0; j < features; ++j) d.X(i, j) = rng.normal();
  }
  return d;
}

}  // namespace scopemia::testing
