#pragma once
// PyRadiomics 3.1's `shape` (3D) and `shape2D` feature classes, same names,
// same order, same values (see docs/radiomics-shape.md).
//
// Input: the ROI's binary mask on its voxel grid, typically the cropped box
// (bounding box plus padDistance) the extractor works on; extra empty margin
// does not change any value. Only the spacing of the grid is used: PyRadiomics
// ignores the direction matrix and origin for shape.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/geometry.h"
#include "core/image.h"
#include "radiomics/discretized_roi.h"

namespace scopemia::radiomics {

// A non-owning view of a mask: size.x*size.y*size.z bytes, x fastest (ITK
// layout). A voxel is in the ROI when its byte equals `label`, or, with
// label < 0, when it is non-zero.
struct MaskView {
  const uint8_t* data = nullptr;
  Size3 size;
  Vec3 spacing{1, 1, 1};  // mm, x y z
  int label = -1;
};

// The view of a LabelMap (its spacing; label < 0: any non-zero voxel).
MaskView mask_view(const LabelMap& mask, int label = -1);
// The view of a texture ROI's mask (1 inside). Mind that PyRadiomics computes
// shape on the mask before resegmentation unless resegmentShape is set.
MaskView mask_view(const DiscretizedRoi& roi);

using FeatureValues = std::vector<std::pair<std::string, double>>;

// ---- shape (3D) -------------------------------------------------------------

// Everything the 3D shape features are computed from.
struct ShapeCoefficients {
  double mesh_volume = 0;   // mm^3
  double surface_area = 0;  // mm^2
  double diameter_slice = 0, diameter_column = 0, diameter_row = 0, diameter_3d = 0;  // mm
  double eigenvalues[3] = {0, 0, 0};  // of the physical-coordinate covariance, ascending
  int64_t voxel_count = 0;
  double voxel_volume = 0;  // mm^3 (count * product of spacings)
};

ShapeCoefficients shape_coefficients(const MaskView& mask);

// Feature names as PyRadiomics orders them when a class is enabled with no
// feature list (alphabetical; deprecated ones excluded):
// Elongation, Flatness, LeastAxisLength, MajorAxisLength,
// Maximum2DDiameterColumn, Maximum2DDiameterRow, Maximum2DDiameterSlice,
// Maximum3DDiameter, MeshVolume, MinorAxisLength, Sphericity, SurfaceArea,
// SurfaceVolumeRatio, VoxelVolume.
const std::vector<std::string>& shape_default_features();
// Deprecated ones, computed only when named: Compactness1, Compactness2,
// SphericalDisproportion.
const std::vector<std::string>& shape_deprecated_features();
bool is_shape_feature(const std::string& name);

// The value of one feature (name without prefix); throws InputError for an
// unknown name. NaN where PyRadiomics returns NaN (a negative eigenvalue).
double shape_feature(const ShapeCoefficients& c, const std::string& name);

// The features named in `enabled` (in that order), or all default features
// when `enabled` is empty. Throws InputError for an empty ROI or an unknown
// feature name.
FeatureValues shape_features(const MaskView& mask, const std::vector<std::string>& enabled = {});

// ---- shape2D ----------------------------------------------------------------

struct Shape2DCoefficients {
  double mesh_surface = 0;  // mm^2
  double perimeter = 0;     // mm
  double diameter = 0;      // mm
  double eigenvalues[2] = {0, 0};  // ascending
  int64_t pixel_count = 0;
  double pixel_surface = 0;  // mm^2
};

// force2d_dimension in PyRadiomics's numpy order: 0 = z (axial slices),
// 1 = y, 2 = x. PyRadiomics requires the mask to be one voxel thick along
// it; here the ROI must lie in a single plane along it (the plane is taken
// from a thicker box), otherwise InputError.
Shape2DCoefficients shape2d_coefficients(const MaskView& mask, int force2d_dimension = 0);

// Alphabetical: Elongation, MajorAxisLength, MaximumDiameter, MeshSurface,
// MinorAxisLength, Perimeter, PerimeterSurfaceRatio, PixelSurface,
// Sphericity. Deprecated: SphericalDisproportion.
const std::vector<std::string>& shape2d_default_features();
const std::vector<std::string>& shape2d_deprecated_features();
bool is_shape2d_feature(const std::string& name);
double shape2d_feature(const Shape2DCoefficients& c, const std::string& name);
FeatureValues shape2d_features(const MaskView& mask, int force2d_dimension = 0,
                               const std::vector<std::string>& enabled = {});

}  // namespace scopemia::radiomics
