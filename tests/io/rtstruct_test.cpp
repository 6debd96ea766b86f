#include "io/rtstruct.h"

#include <cmath>
#include <filesystem>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <limits>

#include <gtest/gtest.h>

#include "core/error.h"
#include "io/dicom_mask.h"
#include "io/image_io.h"
#include "support/refdata.h"
#include "support/run_cli.h"
#include "support/temp_dir.h"

namespace scopemia::io {
namespace {

using Polygon = std::vector<std::array<double, 2>>;

Polygon square(double x0, double y0, double x1, double y1) { return {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}; }

TEST(FillPolygons, SquareWithSquareHoleGivesExactVoxels) {
  const int64_t n = 10;
  std::vector<uint8_t> slice(n * n, 0);
  // Outer: centres 2..7 in x and y (36 voxels); hole: centres 4..5 (4 voxels).
  fill_polygons_even_odd({square(1.5, 1.5, 7.5, 7.5), square(3.5, 3.5, 5.5, 5.5)}, n, n, slice.data());
  int count = 0;
  for (int64_t y = 0; y < n; ++y)
    for (int64_t x = 0; x < n; ++x) {
      const bool outer = x >= 2 && x <= 7 && y >= 2 && y <= 7;
      const bool hole = x >= 4 && x <= 5 && y >= 4 && y <= 5;
      EXPECT_EQ(slice[y * n + x], (outer && !hole) ? 1 : 0) << "x=" << x << " y=" << y;
      count += slice[y * n + x];
    }
  EXPECT_EQ(count, 32);
}

TEST(FillPolygons, HoleOrderAndOrientationDoNotMatter) {
  const int64_t n = 10;
  std::vector<uint8_t> a(n * n, 0), b(n * n, 0);
  fill_polygons_even_odd({square(1.5, 1.5, 7.5, 7.5), square(3.5, 3.5, 5.5, 5.5)}, n, n, a.data());
  Polygon hole_reversed = square(3.5, 3.5, 5.5, 5.5);
  std::reverse(hole_reversed.begin(), hole_reversed.end());
  fill_polygons_even_odd({hole_reversed, square(1.5, 1.5, 7.5, 7.5)}, n, n, b.data());
  EXPECT_EQ(a, b);
}

TEST(FillPolygons, CentresOnEdgesAreHalfOpenAndTouchingSquaresTileExactly) {
  // Two squares sharing the edge x = 4: centres on x = 4 belong to the right one only.
  const int64_t n = 8;
  std::vector<uint8_t> left(n * n, 0), right(n * n, 0);
  fill_polygons_even_odd({square(2, 2, 4, 5)}, n, n, left.data());
  fill_polygons_even_odd({square(4, 2, 6, 5)}, n, n, right.data());
  int both = 0, l = 0, r = 0;
  for (int64_t i = 0; i < n * n; ++i) {
    both += left[i] && right[i];
    l += left[i];
    r += right[i];
  }
  EXPECT_EQ(both, 0);
  EXPECT_EQ(l, 2 * 3);  // x in {2,3}, y in {2,3,4}
  EXPECT_EQ(r, 2 * 3);  // x in {4,5}
}

TEST(FillPolygons, TriangleMatchesAnalyticCount) {
  // Right triangle (0,0)-(20,0)-(0,20) in a 32x32 slice: centres with x + y < 20, x,y >= 0.
  const int64_t n = 32;
  std::vector<uint8_t> slice(n * n, 0);
  fill_polygons_even_odd({{{-0.0, -0.0}, {20, 0}, {0, 20}}}, n, n, slice.data());
  int expected = 0, got = 0;
  for (int64_t y = 0; y < n; ++y)
    for (int64_t x = 0; x < n; ++x) {
      const bool inside = x + y < 20;
      expected += inside;
      got += slice[y * n + x];
      EXPECT_EQ(slice[y * n + x], inside ? 1 : 0) << x << "," << y;
    }
  EXPECT_EQ(got, expected);
}

// Found by fuzz/rtstruct_fuzz.cpp: a vertex 1e300 voxels away overflowed the
// conversion to an index (undefined behaviour); it is clamped, so a polygon
// enclosing the slice fills all of it.
TEST(FillPolygons, VerticesFarOffTheSliceAreClampedNotOverflowed) {
  const int64_t nx = 4, ny = 3;
  std::vector<uint8_t> slice(nx * ny, 0);
  fill_polygons_even_odd({square(-1e300, -1e300, 1e300, 1e300)}, nx, ny, slice.data());
  EXPECT_EQ(std::count(slice.begin(), slice.end(), 1), nx * ny);
  std::fill(slice.begin(), slice.end(), 0);
  fill_polygons_even_odd({square(1e300, 1e300, 2e300, 2e300)}, nx, ny, slice.data());
  EXPECT_EQ(std::count(slice.begin(), slice.end(), 1), 0);
}

Geometry test_geometry() {
  Geometry g;
  g.spacing = {0.5, 0.5, 2.0};
  g.origin = {-10.0, 20.0, 100.0};
  return g;
}

Contour physical_square(const Geometry& g, double x0, double y0, double x1, double y1, double z_index,
                        double z_offset_mm = 0) {
  Contour c;
  for (auto [x, y] : square(x0, y0, x1, y1)) {
    const Vec3 p = g.index_to_physical(Vec3{x, y, z_index});
    c.points.push_back({p[0], p[1], p[2] + z_offset_mm});
  }
  return c;
}

TEST(RasterizeContours, PlacesContoursOnTheirSlicesWithHoles) {
  const Geometry g = test_geometry();
  const Size3 size{10, 10, 4};
  std::vector<Contour> contours = {physical_square(g, 1.5, 1.5, 7.5, 7.5, 1),
                                   physical_square(g, 3.5, 3.5, 5.5, 5.5, 1, 0.1),  // within tolerance (0.5 mm)
                                   physical_square(g, 0.5, 0.5, 2.5, 2.5, 3)};
  const LabelMap mask = rasterize_contours(contours, size, g);
  int per_slice[4] = {0, 0, 0, 0};
  for (int64_t z = 0; z < size.z; ++z)
    for (int64_t y = 0; y < size.y; ++y)
      for (int64_t x = 0; x < size.x; ++x) per_slice[z] += mask.at(x, y, z);
  EXPECT_EQ(per_slice[0], 0);
  EXPECT_EQ(per_slice[1], 32);
  EXPECT_EQ(per_slice[2], 0);
  EXPECT_EQ(per_slice[3], 4);
  EXPECT_EQ(mask.at(4, 4, 1), 0);  // the hole
  EXPECT_EQ(mask.at(2, 2, 1), 1);
  EXPECT_TRUE(mask.geometry().is_close(g, 1e-12));
}

TEST(RasterizeContours, NonFiniteContourPointIsAnInputError) {
  const Geometry g = test_geometry();
  Contour c = physical_square(g, 1, 1, 5, 5, 1);
  c.points[1][0] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(rasterize_contours({c}, Size3{10, 10, 4}, g), InputError);
}

TEST(RasterizeContours, ContourBetweenSlicesOrOutsideIsAnInputError) {
  const Geometry g = test_geometry();
  const Size3 size{10, 10, 4};
  EXPECT_THROW(rasterize_contours({physical_square(g, 1, 1, 5, 5, 1, 1.0)}, size, g), InputError);
  EXPECT_THROW(rasterize_contours({physical_square(g, 1, 1, 5, 5, 7)}, size, g), InputError);
  // A wider tolerance accepts the off-plane contour.
  RasterizeOptions wide;
  wide.slice_tolerance_mm = 1.0;
  EXPECT_NO_THROW(rasterize_contours({physical_square(g, 1, 1, 5, 5, 1, 1.0)}, size, g, wide));
}

// A tiny RTSTRUCT written with DCMTK: two ROIs, one with a hole.
void write_rtstruct(const std::string& path, const Geometry& g, const std::string& frame_uid = "1.2.3.4.5.6.9",
                    double z_offset_mm = 0, const std::string& roi_frame_uid = "") {
  DcmFileFormat file;
  DcmDataset* ds = file.getDataset();
  ds->putAndInsertString(DCM_SOPClassUID, UID_RTStructureSetStorage);
  ds->putAndInsertString(DCM_SOPInstanceUID, "1.2.3.4.5.6.1");
  ds->putAndInsertString(DCM_Modality, "RTSTRUCT");
  ds->putAndInsertString(DCM_StructureSetLabel, "test");
  DcmItem* frame = nullptr;
  ds->findOrCreateSequenceItem(DCM_ReferencedFrameOfReferenceSequence, frame, 0);
  frame->putAndInsertString(DCM_FrameOfReferenceUID, frame_uid.c_str());
  DcmItem* study = nullptr;
  frame->findOrCreateSequenceItem(DCM_RTReferencedStudySequence, study, 0);
  DcmItem* series = nullptr;
  study->findOrCreateSequenceItem(DCM_RTReferencedSeriesSequence, series, 0);
  series->putAndInsertString(DCM_SeriesInstanceUID, "1.2.3.4.5.6.7");
  const char* names[] = {"GTV-1", "Lung_L"};
  for (int r = 0; r < 2; ++r) {
    DcmItem* roi = nullptr;
    ds->findOrCreateSequenceItem(DCM_StructureSetROISequence, roi, r);
    roi->putAndInsertString(DCM_ROINumber, std::to_string(r + 1).c_str());
    roi->putAndInsertString(DCM_ROIName, names[r]);
    roi->putAndInsertString(DCM_ReferencedFrameOfReferenceUID, (roi_frame_uid.empty() ? frame_uid : roi_frame_uid).c_str());
  }
  DcmItem* rc = nullptr;
  ds->findOrCreateSequenceItem(DCM_ROIContourSequence, rc, 0);
  rc->putAndInsertString(DCM_ReferencedROINumber, "1");
  const Contour parts[] = {physical_square(g, 1.5, 1.5, 7.5, 7.5, 2, z_offset_mm),
                           physical_square(g, 3.5, 3.5, 5.5, 5.5, 2, z_offset_mm)};
  for (int c = 0; c < 2; ++c) {
    DcmItem* contour = nullptr;
    rc->findOrCreateSequenceItem(DCM_ContourSequence, contour, c);
    contour->putAndInsertString(DCM_ContourGeometricType, "CLOSED_PLANAR");
    std::string data;
    for (const auto& p : parts[c].points)
      for (double v : p) data += (data.empty() ? "" : "\\") + std::to_string(v);
    contour->putAndInsertString(DCM_ContourData, data.c_str());
    contour->putAndInsertString(DCM_NumberOfContourPoints, std::to_string(parts[c].points.size()).c_str());
  }
  ASSERT_TRUE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
}

TEST(RtStruct, SyntheticFileRoundTripsThroughDcmtk) {
  testing::TempDir dir;
  const Geometry g = test_geometry();
  const std::string path = dir.file("rs.dcm");
  write_rtstruct(path, g);
  EXPECT_TRUE(is_rtstruct_file(path));
  const RtStructInfo info = read_rtstruct_info(path);
  EXPECT_EQ(info.referenced_series_uid, "1.2.3.4.5.6.7");
  EXPECT_EQ(info.frame_of_reference_uid, "1.2.3.4.5.6.9");
  ASSERT_EQ(info.rois.size(), 2u);
  EXPECT_EQ(info.rois[0].name, "GTV-1");
  EXPECT_EQ(info.rois[0].contour_count, 2);
  EXPECT_EQ(info.rois[1].contour_count, 0);
  EXPECT_EQ(choose_roi(info, "GTV-1").number, 1);
  EXPECT_EQ(choose_roi(info, "gtv-1").number, 1);
  EXPECT_EQ(choose_roi(info, "lung.*").number, 2);
  EXPECT_EQ(choose_roi(info, "2").number, 2);
  try {
    choose_roi(info, "CTV");
    FAIL() << "unknown ROI accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("GTV-1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Lung_L"), std::string::npos) << e.what();
  }
  EXPECT_THROW(choose_roi(info, ".*"), InputError);  // ambiguous
  const auto contours = read_roi_contours(path, 1);
  ASSERT_EQ(contours.size(), 2u);
  const LabelMap mask = rasterize_contours(contours, Size3{10, 10, 4}, g);
  int count = 0;
  for (int64_t i = 0; i < mask.voxel_count(); ++i) count += mask[i];
  EXPECT_EQ(count, 32);
  EXPECT_EQ(mask.at(4, 4, 2), 0);
  EXPECT_EQ(mask.at(3, 3, 2), 1);
}

// Found by fuzz/rtstruct_fuzz.cpp: ROINumber "99999999999" overflowed an
// int (undefined behaviour, caught by UBSan). A number that is no int is
// taken as absent: the ROI lists with -1 and has no contours.
TEST(RtStruct, RoiNumberBeyondIntIsTakenAsAbsent) {
  testing::TempDir dir;
  const std::string path = dir.file("rs.dcm");
  DcmFileFormat file;
  DcmDataset* ds = file.getDataset();
  ds->putAndInsertString(DCM_SOPClassUID, UID_RTStructureSetStorage);
  ds->putAndInsertString(DCM_Modality, "RTSTRUCT");
  for (int r = 0; r < 2; ++r) {
    DcmItem* roi = nullptr;
    ds->findOrCreateSequenceItem(DCM_StructureSetROISequence, roi, r);
    roi->putAndInsertString(DCM_ROINumber, r == 0 ? "99999999999" : "1.5");
    roi->putAndInsertString(DCM_ROIName, r == 0 ? "huge" : "fraction");
  }
  DcmItem* rc = nullptr;
  ds->findOrCreateSequenceItem(DCM_ROIContourSequence, rc, 0);
  rc->putAndInsertString(DCM_ReferencedROINumber, "99999999999");
  ASSERT_TRUE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
  const RtStructInfo info = read_rtstruct_info(path);
  ASSERT_EQ(info.rois.size(), 2u);
  for (const RtRoi& roi : info.rois) {
    EXPECT_EQ(roi.number, -1) << roi.name;
    EXPECT_EQ(roi.contour_count, 0) << roi.name;
  }
}

// The image series the synthetic RTSTRUCT references: 10x10x4 on test_geometry().
void write_image_series(const std::string& folder, const Geometry& g) {
  std::filesystem::create_directories(folder);
  for (int k = 0; k < 4; ++k) {
    DcmFileFormat file;
    DcmDataset* ds = file.getDataset();
    ds->putAndInsertString(DCM_SOPClassUID, UID_CTImageStorage);
    ds->putAndInsertString(DCM_SOPInstanceUID, ("1.2.3.4.5.6.8." + std::to_string(k + 1)).c_str());
    ds->putAndInsertString(DCM_StudyInstanceUID, "1.2.3.4.5.6.5");
    ds->putAndInsertString(DCM_SeriesInstanceUID, "1.2.3.4.5.6.7");
    ds->putAndInsertString(DCM_FrameOfReferenceUID, "1.2.3.4.5.6.9");
    ds->putAndInsertString(DCM_Modality, "CT");
    const Vec3 o = g.index_to_physical(Vec3{0, 0, double(k)});
    const std::string ipp = std::to_string(o[0]) + "\\" + std::to_string(o[1]) + "\\" + std::to_string(o[2]);
    ds->putAndInsertString(DCM_ImagePositionPatient, ipp.c_str());
    ds->putAndInsertString(DCM_ImageOrientationPatient, "1\\0\\0\\0\\1\\0");
    ds->putAndInsertString(DCM_PixelSpacing,
                           (std::to_string(g.spacing[1]) + "\\" + std::to_string(g.spacing[0])).c_str());
    ds->putAndInsertUint16(DCM_Rows, 10);
    ds->putAndInsertUint16(DCM_Columns, 10);
    ds->putAndInsertUint16(DCM_SamplesPerPixel, 1);
    ds->putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
    ds->putAndInsertUint16(DCM_BitsAllocated, 16);
    ds->putAndInsertUint16(DCM_BitsStored, 16);
    ds->putAndInsertUint16(DCM_HighBit, 15);
    ds->putAndInsertUint16(DCM_PixelRepresentation, 0);
    std::vector<Uint16> pixels(100, Uint16(k));
    ds->putAndInsertUint16Array(DCM_PixelData, pixels.data(), pixels.size());
    ASSERT_TRUE(file.saveFile((folder + "/" + std::to_string(k) + ".dcm").c_str(), EXS_LittleEndianExplicit).good());
  }
}

TEST(RtStruct, SyntheticSeriesEndToEnd) {
  testing::TempDir dir;
  const Geometry g = test_geometry();
  const std::string series = dir.file("ct");
  write_image_series(series, g);
  write_rtstruct(dir.file("rs.dcm"), g);
  const LabelMap mask = read_rtstruct_roi(dir.file("rs.dcm"), series, "GTV-1");
  ASSERT_EQ(mask.size(), (Size3{10, 10, 4}));
  EXPECT_LT(mask.geometry().max_difference(g), 1e-5);
  int per_slice[4] = {0, 0, 0, 0};
  for (int64_t z = 0; z < 4; ++z)
    for (int64_t i = 0; i < 100; ++i) per_slice[z] += mask[z * 100 + i];
  EXPECT_EQ(per_slice[0] + per_slice[1] + per_slice[3], 0);
  EXPECT_EQ(per_slice[2], 32);
  EXPECT_EQ(mask.at(4, 4, 2), 0);  // the hole

  // Another frame of reference: refused, naming both.
  write_rtstruct(dir.file("other_frame.dcm"), g, "1.2.3.4.5.6.99");
  try {
    read_rtstruct_roi(dir.file("other_frame.dcm"), series, "GTV-1");
    FAIL() << "frame of reference mismatch accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("frame of reference"), std::string::npos) << e.what();
  }
  // Only the ROI names another frame, its structure set the series' (2 of
  // 153 RTSTRUCTs of a public sarcoma cohort): rasterised as if it named the
  // series' frame, with a warning; refused when strict.
  write_rtstruct(dir.file("roi_frame.dcm"), g, "1.2.3.4.5.6.9", 0, "1.2.3.4.5.6.77");
  const LabelMap lenient = read_rtstruct_roi(dir.file("roi_frame.dcm"), series, "GTV-1");
  ASSERT_EQ(lenient.size(), mask.size());
  for (int64_t i = 0; i < mask.voxel_count(); ++i) ASSERT_EQ(lenient[i], mask[i]) << i;
  RtStructReadOptions strict;
  strict.strict_frame_of_reference = true;
  try {
    read_rtstruct_roi(dir.file("roi_frame.dcm"), series, "GTV-1", strict);
    FAIL() << "strict: an ROI in another frame of reference accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("1.2.3.4.5.6.77"), std::string::npos) << e.what();
  }
  // Contours 1 mm off the 2 mm slices: refused (tolerance 0.5 mm) unless widened.
  write_rtstruct(dir.file("off.dcm"), g, "1.2.3.4.5.6.9", 1.0);
  try {
    read_rtstruct_roi(dir.file("off.dcm"), series, "GTV-1");
    FAIL() << "off-plane contour accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("off the nearest slice plane"), std::string::npos) << e.what();
  }
  RtStructReadOptions wide;
  wide.rasterize.slice_tolerance_mm = 1.0;
  EXPECT_NO_THROW(read_rtstruct_roi(dir.file("off.dcm"), series, "GTV-1", wide));
}

TEST(RtStruct, NotAnRtStructIsAnInputError) {
  testing::TempDir dir;
  EXPECT_FALSE(is_rtstruct_file(dir.file("missing.dcm")));
  EXPECT_THROW(read_rtstruct_info(dir.file("missing.dcm")), InputError);
}

double dice(const LabelMap& a, const LabelMap& b, int64_t* count_a, int64_t* count_b) {
  int64_t both = 0, na = 0, nb = 0;
  for (int64_t i = 0; i < a.voxel_count(); ++i) {
    const bool x = a[i] != 0, y = b[i] != 0;
    both += x && y;
    na += x;
    nb += y;
  }
  *count_a = na;
  *count_b = nb;
  return 2.0 * double(both) / double(na + nb);
}

TEST(RtStruct, IbsiCtPhantomGtvMatchesTheNiftiMask) {
  SCOPEMIA_REFDATA(root, "ibsi/ct_phantom");
  const std::string rs = root + "/dicom/mask/DCM_RS_00060.dcm";
  const RtStructInfo info = read_rtstruct_info(rs);
  ASSERT_EQ(info.rois.size(), 1u);
  EXPECT_EQ(info.rois[0].name, "GTV-1");
  const LabelMap mask = read_rtstruct_roi(rs, root + "/dicom/image", "GTV-1");
  const LabelMap reference = read_label_map(root + "/nifti/mask/mask.nii.gz");
  ASSERT_EQ(mask.size(), reference.size());
  EXPECT_LT(mask.geometry().max_difference(reference.geometry()), 1e-3)
      << mask.geometry().describe() << " vs " << reference.geometry().describe();
  int64_t ours = 0, theirs = 0;
  const double d = dice(mask, reference, &ours, &theirs);
  std::cout << "GTV-1: " << ours << " voxels (NIfTI mask " << theirs << "), Dice " << d << "\n";
  EXPECT_GE(d, 0.99);
  EXPECT_LE(std::abs(double(ours - theirs)), 0.01 * double(theirs));
}

TEST(RtStruct, IbsiCtPhantomDicomImageEqualsTheNiftiImage) {
  SCOPEMIA_REFDATA(root, "ibsi/ct_phantom");
  const Volume dicom = read_volume(root + "/dicom/image");
  const Volume nifti = read_volume(root + "/nifti/image/phantom.nii.gz");
  ASSERT_EQ(dicom.size(), nifti.size());
  EXPECT_LT(dicom.geometry().max_difference(nifti.geometry()), 1e-3);
  double max_diff = 0;
  for (int64_t i = 0; i < dicom.voxel_count(); ++i)
    max_diff = std::max(max_diff, double(std::abs(dicom[i] - nifti[i])));
  EXPECT_EQ(max_diff, 0.0);
}

TEST(RtStruct, MissingReferencedSeriesIsAClearError) {
  SCOPEMIA_REFDATA(root, "ibsi/ct_phantom");
  SCOPEMIA_REFDATA(other, "dicom_seg/ct-3slice");
  const std::string rs = root + "/dicom/mask/DCM_RS_00060.dcm";
  try {
    read_rtstruct_roi(rs, other, "GTV-1");
    FAIL() << "wrong reference folder accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("does not hold the image series"), std::string::npos) << e.what();
  }
  try {
    read_rtstruct_roi(rs, root + "/dicom/image", "CTV");
    FAIL() << "unknown ROI accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("GTV-1"), std::string::npos) << e.what();
  }
}

TEST(RtStruct, ReadMaskWithRoiSuffix) {
  SCOPEMIA_REFDATA(root, "ibsi/ct_phantom");
  const std::string rs = root + "/dicom/mask/DCM_RS_00060.dcm";
  const MaskSpec spec = parse_mask_spec(rs + "#GTV-1");
  EXPECT_EQ(spec.path, rs);
  EXPECT_EQ(spec.roi, "GTV-1");
  EXPECT_EQ(parse_mask_spec(rs).roi, "");
  EXPECT_TRUE(is_dicom_mask(rs));
  EXPECT_FALSE(is_dicom_mask(root + "/nifti/mask/mask.nii.gz"));
  const LabelMap reference = read_label_map(root + "/nifti/mask/mask.nii.gz");
  int64_t ours = 0, theirs = 0;
  EXPECT_GE(dice(read_mask(rs + "#GTV-1", root + "/dicom/image"), reference, &ours, &theirs), 0.99);
  EXPECT_GE(dice(read_mask(rs, root + "/dicom/image", "gtv.*"), reference, &ours, &theirs), 0.99);
  // A plain label map passes through; an RTSTRUCT needs its DICOM folder.
  EXPECT_EQ(read_mask(root + "/nifti/mask/mask.nii.gz", root + "/nifti/image/phantom.nii.gz").size(), reference.size());
  EXPECT_THROW(read_mask(rs + "#GTV-1", root + "/nifti/image/phantom.nii.gz"), InputError);
  EXPECT_THROW(read_mask(root + "/nifti/mask/mask.nii.gz", root + "/dicom/image", "GTV-1"), InputError);
}

TEST(RtStruct, CliConvertAndDicomLs) {
  SCOPEMIA_REFDATA(root, "ibsi/ct_phantom");
  testing::TempDir dir;
  const std::string rs = root + "/dicom/mask/DCM_RS_00060.dcm";
  const std::string out = dir.file("gtv.nii.gz");
  const auto done = testing::run_cli({"convert", rs, out, "--reference", root + "/dicom/image", "--roi", "GTV-1"});
  ASSERT_EQ(done.code, 0) << done.err;
  const LabelMap mask = read_label_map(out);
  const LabelMap reference = read_label_map(root + "/nifti/mask/mask.nii.gz");
  int64_t ours = 0, theirs = 0;
  EXPECT_GE(dice(mask, reference, &ours, &theirs), 0.99);
  // Without --reference: a one-line error that says what is missing.
  const auto refused = testing::run_cli({"convert", rs, dir.file("x.nii.gz"), "--roi", "GTV-1"});
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("--reference"), std::string::npos) << refused.err;
  const auto unknown =
      testing::run_cli({"convert", rs, dir.file("x.nii.gz"), "--reference", root + "/dicom/image", "--roi", "CTV"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("GTV-1"), std::string::npos) << unknown.err;

  const auto ls = testing::run_cli({"dicom", "ls", root + "/dicom"});
  ASSERT_EQ(ls.code, 0) << ls.err;
  EXPECT_NE(ls.out.find("CT 204x201x60 spacing 0.977x0.977x3 mm (60 files)"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("RTSTRUCT " + rs), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("1 GTV-1"), std::string::npos) << ls.out;
}

}  // namespace
}  // namespace scopemia::io
