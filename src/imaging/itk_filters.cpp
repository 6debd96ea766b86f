#include "imaging/itk_filters.h"

#include <algorithm>

#include <itkBSplineInterpolateImageFunction.h>
#include <itkGradientMagnitudeImageFilter.h>
#include <itkImage.h>
#include <itkLaplacianRecursiveGaussianImageFilter.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkMultiThreaderBase.h>
#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

namespace scopemia::imaging {
namespace {

template <typename T>
using ItkImage = itk::Image<T, 3>;

template <typename T>
void set_geometry(ItkImage<T>* img, const Size3& size, const Geometry& g) {
  typename ItkImage<T>::RegionType region;
  region.SetSize({{static_cast<itk::SizeValueType>(size.x), static_cast<itk::SizeValueType>(size.y),
                   static_cast<itk::SizeValueType>(size.z)}});
  img->SetRegions(region);
  typename ItkImage<T>::SpacingType spacing;
  typename ItkImage<T>::PointType origin;
  typename ItkImage<T>::DirectionType direction;
  for (int i = 0; i < 3; ++i) {
    spacing[i] = g.spacing[i];
    origin[i] = g.origin[i];
    for (int j = 0; j < 3; ++j) direction(i, j) = g.direction[i * 3 + j];
  }
  img->SetSpacing(spacing);
  img->SetOrigin(origin);
  img->SetDirection(direction);
}

template <typename T>
typename ItkImage<T>::Pointer to_itk(const Image<T>& in) {
  auto img = ItkImage<T>::New();
  set_geometry(img.GetPointer(), in.size(), in.geometry());
  img->Allocate();
  std::copy_n(in.data(), in.voxel_count(), img->GetBufferPointer());
  return img;
}

template <typename T>
Image<T> from_itk(const ItkImage<T>* img, const Geometry& geometry) {
  const auto size = img->GetLargestPossibleRegion().GetSize();
  Image<T> out(Size3{int64_t(size[0]), int64_t(size[1]), int64_t(size[2])}, geometry);
  std::copy_n(img->GetBufferPointer(), out.voxel_count(), out.data());
  return out;
}

template <typename T>
Image<T> run_resample(const Image<T>& image, const Grid& grid, Interpolator interpolator, T default_value) {
  using Img = ItkImage<T>;
  auto input = to_itk(image);
  auto filter = itk::ResampleImageFilter<Img, Img, double>::New();
  filter->SetInput(input);
  switch (interpolator) {
    case Interpolator::NearestNeighbor:
      filter->SetInterpolator(itk::NearestNeighborInterpolateImageFunction<Img, double>::New());
      break;
    case Interpolator::Linear:
      filter->SetInterpolator(itk::LinearInterpolateImageFunction<Img, double>::New());
      break;
    case Interpolator::BSpline: {
      auto bspline = itk::BSplineInterpolateImageFunction<Img, double, double>::New();
      bspline->SetSplineOrder(3);
      filter->SetInterpolator(bspline);
      break;
    }
  }
  auto reference = Img::New();
  set_geometry(reference.GetPointer(), grid.size, grid.geometry);
  filter->SetOutputParametersFromImage(reference);
  filter->SetDefaultPixelValue(default_value);
  filter->Update();
  return from_itk<T>(filter->GetOutput(), grid.geometry);
}

}  // namespace

Image<double> resample(const Image<double>& image, const Grid& grid, Interpolator interpolator,
                       double default_value) {
  return run_resample<double>(image, grid, interpolator, default_value);
}

Volume resample(const Volume& image, const Grid& grid, Interpolator interpolator, double default_value) {
  Image<double> in(image.size(), image.geometry());
  for (int64_t i = 0; i < image.voxel_count(); ++i) in[i] = image[i];
  const Image<double> r = resample(in, grid, interpolator, default_value);
  Volume out(r.size(), r.geometry());
  for (int64_t i = 0; i < out.voxel_count(); ++i) out[i] = float(r[i]);
  out.set_source_pixel_type(PixelType::Float32);
  return out;
}

LabelMap resample_labels(const LabelMap& labels, const Grid& grid) {
  return run_resample<uint8_t>(labels, grid, Interpolator::NearestNeighbor, 0);
}

Image<double> laplacian_of_gaussian(const Image<double>& image, double sigma_mm) {
  using Img = ItkImage<double>;
  auto filter = itk::LaplacianRecursiveGaussianImageFilter<Img, Img>::New();
  filter->SetInput(to_itk(image));
  filter->SetSigma(sigma_mm);
  filter->SetNormalizeAcrossScale(true);
  filter->Update();
  return from_itk<double>(filter->GetOutput(), image.geometry());
}

Image<double> gradient_magnitude(const Image<double>& image, bool use_spacing) {
  using Img = ItkImage<double>;
  auto filter = itk::GradientMagnitudeImageFilter<Img, Img>::New();
  filter->SetInput(to_itk(image));
  filter->SetUseImageSpacing(use_spacing);
  filter->Update();
  return from_itk<double>(filter->GetOutput(), image.geometry());
}

void set_itk_threads(int threads) {
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(threads < 1 ? 1 : threads);
  itk::MultiThreaderBase::SetGlobalMaximumNumberOfThreads(threads < 1 ? 1 : threads);
}

}  // namespace scopemia::imaging
