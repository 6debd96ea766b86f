// Series checks on small DICOM series written with DCMTK: uneven spacing,
// missing slices, gantry tilt, mixed orientation; resampling on request.
#include <cmath>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <gtest/gtest.h>

#include "core/error.h"
#include "io/dicom_series.h"
#include "io/image_io.h"
#include "support/run_cli.h"
#include "support/temp_dir.h"

namespace scopemia::io {
namespace {

constexpr int kColumns = 6, kRows = 5;
constexpr double kPixel = 1.0;  // mm, both ways

struct Slice {
  Vec3 origin;
  std::array<double, 6> orientation{1, 0, 0, 0, 1, 0};
};

// Pixel value of column x, row y of a slice at physical (px, py, pz) of its
// top-left pixel: linear in the physical position so resampling is exact.
int16_t value_at(double px, double py, double pz) { return int16_t(std::lround(10 * px + 100 * py + 1000 * pz)); }

std::string fmt_position(const Vec3& o) {
  return std::to_string(o[0]) + "\\" + std::to_string(o[1]) + "\\" + std::to_string(o[2]);
}

void write_series(const std::string& folder, const std::vector<Slice>& slices) {
  std::filesystem::create_directories(folder);
  for (size_t i = 0; i < slices.size(); ++i) {
    const Slice& s = slices[i];
    DcmFileFormat file;
    DcmDataset* ds = file.getDataset();
    ds->putAndInsertString(DCM_SOPClassUID, UID_CTImageStorage);
    ds->putAndInsertString(DCM_SOPInstanceUID, ("1.2.826.0.1.3680043.9.7.1." + std::to_string(i + 1)).c_str());
    ds->putAndInsertString(DCM_StudyInstanceUID, "1.2.826.0.1.3680043.9.7.2");
    ds->putAndInsertString(DCM_SeriesInstanceUID, "1.2.826.0.1.3680043.9.7.3");
    ds->putAndInsertString(DCM_FrameOfReferenceUID, "1.2.826.0.1.3680043.9.7.4");
    ds->putAndInsertString(DCM_Modality, "CT");
    ds->putAndInsertString(DCM_PatientID, "P1");
    ds->putAndInsertString(DCM_InstanceNumber, std::to_string(i + 1).c_str());
    ds->putAndInsertString(DCM_ImagePositionPatient, fmt_position(s.origin).c_str());
    std::string iop;
    for (double v : s.orientation) iop += (iop.empty() ? "" : "\\") + std::to_string(v);
    ds->putAndInsertString(DCM_ImageOrientationPatient, iop.c_str());
    ds->putAndInsertString(DCM_PixelSpacing, "1\\1");
    ds->putAndInsertString(DCM_SliceThickness, "1");
    ds->putAndInsertUint16(DCM_Rows, kRows);
    ds->putAndInsertUint16(DCM_Columns, kColumns);
    ds->putAndInsertUint16(DCM_SamplesPerPixel, 1);
    ds->putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
    ds->putAndInsertUint16(DCM_BitsAllocated, 16);
    ds->putAndInsertUint16(DCM_BitsStored, 16);
    ds->putAndInsertUint16(DCM_HighBit, 15);
    ds->putAndInsertUint16(DCM_PixelRepresentation, 1);
    ds->putAndInsertString(DCM_RescaleIntercept, "0");
    ds->putAndInsertString(DCM_RescaleSlope, "1");
    std::vector<Uint16> pixels(kRows * kColumns);
    const Vec3 r{s.orientation[0], s.orientation[1], s.orientation[2]};
    const Vec3 c{s.orientation[3], s.orientation[4], s.orientation[5]};
    for (int y = 0; y < kRows; ++y)
      for (int x = 0; x < kColumns; ++x) {
        const double px = s.origin[0] + x * kPixel * r[0] + y * kPixel * c[0];
        const double py = s.origin[1] + x * kPixel * r[1] + y * kPixel * c[1];
        const double pz = s.origin[2] + x * kPixel * r[2] + y * kPixel * c[2];
        pixels[y * kColumns + x] = Uint16(value_at(px, py, pz));
      }
    ds->putAndInsertUint16Array(DCM_PixelData, pixels.data(), pixels.size());
    const std::string path = folder + "/IM" + std::to_string(i + 1) + ".dcm";
    ASSERT_TRUE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good()) << path;
  }
}

std::vector<Slice> stack_at(const std::vector<double>& z, double shear_y_per_mm = 0) {
  std::vector<Slice> out;
  for (double v : z) out.push_back(Slice{{0.0, shear_y_per_mm * v, v}});
  return out;
}

std::string error_of(const std::string& folder, const ReadOptions& options = {}) {
  try {
    read_volume(folder, options);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(DicomSeriesChecks, RegularSeriesReadsWithItsSpacing) {
  testing::TempDir dir;
  const std::string folder = dir.file("regular");
  write_series(folder, stack_at({0, 2, 4, 6, 8}));
  const Volume v = read_volume(folder);
  EXPECT_EQ(v.size(), (Size3{kColumns, kRows, 5}));
  EXPECT_NEAR(v.geometry().spacing[2], 2.0, 1e-6);
  EXPECT_EQ(v.at(2, 3, 4), value_at(2, 3, 8));
  const SliceLayout layout = analyse_slices(choose_dicom_series(folder, ""));
  EXPECT_TRUE(layout.checked);
  EXPECT_EQ(layout.problem, "");
}

TEST(DicomSeriesChecks, PositionsRoundedTo10MicronsAreNotFlagged) {
  testing::TempDir dir;
  const std::string folder = dir.file("rounded");
  // 0.625 mm slices written with 2 decimals, x jittering by 0.01 mm.
  std::vector<Slice> slices;
  for (int i = 0; i < 8; ++i)
    slices.push_back(Slice{{(i % 2) * 0.01, -(i % 3 == 1) * 0.01, std::round(62.5 * i) / 100.0}});
  write_series(folder, slices);
  const SliceLayout layout = analyse_slices(choose_dicom_series(folder, ""));
  EXPECT_TRUE(layout.checked);
  EXPECT_EQ(layout.problem, "");
  EXPECT_EQ(read_volume(folder).size().z, 8);
}

TEST(DicomSeriesChecks, NonUniformSpacingIsAnErrorNamingTheFolder) {
  testing::TempDir dir;
  const std::string folder = dir.file("uneven");
  write_series(folder, stack_at({0, 2, 4, 7, 9}));
  const std::string message = error_of(folder);
  EXPECT_NE(message.find(folder), std::string::npos) << message;
  EXPECT_NE(message.find("non-uniform slice spacing"), std::string::npos) << message;
  EXPECT_NE(message.find("--resample-slices"), std::string::npos) << message;
  EXPECT_THROW(read_info(folder), InputError);
}

TEST(DicomSeriesChecks, MissingSliceIsAnError) {
  testing::TempDir dir;
  const std::string folder = dir.file("gap");
  write_series(folder, stack_at({0, 2, 4, 8, 10}));
  const std::string message = error_of(folder);
  EXPECT_NE(message.find(folder), std::string::npos) << message;
  EXPECT_NE(message.find("1 missing slice"), std::string::npos) << message;
}

TEST(DicomSeriesChecks, GantryTiltIsAnError) {
  testing::TempDir dir;
  const std::string folder = dir.file("tilt");
  // Each slice 2 mm further along z is shifted 0.5 mm in y: atan(0.25) = 14.04 degrees.
  write_series(folder, stack_at({0, 2, 4, 6}, 0.25));
  const std::string message = error_of(folder);
  EXPECT_NE(message.find(folder), std::string::npos) << message;
  EXPECT_NE(message.find("tilt of 14.04 degrees"), std::string::npos) << message;
}

TEST(DicomSeriesChecks, MixedOrientationIsAnErrorEvenWhenResampling) {
  testing::TempDir dir;
  const std::string folder = dir.file("mixed");
  auto slices = stack_at({0, 2, 4, 6});
  const double c = std::cos(0.2), s = std::sin(0.2);
  slices[2].orientation = {c, s, 0, -s, c, 0};  // rotated in-plane
  write_series(folder, slices);
  ReadOptions resample;
  resample.resample_slices = true;
  for (const auto& options : {ReadOptions{}, resample}) {
    const std::string message = error_of(folder, options);
    EXPECT_NE(message.find(folder), std::string::npos) << message;
    EXPECT_NE(message.find("mixed slice orientations"), std::string::npos) << message;
  }
}

// Resampled values are exact for an image linear in the physical position
// (linear along the normal, bilinear in-plane).
void expect_linear(const Volume& v) {
  for (int64_t z = 0; z < v.size().z; ++z)
    for (int64_t y = 0; y < v.size().y; ++y)
      for (int64_t x = 0; x < v.size().x; ++x) {
        const Vec3 p = v.geometry().index_to_physical(Index3{x, y, z});
        ASSERT_NEAR(v.at(x, y, z), 10 * p[0] + 100 * p[1] + 1000 * p[2], 1e-2) << x << "," << y << "," << z;
      }
}

TEST(DicomSeriesChecks, ResamplingFillsAMissingSlice) {
  testing::TempDir dir;
  const std::string folder = dir.file("gap");
  write_series(folder, stack_at({0, 2, 4, 8, 10}));
  ReadOptions options;
  options.resample_slices = true;
  const Volume v = read_volume(folder, options);
  EXPECT_EQ(v.size(), (Size3{kColumns, kRows, 6}));
  EXPECT_NEAR(v.geometry().spacing[2], 2.0, 1e-9);
  expect_linear(v);
  const ImageInfo info = read_info(folder, options);
  EXPECT_EQ(info.size, v.size());
  EXPECT_LT(info.geometry.max_difference(v.geometry()), 1e-9);
}

TEST(DicomSeriesChecks, ResamplingEvensOutNonUniformSpacing) {
  testing::TempDir dir;
  const std::string folder = dir.file("uneven");
  write_series(folder, stack_at({0, 2, 4, 7, 9}));
  ReadOptions options;
  options.resample_slices = true;
  const Volume v = read_volume(folder, options);
  // Extent 9 mm at the smallest gap (2 mm) rounded to whole steps: 5 steps of 1.8 mm.
  EXPECT_EQ(v.size().z, 6);
  EXPECT_NEAR(v.geometry().spacing[2], 1.8, 1e-9);
  expect_linear(v);
}

TEST(DicomSeriesChecks, ResamplingUnshearsATiltedStack) {
  testing::TempDir dir;
  const std::string folder = dir.file("tilt");
  write_series(folder, stack_at({0, 2, 4, 6}, 0.25));
  ReadOptions options;
  options.resample_slices = true;
  const Volume v = read_volume(folder, options);
  EXPECT_EQ(v.size(), (Size3{kColumns, kRows, 4}));
  EXPECT_NEAR(v.geometry().direction[8], 1.0, 1e-9);  // slices along z, not along the tilt
  // Inside every source slice the values are exact; the last rows of the
  // upper slices fall beyond their source slice's edge (edge values).
  for (int64_t z = 0; z < 4; ++z)
    for (int64_t y = 0; y < kRows - 2; ++y)
      for (int64_t x = 0; x < kColumns; ++x) {
        const Vec3 p = v.geometry().index_to_physical(Index3{x, y, z});
        if (p[1] < 0.25 * p[2]) continue;  // before the first row of this slice
        EXPECT_NEAR(v.at(x, y, z), 10 * p[0] + 100 * p[1] + 1000 * p[2], 1e-2) << x << "," << y << "," << z;
      }
}

TEST(DicomSeriesChecks, ConvertResampleFlag) {
  testing::TempDir dir;
  const std::string folder = dir.file("gap");
  write_series(folder, stack_at({0, 2, 4, 8, 10}));
  const auto refused = testing::run_cli({"convert", folder, dir.file("out.nii.gz")});
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("missing slice"), std::string::npos) << refused.err;
  const auto done = testing::run_cli({"convert", folder, dir.file("out.nii.gz"), "--resample-slices"});
  ASSERT_EQ(done.code, 0) << done.err;
  EXPECT_EQ(read_volume(dir.file("out.nii.gz")).size().z, 6);
}

}  // namespace
}  // namespace scopemia::io
