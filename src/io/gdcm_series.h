#pragma once
// The part of io that needs GDCM (through ITK's GDCMSeriesFileNames and
// GDCMImageIO): finding the DICOM series of a folder and reading one. It is
// built as its own library, libscopemia_io_gdcm, which io loads (dlopen,
// core/plugin.h) the first time a DICOM folder is read: GDCM loads its
// dictionaries when its library is mapped (~40 ms), which every command
// reading NIfTI/NRRD would otherwise pay at start-up.
#include <string>
#include <vector>

#include <itkImage.h>
#include <itkImageIOBase.h>


namespace scopemia::io {

struct GdcmSeriesFiles {
  std::string uid;                 // GDCM's series identifier
  std::vector<std::string> files;  // sorted along the slice normal
};

struct GdcmSeriesImage {
  itk::Image<float, 3>::Pointer image;
  itk::IOComponentEnum component = itk::IOComponentEnum::UNKNOWNCOMPONENTTYPE;  // as stored
  std::string series_uid;  // the files' SeriesInstanceUID ("" when absent)
};

struct GdcmFunctions {
  // Every series under `folder` (recursively), as GDCM groups them (one
  // acquisition per series), unsorted. Throws itk::ExceptionObject.
  std::vector<GdcmSeriesFiles> (*find_series)(const std::string& folder);
  // Reads `files` as one volume (pixels false: the header information only).
  // `irregular`: the slices were found irregular and will be resampled, so
  // ITK's spacing warning is off. Throws what ITK throws.
  GdcmSeriesImage (*read_series)(const std::vector<std::string>& files, bool pixels, bool irregular);
};

// libscopemia_io_gdcm's functions, loaded on first use (thread-safe). Throws
// std::runtime_error when the library cannot be loaded.
const GdcmFunctions& gdcm_functions();

}  // namespace scopemia::io

// The library's entry point.
extern "C" const scopemia::io::GdcmFunctions* scopemia_io_gdcm_functions();
