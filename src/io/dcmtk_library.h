#pragma once
// The part of io that needs DCMTK: RTSTRUCT and DICOM-SEG masks
// (io/rtstruct.h, io/dicom_seg.h), the DICOM folder index
// (io/dicom_index.h) and the slice checks of a DICOM series
// (io/dicom_series.h: analyse_slices ... resample_slices). It is built as its
// own library, libscopemia_io_dcmtk, which io loads (dlopen, core/plugin.h)
// the first time one of those functions is called: mapping DCMTK (with the
// libxml2 and ICU it links) cost every start-up ~6 ms, a tenth of a whole
// single-case radiomics run on NRRD/NIfTI, which never needs it
// (docs/performance.md, "Start-up and single cases").
//
// The functions keep their declarations in those headers; their definitions
// in io (io/dcmtk_loader.cpp) forward to this table, whose entries are the
// library's own definitions (namespace dcmtk_impl, in the same source files
// as before).
#include "io/dicom_index.h"
#include "io/dicom_seg.h"
#include "io/dicom_series.h"
#include "io/rtstruct.h"

namespace scopemia::io {

struct DcmtkFunctions {
  decltype(&io::is_rtstruct_file) is_rtstruct_file;
  decltype(&io::read_rtstruct_info) read_rtstruct_info;
  decltype(&io::choose_roi) choose_roi;
  decltype(&io::read_roi_contours) read_roi_contours;
  decltype(&io::rasterize_contours) rasterize_contours;
  decltype(&io::fill_polygons_even_odd) fill_polygons_even_odd;
  decltype(&io::read_rtstruct_roi) read_rtstruct_roi;
  decltype(&io::is_seg_file) is_seg_file;
  decltype(&io::read_seg_info) read_seg_info;
  decltype(&io::choose_segment) choose_segment;
  decltype(&io::read_seg_segment) read_seg_segment;
  decltype(&io::read_seg_fraction) read_seg_fraction;
  decltype(&io::read_seg_label_map) read_seg_label_map;
  decltype(&io::scan_dicom_folder) scan_dicom_folder;
  decltype(&io::analyse_slices) analyse_slices;
  decltype(&io::check_pixel_data_complete) check_pixel_data_complete;
  decltype(&io::throw_slice_problem) throw_slice_problem;
  decltype(&io::resample_slices) resample_slices;
};

// libscopemia_io_dcmtk's functions, loaded on first use (thread-safe).
// Throws std::runtime_error when the library cannot be loaded.
const DcmtkFunctions& dcmtk_functions();

}  // namespace scopemia::io

// The library's entry point.
extern "C" const scopemia::io::DcmtkFunctions* scopemia_io_dcmtk_functions();
