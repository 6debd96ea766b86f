#include "io/dicom_series.h"

#include <algorithm>
#include <filesystem>

#include <itkMacro.h>

#include "core/error.h"
#include "io/gdcm_series.h"

namespace scopemia::io {

std::vector<DicomSeries> find_dicom_series(const std::string& folder) {
  std::vector<DicomSeries> out;
  try {
    for (auto& s : gdcm_functions().find_series(folder)) out.push_back(DicomSeries{s.uid, std::move(s.files)});
  } catch (const itk::ExceptionObject& e) {
    throw InputError(folder, std::string("cannot scan for DICOM files: ") + e.GetDescription());
  }
  if (out.empty()) throw InputError(folder, "no DICOM series in this folder");
  std::stable_sort(out.begin(), out.end(),
                   [](const DicomSeries& a, const DicomSeries& b) { return a.files.size() > b.files.size(); });
  return out;
}

DicomSeries choose_dicom_series(const std::string& folder, const std::string& uid) {
  auto all = find_dicom_series(folder);
  if (uid.empty()) return all.front();
  for (auto& s : all)
    if (s.uid.compare(0, uid.size(), uid) == 0) return s;
  std::string known;
  for (const auto& s : all) known += (known.empty() ? "" : ", ") + s.uid;
  throw InputError(folder, "no series with UID " + uid + " (series here: " + known + ")");
}

}  // namespace scopemia::io
