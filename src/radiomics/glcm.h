#pragma once
// Gray Level Co-occurrence Matrix features, exactly as PyRadiomics 3.1
// (radiomics/glcm.py + its C extension). See docs/radiomics-texture.md.
#include <string>
#include <vector>

#include "radiomics/discretized_roi.h"
#include "radiomics/texture_common.h"

namespace scopemia::radiomics {

struct GlcmSettings {
  std::vector<int> distances{1};  // infinity-norm distances of the neighbours
  bool symmetrical = true;        // symmetricalGLCM
  std::string weighting_norm;     // "", "manhattan", "euclidean", "infinity", "no_weighting"
  bool force2d = false;
  int force2d_dimension = 0;      // numpy axis: 0 = z (axial), 1 = y, 2 = x
};

// The GLCMs PyRadiomics's features see: one normalised Ng x Ng matrix per
// kept angle (angles whose matrix is empty removed; one merged matrix when
// weighting is on), rows/columns only for the gray levels present in the ROI.
struct GlcmMatrices {
  std::vector<int> gray_levels;  // the Ng levels present, ascending
  int max_level = 0;             // PyRadiomics's Ng (used by Idmn, Idn, sums)
  std::vector<Angle> angles;     // kept angles (z,y,x); empty when weighted
  int ng = 0;
  int na = 0;                    // number of matrices
  bool symmetrical = false;      // symmetric by construction (symmetricalGLCM): not checked again
  // One ng x ng row-major matrix per angle: p[(a * ng + i) * ng + j]. (PyRadiomics's
  // P_glcm[0] has shape (Ng, Ng, Na): element (i, j, a) is at(i, j, a).) A
  // matrix that sums to 0 (only possible with a single matrix) is NaN.
  std::vector<double> p;
  double at(int i, int j, int a) const { return p[(static_cast<size_t>(a) * ng + i) * ng + j]; }
};

GlcmMatrices compute_glcm_matrices(const DiscretizedRoi& roi, const GlcmSettings& settings);

// The 24 enabled-by-default GLCM features, PyRadiomics's names and order:
// Autocorrelation, ClusterProminence, ClusterShade, ClusterTendency, Contrast,
// Correlation, DifferenceAverage, DifferenceEntropy, DifferenceVariance, Id,
// Idm, Idmn, Idn, Imc1, Imc2, InverseVariance, JointAverage, JointEnergy,
// JointEntropy, MCC, MaximumProbability, SumAverage, SumEntropy, SumSquares.
// (The deprecated Dissimilarity, Homogeneity1/2 and SumVariance have no value
// in PyRadiomics 3.1 and are not produced.)
FeatureList glcm_features(const GlcmMatrices& matrices);
FeatureList glcm_features(const DiscretizedRoi& roi, const GlcmSettings& settings);

// The feature names glcm_features returns, in order.
const std::vector<std::string>& glcm_feature_names();

namespace detail {
// MCC's Householder reduction to tridiagonal form (glcm.cpp), exposed for the
// test that its two variants give the same bits: `a` holds a symmetric n x n
// matrix column by column plus 4 doubles of padding (destroyed); out: the
// diagonal d[n] and off-diagonal e[n-1]; `work` holds 3n + 8 doubles.
// tridiagonalize runs the AVX2+FMA variant where the CPU has both, else the
// portable one.
bool tridiagonalize_avx2_fma_available();
void tridiagonalize(double* a, int n, double* d, double* e, double* work);
void tridiagonalize_portable(double* a, int n, double* d, double* e, double* work);
// Eigenvalues number k[0] and k[1] (0 = the smallest) of the symmetric
// tridiagonal matrix with diagonal d[n] and squared off-diagonal e2[n-1],
// inside the bounds [glo, ghi] (e.g. Gershgorin's), by Sturm counts; exposed
// for the tests of its exact zeros, split blocks and long sequences.
void tridiagonal_eigenvalues(const double* d, const double* e2, int n, const int* k, double glo, double ghi,
                             double* out);
}  // namespace detail

}  // namespace scopemia::radiomics
