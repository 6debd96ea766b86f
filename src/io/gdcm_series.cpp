// Built into libscopemia_io_gdcm (src/CMakeLists.txt), not libscopemia_io.
#include "io/gdcm_series.h"

#include <itkGDCMImageIO.h>
#include <itkGDCMSeriesFileNames.h>
#include <itkImageSeriesReader.h>

namespace scopemia::io {
namespace {

std::vector<GdcmSeriesFiles> find_series(const std::string& folder) {
  std::vector<GdcmSeriesFiles> out;
  auto names = itk::GDCMSeriesFileNames::New();
  names->SetUseSeriesDetails(true);  // keep different acquisitions apart
  names->SetRecursive(true);
  names->SetDirectory(folder);
  for (const auto& uid : names->GetSeriesUIDs()) {
    GdcmSeriesFiles s{uid, names->GetFileNames(uid)};
    if (!s.files.empty()) out.push_back(std::move(s));
  }
  return out;
}

GdcmSeriesImage read_series(const std::vector<std::string>& files, bool pixels, bool irregular) {
  auto gdcm = itk::GDCMImageIO::New();
  auto reader = itk::ImageSeriesReader<itk::Image<float, 3>>::New();
  reader->SetImageIO(gdcm);
  reader->SetFileNames(files);
  if (irregular) reader->SetSpacingWarningRelThreshold(1e30);
  if (pixels) reader->Update();
  else reader->UpdateOutputInformation();
  GdcmSeriesImage out;
  out.image = reader->GetOutput();
  out.component = gdcm->GetComponentType();
  std::string uid;
  if (gdcm->GetValueFromTag("0020|000e", uid)) {
    while (!uid.empty() && (uid.back() == ' ' || uid.back() == '\0')) uid.pop_back();
    out.series_uid = uid;
  }
  return out;
}

const GdcmFunctions kFunctions{find_series, read_series};

}  // namespace
}  // namespace scopemia::io

extern "C" const scopemia::io::GdcmFunctions* scopemia_io_gdcm_functions() { return &scopemia::io::kFunctions; }
