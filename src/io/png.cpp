#include "io/png.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <itkImage.h>
#include <itkImageFileWriter.h>
#include <itkRGBPixel.h>

#include "core/atomic_file.h"
#include "core/error.h"

namespace scopemia::io {

RgbImage::RgbImage(int64_t w, int64_t h, Rgb fill) : width(w), height(h), pixels(static_cast<size_t>(3 * w * h)) {
  if (w < 0 || h < 0) throw std::invalid_argument("negative image size");
  fill_rect(0, 0, w, h, fill);
}

Rgb RgbImage::at(int64_t x, int64_t y) const {
  if (x < 0 || y < 0 || x >= width || y >= height) throw std::out_of_range("pixel outside the image");
  const size_t i = static_cast<size_t>(3 * (y * width + x));
  return Rgb{pixels[i], pixels[i + 1], pixels[i + 2]};
}

void RgbImage::set(int64_t x, int64_t y, Rgb c) {
  if (x < 0 || y < 0 || x >= width || y >= height) return;
  const size_t i = static_cast<size_t>(3 * (y * width + x));
  pixels[i] = c.r;
  pixels[i + 1] = c.g;
  pixels[i + 2] = c.b;
}

void RgbImage::fill_rect(int64_t x, int64_t y, int64_t w, int64_t h, Rgb c) {
  for (int64_t j = std::max<int64_t>(y, 0); j < std::min(y + h, height); ++j)
    for (int64_t i = std::max<int64_t>(x, 0); i < std::min(x + w, width); ++i) set(i, j, c);
}

void write_png(const RgbImage& image, const std::string& path) {
  if (image.width <= 0 || image.height <= 0) throw std::invalid_argument("write_png: empty image");
  if (int64_t(image.pixels.size()) != 3 * image.width * image.height)
    throw std::invalid_argument("write_png: pixel buffer does not match the size");
  using Pixel = itk::RGBPixel<unsigned char>;
  using Slice = itk::Image<Pixel, 2>;
  auto slice = Slice::New();
  Slice::RegionType region;
  region.SetSize(0, image.width);
  region.SetSize(1, image.height);
  slice->SetRegions(region);
  slice->Allocate();
  Pixel* out = slice->GetBufferPointer();
  for (int64_t i = 0; i < image.width * image.height; ++i) {
    out[i].SetRed(image.pixels[size_t(3 * i)]);
    out[i].SetGreen(image.pixels[size_t(3 * i + 1)]);
    out[i].SetBlue(image.pixels[size_t(3 * i + 2)]);
  }
  AtomicOutput target(path);
  auto writer = itk::ImageFileWriter<Slice>::New();
  writer->SetInput(slice);
  writer->SetFileName(target.temp_path().string());
  try {
    writer->Update();
  } catch (const itk::ExceptionObject& e) {
    throw InputError(path, std::string("cannot write PNG: ") + e.GetDescription());
  }
  target.commit();
}

void write_overlay_png(const Volume& image, const Volume* overlay, int64_t z, double low, double high,
                       const std::string& path, double threshold) {
  if (z < 0 || z >= image.depth()) throw InputError(path, "slice outside the image");
  RgbImage canvas(image.width(), image.height());
  const auto byte = [](double v) { return static_cast<uint8_t>(std::lround(255 * v)); };
  for (int64_t y = 0; y < image.height(); ++y)
    for (int64_t x = 0; x < image.width(); ++x) {
      const double grey = std::clamp((image.at(x, y, z) - low) / (high - low), 0.0, 1.0);
      double r = grey, g = grey, b = grey;
      if (overlay) {
        const double a = std::clamp(double(overlay->at(x, y, z)), 0.0, 1.0);
        if (a > threshold) {  // "hot" colour map: red to yellow, half transparent
          const double alpha = 0.5;
          r = (1 - alpha) * grey + alpha * 1.0;
          g = (1 - alpha) * grey + alpha * a;
          b = (1 - alpha) * grey;
        }
      }
      canvas.set(x, y, Rgb{byte(r), byte(g), byte(b)});
    }
  write_png(canvas, path);
}

}  // namespace scopemia::io
