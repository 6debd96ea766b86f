// libFuzzer target: the RTSTRUCT reader (io/rtstruct.h). The bytes drive a
// structure set built with DCMTK, so mutations reach our parsing rather than
// DCMTK's file-meta checks: SOP class, modality, frames of reference, ROIs
// (numbers and names as any string), ROI contours that reference existing or
// missing ROIs, contour types, ContourData as generated points (finite,
// huge, off-plane) or as raw text, NumberOfContourPoints that agrees or not.
// The file is saved, optionally corrupted at a few bytes, then listed, each
// ROI chosen by number, its contours read and rasterised onto a small grid.
// Findings: a crash or sanitizer report, an exception other than
// InputError, a mask that is not 0/1. Built and run by scripts/fuzz.sh.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include "core/error.h"
#include "io/rtstruct.h"
#include "scratch_file.h"

namespace {
std::string pick(FuzzedDataProvider& in, std::initializer_list<const char*> usual) {
  const size_t choice = in.ConsumeIntegralInRange<size_t>(0, usual.size());
  if (choice < usual.size()) return usual.begin()[choice];
  return in.ConsumeRandomLengthString(24);
}

std::string contour_data(FuzzedDataProvider& in, int points, double z) {
  if (in.ConsumeBool()) return in.ConsumeRandomLengthString(64);
  std::string text;
  for (int p = 0; p < points; ++p)
    for (int axis = 0; axis < 3; ++axis) {
      double v = axis == 2 && in.ConsumeBool() ? z : in.ConsumeFloatingPointInRange<double>(-4.0, 12.0);
      if (in.ConsumeIntegralInRange<int>(0, 15) == 0) v = in.ConsumeFloatingPoint<double>();  // huge, NaN, inf
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%.6g", v);
      text += (text.empty() ? "" : "\\") + std::string(buffer);
    }
  return text;
}

void write_structure_set(FuzzedDataProvider& in, const std::string& path) {
  DcmFileFormat file;
  DcmDataset* ds = file.getDataset();
  ds->putAndInsertString(DCM_SOPClassUID, pick(in, {UID_RTStructureSetStorage}).c_str());
  ds->putAndInsertString(DCM_SOPInstanceUID, "1.2.3.4.5.6.1");
  ds->putAndInsertString(DCM_Modality, pick(in, {"RTSTRUCT"}).c_str());
  ds->putAndInsertString(DCM_StructureSetLabel, in.ConsumeRandomLengthString(16).c_str());
  const std::string frame_uid = pick(in, {"1.2.3.4.5.6.9", "1.2.3.4.5.6.8"});
  if (in.ConsumeBool()) {
    DcmItem* frame = nullptr;
    ds->findOrCreateSequenceItem(DCM_ReferencedFrameOfReferenceSequence, frame, 0);
    frame->putAndInsertString(DCM_FrameOfReferenceUID, frame_uid.c_str());
    if (in.ConsumeBool()) {
      DcmItem *study = nullptr, *series = nullptr;
      frame->findOrCreateSequenceItem(DCM_RTReferencedStudySequence, study, 0);
      study->findOrCreateSequenceItem(DCM_RTReferencedSeriesSequence, series, 0);
      series->putAndInsertString(DCM_SeriesInstanceUID, pick(in, {"1.2.3.4.5.6.7"}).c_str());
    }
  }
  const int rois = in.ConsumeIntegralInRange<int>(0, 3);
  for (int r = 0; r < rois; ++r) {
    DcmItem* roi = nullptr;
    ds->findOrCreateSequenceItem(DCM_StructureSetROISequence, roi, r);
    roi->putAndInsertString(DCM_ROINumber, pick(in, {"1", "2", "3", "-1", "99999999999"}).c_str());
    roi->putAndInsertString(DCM_ROIName, pick(in, {"GTV-1", "Lung_L", ""}).c_str());
    if (in.ConsumeBool()) roi->putAndInsertString(DCM_ReferencedFrameOfReferenceUID, pick(in, {frame_uid.c_str()}).c_str());
  }
  const int roi_contours = in.ConsumeIntegralInRange<int>(0, 3);
  for (int r = 0; r < roi_contours; ++r) {
    DcmItem* rc = nullptr;
    ds->findOrCreateSequenceItem(DCM_ROIContourSequence, rc, r);
    rc->putAndInsertString(DCM_ReferencedROINumber, pick(in, {"1", "2", "3"}).c_str());
    const int contours = in.ConsumeIntegralInRange<int>(0, 4);
    const double z = in.ConsumeIntegralInRange<int>(-1, 4) * 2.0;
    for (int c = 0; c < contours; ++c) {
      DcmItem* contour = nullptr;
      rc->findOrCreateSequenceItem(DCM_ContourSequence, contour, c);
      contour->putAndInsertString(DCM_ContourGeometricType,
                                  pick(in, {"CLOSED_PLANAR", "CLOSED_PLANAR", "POINT", "OPEN_PLANAR"}).c_str());
      const int points = in.ConsumeIntegralInRange<int>(0, 12);
      contour->putAndInsertString(DCM_ContourData, contour_data(in, points, z).c_str());
      if (in.ConsumeBool())
        contour->putAndInsertString(DCM_NumberOfContourPoints,
                                    pick(in, {std::to_string(points).c_str(), "0", "-3", "1000000"}).c_str());
    }
  }
  file.saveFile(path.c_str(), EXS_LittleEndianExplicit);
}

void corrupt_some_bytes(FuzzedDataProvider& in, const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::vector<char> bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  f.close();
  if (bytes.empty()) return;
  const int edits = in.ConsumeIntegralInRange<int>(1, 8);
  for (int e = 0; e < edits; ++e)
    bytes[in.ConsumeIntegralInRange<size_t>(0, bytes.size() - 1)] = static_cast<char>(in.ConsumeIntegral<uint8_t>());
  if (in.ConsumeBool()) bytes.resize(in.ConsumeIntegralInRange<size_t>(0, bytes.size()));
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void read_everything(FuzzedDataProvider& in, const std::string& path) {
  using namespace scopemia;
  io::RtStructInfo info;
  try {
    info = io::read_rtstruct_info(path);
  } catch (const InputError&) {
    return;
  }
  Geometry geometry;
  geometry.spacing = {in.ConsumeFloatingPointInRange<double>(0.5, 2.0), in.ConsumeFloatingPointInRange<double>(0.5, 2.0),
                      in.ConsumeFloatingPointInRange<double>(1.0, 3.0)};
  const Size3 size{8, 8, 4};
  for (const io::RtRoi& roi : info.rois) {
    try {
      io::choose_roi(info, std::to_string(roi.number));
      const std::vector<io::Contour> contours = io::read_roi_contours(path, roi.number);
      const LabelMap mask = io::rasterize_contours(contours, size, geometry);
      for (int64_t i = 0; i < mask.voxel_count(); ++i)
        if (mask[i] > 1) {
          std::fprintf(stderr, "rasterised mask holds %d\n", mask[i]);
          std::abort();
        }
    } catch (const InputError&) {
    }
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string path = scopemia::fuzz::scratch_folder() + "/rtstruct.dcm";
  write_structure_set(in, path);
  if (in.ConsumeBool()) corrupt_some_bytes(in, path);
  read_everything(in, path);
  std::remove(path.c_str());
  return 0;
}
