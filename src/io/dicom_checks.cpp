// Slice-geometry checks and resampling of DICOM series (declared in
// dicom_series.h). Headers are read with DCMTK, so this file stays apart
// from the ITK/GDCM code in dicom_series.cpp and image_io.cpp.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>

#include <fmt/format.h>

#include "core/error.h"
#include "io/dicom_dcmtk.h"
#include "io/dicom_series.h"

// Built into libscopemia_io_dcmtk (io/dcmtk_library.h): io forwards the
// declared functions here.
namespace scopemia::io::dcmtk_impl {

namespace {

double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
std::string name_of(const std::string& path) { return std::filesystem::path(path).filename().string(); }

// File indices sorted along the normal.
std::vector<size_t> sorted_order(const SliceLayout& layout) {
  std::vector<size_t> order(layout.origins.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return dot(layout.origins[a], layout.normal) < dot(layout.origins[b], layout.normal);
  });
  return order;
}

}  // namespace

SliceLayout analyse_slices(const DicomSeries& series) {
  SliceLayout layout;
  if (series.files.size() < 2) return layout;
  std::vector<std::vector<double>> orientations;
  for (const auto& path : series.files) {
    auto file = dcm::try_load(path, /*header_only=*/true);
    if (!file) return layout;
    DcmDataset* ds = file->getDataset();
    if (dcm::number(ds, DCM_NumberOfFrames, 1) > 1) return layout;
    const auto ipp = dcm::numbers(ds, DCM_ImagePositionPatient);
    const auto iop = dcm::numbers(ds, DCM_ImageOrientationPatient);
    if (ipp.size() != 3 || iop.size() != 6) return layout;
    if (layout.origins.empty()) {
      const auto spacing = dcm::numbers(ds, DCM_PixelSpacing);
      if (spacing.size() == 2 && spacing[0] > 0 && spacing[1] > 0) {
        layout.spacing_y = spacing[0];
        layout.spacing_x = spacing[1];
      }
      layout.rows = dcm::integer(ds, DCM_Rows, 0);
      layout.columns = dcm::integer(ds, DCM_Columns, 0);
    }
    layout.origins.push_back({ipp[0], ipp[1], ipp[2]});
    orientations.push_back(iop);
  }
  layout.checked = true;
  const auto& iop = orientations.front();
  layout.row = {iop[0], iop[1], iop[2]};
  layout.column = {iop[3], iop[4], iop[5]};
  layout.normal = cross(layout.row, layout.column);
  const auto& files = series.files;

  // 1. One orientation.
  for (size_t i = 1; i < orientations.size(); ++i) {
    double diff = 0;
    for (int k = 0; k < 6; ++k) diff = std::max(diff, std::abs(orientations[i][k] - iop[k]));
    if (diff > 1e-4) {
      const auto& o = orientations[i];
      layout.problem = fmt::format(
          "mixed slice orientations: {} has Image Orientation ({:.4g}, {:.4g}, {:.4g}, {:.4g}, {:.4g}, {:.4g}), {} has "
          "({:.4g}, {:.4g}, {:.4g}, {:.4g}, {:.4g}, {:.4g})",
          name_of(files[0]), iop[0], iop[1], iop[2], iop[3], iop[4], iop[5], name_of(files[i]), o[0], o[1], o[2], o[3],
          o[4], o[5]);
      return layout;  // no grid to resample onto
    }
  }

  const auto order = sorted_order(layout);
  std::vector<double> d, gaps;
  for (size_t i : order) d.push_back(dot(layout.origins[i], layout.normal));
  for (size_t i = 1; i < d.size(); ++i) gaps.push_back(d[i] - d[i - 1]);

  // 2. No two slices on one plane.
  for (size_t i = 0; i < gaps.size(); ++i)
    if (gaps[i] < 0.01) {
      layout.problem = fmt::format(
          "{} and {} lie on the same plane ({:.3f} mm along the normal): several acquisitions "
          "in one series? choose one with --series",
          name_of(files[order[i]]), name_of(files[order[i + 1]]), d[i]);
      return layout;
    }

  std::vector<double> sorted_gaps = gaps;
  std::sort(sorted_gaps.begin(), sorted_gaps.end());
  const double usual = sorted_gaps[sorted_gaps.size() / 2];
  const double smallest = sorted_gaps.front();
  const double extent = d.back() - d.front();
  // Positions are often written rounded to 0.01 mm: 0.02 mm absolute slack.
  const double tolerance = 0.02 + 0.01 * usual;

  // The regular grid over the slices.
  const int64_t steps = std::max<int64_t>(1, int64_t(std::ceil(extent / smallest - 0.01)));
  const double dz = extent / double(steps);
  layout.size = Size3{layout.columns, layout.rows, steps + 1};
  layout.geometry.spacing = {layout.spacing_x, layout.spacing_y, dz};
  layout.geometry.origin = layout.origins[order.front()];
  for (int i = 0; i < 3; ++i) {
    layout.geometry.direction[i * 3 + 0] = layout.row[i];
    layout.geometry.direction[i * 3 + 1] = layout.column[i];
    layout.geometry.direction[i * 3 + 2] = layout.normal[i];
  }

  // 3. Origins on one line along the normal (else: gantry / detector tilt).
  // Measured from the first slice, so a real tilt accumulates while rounding
  // jitter of the positions does not.
  auto sideways = [&](size_t i) {
    const Vec3& a = layout.origins[order.front()];
    const Vec3& b = layout.origins[order[i]];
    const Vec3 v{b[0] - a[0], b[1] - a[1], b[2] - a[2]};
    const double along = dot(v, layout.normal);
    const Vec3 across{v[0] - along * layout.normal[0], v[1] - along * layout.normal[1],
                      v[2] - along * layout.normal[2]};
    return std::pair<double, double>{std::sqrt(dot(across, across)), along};
  };
  for (size_t i = 1; i < order.size(); ++i) {
    const auto [off, along] = sideways(i);
    if (off > 0.02 + 1e-3 * along) {
      const auto [total_off, total_along] = sideways(order.size() - 1);
      layout.problem = fmt::format(
          "slices are sheared (gantry/detector tilt of {:.2f} degrees): {} is shifted {:.3f} mm sideways from {}",
          std::atan2(total_off, total_along) * 180.0 / M_PI, name_of(files[order[i]]), off,
          name_of(files[order.front()]));
      return layout;
    }
  }

  // 4. Even spacing.
  double worst = 0;
  for (double g : gaps) worst = std::max(worst, std::abs(g - usual));
  if (worst > tolerance) {
    bool multiples = true;
    int missing = 0;
    size_t first_gap = gaps.size();
    for (size_t i = 0; i < gaps.size(); ++i) {
      const double k = std::round(gaps[i] / usual);
      if (k < 1 || std::abs(gaps[i] - k * usual) > tolerance * k)
        multiples = false;
      else if (k >= 2) {
        missing += int(k) - 1;
        if (first_gap == gaps.size()) first_gap = i;
      }
    }
    if (multiples && missing > 0) {
      layout.problem =
          fmt::format("{} missing slice{}: a gap of {:.3f} mm between {} and {} where the slices are {:.3f} mm apart",
                      missing, missing == 1 ? "" : "s", gaps[first_gap], name_of(files[order[first_gap]]),
                      name_of(files[order[first_gap + 1]]), usual);
    } else {
      layout.problem = fmt::format("non-uniform slice spacing: gaps from {:.3f} to {:.3f} mm (usual {:.3f} mm)",
                                   smallest, sorted_gaps.back(), usual);
    }
  }
  return layout;
}

void check_pixel_data_complete(const DicomSeries& series) {
  for (const auto& path : series.files) {
    const auto file = dcm::load(path);  // an InputError when DCMTK meets the end of the file early
    DcmDataset* ds = file->getDataset();
    DcmElement* pixels = nullptr;
    if (ds->findAndGetElement(DCM_PixelData, pixels).bad() || !pixels)
      throw InputError(path, "has no Pixel Data");
    const E_TransferSyntax syntax = ds->getOriginalXfer();
    if (!DcmXfer(syntax).isNotEncapsulated()) continue;
    const double expected = dcm::number(ds, DCM_Rows, 0) * dcm::number(ds, DCM_Columns, 0) *
                            dcm::number(ds, DCM_SamplesPerPixel, 1) * dcm::number(ds, DCM_NumberOfFrames, 1) *
                            dcm::number(ds, DCM_BitsAllocated, 16) / 8.0;
    const double have = double(pixels->getLength());
    if (have < std::floor(expected))
      throw InputError(path, fmt::format("truncated: Pixel Data has {} bytes, the header announces {}", have, expected));
  }
}

[[noreturn]] void throw_slice_problem(const std::string& folder, const DicomSeries& series, const SliceLayout& layout) {
  const bool resamplable = layout.size.count() > 0;
  throw InputError(folder, fmt::format("series {}: {}{}", series.uid, layout.problem,
                                       resamplable ? " (--resample-slices resamples it onto a regular grid)" : ""));
}

Volume resample_slices(const Volume& stack, const SliceLayout& layout) {
  const size_t n = layout.origins.size();
  if (stack.size().z != int64_t(n) || stack.size().x != layout.columns || stack.size().y != layout.rows)
    throw std::logic_error("resample_slices: the stack does not match the layout");
  if (layout.size.count() == 0) throw std::logic_error("resample_slices: no regular grid for this layout");
  const auto order = sorted_order(layout);
  std::vector<double> d;
  for (size_t i : order) d.push_back(dot(layout.origins[i], layout.normal));
  const Geometry& g = layout.geometry;
  Volume out(layout.size, g, 0.f);
  out.set_source_pixel_type(stack.source_pixel_type());
  const int64_t nx = stack.size().x, ny = stack.size().y;
  auto sample = [&](size_t file, double u, double v) {
    u = std::clamp(u, 0.0, double(nx - 1));
    v = std::clamp(v, 0.0, double(ny - 1));
    const int64_t x0 = std::min<int64_t>(int64_t(u), nx - 1), y0 = std::min<int64_t>(int64_t(v), ny - 1);
    const int64_t x1 = std::min<int64_t>(x0 + 1, nx - 1), y1 = std::min<int64_t>(y0 + 1, ny - 1);
    const double fu = u - double(x0), fv = v - double(y0);
    const int64_t z = int64_t(file);
    return (1 - fv) * ((1 - fu) * stack.at(x0, y0, z) + fu * stack.at(x1, y0, z)) +
           fv * ((1 - fu) * stack.at(x0, y1, z) + fu * stack.at(x1, y1, z));
  };
  for (int64_t k = 0; k < layout.size.z; ++k) {
    const double dk = d.front() + double(k) * g.spacing[2];
    size_t j = size_t(std::upper_bound(d.begin(), d.end(), dk + 1e-6) - d.begin());
    j = std::clamp<size_t>(j, 1, n - 1) - 1;  // d[j] <= dk <= d[j+1]
    const double w = std::clamp((dk - d[j]) / (d[j + 1] - d[j]), 0.0, 1.0);
    const size_t a = order[j], b = order[j + 1];
    for (int64_t y = 0; y < layout.size.y; ++y)
      for (int64_t x = 0; x < layout.size.x; ++x) {
        const Vec3 p = g.index_to_physical(Index3{x, y, k});
        double value = 0;
        for (const auto& [file, weight] : {std::pair<size_t, double>{a, 1 - w}, {b, w}}) {
          if (weight == 0) continue;
          const Vec3& o = layout.origins[file];
          const Vec3 local{p[0] - o[0], p[1] - o[1], p[2] - o[2]};
          value += weight * sample(file, dot(local, layout.row) / layout.spacing_x,
                                   dot(local, layout.column) / layout.spacing_y);
        }
        out.at(x, y, k) = float(value);
      }
  }
  return out;
}

}  // namespace scopemia::io::dcmtk_impl
