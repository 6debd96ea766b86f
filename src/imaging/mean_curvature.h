#pragma once
// Mean curvature of isophotes, k = div(grad I / |grad I|) (paper S1.10; docs/paper-map.md §5),
// in 1/mm. The expanded form (the paper's printed one has typos):
//   k = [(Iy²+Iz²)Ixx + (Ix²+Iz²)Iyy + (Ix²+Iy²)Izz
//        - 2 Ix Iy Ixy - 2 Ix Iz Ixz - 2 Iy Iz Iyz] / |grad I|³
// With this sign convention k = 2/r for I = distance to a point, and k = -2/r
// on the surface of a bright ball (the gradient points inward).
#include "core/image.h"

namespace scopemia::imaging {

struct MeanCurvatureOptions {
  // Gaussian scale (mm) of the derivatives; 0 = plain central differences.
  double sigma_mm = 0.0;
  // Where |grad I| is below this fraction of its largest value the isophote
  // direction is undefined and k is set to 0.
  double relative_gradient_floor = 1e-6;
};

// Spacing-aware (derivatives along the image axes in mm; the direction
// matrix is a rotation and does not change k). Same geometry as the input.
Volume mean_curvature(const Volume& image, const MeanCurvatureOptions& options = {});

}  // namespace scopemia::imaging
