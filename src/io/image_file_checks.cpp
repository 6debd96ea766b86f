#include "io/image_file_checks.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <zlib.h>

#include "core/atomic_file.h"
#include "core/error.h"

namespace scopemia::io {
namespace fs = std::filesystem;

namespace {

// ------------------------------------------------------------------ gzip

// A gzip (or, transparently, plain) stream read in chunks from `offset` of
// a file: zlib's gzread handles both, so NIfTI .nii and .nii.gz share one path.
// `buffer_bytes` sizes zlib's own buffers (0: its default, 8 KiB in and 16
// KiB out). A short read inflates a whole output buffer first, so a reader
// of a header alone asks for small ones.
class ChunkReader {
 public:
  ChunkReader(const std::string& path, uint64_t offset, unsigned buffer_bytes = 0) : path_(path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw InputError(path, "cannot open for reading");
    if (offset > 0 && ::lseek(fd, off_t(offset), SEEK_SET) < 0) {
      ::close(fd);
      throw InputError(path, "cannot seek to the data");
    }
    gz_ = gzdopen(fd, "rb");  // takes the descriptor
    if (!gz_) {
      ::close(fd);
      throw InputError(path, "cannot open for reading");
    }
    if (buffer_bytes > 0) gzbuffer(gz_, buffer_bytes);
  }
  ~ChunkReader() {
    if (gz_) gzclose(gz_);
  }
  ChunkReader(const ChunkReader&) = delete;
  ChunkReader& operator=(const ChunkReader&) = delete;

  // Up to `n` bytes; fewer only at the end of the data.
  size_t read(char* out, size_t n) {
    size_t done = 0;
    while (done < n) {
      const unsigned want = unsigned(std::min<size_t>(n - done, 1u << 30));
      const int got = gzread(gz_, out + done, want);
      if (got < 0) fail();
      if (got == 0) break;
      done += size_t(got);
    }
    return done;
  }
  // Reads to the end, so a cut-short or corrupt gzip stream is reported.
  uint64_t drain() {
    std::vector<char> buffer(1 << 20);
    uint64_t total = 0;
    for (size_t got; (got = read(buffer.data(), buffer.size())) > 0;) total += got;
    int code = Z_OK;
    gzerror(gz_, &code);
    if (code != Z_OK) fail();
    return total;
  }

 private:
  [[noreturn]] void fail() {
    int code = Z_OK;
    const std::string message = gzerror(gz_, &code);
    throw InputError(path_, "truncated or corrupt compressed data (" + message + ")");
  }
  std::string path_;
  gzFile gz_ = nullptr;
};

bool starts_with_gzip_magic(const std::string& path, uint64_t offset = 0) {
  std::ifstream f(path, std::ios::binary);
  f.seekg(std::streamoff(offset));
  unsigned char magic[2] = {0, 0};
  f.read(reinterpret_cast<char*>(magic), 2);
  return f.gcount() == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

// True when `path` is gzip-compressed from `offset` on and its last four bytes
// (RFC 1952's ISIZE: the uncompressed size of the last member, mod 2^32) are
// `bytes`. A stream cut short has no trailer there, so reading it through to
// find the cut is left to streams this does not vouch for (several members,
// extra bytes after the data); a complete stream's corruption is caught by
// the reader's own inflate (CRC and data errors), which ITK reports.
bool gzip_trailer_says(const std::string& path, uint64_t offset, uint64_t bytes) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  const std::streamoff size = f.tellg();
  if (!f || size < std::streamoff(offset) + 18) return false;  // gzip header + trailer at least
  unsigned char trailer[4];
  f.seekg(size - 4);
  f.read(reinterpret_cast<char*>(trailer), 4);
  if (f.gcount() != 4) return false;
  const uint32_t isize = uint32_t(trailer[0]) | uint32_t(trailer[1]) << 8 | uint32_t(trailer[2]) << 16 |
                         uint32_t(trailer[3]) << 24;
  return isize == uint32_t(bytes & 0xffffffffu);
}

void require_bytes(const std::string& path, uint64_t have, uint64_t needed, const char* what) {
  if (have < needed)
    throw InputError(path, fmt::format("truncated: {} {} bytes, the header announces {}", have, what, needed));
}

// ------------------------------------------------------------------ NIfTI


template <typename T>
T field(const unsigned char* h, size_t offset, bool swapped) {
  unsigned char b[sizeof(T)];
  std::memcpy(b, h + offset, sizeof(T));
  if (swapped) std::reverse(b, b + sizeof(T));
  T v;
  std::memcpy(&v, b, sizeof(T));
  return v;
}

}  // namespace

NiftiHeader read_nifti_header(const std::string& path) {
  unsigned char h[544] = {};
  ChunkReader reader(path, 0, 512);  // inflates ~1 KiB instead of 16 (6 header reads per NIfTI file read)
  const size_t n = reader.read(reinterpret_cast<char*>(h), sizeof h);
  if (n < 348) throw InputError(path, "truncated NIfTI header");
  NiftiHeader hd;
  const int32_t size_native = field<int32_t>(h, 0, false);
  const int32_t size_swapped = field<int32_t>(h, 0, true);
  if (size_native == 348 || size_swapped == 348) {
    hd.version = 1;
    hd.swapped = size_native != 348;
    hd.header_bytes = 348;
    for (int i = 0; i < 8; ++i) hd.dim[i] = field<int16_t>(h, 40 + 2 * i, hd.swapped);
    for (int i = 0; i < 8; ++i) hd.pixdim[i] = field<float>(h, 76 + 4 * i, hd.swapped);
    hd.datatype = field<int16_t>(h, 70, hd.swapped);
    hd.bitpix = field<int16_t>(h, 72, hd.swapped);
    hd.vox_offset = field<float>(h, 108, hd.swapped);
    hd.single_file = std::memcmp(h + 344, "n+1", 3) == 0;
    hd.qform_code = field<int16_t>(h, 252, hd.swapped);
    hd.sform_code = field<int16_t>(h, 254, hd.swapped);
    for (int i = 0; i < 6; ++i) hd.quatern[i] = field<float>(h, 256 + 4 * i, hd.swapped);
    for (int i = 0; i < 12; ++i) hd.srow[i] = field<float>(h, 280 + 4 * i, hd.swapped);
    hd.scl_slope = field<float>(h, 112, hd.swapped);
    hd.scl_inter = field<float>(h, 116, hd.swapped);
  } else if (size_native == 540 || size_swapped == 540) {
    if (n < 540) throw InputError(path, "truncated NIfTI-2 header");
    hd.version = 2;
    hd.swapped = size_native != 540;
    hd.header_bytes = 540;
    for (int i = 0; i < 8; ++i) hd.dim[i] = field<int64_t>(h, 16 + 8 * i, hd.swapped);
    for (int i = 0; i < 8; ++i) hd.pixdim[i] = field<double>(h, 104 + 8 * i, hd.swapped);
    hd.datatype = field<int16_t>(h, 12, hd.swapped);
    hd.bitpix = field<int16_t>(h, 14, hd.swapped);
    hd.vox_offset = double(field<int64_t>(h, 168, hd.swapped));
    hd.single_file = std::memcmp(h + 4, "n+2", 3) == 0;
    hd.qform_code = field<int32_t>(h, 344, hd.swapped);
    hd.sform_code = field<int32_t>(h, 348, hd.swapped);
    for (int i = 0; i < 6; ++i) hd.quatern[i] = field<double>(h, 352 + 8 * i, hd.swapped);
    for (int i = 0; i < 12; ++i) hd.srow[i] = field<double>(h, 400 + 8 * i, hd.swapped);
    hd.scl_slope = field<double>(h, 176, hd.swapped);
    hd.scl_inter = field<double>(h, 184, hd.swapped);
  } else {
    throw InputError(path, "not a NIfTI file (sizeof_hdr is neither 348 nor 540)");
  }
  // Found by fuzzing: a NaN, negative or 1e31 offset is no byte position.
  if (!(std::isfinite(hd.vox_offset) && hd.vox_offset >= 0 && hd.vox_offset <= 1e15))
    throw InputError(path, fmt::format("NIfTI vox_offset {} is not a position in the file", hd.vox_offset));
  return hd;
}

bool is_single_file_nifti(const std::string& path) {
  const std::string extension = full_extension(path);
  if (extension != ".nii" && extension != ".nii.gz") return false;
  try {
    return read_nifti_header(path).single_file;
  } catch (const InputError&) {
    return false;  // left to ITK's readers, which report it as before
  }
}

namespace {

void check_nifti_header(const std::string& path) {
  const NiftiHeader hd = read_nifti_header(path);
  const int64_t nd = hd.dim[0];
  if (nd < 1 || nd > 7) throw InputError(path, fmt::format("NIfTI dim[0] is {} (1 to 7 dimensions)", nd));
  for (int i = 1; i <= std::min<int64_t>(nd, 3); ++i) {
    if (hd.dim[i] < 1) throw InputError(path, fmt::format("NIfTI dim[{}] is {}: no voxels", i, hd.dim[i]));
    if (!(std::isfinite(hd.pixdim[i]) && hd.pixdim[i] > 0))
      throw InputError(path, fmt::format("NIfTI pixdim[{}] (the voxel spacing along axis {}) is {}: it must be a "
                                         "positive number of mm",
                                         i, i - 1, hd.pixdim[i]));
  }
  // A NaN in the orientation ITK uses makes VNL abort() the process (found by fuzzing).
  const bool finite_qform = std::all_of(std::begin(hd.quatern), std::end(hd.quatern), [](double v) { return std::isfinite(v); });
  const bool finite_sform = std::all_of(std::begin(hd.srow), std::end(hd.srow), [](double v) { return std::isfinite(v); });
  if ((hd.qform_code > 0 && !finite_qform) || (hd.sform_code > 0 && !finite_sform))
    throw InputError(path, fmt::format("NIfTI {} holds NaN or infinite values: the orientation is unusable",
                                       hd.sform_code > 0 && !finite_sform ? "sform (srow_x/y/z)" : "qform (quatern/qoffset)"));
  // niftilib refuses other codes only after printing to stderr (fuzzing).
  static const int kDatatypes[] = {2, 4, 8, 16, 32, 64, 128, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2304};
  if (std::find(std::begin(kDatatypes), std::end(kDatatypes), hd.datatype) == std::end(kDatatypes))
    throw InputError(path, fmt::format("NIfTI datatype {} is not a NIfTI data type", hd.datatype));
  if (hd.single_file && !(hd.vox_offset >= hd.header_bytes + 4))
    throw InputError(path, fmt::format("NIfTI vox_offset {} points into the header (the data start at byte {} or later)",
                                       hd.vox_offset, hd.header_bytes + 4));
}

template <typename T>
int64_t first_non_finite(const char* bytes, size_t count, bool swapped) {
  for (size_t i = 0; i < count; ++i) {
    const T v = field<T>(reinterpret_cast<const unsigned char*>(bytes), i * sizeof(T), swapped);
    if (!std::isfinite(v)) return int64_t(i);
  }
  return -1;
}

void check_nifti_payload(const std::string& path, uint64_t image_bytes) {
  const NiftiHeader hd = read_nifti_header(path);
  if (hd.scaled() && hd.bitpix > 0 && hd.bitpix % 8 == 0) {
    // ITK announces the rescaled (float) voxels; the file holds the stored ones.
    uint64_t voxels = 1;
    for (int64_t i = 1; i <= std::min<int64_t>(hd.dim[0], 7); ++i) voxels *= uint64_t(std::max<int64_t>(hd.dim[i], 1));
    image_bytes = voxels * uint64_t(hd.bitpix / 8);
  }
  if (!hd.single_file) {
    // A .nii without the n+1 magic is read by niftilib as Analyze data after
    // the header (found by fuzzing: 384 bytes announcing 5 GB were allocated
    // first). Whatever its offset, the data cannot start before the header's end.
    const std::string extension = full_extension(path);
    if (extension == ".nii" || extension == ".nii.gz") {
      const uint64_t file_bytes = ChunkReader(path, 0).drain();
      require_bytes(path, file_bytes > uint64_t(hd.header_bytes) ? file_bytes - hd.header_bytes : 0, image_bytes,
                    "voxel");
    }
    return;  // .hdr + .img: ITK reads the .img; its size is checked by ITK
  }
  const int element = hd.datatype == 16 ? 4 : hd.datatype == 64 ? 8 : 0;  // FLOAT32, FLOAT64
  // Integer voxels of a whole stream need no pass of their own (float ones
  // are scanned for NaN/Inf below).
  if (element == 0 && starts_with_gzip_magic(path) &&
      gzip_trailer_says(path, 0, uint64_t(hd.vox_offset) + image_bytes))
    return;
  ChunkReader reader(path, 0);
  std::vector<char> buffer(1 << 20);  // a multiple of every element size
  uint64_t skip = uint64_t(hd.vox_offset);
  while (skip > 0) {
    const size_t got = reader.read(buffer.data(), size_t(std::min<uint64_t>(skip, buffer.size())));
    if (got == 0) break;
    skip -= got;
  }
  require_bytes(path, uint64_t(hd.vox_offset) - skip, uint64_t(hd.vox_offset), "header");
  uint64_t have = 0;
  while (have < image_bytes) {
    const size_t want = size_t(std::min<uint64_t>(image_bytes - have, buffer.size()));
    const size_t got = reader.read(buffer.data(), want);
    if (element > 0) {
      const int64_t bad = element == 4 ? first_non_finite<float>(buffer.data(), got / 4, hd.swapped)
                                       : first_non_finite<double>(buffer.data(), got / 8, hd.swapped);
      if (bad >= 0)
        throw InputError(path, fmt::format("voxel {} is NaN or infinite: images must hold finite values",
                                           int64_t(have / uint64_t(element)) + bad));
    }
    have += got;
    if (got < want) break;
  }
  require_bytes(path, have, image_bytes, "voxel");
  reader.drain();
}

// ------------------------------------------------------------------ NRRD

std::string trimmed(std::string t) {
  t.erase(0, t.find_first_not_of(" \t\r"));
  t.erase(t.find_last_not_of(" \t\r") + 1);
  return t;
}


}  // namespace

NrrdLayout read_nrrd_layout(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::string line, data_file;
  NrrdLayout layout;
  int64_t line_skip = 0, byte_skip = 0;
  while (std::getline(f, line)) {
    if (trimmed(line).empty()) break;
    if (line[0] == '#') continue;
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = trimmed(line.substr(0, colon));
    std::string value = line.substr(colon + 1);
    if (!value.empty() && value[0] == '=') value.erase(0, 1);  // key:=value pairs
    value = trimmed(value);
    if (key == "encoding") layout.encoding = value;
    else if (key == "data file" || key == "datafile") data_file = value;
    else if (key == "line skip" || key == "lineskip") line_skip = std::atoll(value.c_str());
    else if (key == "byte skip" || key == "byteskip") byte_skip = std::atoll(value.c_str());
    else if (key == "endian") layout.endian = value;
  }
  layout.simple = line_skip <= 0 && byte_skip >= 0;
  layout.byte_skip = byte_skip;
  if (data_file.empty()) {
    if (!f) throw InputError(path, "NRRD header without data");
    layout.data = path;
    layout.offset = uint64_t(f.tellg()) + (layout.compressed() ? 0 : uint64_t(std::max<int64_t>(byte_skip, 0)));
    return layout;
  }
  // A single detached file; lists and printf-style patterns are left to ITK.
  if (data_file.find('%') != std::string::npos || data_file.rfind("LIST", 0) == 0) return layout;
  const fs::path p = fs::path(data_file).is_absolute() ? fs::path(data_file) : fs::path(path).parent_path() / data_file;
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) throw InputError(path, "data file " + p.string() + " is missing");
  layout.data = p.string();
  layout.offset = layout.compressed() ? 0 : uint64_t(std::max<int64_t>(byte_skip, 0));
  return layout;
}

namespace {

void check_nrrd_payload(const std::string& path, uint64_t image_bytes) {
  const NrrdLayout layout = read_nrrd_layout(path);
  if (layout.data.empty() || !layout.simple) return;
  const uint64_t file_bytes = fs::file_size(layout.data);
  const uint64_t available = file_bytes > layout.offset ? file_bytes - layout.offset : 0;
  const std::string& encoding = layout.encoding;
  if (encoding == "raw") {
    require_bytes(path, available, image_bytes, "data");
  } else if (layout.gzip()) {
    if (!starts_with_gzip_magic(layout.data, layout.offset))
      throw InputError(path, "NRRD data are not gzip-compressed as the header says");
    // teem skips "byte skip" bytes of the inflated stream.
    const uint64_t stream_bytes = image_bytes + uint64_t(std::max<int64_t>(layout.byte_skip, 0));
    if (gzip_trailer_says(layout.data, layout.offset, stream_bytes)) return;
    ChunkReader reader(layout.data, layout.offset);
    require_bytes(path, reader.drain(), stream_bytes, "decompressed data");
  } else if (encoding == "ascii" || encoding == "text" || encoding == "txt") {
    // At least one character per value (there are >= image_bytes / 8 values).
    require_bytes(path, available, image_bytes / 8, "text data");
  } else if (encoding == "hex") {
    require_bytes(path, available, 2 * image_bytes, "hex data");
  }
}

// ------------------------------------------------------------------ MetaImage

// "slice%03d.raw 1 40 1": MetaIO hands the pattern to printf and divides by
// the step, so both are checked here (found by fuzzing: step 0 raised SIGFPE).
void check_metaimage_file_pattern(const std::string& path, const std::string& value) {
  static const std::regex kPattern(R"(([^%\s]*%0?[0-9]*[di][^%\s]*)\s+(-?[0-9]{1,9})\s+(-?[0-9]{1,9})(\s+(-?[0-9]{1,9}))?)");
  std::smatch m;
  const auto refuse = [&] {
    throw InputError(path, fmt::format("MetaImage ElementDataFile '{}' is no file pattern '<name with one %d> <first> "
                                       "<last> [<step>]' with first <= last and step >= 1", value));
  };
  if (!std::regex_match(value, m, kPattern)) refuse();
  const long first = std::stol(m[2]), last = std::stol(m[3]), step = m[5].matched ? std::stol(m[5]) : 1;
  if (first > last || step < 1) refuse();
}

// The header's grid, before MetaIO sizes its buffers by it: found by
// fuzzing, "NDims = 0" with "DimSize = 2 2 2" makes MetaIO write past the
// buffer ITK allocated.
void check_metaimage_header(const std::string& path) {
  // Read as MetaIO reads it: a key is everything up to the next '=' (line
  // breaks included), its value the rest of that line.
  std::ifstream f(path, std::ios::binary);
  std::string header(1 << 20, '\0');
  f.read(header.data(), std::streamsize(header.size()));
  header.resize(size_t(f.gcount()));
  std::vector<std::string> dim_size;
  std::set<std::string> seen;
  int64_t dims = -1, channels = 1;
  auto integer = [&](const std::string& key, const std::string& value) {
    char* end = nullptr;
    const long long v = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0') throw InputError(path, fmt::format("MetaImage {} is '{}', not a whole number", key, value));
    return int64_t(v);
  };
  for (size_t at = 0; at < header.size();) {
    const size_t eq = header.find('=', at);
    if (eq == std::string::npos) break;
    // MetaIO copies a key into a 255-byte field (found by fuzzing: a longer
    // one overflowed it and the process aborted).
    if (eq - at > 254) throw InputError(path, fmt::format("MetaImage header has a key of {} characters", eq - at));
    const size_t end = std::min(header.find('\n', eq), header.size());
    std::string key = header.substr(at, eq - at);
    key.erase(0, key.find_first_not_of(" \t\r\n"));
    key.erase(key.find_last_not_of(" \t\r\n") + 1);
    const std::string value = trimmed(header.substr(eq + 1, end - eq - 1));
    at = end + 1;
    // MetaIO and ITK read a repeated key differently (found by fuzzing: a
    // second NDims made MetaIO write past ITK's buffer).
    if (!seen.insert(key).second) throw InputError(path, fmt::format("MetaImage header sets {} twice", key));
    if (key == "NDims") dims = integer(key, value);
    if (key == "ElementNumberOfChannels") channels = integer(key, value);
    if (key == "DimSize") {
      std::istringstream words(value);
      dim_size.assign(std::istream_iterator<std::string>(words), std::istream_iterator<std::string>());
    }
    if (key == "ElementDataFile") {
      if (value.find('%') != std::string::npos) check_metaimage_file_pattern(path, value);
      break;
    }
  }
  // MetaIO's required fields: without them it prints its complaints and ITK
  // reports an unrelated errno ("Inappropriate ioctl for device").
  for (const char* required : {"NDims", "DimSize", "ElementType", "ElementDataFile"})
    if (!seen.count(required)) throw InputError(path, fmt::format("MetaImage header has no {}", required));
  if (dims < 1 || dims > 10) throw InputError(path, fmt::format("MetaImage NDims is {} (1 to 10 dimensions)", dims));
  if (int64_t(dim_size.size()) != dims)
    throw InputError(path, fmt::format("MetaImage DimSize has {} sizes for NDims = {}", dim_size.size(), dims));
  for (const std::string& d : dim_size)
    if (integer("DimSize", d) < 1) throw InputError(path, fmt::format("MetaImage DimSize {} is not a voxel count", d));
  if (channels < 1) throw InputError(path, fmt::format("MetaImage ElementNumberOfChannels is {}", channels));
}

void check_metaimage_payload(const std::string& path, uint64_t image_bytes) {
  std::ifstream f(path, std::ios::binary);
  std::string line, data_file;
  double compressed_size = -1;
  bool compressed = false;
  while (std::getline(f, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = trimmed(line.substr(0, eq)), value = trimmed(line.substr(eq + 1));
    if (key == "CompressedData") compressed = value == "True";
    if (key == "CompressedDataSize") compressed_size = std::atof(value.c_str());
    if (key == "ElementDataFile") {
      data_file = value;
      break;
    }
  }
  uint64_t have;
  std::string data = path;
  uint64_t offset = 0;
  if (data_file == "LOCAL") {
    offset = uint64_t(f.tellg());
    have = fs::file_size(path) - offset;
  } else {
    if (data_file.find('%') != std::string::npos || data_file == "LIST") return;
    const fs::path raw = fs::path(path).parent_path() / data_file;
    std::error_code ec;
    const auto size = fs::file_size(raw, ec);
    if (ec) throw InputError(path, "data file " + raw.string() + " is missing");
    have = size;
    data = raw.string();
  }
  if (!compressed) return require_bytes(path, have, image_bytes, "data");
  if (compressed_size > 0) require_bytes(path, have, uint64_t(compressed_size), "compressed data");
}

}  // namespace

void check_image_header(const std::string& path, const std::string& format) {
  if (format == "NIfTI" && full_extension(path) != ".img") check_nifti_header(path);
  if (format == "NRRD") read_nrrd_layout(path);  // a missing data file, before ITK's long message
  if (format == "MetaImage") check_metaimage_header(path);
}

void check_image_payload(const std::string& path, const std::string& format, uint64_t image_bytes) {
  if (format == "NIfTI") {
    check_nifti_payload(path, image_bytes);
  } else if (format == "NRRD") {
    check_nrrd_payload(path, image_bytes);
  } else if (format == "MetaImage") {
    check_metaimage_payload(path, image_bytes);
  } else if (starts_with_gzip_magic(path)) {
    ChunkReader(path, 0).drain();
  }
}

void throw_non_finite_voxel(const std::string& path, int64_t index, float value) {
  throw InputError(path, fmt::format("voxel {} is {}: images must hold finite values", index,
                                     std::isnan(value) ? "NaN" : "infinite (or beyond float32's range)"));
}

void throw_non_finite_voxel(const std::string& path, int64_t index, double value) {
  throw InputError(path, fmt::format("voxel {} is {}: images must hold finite values", index,
                                     std::isnan(value) ? "NaN" : "infinite"));
}

void check_direction(const std::string& path, const Geometry& g) {
  // Columns of g.direction are the axes' unit vectors.
  for (int a = 0; a < 3; ++a)
    for (int b = a; b < 3; ++b) {
      double dot = 0;
      for (int r = 0; r < 3; ++r) dot += g.direction[r * 3 + a] * g.direction[r * 3 + b];
      const double expected = a == b ? 1.0 : 0.0;
      if (!(std::abs(dot - expected) <= 1e-4))
        throw InputError(path, a == b ? fmt::format("direction of axis {} is not a unit vector", a)
                                      : fmt::format("axes {} and {} are not perpendicular (skewed grid, cosine {:.4g}): "
                                                    "resample the image onto an orthogonal grid first",
                                                    a, b, dot));
    }
}

}  // namespace scopemia::io
