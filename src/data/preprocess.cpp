#include "data/preprocess.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/crop.h"
#include "core/error.h"
#include "core/label_map.h"
#include "core/tensor_bridge.h"
#include "data/intensity.h"
#include "imaging/itk_filters.h"

namespace scopemia::data {

IntensityMapping intensity_options(const PreprocessOptions& o) {
  IntensityMapping m;
  m.mode = o.intensity;
  m.low = o.window_low;
  m.high = o.window_high;
  return m;
}

IntensityMapping intensity_mapping(const PreprocessOptions& options, const Volume& image) {
  IntensityMapping m = intensity_options(options);
  if (m.mode == IntensityMode::kZScore) {
    double sum = 0, sum_of_squares = 0;
    accumulate_intensity(image, sum, sum_of_squares);
    m.set_statistics(sum, sum_of_squares, double(image.voxel_count()));
  }
  return m;
}
namespace {

// The grid with `spacing` covering the same physical box as `geometry`/`size`.
imaging::Grid resampled_grid(const Geometry& g, const Size3& size, const Vec3& spacing) {
  imaging::Grid grid;
  grid.geometry = g;
  int64_t n[3] = {size.x, size.y, size.z};
  for (int a = 0; a < 3; ++a) {
    if (spacing[a] <= 0) continue;
    const double extent = double(n[a]) * g.spacing[a];
    n[a] = std::max<int64_t>(1, std::llround(extent / spacing[a]));
    grid.geometry.spacing[a] = spacing[a];
  }
  grid.size = Size3{n[0], n[1], n[2]};
  // Keep the box's corner: the first voxel's centre moves by half the change of spacing.
  const Vec3 shift{0.5 * (grid.geometry.spacing[0] - g.spacing[0]) / g.spacing[0],
                   0.5 * (grid.geometry.spacing[1] - g.spacing[1]) / g.spacing[1],
                   0.5 * (grid.geometry.spacing[2] - g.spacing[2]) / g.spacing[2]};
  grid.geometry.origin = g.index_to_physical(shift);
  return grid;
}

}  // namespace

PreparedCase prepare_case(const Volume& image, const LabelMap& mask, const PreprocessOptions& o) {
  // The mask is taken by voxel index below: a mask on another grid (shifted,
  // resampled, another series) would silently select the wrong voxels.
  check_same_grid(image, mask);
  const auto box = bounding_box(mask);
  if (!box) throw InputError("mask is empty (no non-zero voxel)");
  const Vec3& s = image.geometry().spacing;
  const Size3 margin{std::llround(o.margin_mm / s[0]), std::llround(o.margin_mm / s[1]), std::llround(o.margin_mm / s[2])};
  const Region region = grow(*box, margin);
  Volume cropped = extract(image, region, float(o.pad_value));
  LabelMap cropped_mask = extract(mask, region, uint8_t(0));
  for (int64_t i = 0; i < cropped_mask.voxel_count(); ++i) cropped_mask[i] = cropped_mask[i] ? 1 : 0;

  if (o.spacing[0] > 0 || o.spacing[1] > 0 || o.spacing[2] > 0) {
    const imaging::Grid grid = resampled_grid(cropped.geometry(), cropped.size(), o.spacing);
    cropped = imaging::resample(cropped, grid, imaging::Interpolator::Linear, o.pad_value);
    cropped_mask = imaging::resample_labels(cropped_mask, grid);
  }

  if (o.height > 0 || o.width > 0) {  // fixed in-plane size, centred on the ROI
    const auto roi = bounding_box(cropped_mask);
    const Region r = roi ? *roi : cropped.full_region();
    const int64_t h = o.height > 0 ? o.height : cropped.size().y, w = o.width > 0 ? o.width : cropped.size().x;
    const Region plane{Index3{r.start.x + r.size.x / 2 - w / 2, r.start.y + r.size.y / 2 - h / 2, 0},
                       Size3{w, h, cropped.size().z}};
    cropped = extract(cropped, plane, float(o.pad_value));
    cropped_mask = extract(cropped_mask, plane, uint8_t(0));
  }

  PreparedCase out{cropped, cropped_mask};
  const auto mapping = intensity_mapping(o, out.image);
  as_tensor(out.image).copy_(mapping.apply(as_tensor(out.image)));
  out.image.set_source_pixel_type(PixelType::Float32);
  return out;
}

std::string describe(const PreprocessOptions& o) {
  return fmt::format(
      "margin_mm: {}\nspacing: [{}, {}, {}]\nheight: {}\nwidth: {}\nintensity: {}\nwindow: [{}, {}]\npad_value: {}\n",
      o.margin_mm, o.spacing[0], o.spacing[1], o.spacing[2], o.height, o.width,
      o.intensity == IntensityMode::kWindow ? "window" : "zscore", o.window_low, o.window_high, o.pad_value);
}

}  // namespace scopemia::data
