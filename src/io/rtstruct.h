#pragma once
// DICOM RT Structure Sets (RTSTRUCT): list the ROIs, rasterise one onto the
// grid of the image series it references. Parsing uses DCMTK (dcmdata); no
// DCMTK header leaks out of rtstruct.cpp. See docs/dicom.md.
#include <array>
#include <string>
#include <vector>

#include "core/image.h"

namespace scopemia::io {

struct RtRoi {
  int number = 0;         // ROINumber
  std::string name;       // ROIName
  int contour_count = 0;  // items in its ContourSequence (0: an empty ROI)
  std::string frame_of_reference_uid;
};

struct RtStructInfo {
  std::string path;
  std::string label;                   // StructureSetLabel
  std::string frame_of_reference_uid;  // of the referenced frame
  std::string referenced_series_uid;   // RTReferencedSeriesSequence's SeriesInstanceUID ("" when absent)
  std::vector<RtRoi> rois;
};

// True when `path` is a readable DICOM file whose Modality / SOP class is RTSTRUCT.
bool is_rtstruct_file(const std::string& path);

// Header, referenced series and ROIs. InputError when the file is not an RTSTRUCT.
RtStructInfo read_rtstruct_info(const std::string& path);

// One planar contour in patient coordinates (LPS, mm), as stored.
struct Contour {
  std::vector<std::array<double, 3>> points;
};

// The ROI chosen by `selector`: its exact name; else a case-insensitive
// exact name; else a regular expression (ECMAScript, whole name,
// case-insensitive) that must match exactly one ROI; else a ROI number.
// An empty selector picks the only ROI of a one-ROI structure set.
// InputError listing the ROI names when nothing (or more than one) matches.
const RtRoi& choose_roi(const RtStructInfo& info, const std::string& selector);

// The CLOSED_PLANAR contours of ROI `roi_number` (POINT / OPEN_PLANAR ones are skipped).
std::vector<Contour> read_roi_contours(const std::string& path, int roi_number);

struct RasterizeOptions {
  // A contour belongs to the slice whose centre plane is within this distance
  // (mm) of every contour point; < 0 means a quarter of the slice spacing.
  double slice_tolerance_mm = -1.0;
};

// Rasterises contours onto a grid: a voxel is inside when its centre is
// inside an odd number of the slice's polygons (even-odd rule over all the
// contours of a slice, so holes cut out). Voxels are 1 inside, 0 outside.
// InputError when a contour is not on a slice plane or leaves the volume
// along the slice normal.
LabelMap rasterize_contours(const std::vector<Contour>& contours, const Size3& size, const Geometry& geometry,
                            const RasterizeOptions& options = {});

// The even-odd fill of one slice: polygons in continuous index coordinates
// (x, y) of an nx x ny slice (x fastest); sets slice[y*nx+x] = value for each
// voxel centre (x, y) inside. A centre exactly on a left edge is inside, on a
// right edge outside (half-open), so touching polygons do not double-count.
void fill_polygons_even_odd(const std::vector<std::vector<std::array<double, 2>>>& polygons, int64_t nx, int64_t ny,
                            uint8_t* slice, uint8_t value = 1);

struct RtStructReadOptions {
  RasterizeOptions rasterize;
  // When the referenced series cannot be identified, use this series UID
  // (prefix allowed) of the reference folder instead; empty = the one the
  // RTSTRUCT names, else the largest series in the folder.
  std::string series_uid;
  // An ROI whose own ReferencedFrameOfReferenceUID differs from the image
  // series' while its structure set references the series' frame (archives
  // are full of such copies): false = rasterise with a warning, true = refuse.
  bool strict_frame_of_reference = false;
};

// The ROI `roi` (see choose_roi) rasterised onto the referenced image series
// found in `reference_folder`. InputError when the folder has no series
// with the referenced SeriesInstanceUID, when the structure set's frame of
// reference differs from the series' (the ROI's own: see
// strict_frame_of_reference), or when the ROI is unknown.
LabelMap read_rtstruct_roi(const std::string& rtstruct_path, const std::string& reference_folder,
                           const std::string& roi, const RtStructReadOptions& options = {});

}  // namespace scopemia::io
