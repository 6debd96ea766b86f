#include "cli/command_plugins.h"

#include "core/runtime.h"

extern "C" void scopemia_add_torch_commands(CLI::App& app, std::vector<scopemia::cli::Command>& commands) {
  using namespace scopemia::cli;
  for (Command (*add)(CLI::App&) : {add_embed_command, add_explain_command, add_infer_command, add_profile_command,
                                    add_train_command, add_pretrain_command, add_ablate_command,
                                    add_launch_command, add_sweep_command}) {
    Command command = add(app);
    command.run = [run = std::move(command.run)](Context& context) {
      scopemia::set_compute_threads(context.threads);  // libtorch 1.13 defaults to one thread on x86
      return run(context);
    };
    commands.push_back(std::move(command));
  }
}
