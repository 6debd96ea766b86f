#pragma once
// The commands whose libraries are costly to load live in libraries of
// their own, which app.cpp loads (dlopen, core/plugin.h) only when the
// command line names one of their commands (or none: the help lists all):
//   libscopemia.so                   embed explain infer profile train pretrain
//                                    ablate launch sweep (libtorch)
//   libscopemia_evaluate_command.so  evaluate (the learners: XGBoost, libsvm)
// The program itself links libscopemia_commands (cli/app.cpp and the
// commands that need neither), so `scopemia radiomics` maps neither libtorch
// nor XGBoost. Each library has one entry point with C linkage, looked up by
// name, that adds its commands.
#include <vector>

#include "cli/command.h"

// The torch commands (cli/torch_commands.cpp, in libscopemia). Each command's
// run sets the compute threads (--threads) first.
extern "C" void scopemia_add_torch_commands(CLI::App& app, std::vector<scopemia::cli::Command>& commands);
// `evaluate` (cli/cmd_evaluate.cpp, in libscopemia_evaluate_command).
extern "C" void scopemia_add_evaluate_command(CLI::App& app, std::vector<scopemia::cli::Command>& commands);
