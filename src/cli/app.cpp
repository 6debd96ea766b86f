#include "cli/app.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "cli/command.h"
#include "cli/command_plugins.h"
#include "core/error.h"
#include "core/plugin.h"
#include "core/runtime.h"
#include "core/stop_signal.h"
#include "core/version.h"

namespace scopemia::cli {
namespace {

// The first argument that is neither an option nor the value of --threads:
// the command's name ("" when none is given).
std::string chosen_command(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--threads") {
      ++i;
      continue;
    }
    if (!args[i].empty() && args[i][0] != '-') return args[i];
  }
  return "";
}

// The commands of each plugin library (cli/command_plugins.h), by name, so
// the library is loaded only for them.
struct CommandPlugin {
  const char* library;
  const char* entry;
  std::vector<std::string> commands;
};
const std::vector<CommandPlugin>& command_plugins() {
  static const std::vector<CommandPlugin> plugins = {
      {"libscopemia_evaluate_command.so", "scopemia_add_evaluate_command", {"evaluate"}},
      {"libscopemia.so", "scopemia_add_torch_commands",
       {"embed", "explain", "infer", "profile", "train", "pretrain", "ablate", "launch", "sweep"}},
  };
  return plugins;
}

void add_plugin_commands(const CommandPlugin& plugin, CLI::App& app, std::vector<Command>& commands) {
  using AddFn = void (*)(CLI::App&, std::vector<Command>&);
  const auto add = reinterpret_cast<AddFn>(
      load_plugin_symbol(reinterpret_cast<const void*>(&chosen_command), plugin.library, plugin.entry));
  const size_t before = commands.size();
  add(app, commands);
  std::vector<std::string> added;
  for (size_t i = before; i < commands.size(); ++i) added.push_back(commands[i].app->get_name());
  if (added != plugin.commands)
    throw std::logic_error(std::string(plugin.library) + " adds other commands than app.cpp's list of them");
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"scopemia: SCOPE-MIA lesion representations and PyRadiomics-compatible radiomics for 3D medical images"};
  app.name("scopemia");
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("scopemia ") + SCOPEMIA_VERSION);
  Context context{out, err, 0, "scopemia"};
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

  std::vector<Command> commands = {
      add_info_command(app),  add_convert_command(app),   add_phantom_command(app), add_mci_command(app),
      add_dicom_command(app), add_radiomics_command(app), add_merge_command(app),
  };
  // The plugin of the chosen command; none for a plain command or --version
  // alone; all of them for the help (no command) or an unknown command
  // (CLI11's message lists every command).
  const std::string chosen = chosen_command(args);
  const auto holds = [&](const CommandPlugin& p) {
    return std::find(p.commands.begin(), p.commands.end(), chosen) != p.commands.end();
  };
  const bool plain = std::any_of(commands.begin(), commands.end(),
                                 [&](const Command& c) { return c.app->get_name() == chosen; });
  const bool version_only = chosen.empty() && std::find(args.begin(), args.end(), "--version") != args.end();
  const bool in_plugin = std::any_of(command_plugins().begin(), command_plugins().end(), holds);
  for (const CommandPlugin& plugin : command_plugins()) {
    if (plain || version_only || (in_plugin && !holds(plugin))) continue;
    try {
      add_plugin_commands(plugin, app, commands);
    } catch (const std::exception& e) {
      err << "scopemia: internal error: " << e.what() << "\n";
      return kExitFailure;
    }
  }

  // PyRadiomics spells --out-dir "-od", which CLI11 would read as "-o d".
  std::vector<std::string> given = args;
  if (chosen == "radiomics") std::replace(given.begin(), given.end(), std::string("-od"), std::string("--out-dir"));
  std::vector<std::string> reversed(given.rbegin(), given.rend());  // CLI11 takes them reversed
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
  try {
    for (const auto& command : commands)
      if (command.app->parsed()) return command.run(context);
  } catch (const InputError& e) {
    err << "scopemia: error: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const Stopped& e) {
    err << "scopemia: " << e.what() << "\n";
    return 128 + e.signal();
  } catch (const std::exception& e) {
    // libtorch's messages carry a C++ backtrace after the first line.
    const std::string what = e.what();
    err << "scopemia: internal error: " << what.substr(0, what.find('\n')) << "\n";
    return kExitFailure;
  }
  return kExitFailure;
}

}  // namespace scopemia::cli
