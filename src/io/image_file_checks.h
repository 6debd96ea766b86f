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

// After conversion to float32: every voxel finite (a NaN/Inf in NRRD or
// MetaImage data, or a float64 value beyond float32's range).
void check_finite_voxels(const std::string& path, const float* data, int64_t count);
void check_finite_voxels(const std::string& path, const double* data, int64_t count);

// Direction cosines must be orthonormal: a skewed grid (NRRD space
// directions that are not perpendicular) cannot be represented by spacing +
// direction, and everything downstream would place voxels wrongly.
void check_direction(const std::string& path, const Geometry& geometry);

}  // namespace scopemia::io
