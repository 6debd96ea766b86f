#pragma once
// Masks from any source for a given image: a label-map file (NIfTI, NRRD,
// ...), an RTSTRUCT ROI or a DICOM-SEG segment. For case manifests
// (`Mask` column "RS.dcm#GTV-1", or a separate `ROI` column) and the CLI.
#include <string>

#include "core/image.h"

namespace scopemia::io {

struct MaskSpec {
  std::string path;
  std::string roi;  // RTSTRUCT ROI / SEG segment ("" = the only one / all)
};

// "FILE#ROI" -> {FILE, ROI}. A '#' is a separator only when the whole text is
// not an existing file and the part before the last '#' is.
MaskSpec parse_mask_spec(const std::string& spec);

// True when `path` is an RTSTRUCT or DICOM-SEG file.
bool is_dicom_mask(const std::string& path);

// The mask `spec` (see parse_mask_spec; `roi`, when not empty, overrides the
// suffix) for the image at `image_path`:
// - RTSTRUCT: the ROI rasterised onto `image_path`, which must be the DICOM
//   folder holding the referenced series (voxels 0/1);
// - SEG: the segment (0/1), or all segments as labels when no ROI is given,
//   on the grid of `image_path` when it is a DICOM folder, else on the SEG's
//   own grid;
// - anything else: read_label_map (an ROI is then an InputError).
LabelMap read_mask(const std::string& spec, const std::string& image_path, const std::string& roi = "");

}  // namespace scopemia::io
