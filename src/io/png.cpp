#include "io/png.h"

#include <algorithm>
#include <cmath>

#include <itkImage.h>
#include <itkImageFileWriter.h>
#include <itkRGBPixel.h>

#include "core/atomic_file.h"
#include "core/error.h"

namespace scopemia::io {

void write_overlay_png(const Volume& image, const Volume* overlay, int64_t z, double low, double high,
                       const std::string& path, double threshold) {
  if (z < 0 || z >= image.depth()) throw InputError(path, "slice outside the image");
  using Pixel = itk::RGBPixel<unsigned char>;
  using Slice = itk::Image<Pixel, 2>;
  auto slice = Slice::New();
  Slice::RegionType region;
  region.SetSize(0, image.width());
  region.SetSize(1, image.height());
  slice->SetRegions(region);
  slice->Allocate();
  Pixel* out = slice->GetBufferPointer();
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
      Pixel& p = out[y * image.width() + x];
      p.SetRed(static_cast<unsigned char>(std::lround(255 * r)));
      p.SetGreen(static_cast<unsigned char>(std::lround(255 * g)));
      p.SetBlue(static_cast<unsigned char>(std::lround(255 * b)));
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

}  // namespace scopemia::io
