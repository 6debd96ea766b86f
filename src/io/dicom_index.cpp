#include "io/dicom_index.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "core/error.h"
#include "io/dicom_dcmtk.h"
#include "io/dicom_seg.h"
#include "io/rtstruct.h"

// Built into libscopemia_io_dcmtk (io/dcmtk_library.h): io forwards the
// declared functions here.
namespace scopemia::io::dcmtk_impl {

namespace fs = std::filesystem;

namespace {

struct SliceHeader {
  std::string path;
  std::vector<double> position, orientation;
  int frames = 1;
};

struct SeriesAccumulator {
  DicomSeriesEntry entry;
  std::vector<SliceHeader> slices;
};

struct StudyAccumulator {
  std::string uid, date, description;
  std::map<std::string, SeriesAccumulator> series;
};

struct PatientAccumulator {
  std::string id, name;
  std::map<std::string, StudyAccumulator> studies;
};

void finish_series(SeriesAccumulator& acc) {
  DicomSeriesEntry& e = acc.entry;
  if (e.modality == "RTSTRUCT" || e.modality == "SEG") return;
  if (acc.slices.empty()) return;
  const auto& first = acc.slices.front();
  int frames = 0;
  for (const auto& s : acc.slices) frames += s.frames;
  e.slices = frames;
  if (first.orientation.size() == 6) {
    const double* r = first.orientation.data();
    const double* c = r + 3;
    const double n[3] = {r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]};
    std::vector<double> d;
    for (const auto& s : acc.slices)
      if (s.position.size() == 3) d.push_back(s.position[0] * n[0] + s.position[1] * n[1] + s.position[2] * n[2]);
    std::sort(d.begin(), d.end());
    std::vector<double> gaps;
    for (size_t i = 1; i < d.size(); ++i) gaps.push_back(d[i] - d[i - 1]);
    if (!gaps.empty()) {
      std::nth_element(gaps.begin(), gaps.begin() + gaps.size() / 2, gaps.end());
      e.spacing_z = gaps[gaps.size() / 2];
    }
  }
}

}  // namespace

std::vector<DicomPatientEntry> scan_dicom_folder(const std::string& folder) {
  std::error_code ec;
  if (!fs::exists(folder, ec)) throw InputError(folder, "no such file or folder");
  std::vector<std::string> paths;
  if (fs::is_directory(folder)) {
    for (auto it = fs::recursive_directory_iterator(folder, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it->is_regular_file(ec)) paths.push_back(it->path().string());
    }
  } else {
    paths.push_back(folder);
  }
  std::sort(paths.begin(), paths.end());
  std::map<std::string, PatientAccumulator> patients;
  int found = 0;
  for (const auto& path : paths) {
    auto file = dcm::try_load(path, /*header_only=*/true);
    if (!file) continue;
    DcmDataset* ds = file->getDataset();
    ++found;
    const std::string patient_id = dcm::text(ds, DCM_PatientID);
    PatientAccumulator& patient = patients[patient_id];
    patient.id = patient_id;
    patient.name = dcm::text(ds, DCM_PatientName);
    const std::string study_uid = dcm::text(ds, DCM_StudyInstanceUID);
    StudyAccumulator& study = patient.studies[study_uid];
    study.uid = study_uid;
    study.date = dcm::text(ds, DCM_StudyDate);
    study.description = dcm::text(ds, DCM_StudyDescription);
    const std::string series_uid = dcm::text(ds, DCM_SeriesInstanceUID);
    SeriesAccumulator& series = study.series[series_uid];
    DicomSeriesEntry& e = series.entry;
    if (e.files == 0) {
      e.uid = series_uid;
      e.modality = dcm::text(ds, DCM_Modality);
      e.description = dcm::text(ds, DCM_SeriesDescription);
      e.folder = fs::path(path).parent_path().string();
      e.columns = dcm::integer(ds, DCM_Columns, 0);
      e.rows = dcm::integer(ds, DCM_Rows, 0);
      auto spacing = dcm::numbers(ds, DCM_PixelSpacing);
      DcmItem* shared = dcm::first_item(ds, DCM_SharedFunctionalGroupsSequence);
      if (spacing.size() != 2)
        spacing = dcm::numbers(dcm::first_item(shared, DCM_PixelMeasuresSequence), DCM_PixelSpacing);
      if (spacing.size() == 2) {
        e.spacing_y = spacing[0];
        e.spacing_x = spacing[1];
      }
    }
    ++e.files;
    if (e.modality == "RTSTRUCT") {
      DicomSeriesEntry::Object object;
      object.path = path;
      object.type = "RTSTRUCT";
      try {
        const RtStructInfo info = read_rtstruct_info(path);
        object.referenced_series_uid = info.referenced_series_uid;
        for (const auto& r : info.rois)
          object.names.push_back(fmt::format("{} {}{}", r.number, r.name, r.contour_count == 0 ? " (empty)" : ""));
      } catch (const InputError& err) {
        object.type += std::string(" (unreadable: ") + err.cause() + ")";
      }
      e.objects.push_back(std::move(object));
    } else if (e.modality == "SEG") {
      DicomSeriesEntry::Object object;
      object.path = path;
      try {
        const SegInfo info = read_seg_info(path);
        object.type = "SEG " + info.type;
        object.referenced_series_uid = info.referenced_series_uid;
        for (const auto& s : info.segments) object.names.push_back(fmt::format("{} {}", s.number, s.label));
      } catch (const InputError& err) {
        object.type = std::string("SEG (unreadable: ") + err.cause() + ")";
      }
      e.objects.push_back(std::move(object));
    } else {
      SliceHeader slice;
      slice.path = path;
      slice.position = dcm::numbers(ds, DCM_ImagePositionPatient);
      slice.orientation = dcm::numbers(ds, DCM_ImageOrientationPatient);
      slice.frames = std::max(1, dcm::integer(ds, DCM_NumberOfFrames, 1));
      const auto per_frame = dcm::items(ds, DCM_PerFrameFunctionalGroupsSequence);
      if (!per_frame.empty()) {
        // Enhanced multi-frame: one plane per frame, from the functional groups.
        DcmItem* shared = dcm::first_item(ds, DCM_SharedFunctionalGroupsSequence);
        auto orientation =
            dcm::numbers(dcm::first_item(shared, DCM_PlaneOrientationSequence), DCM_ImageOrientationPatient);
        for (DcmItem* pf : per_frame) {
          SliceHeader frame;
          frame.path = path;
          frame.position = dcm::numbers(dcm::first_item(pf, DCM_PlanePositionSequence), DCM_ImagePositionPatient);
          frame.orientation = orientation.size() == 6 ? orientation
                                                      : dcm::numbers(dcm::first_item(pf, DCM_PlaneOrientationSequence),
                                                                     DCM_ImageOrientationPatient);
          series.slices.push_back(std::move(frame));
        }
      } else {
        series.slices.push_back(std::move(slice));
      }
    }
  }
  if (found == 0) throw InputError(folder, "no DICOM files here");
  std::vector<DicomPatientEntry> out;
  for (auto& [id, p] : patients) {
    DicomPatientEntry patient{p.id, p.name, {}};
    for (auto& [uid, s] : p.studies) {
      DicomStudyEntry study{s.uid, s.date, s.description, {}};
      for (auto& [suid, series] : s.series) {
        finish_series(series);
        study.series.push_back(std::move(series.entry));
      }
      // Image series first, then RTSTRUCT / SEG series.
      std::stable_sort(
          study.series.begin(), study.series.end(),
          [](const DicomSeriesEntry& a, const DicomSeriesEntry& b) { return a.objects.empty() && !b.objects.empty(); });
      patient.studies.push_back(std::move(study));
    }
    out.push_back(std::move(patient));
  }
  return out;
}

}  // namespace scopemia::io::dcmtk_impl
