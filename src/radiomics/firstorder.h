#pragma once
// PyRadiomics's 18 first-order features (+ the deprecated StandardDeviation),
// computed as radiomics/firstorder.py does with numpy: pairwise sums,
// linear-interpolation percentiles, population moments, the histogram of the
// discretized levels for Entropy/Uniformity, voxelArrayShift for
// Energy/TotalEnergy/RootMeanSquared.
#include <vector>

#include "radiomics/feature_class.h"

namespace scopemia::radiomics {

// values: the ROI's intensities in buffer order; levels: their discretized
// gray levels (non-decreasing in the value, as binning is: the order
// statistics are looked for inside the levels' bins); spacing: the voxel
// size (TotalEnergy).
FeatureValues firstorder_values(const std::vector<double>& values, const std::vector<int32_t>& levels,
                                const Vec3& spacing, int voxel_array_shift);

// The registry entry: reads image, mask, roi and settings from the input.
FeatureValues firstorder_features(const ClassInput& input);

// numpy.percentile(values, q) with linear interpolation on sorted values.
double numpy_percentile(const std::vector<double>& sorted, double q);

}  // namespace scopemia::radiomics
