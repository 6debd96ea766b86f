#pragma once
// Case preparation shared by training and lesion embedding (so both see the
// same input): crop around the ROI with a margin, resample to a fixed
// spacing, crop/pad in-plane to a fixed size centred on the ROI, map
// intensities to the network's range. Every step keeps the geometry.
#include <cstdint>
#include <string>

#include "core/image.h"
#include "data/intensity.h"

namespace scopemia::data {

struct PreprocessOptions {
  double margin_mm = 10.0;          // around the ROI's bounding box
  Vec3 spacing{1.0, 1.0, 1.0};      // mm; 0 on an axis keeps the input's
  int64_t height = 64, width = 64;  // in-plane size after crop/pad; 0 keeps
  IntensityMode intensity = IntensityMode::kWindow;
  double window_low = -1024.0, window_high = 2048.0;
  double pad_value = -1024.0;       // intensity outside the image (before mapping)
};

// The options' intensity mode and window (z-score statistics still to set).
IntensityMapping intensity_options(const PreprocessOptions& options);
// The options' mapping, with z-score statistics over every voxel of `image`.
IntensityMapping intensity_mapping(const PreprocessOptions& options, const Volume& image);

struct PreparedCase {
  Volume image;   // network input, [D, H, W]
  LabelMap mask;  // ROI on the same grid (0/1)
};

// `mask` must be on `image`'s grid (io::read_mask does that) and non-empty.
PreparedCase prepare_case(const Volume& image, const LabelMap& mask, const PreprocessOptions& options);

// "key: value" lines for logs, checkpoints and the embeddings CSV's provenance.
std::string describe(const PreprocessOptions& options);

}  // namespace scopemia::data
