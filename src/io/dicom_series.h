#pragma once
// DICOM series in a folder (ITK + GDCM), without reading pixel data.
#include <string>
#include <vector>

namespace scopemia::io {

struct DicomSeries {
  std::string uid;                 // GDCM's series identifier (SeriesInstanceUID first)
  std::vector<std::string> files;  // sorted along the slice normal
};

// Every series under `folder` (recursively), largest first. Throws InputError
// when the folder has none.
std::vector<DicomSeries> find_dicom_series(const std::string& folder);

// The series `uid` (exact or prefix), or the largest when `uid` is empty.
DicomSeries choose_dicom_series(const std::string& folder, const std::string& uid);

}  // namespace scopemia::io
