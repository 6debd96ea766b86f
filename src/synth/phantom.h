#pragma once
// A synthetic CT-like cohort for demos and tests (no real data ships with the
// project). Each case: a body outline with lung-like background and one
// lesion whose texture heterogeneity drives a binary label and whose shape
// drives a continuous target. The generative model is in docs/phantom.md.
#include <cstdint>
#include <string>
#include <vector>

#include "core/image.h"

namespace scopemia::synth {

struct PhantomOptions {
  int cases = 100;
  uint64_t seed = 42;
  Size3 size{96, 96, 40};        // voxels (x, y, z)
  Vec3 spacing{0.7, 0.7, 1.25};  // mm
  int threads = 0;               // 0 = all cores
};

// The hidden parameters of one case and the targets derived from them.
struct LesionParameters {
  double radius_mm = 0;       // base radius before lobulation/elongation
  double elongation = 1;      // >= 1, along a random axis
  double lobulation = 0;      // relative amplitude of the surface harmonics
  double heterogeneity = 0;   // 0..1, amplitude of the internal texture
  Vec3 centre_mm{};           // physical centre
  int heterogeneous = 0;      // label: 1 when heterogeneity + noise > 0.5
  double shape_score = 0;     // target: 10*lobulation + 2*(elongation-1) + noise
};

struct PhantomCase {
  std::string id;  // "case_001"
  Volume image;    // HU, stored as int16
  LabelMap mask;   // lesion = 1
  LesionParameters lesion;
};

// One case; depends only on (seed, index), so cases can be made in any order.
PhantomCase make_phantom_case(const PhantomOptions& options, int index);

struct CohortSummary {
  int cases = 0;
  int heterogeneous = 0;
  double shape_mean = 0, shape_sd = 0;
  double volume_ml_min = 0, volume_ml_max = 0;
  double seconds = 0;
  std::string csv_path;
};

// Writes DIR/images/<id>.nii.gz, DIR/masks/<id>.nii.gz and DIR/cases.csv
// (ID, Image, Mask, patient_id, heterogeneous, shape_score and the hidden
// parameters). Shows progress on a terminal.
CohortSummary write_phantom_cohort(const std::string& dir, const PhantomOptions& options);

}  // namespace scopemia::synth
