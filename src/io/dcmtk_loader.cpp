// The DCMTK-backed functions of io (io/dcmtk_library.h): each forwards to
// libscopemia_io_dcmtk, loaded on the first call.
#include <cstdlib>

#include "core/plugin.h"
#include "io/dcmtk_library.h"

// Set when dcmtk_library.cpp is linked into this program itself (the fuzz
// build links every io source statically); otherwise the library is loaded.
extern "C" const scopemia::io::DcmtkFunctions* scopemia_io_dcmtk_functions() __attribute__((weak));

namespace scopemia::io {

const DcmtkFunctions& dcmtk_functions() {
  static const DcmtkFunctions& functions =
      plugin_table(reinterpret_cast<const void*>(&dcmtk_functions), "libscopemia_io_dcmtk.so",
                   "scopemia_io_dcmtk_functions", &scopemia_io_dcmtk_functions);
  return functions;
}

bool is_rtstruct_file(const std::string& path) { return dcmtk_functions().is_rtstruct_file(path); }

RtStructInfo read_rtstruct_info(const std::string& path) { return dcmtk_functions().read_rtstruct_info(path); }

const RtRoi& choose_roi(const RtStructInfo& info, const std::string& selector) {
  return dcmtk_functions().choose_roi(info, selector);
}

std::vector<Contour> read_roi_contours(const std::string& path, int roi_number) {
  return dcmtk_functions().read_roi_contours(path, roi_number);
}

LabelMap rasterize_contours(const std::vector<Contour>& contours, const Size3& size, const Geometry& geometry,
                            const RasterizeOptions& options) {
  return dcmtk_functions().rasterize_contours(contours, size, geometry, options);
}

void fill_polygons_even_odd(const std::vector<std::vector<std::array<double, 2>>>& polygons, int64_t nx, int64_t ny,
                            uint8_t* slice, uint8_t value) {
  dcmtk_functions().fill_polygons_even_odd(polygons, nx, ny, slice, value);
}

LabelMap read_rtstruct_roi(const std::string& rtstruct_path, const std::string& reference_folder,
                           const std::string& roi, const RtStructReadOptions& options) {
  return dcmtk_functions().read_rtstruct_roi(rtstruct_path, reference_folder, roi, options);
}

bool is_seg_file(const std::string& path) { return dcmtk_functions().is_seg_file(path); }

SegInfo read_seg_info(const std::string& path) { return dcmtk_functions().read_seg_info(path); }

const SegSegment& choose_segment(const SegInfo& info, const std::string& selector) {
  return dcmtk_functions().choose_segment(info, selector);
}

LabelMap read_seg_segment(const std::string& path, const std::string& selector, const SegReadOptions& options) {
  return dcmtk_functions().read_seg_segment(path, selector, options);
}

Volume read_seg_fraction(const std::string& path, const std::string& selector, const SegReadOptions& options) {
  return dcmtk_functions().read_seg_fraction(path, selector, options);
}

LabelMap read_seg_label_map(const std::string& path, const SegReadOptions& options) {
  return dcmtk_functions().read_seg_label_map(path, options);
}

std::vector<DicomPatientEntry> scan_dicom_folder(const std::string& folder) {
  return dcmtk_functions().scan_dicom_folder(folder);
}

SliceLayout analyse_slices(const DicomSeries& series) { return dcmtk_functions().analyse_slices(series); }

void check_pixel_data_complete(const DicomSeries& series) { dcmtk_functions().check_pixel_data_complete(series); }

void throw_slice_problem(const std::string& folder, const DicomSeries& series, const SliceLayout& layout) {
  dcmtk_functions().throw_slice_problem(folder, series, layout);
  std::abort();  // the library's function throws
}

Volume resample_slices(const Volume& stack, const SliceLayout& layout) {
  return dcmtk_functions().resample_slices(stack, layout);
}

}  // namespace scopemia::io
