// Built into libscopemia_io_dcmtk (src/CMakeLists.txt), not libscopemia_io:
// the table of io/dcmtk_library.h, from the definitions in rtstruct.cpp,
// dicom_seg.cpp, dicom_index.cpp and dicom_checks.cpp (built with it).
#include "io/dcmtk_library.h"

namespace scopemia::io::dcmtk_impl {
decltype(io::is_rtstruct_file) is_rtstruct_file;
decltype(io::read_rtstruct_info) read_rtstruct_info;
decltype(io::choose_roi) choose_roi;
decltype(io::read_roi_contours) read_roi_contours;
decltype(io::rasterize_contours) rasterize_contours;
decltype(io::fill_polygons_even_odd) fill_polygons_even_odd;
decltype(io::read_rtstruct_roi) read_rtstruct_roi;
decltype(io::is_seg_file) is_seg_file;
decltype(io::read_seg_info) read_seg_info;
decltype(io::choose_segment) choose_segment;
decltype(io::read_seg_segment) read_seg_segment;
decltype(io::read_seg_fraction) read_seg_fraction;
decltype(io::read_seg_label_map) read_seg_label_map;
decltype(io::scan_dicom_folder) scan_dicom_folder;
decltype(io::analyse_slices) analyse_slices;
decltype(io::check_pixel_data_complete) check_pixel_data_complete;
[[noreturn]] decltype(io::throw_slice_problem) throw_slice_problem;
decltype(io::resample_slices) resample_slices;
}  // namespace scopemia::io::dcmtk_impl

namespace scopemia::io {
namespace {
namespace impl = dcmtk_impl;
const DcmtkFunctions kFunctions{
    impl::is_rtstruct_file,   impl::read_rtstruct_info, impl::choose_roi,         impl::read_roi_contours,
    impl::rasterize_contours, impl::fill_polygons_even_odd, impl::read_rtstruct_roi, impl::is_seg_file,
    impl::read_seg_info,      impl::choose_segment,     impl::read_seg_segment,   impl::read_seg_fraction,
    impl::read_seg_label_map, impl::scan_dicom_folder,  impl::analyse_slices,     impl::check_pixel_data_complete,
    impl::throw_slice_problem, impl::resample_slices};
}  // namespace
}  // namespace scopemia::io

extern "C" const scopemia::io::DcmtkFunctions* scopemia_io_dcmtk_functions() { return &scopemia::io::kFunctions; }
