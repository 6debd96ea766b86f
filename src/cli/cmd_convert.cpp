// scopemia convert IN OUT [--type T] [--series UID] [--resample-slices]
//   IN an RTSTRUCT: --reference DICOM_DIR [--roi NAME|REGEX] [--slice-tolerance MM]
//   IN a DICOM-SEG: [--reference DICOM_DIR] [--segment N|LABEL] [--fraction-threshold F]
#include <filesystem>
#include <memory>

#include "cli/command.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "io/dicom_seg.h"
#include "io/image_io.h"
#include "io/rtstruct.h"

namespace scopemia::cli {

namespace {

// Files ITK reads by extension are never probed as DICOM objects.
bool may_be_dicom_object(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return false;
  const std::string ext = full_extension(path);
  for (const char* image : {".nii", ".nii.gz", ".nrrd", ".nhdr", ".mha", ".mhd", ".png"})
    if (ext == image) return false;
  return true;
}

}  // namespace

Command add_convert_command(CLI::App& parent) {
  struct Options {
    std::string input, output, type, series, reference, roi, segment;
    double slice_tolerance = -1, fraction_threshold = 0.5;
    bool resample_slices = false;
    bool strict_frame_of_reference = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = parent.add_subcommand(
      "convert", "Convert an image, a DICOM series, or an RTSTRUCT ROI / DICOM-SEG segment to another format (by extension)");
  app->add_option("input", o->input, "Image file, DICOM series folder, RTSTRUCT or DICOM-SEG file")->required();
  app->add_option("output", o->output, "Output file: .nii, .nii.gz, .nrrd, .nhdr, .mha, .mhd")->required();
  app->add_option("--type", o->type, "Output pixel type (uint8 int16 float32 ...; default: the input's)");
  app->add_option("--series", o->series, "SeriesInstanceUID to read from a DICOM folder (default: most slices)");
  app->add_flag("--resample-slices", o->resample_slices,
                "DICOM series with missing / unevenly spaced / tilted slices: resample onto a regular grid");
  app->add_option("--reference", o->reference,
                  "RTSTRUCT/SEG: the DICOM folder with the referenced image series (its grid is the output grid)");
  app->add_flag("--strict-frame-of-reference", o->strict_frame_of_reference,
                "RTSTRUCT: refuse an ROI whose frame of reference differs from the image series' (default: warn and "
                "rasterise when its structure set references the series' frame)");
  app->add_option("--roi", o->roi, "RTSTRUCT: ROI name, regular expression or number (default: the only ROI)");
  app->add_option("--segment", o->segment, "DICOM-SEG: segment number or label (default: all segments as labels)");
  app->add_option("--slice-tolerance", o->slice_tolerance,
                  "RTSTRUCT: max distance (mm) of a contour from its slice plane (default: a quarter slice)");
  app->add_option("--fraction-threshold", o->fraction_threshold,
                  "FRACTIONAL SEG: a voxel is in a segment when its fraction >= this (default 0.5)");
  return {app, [o](Context& ctx) {
            std::optional<PixelType> type;
            if (!o->type.empty()) {
              type = parse_pixel_type(o->type);
              if (!type) throw InputError("--type " + o->type + ": unknown pixel type");
            }
            if (!io::can_write(o->output))
              throw InputError(o->output, "unknown output format (writable: .nii, .nii.gz, .nrrd, .nhdr, .mha, .mhd)");
            if (may_be_dicom_object(o->input)) {
              if (io::is_rtstruct_file(o->input)) {
                if (o->reference.empty())
                  throw InputError(o->input, "an RTSTRUCT needs --reference DICOM_DIR (the image series it was drawn on)");
                io::RtStructReadOptions options;
                options.rasterize.slice_tolerance_mm = o->slice_tolerance;
                options.series_uid = o->series;
                options.strict_frame_of_reference = o->strict_frame_of_reference;
                const LabelMap mask = io::read_rtstruct_roi(o->input, o->reference, o->roi, options);
                io::write_label_map(mask, o->output);
                return 0;
              }
              if (io::is_seg_file(o->input)) {
                io::SegReadOptions options;
                options.reference_folder = o->reference;
                options.series_uid = o->series;
                options.fraction_threshold = o->fraction_threshold;
                const LabelMap mask = o->segment.empty() ? io::read_seg_label_map(o->input, options)
                                                         : io::read_seg_segment(o->input, o->segment, options);
                io::write_label_map(mask, o->output);
                return 0;
              }
            }
            if (!o->roi.empty() || !o->segment.empty())
              throw InputError(o->input, "--roi / --segment apply to an RTSTRUCT or DICOM-SEG file only");
            io::ReadOptions read;
            read.series_uid = o->series;
            read.resample_slices = o->resample_slices;
            if (!std::filesystem::is_directory(o->input) && !fits_float32_exactly(io::read_info(o->input).pixel_type)) {
              const Image<double> exact = io::read_volume_exact(o->input);
              io::write_volume(exact, o->output, type);
              return 0;
            }
            const Volume v = io::read_volume(o->input, read);
            io::write_volume(v, o->output, type);
            return 0;
          }};
}

}  // namespace scopemia::cli
