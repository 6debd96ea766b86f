#pragma once
// Training checkpoints: one file (torch::serialize archive) holding the
// model's parameters and buffers, the AdamW state, where the run stands
// (global step = scheduler step, epoch, batches done in the epoch), the
// torch CPU generator's state, the resolved configuration (YAML) and the
// preprocessing it implies, so `embed`/`infer` rebuild the model and its
// input from the checkpoint alone. Written atomically: a temporary beside the
// target, renamed into place when complete.
#include <functional>
#include <string>

#include <torch/torch.h>

#include "train/config.h"
#include "train/model.h"

namespace scopemia::train {

struct TrainProgress {
  int64_t global_step = 0;  // optimizer steps taken (also the schedule's step)
  int64_t epoch = 0;        // the epoch in progress (0-based)
  int64_t position = 0;     // batches of that epoch already trained on
};

struct CheckpointInfo {
  std::string config_yaml;  // train::to_yaml of the run's configuration
  std::string preprocess;   // data::describe of its preprocessing
  int64_t outputs = 1;      // head outputs the model was built with
  TrainProgress progress;
};

// Writes the checkpoint atomically. `before_commit` (tests) runs after the
// temporary is complete and before the rename; if it throws, the target is
// left as it was and the temporary removed.
void save_checkpoint(const std::string& path, ScopeModelImpl& model, torch::optim::Optimizer* optimizer,
                     const CheckpointInfo& info,
                     const std::function<void(const std::string& temp)>& before_commit = {});

// Restores the model (and the optimizer and the torch generator when
// `optimizer` is given) in place; the model must have been built from the
// checkpoint's configuration. Returns what the file says about the run.
CheckpointInfo load_checkpoint(const std::string& path, ScopeModelImpl& model, torch::optim::Optimizer* optimizer);

// Only the run description (configuration, preprocessing, progress).
CheckpointInfo read_checkpoint_info(const std::string& path);

// A file as given, or `DIR/checkpoint.pt` for a run folder.
std::string resolve_checkpoint(const std::string& file_or_dir);

struct LoadedModel {
  TrainConfig config;
  ScopeModel model{nullptr};  // in eval mode
  CheckpointInfo info;
};
// The model and configuration of a checkpoint, for inference.
LoadedModel load_model_from_checkpoint(const std::string& file_or_dir);

}  // namespace scopemia::train
