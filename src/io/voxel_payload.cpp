#include "io/voxel_payload.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <libdeflate.h>

#include "core/atomic_file.h"
#include "io/image_file_checks.h"

namespace scopemia::io {
namespace {

constexpr bool kLittleEndianMachine = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

struct FileBytes {
  std::shared_ptr<const void> owner;
  const uint8_t* bytes = nullptr;
  uint64_t size = 0;
};

// The whole file, read into memory of its own; nullopt where it cannot be
// read (ITK then opens it and says why). Read, not mapped: unmapping in a
// process with several threads interrupts the others (TLB shootdowns), and
// the LIDC batch at -j 2 lost its second core's gain to it.
std::optional<FileBytes> read_whole_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size <= 0) {
    ::close(fd);
    return std::nullopt;
  }
  const size_t size = size_t(st.st_size);
  std::shared_ptr<uint8_t> buffer(new (std::nothrow) uint8_t[size], std::default_delete<uint8_t[]>());
  size_t done = 0;
  while (buffer && done < size) {
    const ssize_t got = ::read(fd, buffer.get() + done, size - done);
    if (got <= 0) break;
    done += size_t(got);
  }
  ::close(fd);
  if (!buffer || done != size) return std::nullopt;
  FileBytes file;
  file.bytes = buffer.get();
  file.owner = std::move(buffer);
  file.size = size;
  return file;
}

bool is_gzip(const FileBytes& file, uint64_t offset) {
  return file.size >= offset + 18 && file.bytes[offset] == 0x1f && file.bytes[offset + 1] == 0x8b;
}

// The gzip member starting at `offset`, inflated into exactly `bytes` bytes
// at `out` (fewer or more, a bad CRC or corrupt data: false).
bool inflate_exactly(const FileBytes& file, uint64_t offset, uint8_t* out, uint64_t bytes) {
  libdeflate_decompressor* inflater = libdeflate_alloc_decompressor();
  if (!inflater) return false;
  const libdeflate_result result =
      libdeflate_gzip_decompress(inflater, file.bytes + offset, file.size - offset, out, bytes, nullptr);
  libdeflate_free_decompressor(inflater);
  return result == LIBDEFLATE_SUCCESS;
}

// `bytes` voxel bytes from `offset` of the file (raw) or of the stream
// inflated from `stream_offset` (gzip, which then holds offset + bytes):
// into the end of `into` where the stream fits, else into a buffer of its
// own. (zlib streaming in blocks, tried to spare that buffer, inflated
// brain1's 6.5 MB label map in ~20 ms against libdeflate's few.)
std::optional<StoredVoxels> voxels_at(const FileBytes& file, bool gzip, uint64_t stream_offset, uint64_t offset,
                                      uint64_t bytes, bool swapped, InflateInto into) {
  if (!gzip) {
    if (file.size < offset || file.size - offset < bytes) return std::nullopt;
    return StoredVoxels(file.owner, file.bytes + offset, bytes, swapped);
  }
  if (!is_gzip(file, stream_offset)) return std::nullopt;
  const uint64_t stream_bytes = offset + bytes;
  std::shared_ptr<uint8_t> own;
  uint8_t* out = nullptr;
  if (into.data && into.size >= stream_bytes) {
    out = into.data + (into.size - stream_bytes);
  } else {
    own.reset(new (std::nothrow) uint8_t[stream_bytes ? stream_bytes : 1], std::default_delete<uint8_t[]>());
    out = own.get();
  }
  if (!out || !inflate_exactly(file, stream_offset, out, stream_bytes)) return std::nullopt;
  return StoredVoxels(own, out + offset, bytes, swapped);
}

std::optional<StoredVoxels> nrrd_voxels(const std::string& path, uint64_t image_bytes, int element_bytes,
                                        InflateInto into) {
  const NrrdLayout layout = read_nrrd_layout(path);
  if (layout.data.empty() || !layout.simple) return std::nullopt;
  bool swapped = false;
  if (element_bytes > 1) {
    if (layout.endian != "little" && layout.endian != "big") return std::nullopt;
    swapped = (layout.endian == "little") != kLittleEndianMachine;
  }
  const bool gzip = layout.gzip();
  if (!gzip && layout.encoding != "raw") return std::nullopt;
  auto file = read_whole_file(layout.data);
  if (!file) return std::nullopt;
  // teem skips a compressed stream's "byte skip" after inflating it.
  return gzip ? voxels_at(*file, true, layout.offset, uint64_t(layout.byte_skip), image_bytes, swapped, into)
              : voxels_at(*file, false, 0, layout.offset, image_bytes, swapped, into);
}

std::optional<StoredVoxels> nifti_voxels(const std::string& path, uint64_t image_bytes, InflateInto into) {
  const std::string extension = full_extension(path);
  if (extension != ".nii" && extension != ".nii.gz") return std::nullopt;
  const NiftiHeader header = read_nifti_header(path);
  if (!header.single_file) return std::nullopt;
  if (header.scaled()) return std::nullopt;
  auto file = read_whole_file(path);
  if (!file) return std::nullopt;
  return voxels_at(*file, is_gzip(*file, 0), 0, uint64_t(header.vox_offset), image_bytes, header.swapped, into);
}

}  // namespace

bool StoredVoxels::next(uint8_t* out, uint64_t bytes) {
  if (size_ - position_ < bytes) return false;
  std::memmove(out, bytes_ + position_, bytes);  // may overlap: the caller's buffer (InflateInto)
  position_ += bytes;
  return true;
}

std::optional<StoredVoxels> read_stored_voxels(const std::string& path, const std::string& format,
                                               uint64_t image_bytes, int element_bytes, InflateInto into) {
  if (format == "NRRD") return nrrd_voxels(path, image_bytes, element_bytes, into);
  if (format == "NIfTI") return nifti_voxels(path, image_bytes, into);
  return std::nullopt;
}

}  // namespace scopemia::io
