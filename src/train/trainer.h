#pragma once
// The training loop (docs/training.md). Trainer holds the model, AdamW, the
// schedule and the run's position, and exposes one optimizer step on a batch
// (train_step) and validation on a batch (evaluate), so tests drive it with
// in-memory batches; run_training is the whole run from a configuration:
// cohort, group split, epochs over k-slice windows, metrics.csv, checkpoints.
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "data/loader.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/distributed.h"
#include "train/model.h"
#include "train/schedule.h"

namespace scopemia::train {

// A loss term or the gradient norm became NaN or infinite; what() is one
// line naming the step and the term.
class TrainingDiverged : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct StepResult {
  int64_t step = 0;   // the step taken (0-based global step)
  double lr = 0;
  double loss = 0;    // total
  double task = 0;    // L_task (pretrain: masked MSE)
  double pde = 0;     // weighted PDE losses (incl. scale consistency)
  double mci = 0;     // MCI head loss (pretrain with mci on), unweighted
  double grad_norm = 0;  // before clipping
  std::map<std::string, double> terms;  // every term, unweighted, by name
};

// Validation metrics accumulated over batches.
class Metrics {
 public:
  explicit Metrics(Task task) : task_(task) {}
  // Names in metrics.csv order for this task.
  static std::vector<std::string> names(Task task);
  std::map<std::string, double> values() const;
  int64_t samples() const { return n_; }

 private:
  friend class Trainer;
  Task task_;
  int64_t n_ = 0;
  double loss_sum_ = 0;      // per-sample task loss sum (cls/reg); per-batch-weighted otherwise
  double correct_ = 0;       // classification
  std::vector<double> score_;  // P(class 1) (binary classification)
  std::vector<int64_t> label_;
  double abs_sum_ = 0, sq_sum_ = 0;          // regression
  double dice_sum_ = 0;                      // segmentation: per-sample Dice
  double masked_sq_ = 0, masked_count_ = 0;  // pretrain: masked MSE over all masked voxels
  double ssim_sum_ = 0;                      // pretrain: per-window SSIM (3D) sum over n_ windows
  double r_sum_ = 0, r_defined_ = 0;         // pretrain: per-window R over windows where R is defined
};

class Trainer {
 public:
  // Seeds torch with config.seed and builds the model (so its weights are a
  // function of the seed), the optimizer and the schedule over `total_steps`
  // (warm-up epochs are converted with `steps_per_epoch`). Process-wide:
  // sets the compute threads when config.threads > 0 or deterministic.
  Trainer(TrainConfig config, int64_t outputs, int64_t total_steps, int64_t steps_per_epoch = 1,
          std::shared_ptr<Distributed> distributed = nullptr);

  // One optimizer step: forward, L_task + weighted PDE losses, backward,
  // gradient averaging over ranks, clipping, AdamW at the schedule's rate.
  // Throws TrainingDiverged (before touching the weights) on a non-finite
  // loss term or gradient norm.
  StepResult train_step(const data::Batch& batch);
  // Adds a batch to validation metrics (no gradient, eval mode). `position`
  // seeds the pretraining masks so every epoch sees the same ones.
  void evaluate(const data::Batch& batch, int64_t position, Metrics& metrics);

  // Pretraining: the model's reconstruction of `image` [N,1,k,H,W] with the
  // voxels of `mask` (bool, same shape) hidden, in eval mode without
  // gradient: the decoder's output on the masked voxels, the input's values
  // on the visible ones (the reconstruction SSIM, R and Fig. 3 use).
  // `roi` (same shape) is needed when the model takes the ROI as an input channel.
  torch::Tensor reconstruct(const torch::Tensor& image, const torch::Tensor& mask, const torch::Tensor& roi = {});

  // Checkpoint of the current state; `progress` says where the run stands.
  void save(const std::string& path, const std::function<void(const std::string&)>& before_commit = {});
  void resume(const std::string& path);  // restores model, optimizer, progress, RNG
  // Copies the backbone's weights (parameters and buffers) from another
  // run's checkpoint, e.g. pretraining before fine-tuning; the backbone and
  // its PDE stages must be the same. Returns the number of tensors copied.
  int64_t init_backbone_from(const std::string& checkpoint);

  ScopeModel& model() { return model_; }
  torch::optim::AdamW& optimizer() { return *optimizer_; }
  const TrainConfig& config() const { return config_; }
  const LrSchedule& schedule() const { return schedule_; }
  TrainProgress& progress() { return progress_; }
  Distributed& distributed() { return *distributed_; }
  int64_t outputs() const { return outputs_; }

  // The masks the pretraining step draws for a batch ([N,1,k,H,W] bool,
  // padding slices never masked): a function of (seed, stream) only.
  torch::Tensor pretrain_mask(const data::Batch& batch, uint64_t stream) const;

 private:
  struct Losses;
  Losses compute(const data::Batch& batch, uint64_t mask_stream, bool with_pde);

  TrainConfig config_;
  int64_t outputs_;
  std::shared_ptr<Distributed> distributed_;
  ScopeModel model_{nullptr};
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  LrSchedule schedule_;
  TrainProgress progress_;
};

struct RunOptions {
  std::string resume;        // checkpoint file or run folder; empty: fresh run
  bool progress_bar = true;  // on a terminal (quiet elsewhere anyway)
  // > 0: stop (with a checkpoint) once the global step reaches this, leaving
  // the schedule as the config sets it, as if the run were interrupted there.
  int64_t stop_at_step = 0;
  // Pretraining: Fig. 2 / Fig. 3 PNGs (fig2_masking.png,
  // fig3_reconstruction.png) go into the output folder at the end of the run,
  // and also into this folder when set.
  std::string figures_dir;
  bool figures = true;
};

struct RunSummary {
  int64_t steps = 0;               // global steps at the end
  int64_t epochs_completed = 0;
  std::map<std::string, double> last_validation;  // empty without validation
  std::string checkpoint;          // the final checkpoint
  bool main_rank = true;           // this process is rank 0 (the one that reports)
};

// The whole run of a configuration (data.cases_csv): reads the cohort, splits
// it by group, trains, validates each epoch into <output_dir>/metrics.csv,
// checkpoints into <output_dir>/checkpoint.pt (rank 0 only), final model
// <output_dir>/model.pt.
RunSummary run_training(const TrainConfig& config, const RunOptions& options = {});

// Writes fig2_masking.png (the four masking strategies at ratio 0.5 and the
// config's unit on `window`, axial and coronal rows) and
// fig3_reconstruction.png (ratios 25/50/75 %, cubes: ground truth / masked
// input / trainer.reconstruct) into each folder of `dirs`. `window`:
// [1,1,k,H,W] or [k,H,W]. Masks are drawn from `seed`, so the figures are
// reproducible.
void write_pretraining_figures(Trainer& trainer, const torch::Tensor& window, const std::vector<std::string>& dirs,
                               uint64_t seed = 0, const torch::Tensor& roi = {});

}  // namespace scopemia::train
