#pragma once
// DICOM series in a folder (ITK + GDCM), without reading pixel data.
#include <string>
#include <vector>

#include "core/image.h"

namespace scopemia::io {

struct DicomSeries {
  std::string uid;                 // GDCM's series identifier (SeriesInstanceUID first)
  std::vector<std::string> files;  // sorted along the slice normal
};

// Every series under `folder` (recursively), largest first. Throws InputError
// when the folder has none.
std::vector<DicomSeries> find_dicom_series(const std::string& folder);

// The series `uid` (exact or prefix), or the largest when `uid` is empty.
DicomSeries choose_dicom_series(const std::string& folder, const std::string& uid);

// Slice geometry of a series of single-frame files, from their headers
// (Image Position / Orientation (Patient), Pixel Spacing), in file order.
// Checks (see docs/dicom.md): one orientation for all slices; slice planes
// evenly spaced along the normal (else "missing slices" when a gap is a
// multiple of the usual one, "non-uniform slice spacing" otherwise); slice
// origins on a line along the normal (else a gantry/detector tilt); no two
// slices on one plane.
struct SliceLayout {
  bool checked = false;     // false: too few headers to check (one file, multi-frame, no positions)
  std::string problem;      // "" when the slices form a regular grid; else a one-line description
  std::vector<Vec3> origins;  // Image Position (Patient) of each file, file order
  Vec3 row{1, 0, 0}, column{0, 1, 0}, normal{0, 0, 1};
  int rows = 0, columns = 0;
  double spacing_x = 1, spacing_y = 1;  // between columns, between rows (mm)
  // The regular grid over the slices: the first file's origin, in-plane axes
  // as stored, slices along the normal at the smallest gap between slices.
  Size3 size;
  Geometry geometry;
};

// Reads the series' headers (DCMTK). Tolerances: orientation 1e-4 (cosines);
// gaps 0.02 mm + 1 % of the median gap; sideways shift from the first slice
// 0.02 mm + 1e-3 of the distance along the normal.
SliceLayout analyse_slices(const DicomSeries& series);

// Every file's Pixel Data must hold what Rows x Columns x Bits Allocated x
// Samples x Frames announce (uncompressed transfer syntaxes; encapsulated
// data must at least load): GDCM reads a slice file cut short without error
// and the missing voxels come out as garbage. InputError naming the file.
void check_pixel_data_complete(const DicomSeries& series);

// The InputError for a layout with a problem, naming the folder.
[[noreturn]] void throw_slice_problem(const std::string& folder, const DicomSeries& series, const SliceLayout& layout);

// Resamples a series read as a plain stack of its slices (in file order) onto
// layout.size/geometry: linear along the normal between the two nearest
// slices, bilinear in-plane (so a tilted stack is un-sheared); positions
// beyond a slice's edge take the edge value.
Volume resample_slices(const Volume& stack, const SliceLayout& layout);

}  // namespace scopemia::io
