#pragma once
// DICOM Segmentation objects (SEG): BINARY (1 bit), FRACTIONAL (8 bit) and
// LABELMAP (8/16 bit) segmentation types, any number of segments, sparse
// frames. Frames are placed by their Plane Position (Patient) either on the
// grid of the referenced image series or on the SEG's own grid. Parsing uses
// DCMTK (dcmdata); see docs/dicom.md.
#include <optional>
#include <string>
#include <vector>

#include "core/image.h"

namespace scopemia::io {

struct SegSegment {
  int number = 0;           // SegmentNumber
  std::string label;        // SegmentLabel
  std::string description;  // SegmentDescription
  std::string property;     // SegmentedPropertyType CodeMeaning
  int frame_count = 0;      // frames that carry this segment (LABELMAP: all frames)
};

struct SegInfo {
  std::string path;
  std::string type;             // "BINARY", "FRACTIONAL" or "LABELMAP"
  std::string fractional_type;  // "PROBABILITY" / "OCCUPANCY" (FRACTIONAL only)
  double max_fractional_value = 1;
  int rows = 0, columns = 0, frames = 0, bits_allocated = 0;
  std::optional<int> padding_value;  // PixelPaddingValue (LABELMAP: fills missing frames)
  std::string referenced_series_uid;
  std::string frame_of_reference_uid;
  std::vector<SegSegment> segments;
  Size3 size;         // the SEG's own grid (frames stacked along the normal, gaps included)
  Geometry geometry;  // of that grid
};

bool is_seg_file(const std::string& path);

// Header and segments (no pixel data). InputError when not a SEG.
SegInfo read_seg_info(const std::string& path);

// The segment `selector` names: its SegmentNumber, else its label (exact,
// then case-insensitive). InputError listing the segments otherwise.
const SegSegment& choose_segment(const SegInfo& info, const std::string& selector);

struct SegReadOptions {
  // When set, the output grid is the referenced series in this folder (the
  // one with the SEG's referenced SeriesInstanceUID, else `series_uid`);
  // otherwise it is the SEG's own grid (SegInfo::size/geometry).
  std::string reference_folder;
  std::string series_uid;
  // FRACTIONAL: a voxel is in the segment when value / MaximumFractionalValue >= this.
  double fraction_threshold = 0.5;
  // Frame origins must lie within this distance (mm) of a voxel centre of the
  // output grid; < 0 means a quarter of the smallest spacing.
  double position_tolerance_mm = -1.0;
};

// One segment as a 0/1 mask.
LabelMap read_seg_segment(const std::string& path, const std::string& selector, const SegReadOptions& options = {});

// One segment's fractions in [0, 1] (BINARY and LABELMAP give 0/1).
Volume read_seg_fraction(const std::string& path, const std::string& selector, const SegReadOptions& options = {});

// All segments in one label map, each voxel = its segment number. LABELMAP
// SEGs give their stored values (missing frames = PixelPaddingValue, or 0).
// InputError when segments overlap (read them one at a time then) or a
// segment number exceeds 255.
LabelMap read_seg_label_map(const std::string& path, const SegReadOptions& options = {});

}  // namespace scopemia::io
