#pragma once
// PyRadiomics's voxel-based extraction (featureextractor with voxelBased=True,
// the `voxelSetting` of a params file): every enabled first-order and texture
// feature computed, for each voxel of the ROI, on the kernel around it, so
// each feature becomes a map. Definition (docs/radiomics-voxel.md):
//   - the case is prepared as for segment extraction (normalisation,
//     resampling, resegmentation), shape classes are skipped;
//   - every image type is cropped to the ROI's bounding box grown by
//     kernelRadius (clipped to the image) and discretized ONCE over the ROI
//     (maskedKernel true) or over that whole box (maskedKernel false): bin
//     edges, gray levels and Ng come from there, not from each kernel;
//   - the kernel of voxel c is the box c +- kernelRadius clipped to the
//     image (depth 1 along force2Ddimension under force2D); its voxels are
//     those of the box in the ROI (maskedKernel true) or all of them;
//   - each class computes its features on the kernel as on a segment:
//     neighbours, runs and zones outside the kernel do not count;
//   - voxels that are not kernel centres (outside the ROI) hold initValue, as
//     does a centre whose class failed.
// The kernels are independent: they run on `threads` threads.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/image.h"
#include "core/pixel_type.h"
#include "radiomics/feature_class.h"
#include "radiomics/params.h"
#include "radiomics/preprocess.h"

namespace scopemia::radiomics {

struct VoxelMap {
  std::string name;    // <imageType>_<class>_<Feature>, as the segment features
  Image<double> map;   // on `VoxelResult::box` of the prepared image's grid
};

struct VoxelResult {
  Diagnostics diagnostics;
  // The prepared image's grid (after resampling, if any) and, inside it, the
  // ROI's bounding box grown by kernelRadius: PyRadiomics's output grid.
  Size3 image_size;
  Geometry image_geometry;
  Region box;
  std::vector<VoxelMap> maps;  // PyRadiomics's order
  int64_t kernels = 0;          // kernel centres (ROI voxels) per image type
};

// `params.settings` carries kernelRadius, maskedKernel, initValue (voxelBatch
// only bounds memory in PyRadiomics and changes nothing here). Errors are
// InputErrors, as for segment extraction.
VoxelResult extract_voxel_maps(const Params& params, const Image<double>& image, PixelType pixel_type,
                               const LabelMap& labels, std::optional<int> label = std::nullopt, int threads = 1);

// The kernel box of the voxel (x, y, z) of an array of `size`: +- radius
// clipped to the array, depth 1 along force2d_dimension (numpy axis: 0 = z)
// when force2d.
Region kernel_region(const Size3& size, int64_t x, int64_t y, int64_t z, int radius, bool force2d,
                     int force2d_dimension);

}  // namespace scopemia::radiomics
