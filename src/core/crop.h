#pragma once
// Crop and pad that keep every voxel at its physical position.
#include <algorithm>
#include <stdexcept>

#include "core/image.h"

namespace scopemia {

// The part of `image` inside `region` (clipped to the image). The result's
// origin is the physical position of region.start.
template <typename T>
Image<T> crop(const Image<T>& image, const Region& region) {
  const Index3 lo{std::max<int64_t>(region.start.x, 0), std::max<int64_t>(region.start.y, 0),
                  std::max<int64_t>(region.start.z, 0)};
  const Index3 hi{std::min(region.start.x + region.size.x, image.size().x),
                  std::min(region.start.y + region.size.y, image.size().y),
                  std::min(region.start.z + region.size.z, image.size().z)};
  const Size3 size{std::max<int64_t>(hi.x - lo.x, 0), std::max<int64_t>(hi.y - lo.y, 0),
                   std::max<int64_t>(hi.z - lo.z, 0)};
  Image<T> out(size, image.geometry().shifted_to(lo));
  out.set_source_pixel_type(image.source_pixel_type());
  for (int64_t z = 0; z < size.z; ++z)
    for (int64_t y = 0; y < size.y; ++y)
      std::copy_n(&image.at(lo.x, lo.y + y, lo.z + z), size.x, &out.at(0, y, z));
  return out;
}

// `image` with `before` voxels added in front of each axis and `after` behind
// them, filled with `value`. The original voxels keep their physical position.
template <typename T>
Image<T> pad(const Image<T>& image, const Size3& before, const Size3& after, T value = T{}) {
  if (before.x < 0 || before.y < 0 || before.z < 0 || after.x < 0 || after.y < 0 || after.z < 0)
    throw std::invalid_argument("pad: negative padding");
  const Size3 size{image.size().x + before.x + after.x, image.size().y + before.y + after.y,
                   image.size().z + before.z + after.z};
  Image<T> out(size, image.geometry().shifted_to(Index3{-before.x, -before.y, -before.z}), value);
  out.set_source_pixel_type(image.source_pixel_type());
  const Size3& in = image.size();
  for (int64_t z = 0; z < in.z; ++z)
    for (int64_t y = 0; y < in.y; ++y)
      std::copy_n(&image.at(0, y, z), in.x, &out.at(before.x, before.y + y, before.z + z));
  return out;
}

// A region grown by `margin` voxels on every side (not clipped).
inline Region grow(const Region& r, const Size3& margin) {
  return Region{Index3{r.start.x - margin.x, r.start.y - margin.y, r.start.z - margin.z},
                Size3{r.size.x + 2 * margin.x, r.size.y + 2 * margin.y, r.size.z + 2 * margin.z}};
}

// The image resampled onto exactly `region` without interpolation: voxels
// outside the image are `fill`. Crop and pad in one, geometry kept.
template <typename T>
Image<T> extract(const Image<T>& image, const Region& region, T fill = T{}) {
  const Image<T> inside = crop(image, region);
  const Size3 before{std::max<int64_t>(-region.start.x, 0), std::max<int64_t>(-region.start.y, 0),
                     std::max<int64_t>(-region.start.z, 0)};
  const Size3 after{region.size.x - before.x - inside.size().x,
                    region.size.y - before.y - inside.size().y,
                    region.size.z - before.z - inside.size().z};
  if (after.x < 0 || after.y < 0 || after.z < 0) throw std::logic_error("extract: bad region");
  if (inside.empty()) return Image<T>(region.size, image.geometry().shifted_to(region.start), fill);
  return pad(inside, before, after, fill);
}

}  // namespace scopemia
