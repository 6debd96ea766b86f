#pragma once
// Gray Level Dependence Matrix features, exactly as PyRadiomics 3.1
// (radiomics/gldm.py + its C extension). See docs/radiomics-texture.md.
#include <string>
#include <vector>

#include "radiomics/discretized_roi.h"
#include "radiomics/texture_common.h"

namespace scopemia::radiomics {

struct GldmSettings {
  std::vector<int> distances{1};  // neighbourhood: offsets of these infinity-norm distances
  double alpha = 0;               // gldm_a: a neighbour depends on the centre when |i - j| <= alpha
  bool force2d = false;
  int force2d_dimension = 0;      // numpy axis: 0 = z (axial), 1 = y, 2 = x
};

// P(i, j): ROI voxels of gray level gray_levels[i] with dependences[j] - 1
// dependent neighbours (neighbours inside the box and the mask). Only levels
// present and dependence counts that occur are kept (PyRadiomics's P_gldm).
struct GldmMatrix {
  std::vector<int> gray_levels;  // ascending
  std::vector<int> dependences;  // PyRadiomics's jvector: dependent neighbours + 1, ascending
  int ng = 0, nd = 0;
  std::vector<double> p;         // p[i * nd + j]
  double at(int i, int j) const { return p[static_cast<size_t>(i) * nd + j]; }
};

GldmMatrix compute_gldm_matrix(const DiscretizedRoi& roi, const GldmSettings& settings);

// The 14 GLDM features, PyRadiomics's names and order: DependenceEntropy,
// DependenceNonUniformity, DependenceNonUniformityNormalized,
// DependenceVariance, GrayLevelNonUniformity, GrayLevelVariance,
// HighGrayLevelEmphasis, LargeDependenceEmphasis,
// LargeDependenceHighGrayLevelEmphasis, LargeDependenceLowGrayLevelEmphasis,
// LowGrayLevelEmphasis, SmallDependenceEmphasis,
// SmallDependenceHighGrayLevelEmphasis, SmallDependenceLowGrayLevelEmphasis.
// (The deprecated GrayLevelNonUniformityNormalized and DependencePercentage
// have no value in PyRadiomics 3.1 and are not produced.)
FeatureList gldm_features(const GldmMatrix& matrix);
FeatureList gldm_features(const DiscretizedRoi& roi, const GldmSettings& settings);
const std::vector<std::string>& gldm_feature_names();

}  // namespace scopemia::radiomics
