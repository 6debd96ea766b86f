#pragma once
// Separable Gaussian smoothing with a sampled, truncated kernel (±4 sigma),
// replicate boundary. Exact and deterministic; used where the result must be
// byte-reproducible (the phantom) rather than ITK's recursive approximation.
#include "core/image.h"

namespace scopemia::imaging {

// sigma in mm per axis (x, y, z), converted with the volume's spacing;
// sigma 0 leaves that axis alone.
Volume gaussian_blur(const Volume& volume, const Vec3& sigma_mm);

}  // namespace scopemia::imaging
