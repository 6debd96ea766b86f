// scopemia phantom -o DIR [--cases N] [--seed S]
#include <memory>

#include <fmt/format.h>

#include "cli/command.h"
#include "core/error.h"
#include "synth/phantom.h"

namespace scopemia::cli {

Command add_phantom_command(CLI::App& parent) {
  struct Options {
    std::string dir;
    synth::PhantomOptions phantom;
    std::vector<int64_t> size;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = parent.add_subcommand("phantom", "Write a synthetic CT-like cohort (images, masks, cases.csv)");
  app->add_option("-o,--output", o->dir, "Output folder")->required();
  app->add_option("--cases", o->phantom.cases, "Number of cases")->check(CLI::Range(1, 100000));
  app->add_option("--seed", o->phantom.seed, "Random seed: the same seed gives byte-identical files");
  app->add_option("--size", o->size, "Volume size in voxels: X Y Z")->expected(3);
  return {app, [o](Context& ctx) {
            if (!o->size.empty()) {
              if (o->size[0] < 16 || o->size[1] < 16 || o->size[2] < 8)
                throw InputError("--size: at least 16 16 8 voxels");
              o->phantom.size = Size3{o->size[0], o->size[1], o->size[2]};
            }
            o->phantom.threads = ctx.threads;
            const auto s = synth::write_phantom_cohort(o->dir, o->phantom);
            ctx.out << fmt::format(
                "synthetic cohort: {} cases in {:.2f} s -> {}\n"
                "  heterogeneous (binary label, from lesion texture): {} of {} ({:.0f} %)\n"
                "  shape_score (continuous target, from lesion shape): mean {:.3f}, sd {:.3f}\n"
                "  lesion volume: {:.3f} to {:.3f} ml (independent of both targets)\n",
                s.cases, s.seconds, s.csv_path, s.heterogeneous, s.cases, 100.0 * s.heterogeneous / s.cases,
                s.shape_mean, s.shape_sd, s.volume_ml_min, s.volume_ml_max);
            return 0;
          }};
}

}  // namespace scopemia::cli
