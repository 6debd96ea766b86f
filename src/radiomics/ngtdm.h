#pragma once
// Neighbouring Gray Tone Difference Matrix features, exactly as PyRadiomics
// 3.1 (radiomics/ngtdm.py + its C extension). See docs/radiomics-texture.md.
#include <string>
#include <vector>

#include "radiomics/discretized_roi.h"
#include "radiomics/texture_common.h"

namespace scopemia::radiomics {

struct NgtdmSettings {
  std::vector<int> distances{1};  // neighbourhood: offsets of these infinity-norm distances
  bool force2d = false;
  int force2d_dimension = 0;      // numpy axis: 0 = z (axial), 1 = y, 2 = x
};

// Per gray level i (rows of PyRadiomics's P_ngtdm, shape (Ng, 3)):
// n[i] = ROI voxels of level i, s[i] = sum over them of |i - mean level of
// their neighbours inside the box and the ROI| (the centre excluded; a voxel
// without such neighbours adds 0 but still counts in n, as PyRadiomics 3.1's
// C code does), level[i] = the gray level. Levels with n = 0 removed.
struct NgtdmMatrix {
  std::vector<double> n, s, level;
  int ng = 0;
};

NgtdmMatrix compute_ngtdm_matrix(const DiscretizedRoi& roi, const NgtdmSettings& settings);

// The 5 NGTDM features, PyRadiomics's names and order: Busyness, Coarseness,
// Complexity, Contrast, Strength.
FeatureList ngtdm_features(const NgtdmMatrix& matrix);
FeatureList ngtdm_features(const DiscretizedRoi& roi, const NgtdmSettings& settings);
const std::vector<std::string>& ngtdm_feature_names();

}  // namespace scopemia::radiomics
