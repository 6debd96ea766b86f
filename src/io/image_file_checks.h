#pragma once
// What a file's header promises, checked against the file before ITK reads
// it. ITK's readers trust headers: niftilib turns NaN/Inf voxels into 0,
// zero-fills a short payload, takes pixdim 0 as 1 mm and reads header bytes
// as voxels when vox_offset points into the header; the NRRD reader
// allocates whatever `sizes:` announces before finding the data missing.
// Every check throws an InputError naming the file and the cause.
#include <cstdint>
#include <string>

#include "core/geometry.h"

namespace scopemia::io {

// What a NIfTI-1/2 header (of a .nii, .nii.gz or .hdr) says about the voxels'
// place, type and scaling. Throws an InputError for a file that is no NIfTI
// or announces no byte position for its data.
struct NiftiHeader {
  int version = 0;          // 1 or 2
  bool single_file = true;  // n+1 / n+2 (else .hdr + .img)
  int header_bytes = 348;
  int64_t dim[8] = {};
  double pixdim[8] = {};
  double vox_offset = 0;
  int datatype = 0;
  int bitpix = 0;
  bool swapped = false;  // stored in the other byte order than this machine's
  int qform_code = 0, sform_code = 0;
  double quatern[6] = {};  // b, c, d, qoffset x, y, z
  double srow[12] = {};    // srow_x, srow_y, srow_z
  double scl_slope = 0, scl_inter = 0;
  // ITK rescales the voxels (and reads them as float) unless the slope is 0,
  // or 1 with no intercept.
  bool scaled() const { return scl_slope != 0 && !(scl_slope == 1 && scl_inter == 0); }
};
NiftiHeader read_nifti_header(const std::string& path);
// True for a .nii or .nii.gz whose header reads and carries the single-file
// magic ("n+1" / "n+2"): a file only ITK's NIfTI reader takes.
bool is_single_file_nifti(const std::string& path);

// Where a NRRD header (.nrrd or .nhdr) keeps its data. Throws an InputError
// for a named data file that is missing, or attached data that are absent.
struct NrrdLayout {
  std::string encoding = "raw";
  std::string endian;      // "little", "big", or "" (one-byte types)
  std::string data;        // the file holding the data ("" when ITK must find it: lists, patterns)
  uint64_t offset = 0;     // where the data start in it (raw: after the byte skip; compressed: the stream)
  int64_t byte_skip = 0;   // the header's "byte skip": of the inflated stream when compressed (teem)
  bool simple = true;      // false: line skip / byte skip -1, left to ITK
  bool gzip() const { return encoding == "gzip" || encoding == "gz"; }
  bool compressed() const { return gzip() || encoding == "bzip2" || encoding == "bz2"; }
};
NrrdLayout read_nrrd_layout(const std::string& path);

// Before ITK parses the header (niftilib aborts the process on a NaN
// pixdim): NIfTI-1/2 spacing (pixdim finite and > 0) and vox_offset (past
// the header). `format` is "NIfTI", "NRRD", "MetaImage", ...
void check_image_header(const std::string& path, const std::string& format);

// After the header is parsed, before any voxel is allocated or read (reads
// the file once, in chunks): the data must hold the `image_bytes` the header
// announces -- file size for raw data, the decompressed stream counted for
// gzip (which must also be complete) -- and NIfTI float voxels must be finite
// (niftilib would silently zero them).
void check_image_payload(const std::string& path, const std::string& format, uint64_t image_bytes);

// The InputError for a voxel that is not finite once read as float32 (a
// NaN/Inf in NRRD or MetaImage data, or a float64 value beyond float32's
// range) or as float64. Every voxel is checked as it is converted.
[[noreturn]] void throw_non_finite_voxel(const std::string& path, int64_t index, float value);
[[noreturn]] void throw_non_finite_voxel(const std::string& path, int64_t index, double value);

// Direction cosines must be orthonormal: a skewed grid (NRRD space
// directions that are not perpendicular) cannot be represented by spacing +
// direction, and everything downstream would place voxels wrongly.
void check_direction(const std::string& path, const Geometry& geometry);

}  // namespace scopemia::io
