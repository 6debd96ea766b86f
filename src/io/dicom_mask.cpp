#include "io/dicom_mask.h"

#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"
#include "io/dicom_seg.h"
#include "io/image_io.h"
#include "io/rtstruct.h"

namespace scopemia::io {

namespace fs = std::filesystem;

namespace {

bool exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

// Files that ITK reads by extension are never probed as DICOM.
bool image_extension(const std::string& path) {
  const std::string ext = full_extension(path);
  for (const char* e : {".nii", ".nii.gz", ".nrrd", ".nhdr", ".mha", ".mhd", ".png"})
    if (ext == e) return true;
  return false;
}

}  // namespace

MaskSpec parse_mask_spec(const std::string& spec) {
  if (exists(spec)) return {spec, ""};
  const auto hash = spec.rfind('#');
  if (hash == std::string::npos || hash == 0) return {spec, ""};
  const std::string path = spec.substr(0, hash);
  if (!exists(path)) return {spec, ""};
  return {path, spec.substr(hash + 1)};
}

bool is_dicom_mask(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec) || image_extension(path)) return false;
  return is_rtstruct_file(path) || is_seg_file(path);
}

LabelMap read_mask(const std::string& spec, const std::string& image_path, const std::string& roi) {
  MaskSpec mask = parse_mask_spec(spec);
  if (!roi.empty()) mask.roi = roi;
  std::error_code ec;
  const bool regular = fs::is_regular_file(mask.path, ec);
  if (regular && !image_extension(mask.path)) {
    if (is_rtstruct_file(mask.path)) {
      if (!fs::is_directory(image_path, ec))
        throw InputError(
            mask.path,
            "an RTSTRUCT mask needs its image as the DICOM series folder it was drawn on, not " + image_path);
      return read_rtstruct_roi(mask.path, image_path, mask.roi);
    }
    if (is_seg_file(mask.path)) {
      SegReadOptions options;
      if (fs::is_directory(image_path, ec)) options.reference_folder = image_path;
      return mask.roi.empty() ? read_seg_label_map(mask.path, options) : read_seg_segment(mask.path, mask.roi, options);
    }
  }
  if (!mask.roi.empty())
    throw InputError(mask.path, "ROI \"" + mask.roi + "\" given, but this is not an RTSTRUCT or DICOM-SEG file");
  return read_label_map(mask.path);
}

}  // namespace scopemia::io
