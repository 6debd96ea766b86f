#pragma once
// The training configuration (`scopemia train|pretrain --config cfg.yaml`):
// data, model, task, masking, optimizer, schedule, loop and PDE-loss
// weights. Every key is documented in docs/training.md. Parsing is strict:
// an unknown key or a value of the wrong type is an InputError naming the
// key and the file. The same table of keys writes the configuration back as
// YAML (checkpoints carry it, so a checkpoint alone rebuilds the model).
#include <cstdint>
#include <string>
#include <vector>

#include "core/windows.h"
#include "data/input_channels.h"
#include "data/loader.h"
#include "data/masking.h"
#include "data/preprocess.h"
#include "nn/backbone.h"
#include "nn/pde_losses.h"
#include "nn/roi_pooling.h"

namespace scopemia::train {

enum class Task { kClassification, kRegression, kSegmentation, kPretrain };
enum class RegressionLoss { kMse, kHuber };

Task parse_task(const std::string& name);  // classification|regression|segmentation|pretrain
std::string to_string(Task task);

struct DataConfig {
  std::string cases_csv;      // Image, Mask[, ID, ...]; relative paths are relative to the CSV
  std::string target_column;  // classification / regression
  std::string group_column;   // validation split by group (e.g. patient_id); empty: by case
  std::string cache_dir;      // prepared-volume cache; empty: none
  double val_fraction = 0.2;  // 0: no validation
  int threads = 1;            // cases prepared in parallel while loading
  data::PreprocessOptions preprocess;
};

struct ModelConfig {
  std::string backbone = "convnext3d_nano";
  std::vector<int> pde_stages{1, 2};
  int64_t kernel_size = 0;  // 0: the preset's
  nn::KernelMode kernel_mode = nn::KernelMode::kFull;
  int64_t stem_width = 0;   // ConvNeXt only: 3x3x3 conv + GELU before the patchify stem; 0: none
  nn::PdeBlockConfig pde;   // the PDE block template (channels/spacing set per stage)
  data::InputChannelOptions input;  // extra input channels (CT windows, ROI); data/input_channels.h
  int64_t outputs = 0;      // head outputs; 0: classes from the data (cls), 1 (reg, seg, pretrain)
  double dropout = 0.0;     // before the linear head
  int64_t decoder_width = 0;  // UNetDecoder width; 0: the stage's own
  // A checkpoint (e.g. of `scopemia pretrain`) whose backbone weights start
  // a fresh run; the heads start from scratch. Ignored on --resume.
  std::string init_from;
};

struct MaskingConfig {
  data::MaskStrategy strategy = data::MaskStrategy::kRandomCubes;
  std::vector<double> ratios{0.5};  // each sample draws one of these
  int64_t unit = 4;
};

struct MciConfig {
  bool enabled = false;  // auxiliary decoder reconstructing the MCI map (pretrain)
  double weight = 1.0;
  double sigma_mm = 1.0;  // scale of imaging::mean_curvature for the target
  // L_MCI_recon (train/mci_loss.h): l1 * ridge-weighted L1 + l2 * gradient L1
  // + l3 * (1 - MS-SSIM); W_ridge clipped at ridge_max.
  double ridge_l1 = 1.0;
  double gradient_l1 = 1.0;
  double ms_ssim = 1.0;
  double ridge_max = 10.0;
};

// Which descriptors the head regresses (train/descriptors.h): `basic`, 16
// intensity, gradient and boundary statistics; `radiomics`, PyRadiomics's
// original features of the window's lesion (scopemia's radiomics module,
// default settings), each as sign(x) log(1 + |x|).
enum class DescriptorSet { kBasic, kRadiomics };

// Which columns the descriptor head adds to `scopemia embed`'s
// (descriptors.in_embedding: none | appended | only; false and true read as
// none and appended).
enum class DescriptorColumns { kNone, kAppended, kOnly };

// Pretraining: a linear head on the ROI-pooled embedding (embedding section)
// regresses handcrafted descriptors of the unmasked input (train/
// descriptors.h): intensity distribution, gradient and boundary statistics of
// the lesion. Never labels or ratings.
struct DescriptorConfig {
  bool enabled = false;
  double weight = 1.0;
  DescriptorSet set = DescriptorSet::kBasic;
  // true: the head reads a second, unmasked pass of the backbone (the input
  // `scopemia embed` sees) instead of the masked pass the MAE reconstructs
  // from; costs one more backbone forward and backward per step.
  bool unmasked_input = false;
  // The head's predictions (standardised units) as `scopemia embed` columns,
  // scope_head_<descriptor name>: what the network learned to read off the
  // lesion, in a few named columns. kAppended writes them after the pooled
  // columns, kOnly instead of them. Only with the pooling the head was
  // trained on (infer/embed.h).
  DescriptorColumns in_embedding = DescriptorColumns::kNone;
};

struct OptimizerConfig {
  double lr = 1e-3;
  double weight_decay = 0.05;
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
};

struct ScheduleConfig {
  int64_t warmup_steps = 0;    // linear warm-up; used when > 0
  double warmup_epochs = 0.0;  // else this many epochs' steps
  double min_lr = 0.0;         // cosine decays to this at the last step
};

struct TrainConfig {
  DataConfig data;
  ModelConfig model;
  Task task = Task::kClassification;
  RegressionLoss regression_loss = RegressionLoss::kMse;
  double huber_delta = 1.0;
  double dice_weight = 1.0;  // segmentation: dice_weight * Dice + ce_weight * CE
  double ce_weight = 1.0;
  MaskingConfig masking;
  MciConfig mci;
  DescriptorConfig descriptors;
  nn::PoolingSpec embedding;  // what `scopemia embed` (and the descriptor head) pools
  OptimizerConfig optimizer;
  ScheduleConfig schedule;
  int64_t epochs = 10;
  int64_t max_steps = 0;  // > 0: stop after this many optimizer steps
  int64_t batch_size = 2;
  int64_t k = 16, stride = 8;  // as written in the file; windows() checks them
  // The depth windows of training, inference and embedding (checked: an
  // InputError naming the configuration when stride is not in [1, k]).
  DepthWindows windows() const { return DepthWindows(k, stride, source); }
  int workers = 2;
  data::AugmentOptions augmentation;
  double grad_clip = 1.0;  // max global gradient norm; 0: off
  nn::PdeLossWeights pde_loss;
  uint64_t seed = 0;
  bool deterministic = false;  // fixed thread count, deterministic algorithms
  int threads = 0;             // compute threads; 0: all cores (1 when deterministic)
  std::string output_dir = "runs/train";
  int64_t log_every = 10;         // steps between log lines (off a terminal)
  int64_t checkpoint_every = 0;   // steps between checkpoints; 0: at each epoch's end

  std::string source;  // where the config came from (for messages); not written back
};

// Parses YAML text; `source` names it in errors. `overrides` are
// "key.sub=value" strings applied on top (value parsed as YAML).
TrainConfig parse_config(const std::string& yaml, const std::string& source,
                         const std::vector<std::string>& overrides = {});
TrainConfig load_config(const std::string& path, const std::vector<std::string>& overrides = {});

// Every key, resolved, as YAML; parse_config(to_yaml(c)) gives c back.
std::string to_yaml(const TrainConfig& config);

// The backbone options the model config describes.
nn::BackboneOptions backbone_options(const ModelConfig& model);

}  // namespace scopemia::train
