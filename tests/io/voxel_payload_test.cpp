// io/voxel_payload.h reads NRRD and NIfTI voxels without ITK's reader: for
// every layout it takes (and those it leaves to ITK), read_volume,
// read_volume_exact and read_label_map must give exactly what ITK's reader
// gives, values and geometry.
#include "io/voxel_payload.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <itkImage.h>
#include <itkImageFileReader.h>
#include <zlib.h>

#include "core/error.h"
#include "io/image_io.h"
#include "support/temp_dir.h"

namespace scopemia::io {
namespace {
using testing::TempDir;

constexpr int kX = 9, kY = 7, kZ = 5, kCount = kX * kY * kZ;

std::string gzip(const std::string& raw) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);  // +16: gzip wrapper
  std::string out(deflateBound(&z, raw.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  z.avail_in = uInt(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

template <typename T>
std::string values_bytes(bool big_endian, T (*value)(int)) {
  std::string bytes(kCount * sizeof(T), '\0');
  for (int i = 0; i < kCount; ++i) {
    T v = value(i);
    unsigned char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    if (big_endian) std::reverse(b, b + sizeof(T));
    std::memcpy(&bytes[i * sizeof(T)], b, sizeof(T));
  }
  return bytes;
}

int16_t ct_value(int i) { return int16_t((i * 37) % 3000 - 1024); }
float float_value(int i) { return float(i) * 0.37f - 11.5f; }
uint8_t label_value(int i) { return uint8_t(i % 3 == 0 ? 2 : 0); }

std::string nrrd_header(const std::string& type, const std::string& endian, const std::string& encoding,
                        const std::string& extra = "") {
  return "NRRD0004\ntype: " + type + "\ndimension: 3\nspace: left-posterior-superior\nsizes: " +
         std::to_string(kX) + " " + std::to_string(kY) + " " + std::to_string(kZ) +
         "\nspace directions: (0.7,0,0) (0,0,-0.8) (0,2.5,0)\nkinds: domain domain domain\n" +
         (endian.empty() ? "" : "endian: " + endian + "\n") + "encoding: " + encoding +
         "\nspace origin: (-10.5,20.25,-30)\n" + extra;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// ITK's reader, as float32 (read_volume's values).
itk::Image<float, 3>::Pointer itk_read(const std::string& path) {
  auto reader = itk::ImageFileReader<itk::Image<float, 3>>::New();
  reader->SetFileName(path);
  reader->Update();
  return reader->GetOutput();
}

// `read` must throw an InputError whose message holds `expected`.
template <typename Read>
void expect_input_error(Read&& read, const std::string& expected) {
  try {
    read();
    ADD_FAILURE() << "no error; expected one saying: " << expected;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
  }
}

// Whether io/voxel_payload.h reads the file itself (else ITK's reader does):
// without this, every comparison with ITK below would pass with the reader
// never taken.
bool read_by_us(const std::string& path, int element_bytes) {
  const std::string ext = std::filesystem::path(path).extension().string();
  const std::string format = ext == ".nrrd" || ext == ".nhdr" ? "NRRD" : "NIfTI";
  return read_stored_voxels(path, format, uint64_t(kCount) * element_bytes, element_bytes).has_value();
}

// Our reading of `path` equals ITK's; `element_bytes` > 0: our reader takes
// the file (values of that size), 0: it leaves it to ITK.
void expect_same_as_itk(const std::string& path, int element_bytes) {
  SCOPED_TRACE(path);
  EXPECT_EQ(read_by_us(path, element_bytes > 0 ? element_bytes : 2), element_bytes > 0);
  const auto reference = itk_read(path);
  const Volume v = read_volume(path);
  const auto size = reference->GetLargestPossibleRegion().GetSize();
  ASSERT_EQ(v.size(), (Size3{int64_t(size[0]), int64_t(size[1]), int64_t(size[2])}));
  const float* expected = reference->GetBufferPointer();
  for (int64_t i = 0; i < v.voxel_count(); ++i) ASSERT_EQ(v[i], expected[i]) << "voxel " << i;
  for (int a = 0; a < 3; ++a) {
    EXPECT_EQ(v.geometry().spacing[a], reference->GetSpacing()[a]);
    EXPECT_EQ(v.geometry().origin[a], reference->GetOrigin()[a]);
    for (int b = 0; b < 3; ++b) EXPECT_EQ(v.geometry().direction[a * 3 + b], reference->GetDirection()(a, b));
  }
  const Image<double> exact = read_volume_exact(path);
  const Image<double> widened = read_volume_widened(path);
  for (int64_t i = 0; i < v.voxel_count(); ++i) {
    ASSERT_EQ(widened[i], double(expected[i])) << "voxel " << i;
    ASSERT_EQ(float(exact[i]), expected[i]) << "voxel " << i;  // these test values are exact in float32
  }
  EXPECT_EQ(widened.geometry().max_difference(v.geometry()), 0.0);
  EXPECT_EQ(exact.source_pixel_type(), v.source_pixel_type());
}

TEST(VoxelPayload, NrrdLayoutsReadAsItkReadsThem) {
  TempDir dir;
  const std::string ct_little = values_bytes<int16_t>(false, ct_value);
  const std::string ct_big = values_bytes<int16_t>(true, ct_value);
  write_file(dir.file("gzip.nrrd"), nrrd_header("short", "little", "gzip") + "\n" + gzip(ct_little));
  write_file(dir.file("raw.nrrd"), nrrd_header("short", "little", "raw") + "\n" + ct_little);
  write_file(dir.file("big.nrrd"), nrrd_header("short", "big", "raw") + "\n" + ct_big);
  write_file(dir.file("big-gzip.nrrd"), nrrd_header("short", "big", "gzip") + "\n" + gzip(ct_big));
  write_file(dir.file("float.raw"), values_bytes<float>(false, float_value));
  write_file(dir.file("detached.nhdr"), nrrd_header("float", "little", "raw", "data file: float.raw\n") + "\n");
  // A byte skip on gzip data applies to the inflated stream (teem).
  write_file(dir.file("skip.nrrd"),
             nrrd_header("short", "little", "gzip", "byte skip: 4\n") + "\n" + gzip("ABCD" + ct_little));
  for (const char* name : {"gzip.nrrd", "raw.nrrd", "big.nrrd", "big-gzip.nrrd", "skip.nrrd"})
    expect_same_as_itk(dir.file(name), 2);
  expect_same_as_itk(dir.file("detached.nhdr"), 4);

  // Inflated into a buffer of its own (no memory offered), read in pieces,
  // or into the end of the memory offered: the stored bytes either way.
  auto own_buffer = read_stored_voxels(dir.file("big-gzip.nrrd"), "NRRD", kCount * 2, 2);
  ASSERT_TRUE(own_buffer.has_value());
  EXPECT_EQ(own_buffer->size(), uint64_t(kCount * 2));
  EXPECT_TRUE(own_buffer->swapped());
  std::string got(ct_big.size(), '\0');
  ASSERT_TRUE(own_buffer->next(reinterpret_cast<uint8_t*>(&got[0]), 100));
  ASSERT_TRUE(own_buffer->next(reinterpret_cast<uint8_t*>(&got[100]), got.size() - 100));
  EXPECT_EQ(got, ct_big);
  EXPECT_FALSE(own_buffer->next(reinterpret_cast<uint8_t*>(&got[0]), 1)) << "read past the end";
  std::string offered(ct_big.size() + 64, '\0');
  auto inflated = read_stored_voxels(dir.file("big-gzip.nrrd"), "NRRD", kCount * 2, 2,
                                     InflateInto{reinterpret_cast<uint8_t*>(&offered[0]), offered.size()});
  ASSERT_TRUE(inflated.has_value());
  EXPECT_EQ(offered.substr(64), ct_big) << "inflated into the end of the memory offered";
  std::string copy(ct_big.size(), '\0');
  ASSERT_TRUE(inflated->next(reinterpret_cast<uint8_t*>(&copy[0]), copy.size()));
  EXPECT_EQ(copy, ct_big);
  EXPECT_EQ(read_volume(dir.file("skip.nrrd"))[1], float(ct_value(1)));
  auto skipped = read_stored_voxels(dir.file("skip.nrrd"), "NRRD", kCount * 2, 2);
  ASSERT_TRUE(skipped.has_value());
  ASSERT_TRUE(skipped->next(reinterpret_cast<uint8_t*>(&got[0]), got.size()));
  EXPECT_EQ(got, ct_little);
}

TEST(VoxelPayload, NiftiFilesReadAsItkReadsThem) {
  TempDir dir;
  Geometry g;
  g.spacing = {0.68, 0.74, 2.5};
  g.origin = {-120.25, 33.5, -401.0};
  Volume ct(Size3{kX, kY, kZ}, g);
  for (int i = 0; i < kCount; ++i) ct[i] = float(ct_value(i));
  ct.set_source_pixel_type(PixelType::Int16);
  write_volume(ct, dir.file("ct.nii.gz"));
  write_volume(ct, dir.file("ct.nii"));
  write_volume(ct, dir.file("ct-float.nii.gz"), PixelType::Float32);
  expect_same_as_itk(dir.file("ct.nii.gz"), 2);
  expect_same_as_itk(dir.file("ct.nii"), 2);
  expect_same_as_itk(dir.file("ct-float.nii.gz"), 4);

  // scl_slope 2, scl_inter 1: ITK rescales, so the file is left to it.
  std::string nii = testing::read_bytes(dir.file("ct.nii"));
  const float slope = 2, intercept = 1;
  std::memcpy(&nii[112], &slope, 4);
  std::memcpy(&nii[116], &intercept, 4);
  write_file(dir.file("scaled.nii"), nii);
  expect_same_as_itk(dir.file("scaled.nii"), 0);
  EXPECT_EQ(read_volume(dir.file("scaled.nii"))[1], 2.f * float(ct_value(1)) + 1.f);
}

// Inflated into the end of the image's own float64 buffer and widened front
// to back, across several conversion blocks (4096 values each).
TEST(VoxelPayload, InflatingIntoTheImageBufferKeepsEveryValue) {
  TempDir dir;
  const int nx = 61, ny = 47, nz = 9, n = nx * ny * nz;
  std::string raw(size_t(n) * 2, '\0');
  for (int i = 0; i < n; ++i) {
    const int16_t v = int16_t((i * 7919) % 4001 - 2000);
    std::memcpy(&raw[size_t(i) * 2], &v, 2);
  }
  const std::string header = "NRRD0004\ntype: short\ndimension: 3\nsizes: " + std::to_string(nx) + " " +
                             std::to_string(ny) + " " + std::to_string(nz) + "\nendian: little\nencoding: gzip\n\n";
  write_file(dir.file("big.nrrd"), header + gzip(raw));
  const Image<double> widened = read_volume_widened(dir.file("big.nrrd"));
  const Volume v = read_volume(dir.file("big.nrrd"));
  ASSERT_EQ(widened.voxel_count(), n);
  for (int i = 0; i < n; ++i) {
    const double expected = double((i * 7919) % 4001 - 2000);
    ASSERT_EQ(widened[i], expected) << "voxel " << i;
    ASSERT_EQ(v[i], float(expected)) << "voxel " << i;
  }
}

TEST(VoxelPayload, LabelMapsKeepTheirChecks) {
  TempDir dir;
  const std::string labels = values_bytes<uint8_t>(false, label_value);
  write_file(dir.file("labels.nrrd"), nrrd_header("uchar", "", "gzip") + "\n" + gzip(labels));
  const LabelMap m = read_label_map(dir.file("labels.nrrd"));
  for (int i = 0; i < kCount; ++i) ASSERT_EQ(m[i], label_value(i)) << "voxel " << i;
  EXPECT_EQ(m.source_pixel_type(), PixelType::UInt8);

  // Fractional and negative values are no labels, whichever reader reads them.
  std::string floats = values_bytes<float>(false, float_value);
  write_file(dir.file("fraction.nrrd"), nrrd_header("float", "little", "gzip") + "\n" + gzip(floats));
  expect_input_error([&] { read_label_map(dir.file("fraction.nrrd")); }, "is not a label map: voxel value -11.5");
  // NaN and huge values too (a NaN reaching the integer test was undefined
  // behaviour: found by fuzzing).
  const float nan = std::nanf(""), huge = 1e30f;
  std::string odd = values_bytes<float>(false, [](int) { return 1.f; });
  std::memcpy(&odd[4 * 5], &nan, 4);
  write_file(dir.file("nan-label.nrrd"), nrrd_header("float", "little", "gzip") + "\n" + gzip(odd));
  expect_input_error([&] { read_label_map(dir.file("nan-label.nrrd")); }, "voxel 5 is NaN");
  std::memcpy(&odd[4 * 5], &huge, 4);
  write_file(dir.file("huge-label.nrrd"), nrrd_header("float", "little", "raw") + "\n" + odd);
  expect_input_error([&] { read_label_map(dir.file("huge-label.nrrd")); }, "is not a label map: voxel value 1e+30");
}

TEST(VoxelPayload, IntegerLabelMapsAreCheckedForTheirRange) {
  TempDir dir;
  std::string labels = values_bytes<int8_t>(false, [](int i) { return int8_t(i % 3); });
  labels[40] = char(-1);
  write_file(dir.file("int8.nrrd"), nrrd_header("signed char", "", "gzip") + "\n" + gzip(labels));
  expect_input_error([&] { read_label_map(dir.file("int8.nrrd")); }, "is not a label map: voxel value -1");
  std::string wide = values_bytes<int32_t>(false, [](int i) { return int32_t(i % 3 == 0 ? 255 : 1); });
  write_file(dir.file("int32.nrrd"), nrrd_header("int", "little", "gzip") + "\n" + gzip(wide));
  const LabelMap m = read_label_map(dir.file("int32.nrrd"));
  EXPECT_EQ(m[0], 255);
  EXPECT_EQ(m[1], 1);
  wide.replace(4 * 9, 4, values_bytes<int32_t>(false, [](int) { return int32_t(256); }).substr(0, 4));
  write_file(dir.file("int32-256.nrrd"), nrrd_header("int", "little", "gzip") + "\n" + gzip(wide));
  EXPECT_THROW(read_label_map(dir.file("int32-256.nrrd")), InputError);
}

TEST(VoxelPayload, DamagedGzipFallsBackToItsError) {
  TempDir dir;
  std::string stream = gzip(values_bytes<int16_t>(false, ct_value));
  stream[stream.size() - 6] ^= 0x5a;  // the CRC-32 of the trailer
  write_file(dir.file("crc.nrrd"), nrrd_header("short", "little", "gzip") + "\n" + stream);
  std::string offered(kCount * 2, '\0');
  EXPECT_FALSE(read_stored_voxels(dir.file("crc.nrrd"), "NRRD", kCount * 2, 2,
                                  InflateInto{reinterpret_cast<uint8_t*>(&offered[0]), offered.size()})
                   .has_value());
  EXPECT_FALSE(read_stored_voxels(dir.file("crc.nrrd"), "NRRD", kCount * 2, 2).has_value());
  EXPECT_THROW(read_volume(dir.file("crc.nrrd")), InputError);
  EXPECT_THROW(read_label_map(dir.file("crc.nrrd")), InputError);

  // NaN voxels are refused from the direct path too (float NRRD, gzip).
  std::string floats = values_bytes<float>(false, float_value);
  const float nan = std::nanf("");
  std::memcpy(&floats[4 * 17], &nan, 4);
  write_file(dir.file("nan.nrrd"), nrrd_header("float", "little", "gzip") + "\n" + gzip(floats));

  expect_input_error([&] { read_volume(dir.file("nan.nrrd")); }, "voxel 17 is NaN");
}

}  // namespace
}  // namespace scopemia::io
