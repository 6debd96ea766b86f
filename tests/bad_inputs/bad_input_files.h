#pragma once
// Tiny image files written byte by byte, so a test can build exactly the
// malformed header or payload a reader must refuse (a few hundred bytes each).
#include <cstdint>
#include <string>
#include <vector>

namespace scopemia::testing {

// A NIfTI-1 single file (n+1), little-endian, sform = diag(pixdim).
struct NiftiSpec {
  int dims[3] = {6, 6, 6};
  int ndim = 3;
  int dim4 = 1;  // >1: a 4D file
  int datatype = 16;  // 2 uint8, 4 int16, 8 int32, 16 float32, 64 float64
  std::vector<double> values;  // voxel values, x fastest (empty: zeros)
  float pixdim[3] = {1, 1, 1};
  float vox_offset = 352;
  int32_t sizeof_hdr = 348;
  size_t keep_bytes = 0;       // > 0: the uncompressed file cut to this many bytes
  bool gzip = true;            // .nii.gz (a complete gzip stream of the bytes)
};

// The file's bytes (before gzip).
std::string nifti_bytes(const NiftiSpec& spec);
// Writes the spec to `path` (gzip-compressed when spec.gzip).
void write_nifti(const std::string& path, const NiftiSpec& spec);
// Writes bytes as they are, or gzip-compressed.
void write_bytes(const std::string& path, const std::string& bytes, bool gzip = false);

// The standard test case: a 6x6x6 float32 image (values 10 * (i % 7)) and a
// uint8 mask with a 3x3x3 cube of label 1 at 1..3.
std::vector<double> test_image_values();
std::vector<double> test_mask_values();
// Index of a voxel inside the ROI.
constexpr int kRoiVoxel = 1 + 6 * 2 + 36 * 2;

}  // namespace scopemia::testing
