#pragma once
// The voxels of a NRRD or NIfTI file as stored, read without ITK's reader:
// the file mapped, a gzip stream inflated by libdeflate in one call into one
// buffer. ITK's readers inflate with zlib into a buffer of their own and
// convert into a third: for a single brain1 case that was half of the
// whole-process time (docs/performance.md, "Start-up and single cases").
//
// Only for the layouts it knows completely -- NRRD with its data attached
// or in one detached file, raw or gzip; single-file NIfTI (.nii, .nii.gz)
// without intensity scaling -- and only for data that decode to exactly the
// announced size. Everything else gives nullopt and ITK reads the file as
// before (with its error messages for damaged data).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace scopemia::io {

class StoredVoxels {
 public:
  StoredVoxels(std::shared_ptr<const void> owner, const uint8_t* bytes, uint64_t size, bool swapped)
      : owner_(std::move(owner)), bytes_(bytes), size_(size), swapped_(swapped) {}
  const uint8_t* bytes() const { return bytes_; }
  uint64_t size() const { return size_; }
  // Stored in the other byte order than this machine's.
  bool swapped() const { return swapped_; }

 private:
  std::shared_ptr<const void> owner_;  // the mapping or the inflated buffer
  const uint8_t* bytes_;
  uint64_t size_;
  bool swapped_;
};

// Memory the caller offers for an inflated stream: it lands at the end of
// it when it fits (else in a buffer of the reader's own). Reading an int16
// image into the end of its float64 buffer and widening front to back
// never overwrites a value not yet read, and spares touching a fresh
// buffer (page faults cost more than inflating here).
struct InflateInto {
  uint8_t* data = nullptr;
  uint64_t size = 0;
};

// `format` as ITK names it ("NRRD", "NIfTI"); `image_bytes` the size the
// header announces (ITK's GetImageSizeInBytes), `element_bytes` one value's.
// Call after the header checks of io/image_file_checks.h.
std::optional<StoredVoxels> read_stored_voxels(const std::string& path, const std::string& format,
                                               uint64_t image_bytes, int element_bytes, InflateInto into = {});

}  // namespace scopemia::io
