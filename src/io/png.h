#pragma once
// PNG figures: an RGB canvas written through ITK's PNG IO (libpng), and a
// grey slice with a colour overlay as the Grad-CAM maps use. The MAE figures
// (train/figures.h) draw on the same canvas.
#include <cstdint>
#include <string>
#include <vector>

#include "core/image.h"

namespace scopemia::io {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb& o) const { return r == o.r && g == o.g && b == o.b; }
  bool operator!=(const Rgb& o) const { return !(*this == o); }
};

// 8-bit RGB, rows top to bottom, pixels left to right.
struct RgbImage {
  int64_t width = 0;
  int64_t height = 0;
  std::vector<uint8_t> pixels;  // 3 * width * height

  RgbImage() = default;
  RgbImage(int64_t w, int64_t h, Rgb fill = {255, 255, 255});
  Rgb at(int64_t x, int64_t y) const;
  void set(int64_t x, int64_t y, Rgb c);  // outside the image: ignored (clipped drawing)
  void fill_rect(int64_t x, int64_t y, int64_t w, int64_t h, Rgb c);
};

// Written atomically; an unwritable path is an InputError naming it.
void write_png(const RgbImage& image, const std::string& path);

// Axial slice z of `image` in grey (window [low, high]) with `overlay`
// (values in [0, 1], same grid) blended in red-yellow where above
// `threshold`. Written atomically.
void write_overlay_png(const Volume& image, const Volume* overlay, int64_t z, double low, double high,
                       const std::string& path, double threshold = 0.2);

}  // namespace scopemia::io
