#pragma once
// PyRadiomics's image types (imageoperations.get<Type>Image): each yields one
// or more derived images with their names, computed on the prepared (whole or
// pre-cropped) image before the crop to the ROI.
//   Original     "original"
//   LoG          "log-sigma-<sigma>-mm-3D" per sigma (ITK recursive Gaussian
//                Laplacian, normalized across scale); skipped when the image
//                is smaller than 4 voxels or sigma/spacing + 1 voxels
//   Wavelet      "wavelet-LLH" ... "wavelet-HHH", "wavelet-LLL" (stationary,
//                PyWavelets swtn conventions: periodic, filters not
//                upsampled, one level at a time; odd sizes padded by wrap)
//   Square, SquareRoot, Logarithm, Exponential, Gradient
//   LBP2D        "lbp-2D" (radiomics/lbp.h)
//   LBP3D        "lbp-3D-m1" ... "lbp-3D-m<lbp3DLevels>", "lbp-3D-k" (on the
//                voxels where `mask` is non-zero)
#include <functional>
#include <string>

#include "core/image.h"
#include "core/pixel_type.h"
#include "radiomics/params.h"

namespace scopemia::radiomics {

using ImageSink = std::function<void(const std::string& name, const Image<double>& image)>;

// Calls `sink` for every image the type yields, in PyRadiomics's order.
// `pixel_type` is the type SimpleITK would hold the image as: a float32
// image is wavelet-transformed in float32, as PyWavelets does. LoG and
// Gradient yield float32 values (SimpleITK's output type).
// Throws InputError for a type this build does not implement.
void generate_images(const std::string& type, const Image<double>& image, const LabelMap& mask,
                     const Settings& settings, const ImageSink& sink, PixelType pixel_type = PixelType::Float64);

// The stationary wavelet decompositions (exposed for tests): one level of
// pywt.swtn along the given numpy axes (0 = z, 1 = y, 2 = x), key letters in
// axis order ('a'/'d').
struct WaveletBand {
  std::string key;
  Image<double> image;
};
std::vector<WaveletBand> swtn_level1(const Image<double>& image, const std::string& wavelet,
                                     const std::vector<int>& numpy_axes, bool single_precision = false);

}  // namespace scopemia::radiomics
