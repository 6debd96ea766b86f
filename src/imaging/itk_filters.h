#pragma once
// ITK filters on double-precision images, as SimpleITK runs them for
// PyRadiomics: resampling onto a given grid (nearest neighbour, linear,
// cubic B-spline), the recursive-Gaussian Laplacian (LoG) and the gradient
// magnitude. Geometry is carried exactly both ways.
#include "core/image.h"

namespace scopemia::imaging {

enum class Interpolator { NearestNeighbor, Linear, BSpline };

struct Grid {
  Size3 size;
  Geometry geometry;
};

// `image` sampled at every voxel centre of `grid` (itk::ResampleImageFilter,
// identity transform). Points outside the input get `default_value`.
Image<double> resample(const Image<double>& image, const Grid& grid, Interpolator interpolator,
                       double default_value = 0);
// A float32 volume resampled the same way, computed in double precision and
// rounded once to float32 (source pixel type float32).
Volume resample(const Volume& image, const Grid& grid, Interpolator interpolator, double default_value = 0);
// Nearest-neighbour resampling of a label map (labels kept, outside = 0).
LabelMap resample_labels(const LabelMap& labels, const Grid& grid);

// itk::LaplacianRecursiveGaussianImageFilter, sigma in mm,
// NormalizeAcrossScale on (SimpleITK's LaplacianRecursiveGaussian as
// PyRadiomics calls it).
Image<double> laplacian_of_gaussian(const Image<double>& image, double sigma_mm);

// itk::GradientMagnitudeImageFilter (central differences, zero-flux
// boundary); spacing used unless `use_spacing` is false.
Image<double> gradient_magnitude(const Image<double>& image, bool use_spacing);

}  // namespace scopemia::imaging

namespace scopemia::imaging {
// Threads ITK filters may use (ITK's global default); batch workers that run
// cases in parallel set 1.
void set_itk_threads(int threads);
}  // namespace scopemia::imaging
