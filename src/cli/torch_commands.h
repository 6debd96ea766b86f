#pragma once
// The commands that need libtorch (embed, explain, infer, profile, train,
// pretrain, ablate, launch, sweep) are compiled into libscopemia, not into
// libscopemia_commands with the program's entry: app.cpp loads libscopemia
// (dlopen) only when the command line names none of the plain commands, so
// `scopemia radiomics` and the other plain commands never map libtorch.
#include <vector>

#include "cli/command.h"

// Adds the torch commands to `app` and `commands`. Each command's run sets
// the compute threads (--threads) first. Defined in libscopemia
// (cli/torch_commands.cpp), looked up by name, hence C linkage.
extern "C" void scopemia_add_torch_commands(CLI::App& app, std::vector<scopemia::cli::Command>& commands);
