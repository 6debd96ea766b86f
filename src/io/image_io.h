#pragma once
// Reading and writing volumes through ITK: NIfTI (.nii, .nii.gz), NRRD
// (.nrrd, .nhdr), MetaImage (.mha, .mhd) and, for a folder, a DICOM series.
// Geometry (spacing, origin, direction) is carried exactly; errors are
// InputErrors naming the file.
#include <optional>
#include <string>

#include "core/image.h"

namespace scopemia::io {

struct ReadOptions {
  // For a DICOM folder: the SeriesInstanceUID (or a prefix of it) to read;
  // empty = the series with the most slices.
  std::string series_uid;
  // For a DICOM folder whose slices are unevenly spaced, missing, sheared
  // (gantry tilt): resample onto a regular grid instead of an InputError.
  bool resample_slices = false;
};

struct ImageInfo {
  std::string path;
  std::string format;  // "NIfTI", "NRRD", "MetaImage", "DICOM series", ...
  Size3 size;
  Geometry geometry;
  PixelType pixel_type = PixelType::Float32;  // after DICOM rescale slope/intercept
  int components = 1;
  std::string series_uid;  // DICOM only
  int series_count = 0;    // DICOM only: series found in the folder
};

// Header only (for a DICOM folder: the chosen series' files are scanned).
ImageInfo read_info(const std::string& path, const ReadOptions& options = {});

// Intensities as float32 (CT in HU: DICOM rescale applied).
Volume read_volume(const std::string& path, const ReadOptions& options = {});

// read_volume's float32 values held as float64 (what radiomics computes on),
// without a float32 image in between.
Image<double> read_volume_widened(const std::string& path, const ReadOptions& options = {});

// An image file (not a DICOM folder) as float64: every int32/uint32 value and
// every integer up to 2^53 exactly (float32 rounds those above 2^24). For
// `convert`, which must not change a voxel.
Image<double> read_volume_exact(const std::string& path);

// A segmentation: integer labels 0..255. A file with other values (negative,
// fractional, > 255) is an InputError.
LabelMap read_label_map(const std::string& path, const ReadOptions& options = {});

// Writes by extension. `pixel_type` defaults to the volume's source pixel
// type; values are rounded and clamped into integer types.
void write_volume(const Volume& volume, const std::string& path,
                  std::optional<PixelType> pixel_type = std::nullopt);
void write_volume(const Image<double>& volume, const std::string& path,
                  std::optional<PixelType> pixel_type = std::nullopt);
void write_label_map(const LabelMap& labels, const std::string& path);

// True when ITK has a writer for the path's extension.
bool can_write(const std::string& path);

}  // namespace scopemia::io
