#pragma once
// The input every texture feature class works on: the ROI's bounding box
// (PyRadiomics crops to it, plus padDistance) with gray levels already
// discretized (binWidth/binCount) and the mask of the ROI in that box.
// Texture classes (glcm, glrlm, glszm, gldm, ngtdm) read only this.
#include <cstdint>
#include <memory>
#include <vector>

#include "core/geometry.h"

namespace scopemia::radiomics {

struct TextureInputs;  // texture_common.h

struct DiscretizedRoi {
  Size3 size;                  // of the cropped box, x fastest (ITK layout)
  Vec3 spacing{1, 1, 1};       // mm, x y z
  std::vector<int32_t> level;  // discretized gray level per voxel, 1..max; meaningful inside the mask
  std::vector<uint8_t> mask;   // 1 inside the ROI
  int32_t max_level = 0;       // largest level inside the ROI (PyRadiomics's Ng before removing empty levels)
  // What every texture class derives from the ROI first (its gray levels and
  // the bounding-box grid), computed once by share_texture_inputs() so the
  // five classes do not each redo it. Null unless set; it describes level
  // and mask as they were then: do not change those afterwards.
  std::shared_ptr<const TextureInputs> shared;

  int64_t offset(int64_t x, int64_t y, int64_t z) const { return (z * size.y + y) * size.x + x; }
};

}  // namespace scopemia::radiomics
