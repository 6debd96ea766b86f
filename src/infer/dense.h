#pragma once
// Whole-volume dense inference (`scopemia infer`): a volume file streamed
// through a window model (sliding_window.h) into an output file with the
// input's geometry. What of the training preprocessing (data/preprocess.h)
// applies to a whole volume, and why, is in docs/inference.md:
//   - the intensity mapping: yes, voxel by voxel (window; or z-score with the
//     mean and sd of the whole volume, computed in a first streamed pass);
//   - the spacing: yes; when the model's spacing differs from the input's the
//     volume is resampled to it (linear, as in training) and the output
//     resampled back onto the input's grid (this path holds the volume in
//     memory; with matching spacing everything streams);
//   - the ROI crop, margin and fixed in-plane size: no (there is no ROI; the
//     in-plane size is the default tile instead).
#include <cstdint>
#include <string>

#include "core/image.h"
#include "data/intensity.h"
#include "data/preprocess.h"
#include "infer/sliding_window.h"
#include "io/image_io.h"

namespace scopemia::infer {

using data::IntensityMapping;

// The mapping `options` describe; z-score statistics over every voxel of the
// volume file (read slab by slab). In memory: data::intensity_mapping.
IntensityMapping intensity_mapping(const data::PreprocessOptions& options, const std::string& image,
                                   const io::ReadOptions& read = {});

struct DenseInferenceOptions {
  SlidingWindowOptions window;
  data::PreprocessOptions preprocess;  // intensity mapping and spacing (0 on an axis: the input's)
  bool invert_intensity = false;       // reconstructions: back to the input's intensity units
  io::ReadOptions read;
  double spacing_tolerance = 1e-4;     // relative: spacings closer than this count as equal
  bool progress = false;               // slices done on stderr (core/progress.h)
};

struct DenseInferenceReport {
  bool resampled = false;  // the model's spacing differed from the input's
  bool streamed = false;   // input and output streamed slab by slab
  Vec3 model_spacing;
};

// Runs `model` (channel 0 of its output is written) over `image` into
// `output` (float32, the input's size and geometry), atomically.
DenseInferenceReport infer_dense(const std::string& image, const std::string& output, const WindowModel& model,
                                 const DenseInferenceOptions& options);

// The grid with `spacing` (0 on an axis keeps the input's) covering the same
// physical box as `geometry`/`size`, as data::prepare_case resamples.
void model_grid(const Geometry& geometry, const Size3& size, const Vec3& spacing, Geometry& out_geometry,
                Size3& out_size);

}  // namespace scopemia::infer
