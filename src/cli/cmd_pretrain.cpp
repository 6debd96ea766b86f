// scopemia pretrain --config cfg.yaml [--cases CSV] [--out DIR] [--resume CK] [--max-steps N] [--set key=value ...]
// The masked autoencoder: `scopemia train` with the task fixed to pretrain
// (the command itself lives in cmd_train.cpp).
#include "cli/command.h"

namespace scopemia::cli {

Command add_training_command(CLI::App& parent, const std::string& name, bool pretrain);  // cmd_train.cpp

Command add_pretrain_command(CLI::App& parent) { return add_training_command(parent, "pretrain", true); }

}  // namespace scopemia::cli
