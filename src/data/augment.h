#pragma once
// Augmentation of one training sample (a k-slice subvolume): random flips
// along each axis, a small in-plane rotation and intensity jitter. Geometric
// steps move the image, the mask and the MCI map together (the mask with
// nearest-neighbour interpolation, so it stays 0/1); intensity jitter touches
// the image only. Everything is plain loops on the sample's buffer: loader
// workers run it side by side without torch's intra-op thread pool.
#include <torch/types.h>

#include "core/random.h"

namespace scopemia::data {

struct AugmentOptions {
  bool flip = false;            // random flips along each axis (p = 0.5 each)
  double rotate_degrees = 0.0;  // random in-plane rotation in [-r, r] (linear interpolation)
  double intensity_scale = 0.0; // x *= 1 + U(-s, s)
  double intensity_shift = 0.0; // x += U(-t, t)
  bool enabled() const { return flip || rotate_degrees > 0 || intensity_scale > 0 || intensity_shift > 0; }
};

// One sample; every tensor is [1,k,H,W] float32 (contiguous CPU) except
// `valid`, [1,k,1,1] (1 for slices of the case, 0 for depth padding), which
// follows the depth flip. `mci` and `valid` may be undefined.
struct Sample {
  torch::Tensor image;
  torch::Tensor mask;
  torch::Tensor mci;
  torch::Tensor valid;
};

// The random choices of one augmentation.
struct Augmentation {
  bool flip[3] = {false, false, false};  // along x (W), y (H), z (k)
  double angle_degrees = 0.0;            // in-plane, counter-clockwise from +x towards +y (index space)
  double scale = 1.0;                    // image = image * scale + shift
  double shift = 0.0;
  bool identity() const {
    return !flip[0] && !flip[1] && !flip[2] && angle_degrees == 0.0 && scale == 1.0 && shift == 0.0;
  }
};

// Draws in a fixed order (flips x, y, z; angle; scale; shift), each only when
// its option is on, so a seed gives the same augmentation on every platform.
Augmentation draw_augmentation(const AugmentOptions& options, Random& rng);

// Applies `a` to `sample` (its tensors are replaced by new ones). Order:
// flips, then the rotation about the plane's centre ((W-1)/2, (H-1)/2) with
// bilinear interpolation for image and MCI and nearest for the mask; samples
// falling outside the plane take the nearest edge value (image, MCI) or 0
// (mask); then the intensity change. Rotation works in voxel units: the
// preprocessed in-plane spacing is isotropic.
void apply_augmentation(const Augmentation& a, Sample& sample);

// draw + apply; returns what was drawn.
Augmentation augment(Sample& sample, const AugmentOptions& options, Random& rng);

}  // namespace scopemia::data
