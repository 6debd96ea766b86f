#pragma once
// PyRadiomics's image preparation, step for step and in its order
// (featureextractor.execute / loadImage, imageoperations):
//   1. mask checks at load: something segmented, the label present;
//   2. normalize (whole image, ITK NormalizeImageFilter: sample sigma),
//      removeOutliers, normalizeScale;
//   3. resampling (resampledPixelSpacing + interpolator, grid aligned to the
//      mask origin, cropped to the ROI bounding box + padDistance), or preCrop;
//   4. checkMask: geometry within tolerance (else correctMask resamples the
//      mask), bounding box, minimumROIDimensions, minimumROISize;
//   5. resegmentRange/resegmentMode, then checkMask again.
// Per image type the (filtered) image is then cropped to the bounding box
// (no padding) and discretized (binWidth edges from the ROI minimum as
// getBinEdges, or binCount as numpy.histogram) into a DiscretizedRoi.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/image.h"
#include "core/pixel_type.h"
#include "radiomics/discretized_roi.h"
#include "radiomics/params.h"

namespace scopemia::radiomics {

using DoubleImage = Image<double>;
// diagnostics_* entries, in order: name -> value as PyRadiomics prints it.
using Diagnostics = std::vector<std::pair<std::string, std::string>>;

struct PreparedCase {
  DoubleImage image;      // after normalization / resampling / preCrop
  PixelType pixel_type;   // what SimpleITK would hold it as (casts after resampling)
  LabelMap mask;          // 1 = ROI; what shape uses (resegmented only with resegmentShape)
  LabelMap roi_mask;      // 1 = ROI after resegmentation: what the other classes use
  Region bbox;            // bounding box from the last checkMask (all classes crop to it)
};

// The whole preparation. `labels` is the mask file's label map; `label` the
// ROI's value. Errors are InputErrors (PyRadiomics's ValueErrors).
// Appends diagnostics to `diagnostics` when given.
PreparedCase prepare_case(const DoubleImage& image, PixelType pixel_type, const LabelMap& labels,
                          const Settings& settings, Diagnostics* diagnostics = nullptr);

// --- the single steps (exposed for tests) ---

// (x - mean) / sd over the whole image (sd with n-1), outliers clipped to
// +-removeOutliers, times normalizeScale. SimpleITK's output type is the
// input's real type: float32 stays float32 (rounded at each step, as
// SimpleITK and numpy do), integers and float64 give float64.
DoubleImage normalize_image(const DoubleImage& image, const Settings& settings,
                            PixelType pixel_type = PixelType::Float64);

struct MaskCheck {
  Region bbox;
  std::optional<LabelMap> corrected;  // the mask resampled onto the image grid (correctMask)
};
// imageoperations.checkMask on a binary mask (1 = ROI).
MaskCheck check_mask(const DoubleImage& image, const LabelMap& mask, const Settings& settings);

// imageoperations.resampleImage: returns the resampled image and mask.
std::pair<DoubleImage, LabelMap> resample_case(const DoubleImage& image, PixelType pixel_type,
                                               const LabelMap& mask, const Settings& settings);

// imageoperations.resegmentMask on a binary mask.
LabelMap resegment_mask(const DoubleImage& image, const LabelMap& mask, const Settings& settings);

// Crop (image and mask) to `bbox` grown by `pad`, clipped to the image.
Region padded_box(const Region& bbox, int pad, const Size3& size);

// ITK's cast of an interpolated value into `type` (clamped, truncated).
double cast_to_pixel_type(double value, PixelType type);

// The most gray levels a discretization may give. PyRadiomics has no limit
// (one outlier voxel makes numpy allocate gigabytes); 2^20 is far above any
// real setting (a 16-bit image at binWidth 1 gives 65,536).
inline constexpr int64_t kMaxBins = int64_t(1) << 20;

// getBinEdges: edges from the ROI's values; an InputError for NaN or
// infinite bounds and for more than kMaxBins bins.
std::vector<double> bin_edges(const std::vector<double>& values, const Settings& settings);
// numpy.digitize(value, edges): the number of edges <= value.
int32_t digitize(double value, const std::vector<double>& edges);
// Discretizes the ROI of a cropped image (mask 1 = ROI) into levels 1..Ng.
DiscretizedRoi discretize(const DoubleImage& cropped, const LabelMap& cropped_mask, const Settings& settings);

// Values inside the mask in buffer order (x fastest: numpy's C order on [z,y,x]).
std::vector<double> roi_values(const DoubleImage& image, const LabelMap& mask);

// Smallest region holding every voxel != 0; nullopt when empty.
std::optional<Region> mask_bounding_box(const LabelMap& mask);

// numpy's pairwise summation (what numpy.sum / mean use on contiguous data),
// so sums round as PyRadiomics's do.
double pairwise_sum(const double* a, size_t n);

}  // namespace scopemia::radiomics
