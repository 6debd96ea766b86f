#pragma once
// PNG figures of slices (ITK's PNG IO): a grey slice with a colour overlay,
// as the Grad-CAM and MAE figures use.
#include <string>

#include "core/image.h"

namespace scopemia::io {

// Axial slice z of `image` in grey (window [low, high]) with `overlay`
// (values in [0, 1], same grid) blended in red-yellow where above
// `threshold`. Written atomically.
void write_overlay_png(const Volume& image, const Volume* overlay, int64_t z, double low, double high,
                       const std::string& path, double threshold = 0.2);

}  // namespace scopemia::io
