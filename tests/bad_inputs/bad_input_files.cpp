#include "bad_inputs/bad_input_files.h"

#include <cstring>
#include <fstream>
#include <stdexcept>

#include <zlib.h>

namespace scopemia::testing {

namespace {
template <typename T>
void put(std::string& b, size_t offset, T v) {
  std::memcpy(&b[offset], &v, sizeof v);
}
template <typename T>
void append(std::string& b, double v) {
  const T t = static_cast<T>(v);
  b.append(reinterpret_cast<const char*>(&t), sizeof t);
}
}  // namespace

std::string nifti_bytes(const NiftiSpec& s) {
  std::string b(352, '\0');
  put<int32_t>(b, 0, s.sizeof_hdr);
  const int16_t dim[8] = {int16_t(s.dim4 > 1 ? 4 : s.ndim), int16_t(s.dims[0]), int16_t(s.dims[1]),
                          int16_t(s.dims[2]), int16_t(s.dim4), 1, 1, 1};
  for (int i = 0; i < 8; ++i) put<int16_t>(b, 40 + 2 * i, dim[i]);
  const int bitpix = s.datatype == 2 ? 8 : s.datatype == 4 ? 16 : s.datatype == 64 ? 64 : 32;
  put<int16_t>(b, 70, int16_t(s.datatype));
  put<int16_t>(b, 72, int16_t(bitpix));
  const float pixdim[8] = {1, s.pixdim[0], s.pixdim[1], s.pixdim[2], 1, 1, 1, 1};
  for (int i = 0; i < 8; ++i) put<float>(b, 76 + 4 * i, pixdim[i]);
  put<float>(b, 108, s.vox_offset);
  put<float>(b, 112, 1.0f);  // scl_slope
  put<int16_t>(b, 252, 0);   // qform_code
  put<int16_t>(b, 254, 1);   // sform_code: scanner
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) put<float>(b, 280 + 16 * r + 4 * c, c == r ? s.pixdim[r] : 0.0f);
  std::memcpy(&b[344], "n+1\0", 4);
  if (s.vox_offset > 352 && s.vox_offset < 1e6) b.resize(size_t(s.vox_offset), '\0');
  // An offset below 352 (or absurd) lies: the data still follow the header.
  const size_t n = size_t(s.dims[0]) * s.dims[1] * s.dims[2] * size_t(std::max(1, s.dim4));
  for (size_t i = 0; i < n; ++i) {
    const double v = i < s.values.size() ? s.values[i] : 0.0;
    switch (s.datatype) {
      case 2: append<uint8_t>(b, v); break;
      case 4: append<int16_t>(b, v); break;
      case 8: append<int32_t>(b, v); break;
      case 64: append<double>(b, v); break;
      default: append<float>(b, v); break;
    }
  }
  if (s.keep_bytes > 0 && s.keep_bytes < b.size()) b.resize(s.keep_bytes);
  return b;
}

void write_bytes(const std::string& path, const std::string& bytes, bool gzip) {
  if (!gzip) {
    std::ofstream f(path, std::ios::binary);
    f.write(bytes.data(), std::streamsize(bytes.size()));
    if (!f) throw std::runtime_error("cannot write " + path);
    return;
  }
  gzFile gz = gzopen(path.c_str(), "wb");
  if (!gz) throw std::runtime_error("cannot write " + path);
  if (!bytes.empty()) gzwrite(gz, bytes.data(), unsigned(bytes.size()));
  gzclose(gz);
}

void write_nifti(const std::string& path, const NiftiSpec& spec) { write_bytes(path, nifti_bytes(spec), spec.gzip); }

std::vector<double> test_image_values() {
  std::vector<double> v(216);
  for (int i = 0; i < 216; ++i) v[i] = 10.0 * (i % 7);
  return v;
}

std::vector<double> test_mask_values() {
  std::vector<double> v(216, 0.0);
  for (int z = 1; z <= 3; ++z)
    for (int y = 1; y <= 3; ++y)
      for (int x = 1; x <= 3; ++x) v[x + 6 * y + 36 * z] = 1;
  return v;
}

}  // namespace scopemia::testing
