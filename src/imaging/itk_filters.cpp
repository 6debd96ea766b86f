#include "imaging/itk_filters.h"

#include <algorithm>
#include <type_traits>

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
Image<T> run_itk_resample(const Image<T>& image, const Grid& grid, Interpolator interpolator, T default_value) {
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

// ITK 5.2's cubic B-spline interpolator (as current ITK) mirrors an
// out-of-range index once at each end of an axis. On an axis of length 2 the
// cubic support (4 samples) then still reaches index -1: it reads outside the
// coefficient buffer, and the result depends on whatever lies there (seen as
// run-to-run differences on LIDC-IDRI-0011_R_6, 2 slices; PyRadiomics on
// SimpleITK has the same read). The mirror extension of a length-2 axis is
// x0 x1 x0 x1 ...; so is that of the 4 samples x1 x0 x1 x0 starting one
// sample earlier, which therefore has the same B-spline, and on which every
// support index is valid. Which output voxels lie inside the original image
// (the rest get the default value) stays ITK's decision: a nearest-neighbour
// pass over an all-ones image with the original geometry.
bool has_axis_of_length_two(const Size3& size) { return size.x == 2 || size.y == 2 || size.z == 2; }

Image<double> resample_bspline_short_axes(const Image<double>& image, const Grid& grid, double default_value) {
  const Size3 n = image.size();
  const int64_t pad[3] = {n.x == 2 ? 1 : 0, n.y == 2 ? 1 : 0, n.z == 2 ? 1 : 0};
  const Size3 padded_size{n.x + 2 * pad[0], n.y + 2 * pad[1], n.z + 2 * pad[2]};
  Geometry padded_geometry = image.geometry();
  padded_geometry.origin = image.geometry().index_to_physical(
      Vec3{-static_cast<double>(pad[0]), -static_cast<double>(pad[1]), -static_cast<double>(pad[2])});
  Image<double> padded(padded_size, padded_geometry);
  const auto source = [](int64_t q, int64_t pad_before, int64_t length) {
    const int64_t i = q - pad_before;  // -1 or 2 only where length is 2
    return i < 0 ? -i : (i >= length ? 2 * (length - 1) - i : i);
  };
  for (int64_t z = 0; z < padded_size.z; ++z)
    for (int64_t y = 0; y < padded_size.y; ++y)
      for (int64_t x = 0; x < padded_size.x; ++x)
        padded.at(x, y, z) = image.at(source(x, pad[0], n.x), source(y, pad[1], n.y), source(z, pad[2], n.z));
  Image<double> out = run_itk_resample<double>(padded, grid, Interpolator::BSpline, default_value);
  const LabelMap inside =
      run_itk_resample<uint8_t>(LabelMap(n, image.geometry(), 1), grid, Interpolator::NearestNeighbor, 0);
  for (int64_t i = 0; i < out.voxel_count(); ++i)
    if (!inside[i]) out[i] = default_value;
  return out;
}

template <typename T>
Image<T> run_resample(const Image<T>& image, const Grid& grid, Interpolator interpolator, T default_value) {
  if constexpr (std::is_same_v<T, double>) {
    if (interpolator == Interpolator::BSpline && has_axis_of_length_two(image.size()))
      return resample_bspline_short_axes(image, grid, default_value);
  }
  return run_itk_resample<T>(image, grid, interpolator, default_value);
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
