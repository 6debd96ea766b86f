#pragma once
// Label selection, counting and ROI bounding boxes of segmentations.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/image.h"

namespace scopemia {

// Voxel count of every label present (background 0 included).
std::map<int, int64_t> label_counts(const LabelMap& labels);

// 1 where labels == label, 0 elsewhere; same geometry.
LabelMap select_label(const LabelMap& labels, int label);

// Smallest region holding every voxel with value == label (any non-zero
// label when label < 0); nullopt when there is none.
std::optional<Region> bounding_box(const LabelMap& labels, int label = -1);

// Default tolerance for "same grid" between an image and its mask: 1e-3 mm in
// origin/spacing and 1e-3 in direction cosines. ITK's own check (1e-6 of the
// spacing) rejects pairs written by different tools that round origins to
// float32 (NIfTI); 1e-3 mm is far below any voxel size. Override per call
// (PyRadiomics's geometryTolerance setting maps onto it).
constexpr double kDefaultGeometryTolerance = 1e-3;

// Checks that `mask` lies on `image`'s grid: same size, geometry within
// `tolerance`. Throws InputError naming mask_path (no file when empty).
void check_same_grid(const Volume& image, const LabelMap& mask, const std::string& mask_path = {},
                     double tolerance = kDefaultGeometryTolerance);

// Checks that `mask` can be used with `image` for `label`: same size, geometry
// within `tolerance`, `label` present. Throws InputError naming mask_path.
void check_mask(const Volume& image, const LabelMap& mask, int label, const std::string& mask_path,
                double tolerance = kDefaultGeometryTolerance);

}  // namespace scopemia
