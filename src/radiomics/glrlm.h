#pragma once
// Gray Level Run Length Matrix features, exactly as PyRadiomics 3.1
// (radiomics/glrlm.py + its C extension). See docs/radiomics-texture.md.
#include <string>
#include <vector>

#include "radiomics/discretized_roi.h"
#include "radiomics/texture_common.h"

namespace scopemia::radiomics {

struct GlrlmSettings {
  std::string weighting_norm;  // "", "manhattan", "euclidean", "infinity", "no_weighting"
  bool force2d = false;
  int force2d_dimension = 0;   // numpy axis: 0 = z (axial), 1 = y, 2 = x
};

// Run counts P(i, j | a): runs of gray level gray_levels[i] and length
// run_lengths[j] along angle a (13 angles in 3D, 4 with force2D; an angle
// along which no line holds two ROI voxels, or with no run at all, is
// removed; one merged, distance-weighted matrix when weighting is on). Only
// gray levels present in the ROI and run lengths that occur are kept, as in
// PyRadiomics's P_glrlm after _calculateCoefficients.
struct GlrlmMatrices {
  std::vector<int> gray_levels;  // ascending
  std::vector<int> run_lengths;  // ascending, 1-based
  std::vector<Angle> angles;     // kept angles (z,y,x); empty when weighted
  int ng = 0, nr = 0, na = 0;
  std::vector<double> p;         // p[(i * nr + j) * na + a], counts (weighted when weighting is on)
  std::vector<double> runs;      // per matrix: number of runs (NaN when 0)
  double at(int i, int j, int a) const { return p[(static_cast<size_t>(i) * nr + j) * na + a]; }
};

GlrlmMatrices compute_glrlm_matrices(const DiscretizedRoi& roi, const GlrlmSettings& settings);

// The 16 GLRLM features, PyRadiomics's names and order: GrayLevelNonUniformity,
// GrayLevelNonUniformityNormalized, GrayLevelVariance, HighGrayLevelRunEmphasis,
// LongRunEmphasis, LongRunHighGrayLevelEmphasis, LongRunLowGrayLevelEmphasis,
// LowGrayLevelRunEmphasis, RunEntropy, RunLengthNonUniformity,
// RunLengthNonUniformityNormalized, RunPercentage, RunVariance,
// ShortRunEmphasis, ShortRunHighGrayLevelEmphasis, ShortRunLowGrayLevelEmphasis.
FeatureList glrlm_features(const GlrlmMatrices& matrices);
FeatureList glrlm_features(const DiscretizedRoi& roi, const GlrlmSettings& settings);
const std::vector<std::string>& glrlm_feature_names();

}  // namespace scopemia::radiomics
