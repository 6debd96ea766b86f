#include "io/rtstruct.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <regex>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.h"
#include "io/dicom_dcmtk.h"
#include "io/dicom_series.h"
#include "io/image_io.h"

// Built into libscopemia_io_dcmtk (io/dcmtk_library.h): io forwards the
// declared functions here.
namespace scopemia::io::dcmtk_impl {

namespace {

constexpr const char* kRtStructSopClass = "1.2.840.10008.5.1.4.1.1.481.3";

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string roi_names(const RtStructInfo& info) {
  std::string names;
  for (const auto& r : info.rois) names += (names.empty() ? "" : ", ") + fmt::format("{} \"{}\"", r.number, r.name);
  return names.empty() ? std::string("none") : names;
}

DcmItem* require_rtstruct(DcmFileFormat& file, const std::string& path) {
  DcmDataset* ds = file.getDataset();
  const std::string sop = dcm::text(ds, DCM_SOPClassUID);
  const std::string modality = dcm::text(ds, DCM_Modality);
  if (sop != kRtStructSopClass && modality != "RTSTRUCT")
    throw InputError(path, "not a DICOM RT Structure Set (Modality " + (modality.empty() ? "?" : modality) + ")");
  return ds;
}

}  // namespace

bool is_rtstruct_file(const std::string& path) {
  auto file = dcm::try_load(path, /*header_only=*/true);
  if (!file) return false;
  DcmDataset* ds = file->getDataset();
  return dcm::text(ds, DCM_SOPClassUID) == kRtStructSopClass || dcm::text(ds, DCM_Modality) == "RTSTRUCT";
}

RtStructInfo read_rtstruct_info(const std::string& path) {
  auto file = dcm::load(path);
  DcmItem* ds = require_rtstruct(*file, path);
  RtStructInfo info;
  info.path = path;
  info.label = dcm::text(ds, DCM_StructureSetLabel);
  for (DcmItem* frame : dcm::items(ds, DCM_ReferencedFrameOfReferenceSequence)) {
    if (info.frame_of_reference_uid.empty()) info.frame_of_reference_uid = dcm::text(frame, DCM_FrameOfReferenceUID);
    for (DcmItem* study : dcm::items(frame, DCM_RTReferencedStudySequence))
      for (DcmItem* series : dcm::items(study, DCM_RTReferencedSeriesSequence))
        if (info.referenced_series_uid.empty()) info.referenced_series_uid = dcm::text(series, DCM_SeriesInstanceUID);
  }
  std::map<int, int> contours_per_roi;
  for (DcmItem* rc : dcm::items(ds, DCM_ROIContourSequence))
    contours_per_roi[dcm::integer(rc, DCM_ReferencedROINumber, -1)] +=
        int(dcm::items(rc, DCM_ContourSequence).size());
  for (DcmItem* roi : dcm::items(ds, DCM_StructureSetROISequence)) {
    RtRoi r;
    r.number = dcm::integer(roi, DCM_ROINumber, -1);
    r.name = dcm::text(roi, DCM_ROIName);
    r.frame_of_reference_uid = dcm::text(roi, DCM_ReferencedFrameOfReferenceUID);
    auto it = contours_per_roi.find(r.number);
    r.contour_count = it == contours_per_roi.end() ? 0 : it->second;
    info.rois.push_back(std::move(r));
  }
  if (info.frame_of_reference_uid.empty() && !info.rois.empty())
    info.frame_of_reference_uid = info.rois.front().frame_of_reference_uid;
  return info;
}

const RtRoi& choose_roi(const RtStructInfo& info, const std::string& selector) {
  if (selector.empty()) {
    if (info.rois.size() == 1) return info.rois.front();
    throw InputError(info.path, "no ROI chosen (ROIs: " + roi_names(info) + ")");
  }
  for (const auto& r : info.rois)
    if (r.name == selector) return r;
  std::vector<const RtRoi*> found;
  for (const auto& r : info.rois)
    if (lower(r.name) == lower(selector)) found.push_back(&r);
  if (found.size() == 1) return *found.front();
  if (found.empty()) {
    std::regex pattern;
    bool valid = true;
    try {
      pattern = std::regex(selector, std::regex::ECMAScript | std::regex::icase);
    } catch (const std::regex_error&) {
      valid = false;
    }
    if (valid)
      for (const auto& r : info.rois)
        if (std::regex_match(r.name, pattern)) found.push_back(&r);
  }
  if (found.size() > 1) {
    std::string names;
    for (const auto* r : found) names += (names.empty() ? "" : ", ") + ("\"" + r->name + "\"");
    throw InputError(info.path, "ROI \"" + selector + "\" matches several ROIs: " + names);
  }
  if (found.size() == 1) return *found.front();
  if (!selector.empty() && std::all_of(selector.begin(), selector.end(), ::isdigit)) {
    const int number = std::atoi(selector.c_str());
    for (const auto& r : info.rois)
      if (r.number == number) return r;
  }
  throw InputError(info.path, "no ROI \"" + selector + "\" (ROIs: " + roi_names(info) + ")");
}

std::vector<Contour> read_roi_contours(const std::string& path, int roi_number) {
  auto file = dcm::load(path);
  DcmItem* ds = require_rtstruct(*file, path);
  std::vector<Contour> out;
  for (DcmItem* rc : dcm::items(ds, DCM_ROIContourSequence)) {
    if (dcm::integer(rc, DCM_ReferencedROINumber, -1) != roi_number) continue;
    for (DcmItem* c : dcm::items(rc, DCM_ContourSequence)) {
      const std::string type = dcm::text(c, DCM_ContourGeometricType);
      if (!type.empty() && type != "CLOSED_PLANAR") continue;
      const auto xyz = dcm::numbers(c, DCM_ContourData);
      if (std::any_of(xyz.begin(), xyz.end(), [](double v) { return !std::isfinite(v); }))
        throw InputError(path, fmt::format("ROI {}: ContourData holds a NaN or infinite coordinate", roi_number));
      if (xyz.size() % 3 != 0)
        throw InputError(path, fmt::format("ROI {}: ContourData holds {} values, not triples", roi_number, xyz.size()));
      Contour contour;
      for (size_t i = 0; i + 2 < xyz.size(); i += 3) contour.points.push_back({xyz[i], xyz[i + 1], xyz[i + 2]});
      if (contour.points.size() >= 3) out.push_back(std::move(contour));
    }
  }
  return out;
}

void fill_polygons_even_odd(const std::vector<std::vector<std::array<double, 2>>>& polygons, int64_t nx, int64_t ny,
                            uint8_t* slice, uint8_t value) {
  // Scanline at each row of voxel centres: the x of every edge crossing,
  // sorted; centres between crossings 0-1, 2-3, ... are inside. An edge
  // counts for rows y with min(y0,y1) <= y < max(y0,y1) (half-open, so a
  // vertex on the row is counted once and horizontal edges never).
  double ymin = 1e300, ymax = -1e300;
  for (const auto& p : polygons)
    for (const auto& v : p) {
      ymin = std::min(ymin, v[1]);
      ymax = std::max(ymax, v[1]);
    }
  if (!(ymin <= ymax)) return;
  // Clamped before the conversion to an integer: a vertex far off the slice
  // (1e300, found by fuzzing) must not overflow it.
  const auto to_index = [](double v, int64_t lo, int64_t hi) { return int64_t(std::clamp(v, double(lo), double(hi))); };
  const int64_t y_first = to_index(std::ceil(ymin), 0, ny);
  const int64_t y_last = to_index(std::floor(ymax), -1, ny - 1);
  std::vector<double> xs;
  for (int64_t y = y_first; y <= y_last; ++y) {
    const double yc = double(y);
    xs.clear();
    for (const auto& p : polygons) {
      const size_t n = p.size();
      for (size_t i = 0; i < n; ++i) {
        const auto& a = p[i];
        const auto& b = p[(i + 1) % n];
        if ((a[1] <= yc) == (b[1] <= yc)) continue;
        const double x = a[0] + (yc - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
        if (!std::isnan(x)) xs.push_back(x);  // sorting needs an order; NaN has none
      }
    }
    std::sort(xs.begin(), xs.end());
    uint8_t* row = slice + y * nx;
    for (size_t k = 0; k + 1 < xs.size(); k += 2) {
      // Centres x with xs[k] <= x < xs[k+1].
      const int64_t x0 = to_index(std::ceil(xs[k]), 0, nx);
      const int64_t x1 = to_index(std::ceil(xs[k + 1]), 0, nx) - 1;
      for (int64_t x = x0; x <= x1; ++x) row[x] = value;
    }
  }
}

LabelMap rasterize_contours(const std::vector<Contour>& contours, const Size3& size, const Geometry& geometry,
                            const RasterizeOptions& options) {
  LabelMap mask(size, geometry, 0);
  const double tolerance = options.slice_tolerance_mm >= 0 ? options.slice_tolerance_mm : 0.25 * geometry.spacing[2];
  std::map<int64_t, std::vector<std::vector<std::array<double, 2>>>> per_slice;
  for (const auto& contour : contours) {
    std::vector<std::array<double, 2>> polygon;
    polygon.reserve(contour.points.size());
    double zsum = 0;
    std::vector<double> zs;
    for (const auto& p : contour.points) {
      const Vec3 index = geometry.physical_to_index(Vec3{p[0], p[1], p[2]});
      if (!(std::isfinite(index[0]) && std::isfinite(index[1]) && std::isfinite(index[2])))
        throw InputError(fmt::format("a contour point ({:g}, {:g}, {:g}) mm cannot be placed on the image grid", p[0],
                                     p[1], p[2]));
      polygon.push_back({index[0], index[1]});
      zs.push_back(index[2]);
      zsum += index[2];
    }
    if (polygon.empty()) continue;
    const double zmean = zsum / double(zs.size());
    const int64_t k = int64_t(std::llround(zmean));
    for (double z : zs) {
      const double off_mm = std::abs(z - double(k)) * geometry.spacing[2];
      if (off_mm > tolerance) {
        const auto& p = contour.points.front();
        throw InputError(fmt::format(
            "a contour at ({:.2f}, {:.2f}, {:.2f}) mm lies {:.3f} mm off the nearest slice plane of the reference "
            "series (tolerance {:.3f} mm): not the series the contours were drawn on, or a non-axial contour",
            p[0], p[1], p[2], off_mm, tolerance));
      }
    }
    if (k < 0 || k >= size.z) {
      const auto& p = contour.points.front();
      throw InputError(
          fmt::format("a contour at ({:.2f}, {:.2f}, {:.2f}) mm is outside the reference series (slice {} of 0..{})",
                      p[0], p[1], p[2], k, size.z - 1));
    }
    per_slice[k].push_back(std::move(polygon));
  }
  for (const auto& [k, polygons] : per_slice)
    fill_polygons_even_odd(polygons, size.x, size.y, mask.data() + k * size.x * size.y, 1);
  return mask;
}

LabelMap read_rtstruct_roi(const std::string& rtstruct_path, const std::string& reference_folder,
                           const std::string& roi, const RtStructReadOptions& options) {
  const RtStructInfo info = read_rtstruct_info(rtstruct_path);
  const RtRoi& chosen = dcmtk_impl::choose_roi(info, roi);  // not io:: (found by ADL)

  // The referenced series, by UID, in the reference folder.
  std::vector<DicomSeries> all = find_dicom_series(reference_folder);
  std::string uid = !options.series_uid.empty() ? options.series_uid : info.referenced_series_uid;
  const DicomSeries* series = nullptr;
  if (uid.empty()) {
    series = &all.front();
  } else {
    for (const auto& s : all)
      if (dcm::series_matches(s.uid, uid, /*prefix=*/!options.series_uid.empty())) {
        series = &s;
        break;
      }
    if (!series) {
      std::string known;
      for (const auto& s : all) known += (known.empty() ? "" : ", ") + s.uid;
      throw InputError(reference_folder, fmt::format("does not hold the image series that {} references ({}); "
                                                     "series here: {}",
                                                     rtstruct_path, uid, known));
    }
  }
  // Same frame of reference (when both say): the structure set's must be the
  // series'; an ROI naming another one is a common copy error, rasterised on
  // the series its structure set references unless strict.
  auto first = dcm::load(series->files.front(), /*header_only=*/true);
  const std::string image_frame = dcm::text(first->getDataset(), DCM_FrameOfReferenceUID);
  const std::string& set_frame = info.frame_of_reference_uid;
  const std::string& roi_frame = chosen.frame_of_reference_uid;
  if (!image_frame.empty() && !set_frame.empty() && set_frame != image_frame)
    throw InputError(reference_folder, fmt::format("frame of reference {} differs from the one of the structure set {} ({})",
                                                   image_frame, rtstruct_path, set_frame));
  if (!image_frame.empty() && !roi_frame.empty() && roi_frame != image_frame) {
    const std::string what = fmt::format("frame of reference {} of ROI \"{}\" in {} differs from the image series' ({})",
                                         roi_frame, chosen.name, rtstruct_path, image_frame);
    if (options.strict_frame_of_reference || set_frame.empty()) throw InputError(reference_folder, what);
    spdlog::warn("{}; its structure set references the series' frame, so it is rasterised on that series", what);
  }
  ReadOptions read;
  read.series_uid = series->uid;
  const ImageInfo image = read_info(reference_folder, read);
  const auto contours = read_roi_contours(rtstruct_path, chosen.number);
  if (contours.empty())
    throw InputError(rtstruct_path, fmt::format("ROI \"{}\" has no closed planar contours", chosen.name));
  try {
    return dcmtk_impl::rasterize_contours(contours, image.size, image.geometry, options.rasterize);
  } catch (const InputError& e) {
    throw InputError(rtstruct_path, fmt::format("ROI \"{}\" on {}: {}", chosen.name, reference_folder, e.cause()));
  }
}

}  // namespace scopemia::io::dcmtk_impl
