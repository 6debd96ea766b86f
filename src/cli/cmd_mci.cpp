// scopemia mci IMAGE -o OUT [--sigma S]
#include <memory>

#include "cli/command.h"
#include "core/error.h"
#include "imaging/mean_curvature.h"
#include "io/image_io.h"

namespace scopemia::cli {

Command add_mci_command(CLI::App& parent) {
  struct Options {
    std::string input, output, series;
    imaging::MeanCurvatureOptions mci;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = parent.add_subcommand("mci", "Mean curvature of isophotes, k = div(grad I / |grad I|), in 1/mm");
  app->add_option("image", o->input, "Image file or DICOM series folder")->required();
  app->add_option("-o,--output", o->output, "Output image (float32, the input's geometry)")->required();
  app->add_option("--sigma", o->mci.sigma_mm, "Gaussian derivative scale in mm (0 = central differences)")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--series", o->series, "SeriesInstanceUID to read from a DICOM folder");
  return {app, [o](Context&) {
            if (!io::can_write(o->output))
              throw InputError(o->output, "unknown output format (writable: .nii, .nii.gz, .nrrd, .nhdr, .mha, .mhd)");
            io::write_volume(imaging::mean_curvature(io::read_volume(o->input, {o->series}), o->mci), o->output,
                             PixelType::Float32);
            return 0;
          }};
}

}  // namespace scopemia::cli
