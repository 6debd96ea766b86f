#pragma once
// The voxels of a NRRD or NIfTI file as stored, read without ITK's reader:
// the file read whole, a gzip stream inflated by libdeflate in one call into
// memory the caller offers (else into a buffer of its own). ITK's
// readers inflate with zlib into a buffer of their own and convert into a
// third; fresh memory costs more than inflating here (a 2 MiB huge page
// fault is ~0.3-3 ms on this machine): for a single brain1 case that was
// half of the whole-process time (docs/performance.md, "Start-up and
// single cases").
//
// Only for the layouts it knows completely -- NRRD with its data attached
// or in one detached file, raw or gzip; single-file NIfTI (.nii, .nii.gz)
// without intensity scaling -- and only for data that decode to exactly the
// announced size. Everything else gives nullopt and ITK reads the file as
// before, with its error messages for damaged data.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace scopemia::io {

// Memory the caller offers for the voxels: an inflated stream lands at its
// end when it fits. Reading an int16 image into the end of its float64
// buffer and widening front to back, block by block, never overwrites a
// value not yet read.
struct InflateInto {
  uint8_t* data = nullptr;
  uint64_t size = 0;
};

// The stored voxel bytes, read once, front to back.
class StoredVoxels {
 public:
  // `owner` keeps `bytes` alive (nullptr: the caller does).
  StoredVoxels(std::shared_ptr<const void> owner, const uint8_t* bytes, uint64_t size, bool swapped)
      : owner_(std::move(owner)), bytes_(bytes), size_(size), swapped_(swapped) {}
  uint64_t size() const { return size_; }
  // Stored in the other byte order than this machine's.
  bool swapped() const { return swapped_; }
  // The next `bytes` bytes into `out` (which may overlap them: InflateInto);
  // false past the end.
  bool next(uint8_t* out, uint64_t bytes);

 private:
  std::shared_ptr<const void> owner_;
  const uint8_t* bytes_;
  uint64_t size_;
  uint64_t position_ = 0;
  bool swapped_;
};

// `format` as ITK names it ("NRRD", "NIfTI"); `image_bytes` the size the
// header announces (ITK's GetImageSizeInBytes), `element_bytes` one value's.
// Call after the header checks of io/image_file_checks.h.
std::optional<StoredVoxels> read_stored_voxels(const std::string& path, const std::string& format,
                                               uint64_t image_bytes, int element_bytes, InflateInto into = {});

}  // namespace scopemia::io
