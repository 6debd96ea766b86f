#pragma once
// Gray Level Size Zone Matrix features, exactly as PyRadiomics 3.1
// (radiomics/glszm.py + its C extension). See docs/radiomics-texture.md.
#include <string>
#include <vector>

#include "radiomics/discretized_roi.h"
#include "radiomics/texture_common.h"

namespace scopemia::radiomics {

struct GlszmSettings {
  bool force2d = false;       // zones 8-connected within slices instead of 26-connected
  int force2d_dimension = 0;  // numpy axis: 0 = z (axial), 1 = y, 2 = x
};

// Zone counts P(i, j): zones (connected voxels of one gray level) of gray
// level gray_levels[i] and size zone_sizes[j]. Only levels present in the ROI
// and sizes that occur are kept (PyRadiomics's P_glszm after
// _calculateCoefficients).
struct GlszmMatrix {
  std::vector<int> gray_levels;  // ascending
  std::vector<int> zone_sizes;   // ascending
  int ng = 0, ns = 0;
  std::vector<double> p;         // p[i * ns + j]
  double at(int i, int j) const { return p[static_cast<size_t>(i) * ns + j]; }
};

GlszmMatrix compute_glszm_matrix(const DiscretizedRoi& roi, const GlszmSettings& settings);

// The 16 GLSZM features, PyRadiomics's names and order: GrayLevelNonUniformity,
// GrayLevelNonUniformityNormalized, GrayLevelVariance,
// HighGrayLevelZoneEmphasis, LargeAreaEmphasis, LargeAreaHighGrayLevelEmphasis,
// LargeAreaLowGrayLevelEmphasis, LowGrayLevelZoneEmphasis,
// SizeZoneNonUniformity, SizeZoneNonUniformityNormalized, SmallAreaEmphasis,
// SmallAreaHighGrayLevelEmphasis, SmallAreaLowGrayLevelEmphasis, ZoneEntropy,
// ZonePercentage, ZoneVariance.
FeatureList glszm_features(const GlszmMatrix& matrix);
FeatureList glszm_features(const DiscretizedRoi& roi, const GlszmSettings& settings);
const std::vector<std::string>& glszm_feature_names();

}  // namespace scopemia::radiomics
