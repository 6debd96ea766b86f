#pragma once
// What every subcommand file provides: it adds its CLI11 subcommand and says
// what to do when that subcommand is chosen.
#include <functional>
#include <string>
#include <ostream>

#include <CLI/CLI.hpp>

namespace scopemia::cli {

struct Context {
  std::ostream& out;
  std::ostream& err;
  int threads = 0;  // --threads, 0 = all cores
  std::string command_line;  // the arguments as given, shell-quoted (for reports)
};

struct Command {
  CLI::App* app = nullptr;
  std::function<int(Context&)> run;
};

// One per file in src/cli/cmd_*.cpp.
Command add_info_command(CLI::App& parent);
Command add_convert_command(CLI::App& parent);
Command add_phantom_command(CLI::App& parent);
Command add_mci_command(CLI::App& parent);
Command add_dicom_command(CLI::App& parent);
Command add_radiomics_command(CLI::App& parent);
Command add_embed_command(CLI::App& parent);
Command add_explain_command(CLI::App& parent);
Command add_infer_command(CLI::App& parent);
Command add_evaluate_command(CLI::App& parent);
Command add_profile_command(CLI::App& parent);
Command add_train_command(CLI::App& parent);
Command add_pretrain_command(CLI::App& parent);
Command add_ablate_command(CLI::App& parent);
Command add_launch_command(CLI::App& parent);
Command add_sweep_command(CLI::App& parent);
Command add_merge_command(CLI::App& parent);

}  // namespace scopemia::cli
