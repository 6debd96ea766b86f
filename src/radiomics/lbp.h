#pragma once
// Local binary patterns as PyRadiomics 3.1 computes them (imageoperations
// getLBP2DImage / getLBP3DImage). See docs/radiomics.md, "LBP image types".
//
// LBP2D: scikit-image's local_binary_pattern applied slice by slice in the
//   plane normal to numpy axis `force2Ddimension` (0 = z, 1 = y, 2 = x).
//   Neighbour k of P sits at (row, col) offset (-R sin(2 pi k/P),
//   R cos(2 pi k/P)), each rounded to 5 decimals, sampled bilinearly with
//   zeros outside the slice; bit k is set when neighbour - centre >= 0.
//   Methods: "default" (sum bit_k 2^k), "ror" (the smallest value over the P
//   circular bit rotations), "uniform" (number of ones when the pattern has
//   at most 2 changes between consecutive bits k, k+1 for k < P-1 - the
//   wrap-around pair is not counted, as scikit-image - else P+1),
//   "nri_uniform" (scikit-image's non-rotation-invariant uniform codes) and
//   "var" (biased variance of the P samples, NaN when 0).
//
// LBP3D: Banerjee et al. spherical-harmonic LBP on the ROI voxels.
#include <array>
#include <complex>
#include <string>
#include <vector>

#include "core/image.h"
#include "core/pixel_type.h"

namespace scopemia::radiomics {

// One 2-D slice: `image` row-major rows x cols; writes rows*cols codes.
void lbp2d_slice(const double* image, int64_t rows, int64_t cols, int samples, double radius,
                 const std::string& method, double* output);

// The LBP2D image of a volume (values cast to `pixel_type`, as PyRadiomics
// writes the codes back into the image's own numpy array).
Image<double> lbp2d_image(const Image<double>& image, int numpy_axis, int samples, double radius,
                          const std::string& method, PixelType pixel_type);

// trimesh.creation.icosphere(subdivision, radius).vertices (trimesh 3.x):
// the icosahedron scaled to unit radius, then `subdivision` times: every
// edge split at its midpoint and every vertex moved to `radius` from the
// centre. With subdivision 0 the radius is never applied (unit sphere).
// 10 * 4^subdivision + 2 vertices, in no particular order.
std::vector<std::array<double, 3>> icosphere_vertices(int subdivision, double radius);

// scipy.special.sph_harm(m, n, theta, phi):
// sqrt((2n+1)/(4 pi) (n-m)!/(n+m)!) e^{i m theta} P_n^m(cos phi), P with the
// Condon-Shortley phase (theta: scipy's azimuth argument, phi: its polar one).
std::complex<double> scipy_sph_harm(int m, int n, double theta, double phi);

// Cubic B-spline sampling as scipy.ndimage.map_coordinates(order=3,
// mode='constant', cval=0): coefficients from the mirror-boundary
// prefilter, coefficient indices mirrored, any coordinate outside
// [0, size-1] gives 0. Coordinates are numpy-ordered (z, y, x) voxel indices.
class CubicSplineSampler {
 public:
  explicit CubicSplineSampler(const Image<double>& image);
  double operator()(double z, double y, double x) const;

 private:
  Image<double> coefficients_;
};

struct Lbp3dImages {
  std::vector<Image<double>> levels;  // lbp-3D-m1 ... lbp-3D-m<levels>
  Image<double> kurtosis;             // lbp-3D-k
};

// Computed on the voxels where `mask` is non-zero (the ROI); 0 elsewhere
// (PyRadiomics leaves those voxels uninitialised: no feature reads them).
// `pixel_type`: the image's numpy dtype, which map_coordinates returns its
// samples in (integers rounded half away from zero).
Lbp3dImages lbp3d_images(const Image<double>& image, const LabelMap& mask, int levels, double radius,
                         int subdivision, PixelType pixel_type);

}  // namespace scopemia::radiomics
