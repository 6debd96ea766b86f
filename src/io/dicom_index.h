#pragma once
// An inventory of a DICOM folder (TCIA-style trees): patients, studies,
// series (modality, size, spacing) and RTSTRUCT / SEG objects with their ROI
// or segment names. Headers only (no pixel data is read).
#include <string>
#include <vector>

namespace scopemia::io {

struct DicomSeriesEntry {
  std::string uid;
  std::string modality;
  std::string description;
  std::string folder;  // folder of its first file
  int files = 0;
  // Image series: columns x rows x slices and spacing (mm); slice spacing is
  // the median gap between slice positions (0 when one slice).
  int columns = 0, rows = 0, slices = 0;
  double spacing_x = 0, spacing_y = 0, spacing_z = 0;
  // RTSTRUCT / SEG objects of this series: the file, what it references and
  // its ROI / segment names ("1 GTV-1").
  struct Object {
    std::string path;
    std::string type;  // "RTSTRUCT" or "SEG (BINARY)" ...
    std::string referenced_series_uid;
    std::vector<std::string> names;
  };
  std::vector<Object> objects;
};

struct DicomStudyEntry {
  std::string uid, date, description;
  std::vector<DicomSeriesEntry> series;
};

struct DicomPatientEntry {
  std::string id, name;
  std::vector<DicomStudyEntry> studies;
};

// Every DICOM file under `folder` (recursively), grouped. InputError when the
// folder does not exist or holds no DICOM file.
std::vector<DicomPatientEntry> scan_dicom_folder(const std::string& folder);

}  // namespace scopemia::io
