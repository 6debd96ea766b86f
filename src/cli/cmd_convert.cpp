// scopemia convert IN OUT [--type T] [--series UID]
#include <memory>

#include "cli/command.h"
#include "core/error.h"
#include "io/image_io.h"

namespace scopemia::cli {

Command add_convert_command(CLI::App& parent) {
  struct Options {
    std::string input, output, type, series;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = parent.add_subcommand("convert", "Convert an image or DICOM series to another format (by extension)");
  app->add_option("input", o->input, "Image file or DICOM series folder")->required();
  app->add_option("output", o->output, "Output file: .nii, .nii.gz, .nrrd, .nhdr, .mha, .mhd")->required();
  app->add_option("--type", o->type, "Output pixel type (uint8 int16 float32 ...; default: the input's)");
  app->add_option("--series", o->series, "SeriesInstanceUID to read from a DICOM folder (default: most slices)");
  return {app, [o](Context& ctx) {
            std::optional<PixelType> type;
            if (!o->type.empty()) {
              type = parse_pixel_type(o->type);
              if (!type) throw InputError("--type " + o->type + ": unknown pixel type");
            }
            if (!io::can_write(o->output))
              throw InputError(o->output, "unknown output format (writable: .nii, .nii.gz, .nrrd, .nhdr, .mha, .mhd)");
            const Volume v = io::read_volume(o->input, {o->series});
            io::write_volume(v, o->output, type);
            return 0;
          }};
}

}  // namespace scopemia::cli
