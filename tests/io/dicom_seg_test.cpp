#include "io/dicom_seg.h"

#include <cmath>
#include <filesystem>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmdata/dctk.h>
#include <gtest/gtest.h>

#include "core/error.h"
#include "io/dicom_mask.h"
#include "io/image_io.h"
#include "support/refdata.h"
#include "support/run_cli.h"
#include "support/temp_dir.h"

namespace scopemia::io {
namespace {

// Every voxel of `ours` equals `expected(reference voxel)`, and the grids agree.
template <typename F>
void expect_voxels(const LabelMap& ours, const LabelMap& reference, F expected, const std::string& what) {
  ASSERT_EQ(ours.size(), reference.size()) << what;
  EXPECT_LT(ours.geometry().max_difference(reference.geometry()), 1e-4)
      << what << ": " << ours.geometry().describe() << " vs " << reference.geometry().describe();
  int64_t mismatches = 0, set = 0;
  for (int64_t i = 0; i < ours.voxel_count(); ++i) {
    mismatches += ours[i] != expected(reference[i]);
    set += ours[i] != 0;
  }
  EXPECT_EQ(mismatches, 0) << what;
  EXPECT_GT(set, 0) << what;
}

TEST(DicomSeg, LiverBinarySegOnItsOwnGridAndOnTheReferenceSeries) {
  SCOPEMIA_REFDATA(root, "dicom_seg");
  const std::string seg = root + "/liver.dcm";
  const SegInfo info = read_seg_info(seg);
  EXPECT_EQ(info.type, "BINARY");
  ASSERT_EQ(info.segments.size(), 1u);
  EXPECT_EQ(info.segments[0].label, "Liver");
  EXPECT_EQ(info.segments[0].frame_count, 3);
  const LabelMap reference = read_label_map(root + "/liver_seg.nrrd");
  expect_voxels(
      read_seg_label_map(seg), reference, [](uint8_t v) { return v; }, "label map, own grid");
  expect_voxels(
      read_seg_segment(seg, "Liver"), reference, [](uint8_t v) { return v == 1; }, "by label");
  SegReadOptions on_series;
  on_series.reference_folder = root + "/ct-3slice";
  expect_voxels(
      read_seg_segment(seg, "1", on_series), reference, [](uint8_t v) { return v == 1; }, "by number, on ct-3slice");
}

TEST(DicomSeg, PartialOverlapsOneSegmentAtATime) {
  SCOPEMIA_REFDATA(root, "dicom_seg");
  const std::string seg = root + "/partial_overlaps.dcm";
  const SegInfo info = read_seg_info(seg);
  ASSERT_EQ(info.segments.size(), 5u);
  const LabelMap maps[3] = {read_label_map(root + "/partial_overlaps-1.nrrd"),
                            read_label_map(root + "/partial_overlaps-2.nrrd"),
                            read_label_map(root + "/partial_overlaps-3.nrrd")};
  // Segment -> the merged map that holds it (README: 1 = GREEN, LIGHT_BLUE, DARK_BLUE; 2 = ORANGE; 3 = PURPLE).
  const std::map<std::string, int> where = {
      {"GREEN", 0}, {"ORANGE", 1}, {"PURPLE", 2}, {"LIGHT_BLUE", 0}, {"DARK_BLUE", 0}};
  SegReadOptions on_series;
  on_series.reference_folder = root + "/ct-3slice";
  for (const auto& s : info.segments) {
    ASSERT_TRUE(where.count(s.label)) << s.label;
    const int number = s.number;
    const LabelMap& reference = maps[where.at(s.label)];
    expect_voxels(
        read_seg_segment(seg, s.label), reference, [number](uint8_t v) { return v == number; }, s.label);
    expect_voxels(
        read_seg_segment(seg, std::to_string(number), on_series), reference,
        [number](uint8_t v) { return v == number; }, s.label + " on ct-3slice");
  }
  // Merged, the overlapping segments are an error that says so.
  try {
    read_seg_label_map(seg);
    FAIL() << "overlapping segments merged silently";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("overlap"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_seg_segment(seg, "RED"), InputError);
}

TEST(DicomSeg, SparseLabelMapsFillMissingFramesWithThePaddingValue) {
  SCOPEMIA_REFDATA(root, "dicom_seg");
  for (const auto& [seg, nrrd] : std::vector<std::pair<std::string, std::string>>{
           {"sparse-labelmap-ppv5.dcm", "sparse_labelmap_ppv5_seg.nrrd"},
           {"sparse-labelmap-noppv.dcm", "sparse_labelmap_noppv_seg.nrrd"}}) {
    const SegInfo info = read_seg_info(root + "/" + seg);
    EXPECT_EQ(info.type, "LABELMAP");
    EXPECT_EQ(info.frames, 2);
    EXPECT_EQ(info.size, (Size3{24, 38, 3})) << seg;
    const LabelMap reference = read_label_map(root + "/" + nrrd);
    expect_voxels(
        read_seg_label_map(root + "/" + seg), reference, [](uint8_t v) { return v; }, seg);
    // One segment of a label-map SEG: its voxels, padding excluded.
    expect_voxels(
        read_seg_segment(root + "/" + seg, "Liver"), reference, [](uint8_t v) { return v == 1; }, seg + " Liver");
  }
}

TEST(DicomSeg, RleAndDeflatedCopiesDecodeTheSame) {
  SCOPEMIA_REFDATA(root, "dicom_seg");
  testing::TempDir dir;
  DcmRLEEncoderRegistration::registerCodecs();
  const LabelMap reference = read_label_map(root + "/sparse_labelmap_ppv5_seg.nrrd");
  for (const E_TransferSyntax syntax : {EXS_RLELossless, EXS_DeflatedLittleEndianExplicit}) {
    DcmFileFormat file;
    ASSERT_TRUE(file.loadFile((root + "/sparse-labelmap-ppv5.dcm").c_str()).good());
    ASSERT_TRUE(file.getDataset()->chooseRepresentation(syntax, nullptr).good());
    const std::string path = dir.file(std::to_string(int(syntax)) + ".dcm");
    ASSERT_TRUE(file.saveFile(path.c_str(), syntax).good());
    expect_voxels(
        read_seg_label_map(path), reference, [](uint8_t v) { return v; }, DcmXfer(syntax).getXferName());
  }
  DcmRLEEncoderRegistration::cleanup();
}

TEST(DicomSeg, TinyPhantomsBitPackedAcrossFrames) {
  SCOPEMIA_REFDATA(root, "dicom_seg");
  // 23 columns: a frame is 874 bits, so frames 2 and 3 start inside a byte.
  for (const std::string size : {"23x38x3", "24x38x3"}) {
    const std::string dir = root + "/" + size;
    const LabelMap reference = read_label_map(dir + "/nrrd/label.nrrd");
    expect_voxels(
        read_seg_label_map(dir + "/seg/label.seg"), reference, [](uint8_t v) { return v; }, size);
    SegReadOptions on_series;
    on_series.reference_folder = dir + "/image";
    expect_voxels(
        read_seg_segment(dir + "/seg/label.seg", "Liver", on_series), reference, [](uint8_t v) { return v == 1; },
        size + " on its image series");
  }
}

TEST(DicomSeg, WrongReferenceSeriesIsAClearError) {
  SCOPEMIA_REFDATA(root, "dicom_seg");
  SegReadOptions wrong;
  wrong.reference_folder = root + "/23x38x3/image";
  try {
    read_seg_segment(root + "/liver.dcm", "1", wrong);
    FAIL() << "wrong reference accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("does not hold the image series"), std::string::npos) << e.what();
  }
}

// A FRACTIONAL SEG with two segments on 4x3 frames, one plane skipped
// (frames at z = 0 and z = 4 with 2 mm spacing), written with DCMTK.
void write_fractional_seg(const std::string& path) {
  DcmFileFormat file;
  DcmDataset* ds = file.getDataset();
  ds->putAndInsertString(DCM_SOPClassUID, UID_SegmentationStorage);
  ds->putAndInsertString(DCM_SOPInstanceUID, "1.2.3.4.5.8.1");
  ds->putAndInsertString(DCM_Modality, "SEG");
  ds->putAndInsertString(DCM_SegmentationType, "FRACTIONAL");
  ds->putAndInsertString(DCM_SegmentationFractionalType, "PROBABILITY");
  ds->putAndInsertUint16(DCM_MaximumFractionalValue, 200);
  ds->putAndInsertUint16(DCM_Rows, 3);
  ds->putAndInsertUint16(DCM_Columns, 4);
  ds->putAndInsertString(DCM_NumberOfFrames, "3");
  ds->putAndInsertUint16(DCM_BitsAllocated, 8);
  ds->putAndInsertUint16(DCM_BitsStored, 8);
  ds->putAndInsertUint16(DCM_HighBit, 7);
  ds->putAndInsertUint16(DCM_SamplesPerPixel, 1);
  const char* labels[] = {"Tumour", "Oedema"};
  for (int s = 0; s < 2; ++s) {
    DcmItem* item = nullptr;
    ds->findOrCreateSequenceItem(DCM_SegmentSequence, item, s);
    item->putAndInsertUint16(DCM_SegmentNumber, Uint16(s + 1));
    item->putAndInsertString(DCM_SegmentLabel, labels[s]);
  }
  DcmItem* shared = nullptr;
  ds->findOrCreateSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0);
  DcmItem* orientation = nullptr;
  shared->findOrCreateSequenceItem(DCM_PlaneOrientationSequence, orientation, 0);
  orientation->putAndInsertString(DCM_ImageOrientationPatient, "1\\0\\0\\0\\1\\0");
  DcmItem* measures = nullptr;
  shared->findOrCreateSequenceItem(DCM_PixelMeasuresSequence, measures, 0);
  measures->putAndInsertString(DCM_PixelSpacing, "0.5\\0.25");  // rows 0.5 mm apart, columns 0.25 mm
  measures->putAndInsertString(DCM_SpacingBetweenSlices, "2");
  // Frames: segment 1 at z=0, segment 1 at z=4, segment 2 at z=0.
  const int segment_of[3] = {1, 1, 2};
  const char* position_of[3] = {"10\\20\\0", "10\\20\\4", "10\\20\\0"};
  for (int f = 0; f < 3; ++f) {
    DcmItem* pf = nullptr;
    ds->findOrCreateSequenceItem(DCM_PerFrameFunctionalGroupsSequence, pf, f);
    DcmItem* pos = nullptr;
    pf->findOrCreateSequenceItem(DCM_PlanePositionSequence, pos, 0);
    pos->putAndInsertString(DCM_ImagePositionPatient, position_of[f]);
    DcmItem* id = nullptr;
    pf->findOrCreateSequenceItem(DCM_SegmentIdentificationSequence, id, 0);
    id->putAndInsertUint16(DCM_ReferencedSegmentNumber, Uint16(segment_of[f]));
  }
  std::vector<Uint8> pixels(3 * 12, 0);
  for (int i = 0; i < 12; ++i) pixels[i] = Uint8(i * 15);         // frame 1: 0, 15, ..., 165
  pixels[12 + 5] = 200;                                           // frame 2: one full voxel
  for (int i = 0; i < 12; ++i) pixels[24 + i] = i < 6 ? 200 : 0;  // frame 3: top half
  ds->putAndInsertUint8Array(DCM_PixelData, pixels.data(), pixels.size());
  ASSERT_TRUE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
}

TEST(DicomSeg, SyntheticFractionalSegWithAGap) {
  testing::TempDir dir;
  const std::string path = dir.file("frac.dcm");
  write_fractional_seg(path);
  ASSERT_TRUE(is_seg_file(path));
  const SegInfo info = read_seg_info(path);
  EXPECT_EQ(info.type, "FRACTIONAL");
  EXPECT_EQ(info.size, (Size3{4, 3, 3}));  // planes at z = 0, (2), 4
  EXPECT_DOUBLE_EQ(info.geometry.spacing[0], 0.25);
  EXPECT_DOUBLE_EQ(info.geometry.spacing[1], 0.5);
  EXPECT_DOUBLE_EQ(info.geometry.spacing[2], 2.0);
  EXPECT_EQ(info.segments[0].frame_count, 2);

  const Volume fraction = read_seg_fraction(path, "Tumour");
  for (int i = 0; i < 12; ++i) EXPECT_FLOAT_EQ(fraction[i], float(i * 15) / 200.f) << i;
  for (int i = 12; i < 24; ++i) EXPECT_EQ(fraction[i], 0.f);  // the gap plane
  EXPECT_EQ(fraction.at(1, 1, 2), 1.f);

  const LabelMap half = read_seg_segment(path, "1");  // threshold 0.5: values >= 100
  for (int i = 0; i < 12; ++i) EXPECT_EQ(half[i], i * 15 >= 100 ? 1 : 0) << i;
  SegReadOptions low;
  low.fraction_threshold = 0.1;  // >= 20
  const LabelMap loose = read_seg_segment(path, "1", low);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(loose[i], i * 15 >= 20 ? 1 : 0) << i;

  const LabelMap oedema = read_seg_segment(path, "oedema");
  int count = 0;
  for (int64_t i = 0; i < oedema.voxel_count(); ++i) count += oedema[i];
  EXPECT_EQ(count, 6);
  EXPECT_EQ(oedema.at(0, 0, 0), 1);
  EXPECT_EQ(oedema.at(0, 2, 0), 0);
}

// A 5x6x4 CT series (0.25 x 0.5 x 2 mm, origin (9.5, 19, -2)): the synthetic
// SEG's frames (origin (10, 20, z)) start at voxel (2, 2) and overhang in x.
void write_reference_series(const std::string& folder, const std::string& x0 = "9.5") {
  std::filesystem::create_directories(folder);
  for (int k = 0; k < 4; ++k) {
    DcmFileFormat file;
    DcmDataset* ds = file.getDataset();
    ds->putAndInsertString(DCM_SOPClassUID, UID_CTImageStorage);
    ds->putAndInsertString(DCM_SOPInstanceUID, ("1.2.3.4.5.8.2." + std::to_string(k + 1)).c_str());
    ds->putAndInsertString(DCM_SeriesInstanceUID, "1.2.3.4.5.8.3");
    ds->putAndInsertString(DCM_Modality, "CT");
    ds->putAndInsertString(DCM_ImagePositionPatient, (x0 + "\\19\\" + std::to_string(-2 + 2 * k)).c_str());
    ds->putAndInsertString(DCM_ImageOrientationPatient, "1\\0\\0\\0\\1\\0");
    ds->putAndInsertString(DCM_PixelSpacing, "0.5\\0.25");
    ds->putAndInsertUint16(DCM_Rows, 6);
    ds->putAndInsertUint16(DCM_Columns, 5);
    ds->putAndInsertUint16(DCM_SamplesPerPixel, 1);
    ds->putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
    ds->putAndInsertUint16(DCM_BitsAllocated, 16);
    ds->putAndInsertUint16(DCM_BitsStored, 16);
    ds->putAndInsertUint16(DCM_HighBit, 15);
    ds->putAndInsertUint16(DCM_PixelRepresentation, 0);
    std::vector<Uint16> pixels(30, 7);
    ds->putAndInsertUint16Array(DCM_PixelData, pixels.data(), pixels.size());
    ASSERT_TRUE(file.saveFile((folder + "/" + std::to_string(k) + ".dcm").c_str(), EXS_LittleEndianExplicit).good());
  }
}

TEST(DicomSeg, FramesPlacedByPositionOnALargerReferenceGrid) {
  testing::TempDir dir;
  write_fractional_seg(dir.file("frac.dcm"));
  write_reference_series(dir.file("ct"));
  SegReadOptions options;
  options.reference_folder = dir.file("ct");
  const Volume fraction = read_seg_fraction(dir.file("frac.dcm"), "Tumour", options);
  ASSERT_EQ(fraction.size(), (Size3{5, 6, 4}));
  for (int64_t z = 0; z < 4; ++z)
    for (int64_t y = 0; y < 6; ++y)
      for (int64_t x = 0; x < 5; ++x) {
        float expected = 0;
        const int64_t sx = x - 2, sy = y - 2;  // SEG pixel
        if (z == 1 && sx >= 0 && sy >= 0 && sy < 3) expected = float((sy * 4 + sx) * 15) / 200.f;
        if (z == 3 && sx == 1 && sy == 1) expected = 1.f;
        EXPECT_FLOAT_EQ(fraction.at(x, y, z), expected) << x << "," << y << "," << z;
      }
  // A series shifted 0.1 mm in x: frame origins fall between voxel centres
  // (0.1 mm off, tolerance a quarter of 0.25 mm): refused.
  write_reference_series(dir.file("shifted"), "9.6");
  options.reference_folder = dir.file("shifted");
  try {
    read_seg_fraction(dir.file("frac.dcm"), "Tumour", options);
    FAIL() << "off-grid frames accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("off the voxel grid"), std::string::npos) << e.what();
  }
}

TEST(DicomSeg, ReadMaskWithSegmentSuffix) {
  SCOPEMIA_REFDATA(root, "dicom_seg");
  const LabelMap purple = read_mask(root + "/partial_overlaps.dcm#PURPLE", root + "/ct-3slice");
  expect_voxels(
      purple, read_label_map(root + "/partial_overlaps-3.nrrd"), [](uint8_t v) { return v == 3; }, "#PURPLE");
  // Not a DICOM folder: the SEG's own grid.
  const LabelMap liver = read_mask(root + "/liver.dcm", root + "/liver_seg.nrrd");
  expect_voxels(
      liver, read_label_map(root + "/liver_seg.nrrd"), [](uint8_t v) { return v; }, "liver, own grid");
}

TEST(DicomSeg, CliConvertSegmentAndLabelMap) {
  SCOPEMIA_REFDATA(root, "dicom_seg");
  testing::TempDir dir;
  const auto one = testing::run_cli({"convert", root + "/partial_overlaps.dcm", dir.file("orange.nrrd"), "--segment",
                                     "ORANGE", "--reference", root + "/ct-3slice"});
  ASSERT_EQ(one.code, 0) << one.err;
  expect_voxels(
      read_label_map(dir.file("orange.nrrd")), read_label_map(root + "/partial_overlaps-2.nrrd"),
      [](uint8_t v) { return v == 2 ? 1 : 0; }, "ORANGE via the CLI");
  const auto all = testing::run_cli({"convert", root + "/sparse-labelmap-ppv5.dcm", dir.file("all.nii.gz")});
  ASSERT_EQ(all.code, 0) << all.err;
  expect_voxels(
      read_label_map(dir.file("all.nii.gz")), read_label_map(root + "/sparse_labelmap_ppv5_seg.nrrd"),
      [](uint8_t v) { return v; }, "sparse label map via the CLI");
  const auto unknown =
      testing::run_cli({"convert", root + "/partial_overlaps.dcm", dir.file("x.nrrd"), "--segment", "9"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.err.find("DARK_BLUE"), std::string::npos) << unknown.err;
  const auto ls = testing::run_cli({"dicom", "ls", root});
  ASSERT_EQ(ls.code, 0) << ls.err;
  EXPECT_NE(ls.out.find("SEG BINARY " + root + "/partial_overlaps.dcm"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("5 DARK_BLUE"), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("CT 24x38x3 spacing 0.7x0.7x2.5 mm (1 file)"), std::string::npos) << ls.out;  // multi-frame
}

}  // namespace
}  // namespace scopemia::io
