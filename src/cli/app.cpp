#include "cli/app.h"

#include <sstream>

#include <spdlog/spdlog.h>

#include "cli/command.h"
#include "core/error.h"
#include "core/runtime.h"
#include "core/version.h"

namespace scopemia::cli {

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"scopemia: SCOPE-MIA lesion representations and PyRadiomics-compatible radiomics for 3D medical images"};
  app.name("scopemia");
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("scopemia ") + SCOPEMIA_VERSION);
  Context context{out, err};
  context.command_line = "scopemia";
  for (const std::string& a : args) {
    const bool plain = !a.empty() && a.find_first_not_of(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_./=:,+@%") == std::string::npos;
    std::string quoted = "'";
    for (char c : a) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    context.command_line += " " + (plain ? a : quoted + "'");
  }
  app.add_option("--threads", context.threads, "Compute threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  bool verbose = false, quiet = false;
  app.add_flag("-v,--verbose", verbose, "More log output");
  app.add_flag("-q,--quiet", quiet, "Warnings and errors only");

  const std::vector<Command> commands = {
      add_info_command(app),
      add_convert_command(app),
      add_phantom_command(app),
      add_mci_command(app),
      add_dicom_command(app),
      add_radiomics_command(app),
      add_merge_command(app),
      add_embed_command(app),
      add_explain_command(app),
      add_infer_command(app),
      add_evaluate_command(app),
      add_profile_command(app),
      add_train_command(app),
      add_pretrain_command(app),
      add_ablate_command(app),
      add_launch_command(app),
      add_sweep_command(app),
  };

  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them reversed
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    // Help and version print to out and succeed; usage errors are bad input.
    std::ostringstream help_out, help_err;
    const int code = app.exit(e, help_out, help_err);
    out << help_out.str();
    if (code == 0) return kExitOk;
    err << "scopemia: error: " << e.what() << "\n";
    return kExitBadInput;
  }

  init_logging(quiet ? Verbosity::Quiet : verbose ? Verbosity::Verbose : Verbosity::Normal);
  set_compute_threads(context.threads);  // libtorch 1.13 defaults to one thread on x86
  try {
    for (const auto& command : commands)
      if (command.app->parsed()) return command.run(context);
  } catch (const InputError& e) {
    err << "scopemia: error: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    // libtorch's messages carry a C++ backtrace after the first line.
    const std::string what = e.what();
    err << "scopemia: internal error: " << what.substr(0, what.find('\n')) << "\n";
    return kExitFailure;
  }
  return kExitFailure;
}

}  // namespace scopemia::cli
