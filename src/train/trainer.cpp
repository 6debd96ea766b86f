#include "train/trainer.h"

#include <signal.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/random.h"
#include "core/runtime.h"
#include "core/stop_signal.h"
#include "data/dataset.h"
#include "data/input_channels.h"
#include "data/masking.h"
#include "data/subvolumes.h"
#include "eval/metrics.h"
#include "nn/pde_losses.h"
#include "pde/losses.h"
#include "train/descriptors.h"
#include "train/figures.h"
#include "train/mci_loss.h"
#include "train/recon_metrics.h"

namespace scopemia::train {
namespace {

namespace F = torch::nn::functional;

constexpr uint64_t kMaskSalt = 0x6D61736B5EEDULL;      // training masks: (seed ^ salt, step)
constexpr uint64_t kValidationStream = 1ULL << 62;     // validation masks: stream base + position

// Soft Dice loss per sample over the voxels where w = 1; [N].
torch::Tensor soft_dice_loss(const torch::Tensor& prob, const torch::Tensor& target, const torch::Tensor& w) {
  const auto p = (prob * w).flatten(1), t = (target * w).flatten(1);
  return 1.0 - (2.0 * (p * t).sum(1) + 1.0) / (p.sum(1) + t.sum(1) + 1.0);
}

bool finite(double x) { return std::isfinite(x); }

// The MCI loss weights of a config; the gradient term's spacing is the
// prepared volumes' (preprocess.spacing is x, y, z; 0 keeps the input's,
// taken as 1 mm here).
MciLossWeights mci_loss_weights(const TrainConfig& c) {
  MciLossWeights w;
  w.ridge_l1 = c.mci.ridge_l1;
  w.gradient_l1 = c.mci.gradient_l1;
  w.ms_ssim = c.mci.ms_ssim;
  w.ridge_max = c.mci.ridge_max;
  const auto& s = c.data.preprocess.spacing;
  auto mm = [](double v) { return v > 0 ? v : 1.0; };
  w.spacing = pde::Spacing{mm(s[2]), mm(s[1]), mm(s[0])};
  return w;
}

}  // namespace

// ---------------------------------------------------------------- metrics

std::vector<std::string> Metrics::names(Task task) {
  switch (task) {
    case Task::kClassification: return {"val_loss", "val_accuracy", "val_auc"};
    case Task::kRegression: return {"val_loss", "val_mse", "val_mae"};
    case Task::kSegmentation: return {"val_loss", "val_dice"};
    case Task::kPretrain: return {"val_masked_mse", "val_ssim", "val_r"};
  }
  return {};
}

std::map<std::string, double> Metrics::values() const {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double n = n_ > 0 ? double(n_) : nan;
  std::map<std::string, double> v;
  switch (task_) {
    case Task::kClassification:
      v["val_loss"] = loss_sum_ / n;
      v["val_accuracy"] = correct_ / n;
      v["val_auc"] = score_.empty() ? nan : eval::roc_auc(std::vector<int>(label_.begin(), label_.end()), score_);
      break;
    case Task::kRegression:
      v["val_loss"] = loss_sum_ / n;
      v["val_mse"] = sq_sum_ / n;
      v["val_mae"] = abs_sum_ / n;
      break;
    case Task::kSegmentation:
      v["val_loss"] = loss_sum_ / n;
      v["val_dice"] = dice_sum_ / n;
      break;
    case Task::kPretrain:
      v["val_masked_mse"] = masked_count_ > 0 ? masked_sq_ / masked_count_ : nan;
      v["val_ssim"] = ssim_sum_ / n;
      v["val_r"] = r_defined_ > 0 ? r_sum_ / r_defined_ : nan;
      break;
  }
  return v;
}

// ---------------------------------------------------------------- trainer

struct Trainer::Losses {
  torch::Tensor total, task, pde, mci;
  std::vector<std::pair<std::string, torch::Tensor>> terms;  // unweighted, for the guard and logs
  ModelOutput out;
  torch::Tensor mask;  // pretraining masks
};

Trainer::Trainer(TrainConfig config, int64_t outputs, int64_t total_steps, int64_t steps_per_epoch,
                 std::shared_ptr<Distributed> distributed)
    : config_(std::move(config)), outputs_(outputs), distributed_(std::move(distributed)) {
  if (!distributed_) distributed_ = Distributed::from_environment();
  if (config_.deterministic) {
    set_compute_threads(config_.threads > 0 ? config_.threads : 1);
  } else if (config_.threads > 0) {
    set_compute_threads(config_.threads);
  }
  torch::manual_seed(config_.seed);
  model_ = ScopeModel(config_, outputs_);
  distributed_->broadcast_parameters(*model_);

  // Weight decay on weights (matrices, kernels) only; biases, norms, layer
  // scales and the PDE blocks' scalar/per-channel coefficients are exempt.
  std::vector<torch::Tensor> decay, no_decay;
  for (auto& p : model_->parameters()) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  const auto& o = config_.optimizer;
  auto options = [&](double wd) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(o.lr).betas({o.beta1, o.beta2}).eps(o.eps).weight_decay(wd));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, options(o.weight_decay));
  if (!no_decay.empty()) groups.emplace_back(no_decay, options(0.0));
  optimizer_ = std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(o.lr));

  schedule_.base_lr = o.lr;
  schedule_.min_lr = config_.schedule.min_lr;
  schedule_.warmup_steps = config_.schedule.warmup_steps > 0
                               ? config_.schedule.warmup_steps
                               : std::llround(config_.schedule.warmup_epochs * double(std::max<int64_t>(1, steps_per_epoch)));
  schedule_.total_steps = std::max<int64_t>(1, total_steps);
}

torch::Tensor Trainer::pretrain_mask(const data::Batch& b, uint64_t stream) const {
  const int64_t N = b.image.size(0), k = b.image.size(2), H = b.image.size(3), W = b.image.size(4);
  Random rng(config_.seed ^ kMaskSalt, stream);
  auto mask = torch::zeros({N, 1, k, H, W}, torch::kBool);
  const auto& ratios = config_.masking.ratios;
  for (int64_t i = 0; i < N; ++i) {
    data::MaskOptions o;
    o.strategy = config_.masking.strategy;
    o.unit = config_.masking.unit;
    o.ratio = ratios.size() == 1 ? ratios[0] : ratios[rng.next() % ratios.size()];
    mask[i][0] = data::make_mask(k, H, W, o, rng);
  }
  if (b.valid.defined()) mask = mask.logical_and(b.valid.expand_as(b.image) > 0.5);
  return mask;
}

Trainer::Losses Trainer::compute(const data::Batch& b, uint64_t mask_stream, bool with_pde) {
  if (!b.image.defined() || b.image.dim() != 5) throw InputError("batch image must be [N,1,k,H,W]");
  Losses L;
  const auto image = b.image;
  const auto valid = b.valid.defined() ? b.valid.expand_as(image).to(image.dtype()) : torch::ones_like(image);
  torch::Tensor input = image;
  if (config_.task == Task::kPretrain) {
    L.mask = pretrain_mask(b, mask_stream);
    input = image.masked_fill(L.mask, 0.0);
  }
  input = data::build_input(input, b.mask, config_.model.input, config_.data.preprocess);
  L.out = model_->forward(input);
  const auto& pred = L.out.prediction;
  switch (config_.task) {
    case Task::kClassification:
      if (!b.target.defined()) throw InputError("classification batch without targets");
      L.task = F::cross_entropy(pred, b.target.to(torch::kLong));
      break;
    case Task::kRegression: {
      if (!b.target.defined()) throw InputError("regression batch without targets");
      const auto t = b.target.to(pred.dtype()).reshape(pred.sizes());
      L.task = config_.regression_loss == RegressionLoss::kMse
                   ? F::mse_loss(pred, t)
                   : F::huber_loss(pred, t, F::HuberLossFuncOptions().delta(config_.huber_delta));
      break;
    }
    case Task::kSegmentation: {
      if (!b.mask.defined()) throw InputError("segmentation batch without ROI masks");
      const auto t = (b.mask > 0.5).to(pred.dtype());
      const auto ce = F::binary_cross_entropy_with_logits(
                          pred, t, F::BinaryCrossEntropyWithLogitsFuncOptions().weight(valid).reduction(torch::kSum)) /
                      valid.sum().clamp_min(1.0);
      const auto dice = soft_dice_loss(torch::sigmoid(pred), t, valid).mean();
      L.task = config_.ce_weight * ce + config_.dice_weight * dice;
      L.terms.emplace_back("task.ce", ce);
      L.terms.emplace_back("task.dice", dice);
      break;
    }
    case Task::kPretrain:
      L.task = data::masked_mse(pred, image, L.mask);
      break;
  }
  L.terms.emplace(L.terms.begin(), "task", L.task);
  L.total = L.task;
  if (model_->has_descriptor_head()) {
    if (!b.mask.defined()) throw InputError("descriptors.enabled: the batches carry no ROI masks");
    const auto valid_slices = b.valid.defined() ? b.valid : torch::ones({image.size(0), 1, image.size(2), 1, 1});
    const auto t = input_descriptors(image, b.mask, valid_slices, config_.data.preprocess, config_.descriptors.set);
    // Only training steps move the running statistics (validation runs in eval mode and reads them).
    const auto target = model_->standardise_descriptors(t.values, t.weight, model_->is_training());
    const auto pred = model_->predict_descriptors(
        config_.descriptors.unmasked_input
            ? model_->backbone().forward(data::build_input(image, b.mask, config_.model.input, config_.data.preprocess))
            : L.out.backbone,
        b.mask, valid_slices);
    const auto per_sample = F::smooth_l1_loss(pred, target, F::SmoothL1LossFuncOptions().reduction(torch::kNone)).mean(1);
    const auto loss = (per_sample * t.weight).sum() / t.weight.sum().clamp_min(1.0);
    L.terms.emplace_back("descriptors", loss);
    L.total = L.total + config_.descriptors.weight * loss;
  }
  if (L.out.mci.defined()) {
    if (!b.mci.defined()) throw InputError("mci.enabled: the batches carry no MCI maps");
    // L_MCI_recon (train/mci_loss.h) on the valid voxels: depth padding is
    // zeroed in both maps, so it adds no error there.
    const auto mci_valid = b.valid.defined() ? b.valid.expand_as(L.out.mci).to(L.out.mci.dtype())
                                             : torch::ones_like(L.out.mci);
    const auto terms = mci_reconstruction_loss(L.out.mci * mci_valid, b.mci.to(L.out.mci.dtype()) * mci_valid,
                                               mci_loss_weights(config_));
    L.mci = terms.total;
    L.terms.emplace_back("mci.ridge_l1", terms.ridge_l1);
    L.terms.emplace_back("mci.gradient_l1", terms.gradient_l1);
    L.terms.emplace_back("mci.ms_ssim_loss", terms.ms_ssim_loss);
    L.terms.emplace_back("mci", L.mci);
    L.total = L.total + config_.mci.weight * L.mci;
  }

  const auto& w = config_.pde_loss;
  L.pde = torch::zeros({}, image.options());
  if (with_pde) {
    auto& blocks = model_->backbone().pde_blocks();
    const auto& states = L.out.backbone.pde_states;
    const bool block_terms = w.stability > 0 || w.entropy > 0 || w.hessian > 0 || w.attention > 0;
    if (block_terms && !states.empty()) {
      // Averaged over blocks, so a weight means the same for any number of blocks.
      const double per_block = 1.0 / double(states.size());
      for (size_t i = 0; i < states.size(); ++i) {
        const auto t = nn::pde_losses(*blocks[i], states[i], w, b.mask.defined() ? b.mask : torch::Tensor());
        const std::string tag = fmt::format("[block {}]", i);
        for (auto [name, weight, value] : {std::tuple<const char*, double, torch::Tensor>{"stability", w.stability, t.stability},
                                           {"entropy", w.entropy, t.entropy},
                                           {"hessian", w.hessian, t.hessian},
                                           {"attention", w.attention, t.attention}}) {
          if (weight <= 0) continue;  // 0 turns a term off (and keeps a NaN in it out of the total)
          L.terms.emplace_back(std::string("pde.") + name + tag, value);
          L.pde = L.pde + (weight * per_block) * value;
        }
      }
    }
    if (w.scale > 0) {
      const auto down = pde::downsample_for_scale(input);
      nn::BackboneOutput coarse;
      try {
        coarse = model_->backbone().forward(down);
      } catch (const InputError& e) {
        throw InputError(config_.source, std::string("pde_loss.scale: the half-size copy is too small for the backbone (") +
                                             e.what() + "); use larger subvolumes or set pde_loss.scale: 0");
      }
      const auto scale = pde::scale_consistency_loss(ScopeModelImpl::pooled_embedding(L.out.backbone),
                                                     ScopeModelImpl::pooled_embedding(coarse));
      L.terms.emplace_back("pde.scale", scale);
      L.pde = L.pde + w.scale * scale;
    }
    L.total = L.total + L.pde;
  }
  return L;
}

StepResult Trainer::train_step(const data::Batch& batch) {
  model_->train();
  StepResult r;
  r.step = progress_.global_step;
  r.lr = schedule_.lr(r.step);
  for (auto& group : optimizer_->param_groups())
    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(r.lr);
  optimizer_->zero_grad();

  Losses L = compute(batch, uint64_t(r.step), true);
  for (const auto& [name, value] : L.terms) {
    const double v = value.item<double>();
    r.terms[name] = v;
    if (!finite(v)) throw TrainingDiverged(fmt::format("step {}: loss term '{}' is {}", r.step, name, v));
  }
  r.loss = L.total.item<double>();
  if (!finite(r.loss)) throw TrainingDiverged(fmt::format("step {}: the total loss is {}", r.step, r.loss));
  r.task = L.task.item<double>();
  r.pde = L.pde.item<double>();
  r.mci = L.mci.defined() ? L.mci.item<double>() : 0.0;

  L.total.backward();
  distributed_->average_gradients(*model_);
  auto params = model_->parameters();
  if (config_.grad_clip > 0) {
    r.grad_norm = torch::nn::utils::clip_grad_norm_(params, config_.grad_clip);
  } else {
    double sq = 0;
    for (const auto& p : params)
      if (p.grad().defined()) sq += p.grad().pow(2).sum().item<double>();
    r.grad_norm = std::sqrt(sq);
  }
  if (!finite(r.grad_norm))
    throw TrainingDiverged(fmt::format("step {}: the gradient norm is {} (loss {})", r.step, r.grad_norm, r.loss));
  optimizer_->step();
  ++progress_.global_step;
  return r;
}

void Trainer::evaluate(const data::Batch& b, int64_t position, Metrics& m) {
  torch::NoGradGuard no_grad;
  model_->eval();
  Losses L = compute(b, kValidationStream + uint64_t(position), false);
  model_->train();
  const auto& pred = L.out.prediction;
  const int64_t N = b.image.size(0);
  switch (config_.task) {
    case Task::kClassification: {
      const auto target = b.target.to(torch::kLong);
      m.loss_sum_ += F::cross_entropy(pred, target, F::CrossEntropyFuncOptions().reduction(torch::kSum)).item<double>();
      m.correct_ += pred.argmax(1).eq(target).sum().item<double>();
      if (pred.size(1) == 2) {
        const auto p1 = torch::softmax(pred, 1).select(1, 1).contiguous();
        for (int64_t i = 0; i < N; ++i) {
          m.score_.push_back(p1[i].item<double>());
          m.label_.push_back(target[i].item<int64_t>());
        }
      }
      break;
    }
    case Task::kRegression: {
      const auto d = pred.reshape({N, -1}).select(1, 0) - b.target.to(pred.dtype());
      m.loss_sum_ += L.task.item<double>() * double(N);
      m.sq_sum_ += d.pow(2).sum().item<double>();
      m.abs_sum_ += d.abs().sum().item<double>();
      break;
    }
    case Task::kSegmentation: {
      const auto valid = b.valid.defined() ? b.valid.expand_as(b.image).to(pred.dtype()) : torch::ones_like(pred);
      const auto hard = (pred > 0).to(pred.dtype());
      const auto t = (b.mask > 0.5).to(pred.dtype());
      m.loss_sum_ += L.task.item<double>() * double(N);
      m.dice_sum_ += (1.0 - soft_dice_loss(hard, t, valid)).sum().item<double>();
      break;
    }
    case Task::kPretrain: {
      const auto mf = L.mask.to(pred.dtype());
      m.masked_sq_ += ((pred - b.image).pow(2) * mf).sum().item<double>();
      m.masked_count_ += mf.sum().item<double>();
      // Reconstruction = the decoder's output where masked, the input where
      // visible (docs/training.md, "Validation").
      const auto image = b.image.to(pred.dtype());
      const auto recon = torch::where(L.mask, pred, image);
      SsimOptions so;  // windows are intensity-normalised to [0, 1]
      m.ssim_sum_ += ssim3d_terms(recon, image, so).ssim.sum().item<double>();
      const auto& sp = config_.data.preprocess.spacing;
      RMetricOptions ro;
      ro.spacing = {sp[2] > 0 ? sp[2] : 1.0, sp[1] > 0 ? sp[1] : 1.0, sp[0] > 0 ? sp[0] : 1.0};
      const RMetricMean r = r_metric_batch(image, recon, ro);
      m.r_sum_ += r.r * double(r.defined);
      m.r_defined_ += double(r.defined);
      break;
    }
  }
  m.n_ += N;
}

torch::Tensor Trainer::reconstruct(const torch::Tensor& image, const torch::Tensor& mask, const torch::Tensor& roi) {
  if (!image.defined() || image.dim() != 5 || !mask.sizes().equals(image.sizes()))
    throw InputError("reconstruct: image must be [N,1,k,H,W] and the mask of the same shape");
  torch::NoGradGuard no_grad;
  model_->eval();
  const auto m = mask.to(torch::kBool);
  const auto input = data::build_input(image.masked_fill(m, 0.0), roi, config_.model.input, config_.data.preprocess);
  const auto out = model_->forward(input).prediction;
  model_->train();
  return torch::where(m, out, image.to(out.dtype()));
}

void write_pretraining_figures(Trainer& trainer, const torch::Tensor& window_in, const std::vector<std::string>& dirs,
                               uint64_t seed, const torch::Tensor& roi_in) {
  if (dirs.empty()) return;
  auto window = window_in;
  while (window.dim() > 3) window = window.squeeze(0);
  if (window.dim() != 3) throw InputError("figures: the window must be [k,H,W]");
  window = window.to(torch::kFloat32).contiguous();
  const int64_t k = window.size(0), H = window.size(1), W = window.size(2);
  const int64_t unit = trainer.config().masking.unit;
  torch::Tensor roi;
  if (roi_in.defined()) roi = roi_in.reshape({-1, k, H, W})[0].view({1, 1, k, H, W}).to(torch::kFloat32);

  Random rng(seed ^ 0xF16F16ULL, 0);
  FigureStyle s2;
  s2.second_plane = true;
  const auto panels = masking_strategy_panels(k, H, W, 0.5, unit, rng);

  std::vector<ReconstructionRow> rows;
  for (double ratio : {0.25, 0.5, 0.75}) {
    data::MaskOptions o;
    o.strategy = data::MaskStrategy::kRandomCubes;
    o.ratio = ratio;
    o.unit = unit;
    const auto mask = data::make_mask(k, H, W, o, rng);
    const auto recon = trainer.reconstruct(window.view({1, 1, k, H, W}), mask.view({1, 1, k, H, W}), roi);
    rows.push_back({fmt::format("{}%", int(std::lround(ratio * 100))), mask, recon.view({k, H, W})});
  }
  for (const auto& dir : dirs) {
    std::filesystem::create_directories(dir);
    write_masking_figure(window, panels, (std::filesystem::path(dir) / "fig2_masking.png").string(), s2);
    write_reconstruction_figure(window, rows, (std::filesystem::path(dir) / "fig3_reconstruction.png").string());
  }
}

void Trainer::save(const std::string& path, const std::function<void(const std::string&)>& before_commit) {
  CheckpointInfo info;
  info.config_yaml = to_yaml(config_);
  info.preprocess = data::describe(config_.data.preprocess);
  info.outputs = outputs_;
  info.progress = progress_;
  save_checkpoint(path, *model_, optimizer_.get(), info, before_commit);
}

void Trainer::resume(const std::string& path) {
  const std::string file = resolve_checkpoint(path);
  const CheckpointInfo info = load_checkpoint(file, *model_, optimizer_.get());
  if (info.outputs != outputs_)
    throw InputError(file, fmt::format("checkpoint has {} head outputs, this run {}", info.outputs, outputs_));
  progress_ = info.progress;
}

int64_t Trainer::init_backbone_from(const std::string& checkpoint) {
  const std::string path = resolve_checkpoint(checkpoint);
  LoadedModel source = load_model_from_checkpoint(path);
  const auto& a = source.config.model;
  const auto& b = config_.model;
  auto describe = [](const ModelConfig& m) {
    return fmt::format("{} with PDE stages [{}]", m.backbone, fmt::join(m.pde_stages, ", "));
  };
  if (a.backbone != b.backbone || a.pde_stages != b.pde_stages)
    throw InputError(path, "model.init_from: its backbone (" + describe(a) + ") is not this run's (" + describe(b) + ")");
  torch::NoGradGuard no_grad;
  int64_t copied = 0;
  auto copy_all = [&](const torch::OrderedDict<std::string, torch::Tensor>& to,
                      const torch::OrderedDict<std::string, torch::Tensor>& from) {
    for (const auto& item : to) {
      const torch::Tensor* src = from.find(item.key());
      if (!src || !src->sizes().equals(item.value().sizes()))
        throw InputError(path, "model.init_from: backbone weight '" + item.key() + "' is missing or of another shape");
      item.value().copy_(*src);
      ++copied;
    }
  };
  copy_all(model_->backbone().named_parameters(), source.model->backbone().named_parameters());
  copy_all(model_->backbone().named_buffers(), source.model->backbone().named_buffers());
  distributed_->broadcast_parameters(*model_);
  return copied;
}

// ---------------------------------------------------------------- whole run

namespace {

namespace fs = std::filesystem;

data::TargetKind target_kind(Task task) {
  switch (task) {
    case Task::kClassification: return data::TargetKind::kClassification;
    case Task::kRegression: return data::TargetKind::kRegression;
    case Task::kSegmentation: return data::TargetKind::kSegmentation;
    case Task::kPretrain: return data::TargetKind::kNone;
  }
  return data::TargetKind::kNone;
}

std::string cell(double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : std::string(); }

// metrics.csv: one row per epoch (and one for a run stopped mid-epoch by
// max_steps). A fresh run starts the file; a resumed run appends, except the
// row the file already ends with (a checkpoint at an epoch's last step is
// resumed with that epoch done: its row was written before the stop).
class MetricsLog {
 public:
  MetricsLog(const fs::path& path, Task task, bool append) : path_(path), names_(Metrics::names(task)) {
    if (append && fs::exists(path_)) {
      std::ifstream in(path_);
      std::string line, last;
      while (std::getline(in, line))
        if (!line.empty()) last = line;
      const auto comma = last.find(',');
      if (comma != std::string::npos) last_key_ = last.substr(0, last.find(',', comma + 1));
      return;
    }
    std::ofstream out(path_, std::ios::trunc);
    out << "epoch,step,lr,train_loss,train_task,train_pde";
    for (const auto& n : names_) out << "," << n;
    out << ",seconds,loader_wait_seconds\n";
    if (!out) throw InputError(path_.string(), "cannot write the metrics log");
  }
  void row(int64_t epoch, int64_t step, double lr, double loss, double task, double pde,
           const std::map<std::string, double>& validation, double seconds, double wait) {
    const std::string key = fmt::format("{},{}", epoch, step);
    if (key == last_key_) return;
    last_key_ = key;
    std::ofstream out(path_, std::ios::app);
    out << epoch << "," << step << "," << cell(lr) << "," << cell(loss) << "," << cell(task) << "," << cell(pde);
    for (const auto& n : names_) {
      const auto it = validation.find(n);
      out << "," << (it == validation.end() ? std::string() : cell(it->second));
    }
    out << "," << cell(seconds) << "," << cell(wait) << "\n";
    if (!out) throw InputError(path_.string(), "cannot write the metrics log");
  }

 private:
  fs::path path_;
  std::vector<std::string> names_;
  std::string last_key_;  // "epoch,step" of the last row
};

}  // namespace

namespace {

// The sampler over `cases` in order on one rank (validation, figures).
data::SubvolumeSampler in_order(const data::CaseDataset& cases, data::SamplerOptions options) {
  options.shuffle = false;
  options.rank = 0;
  options.world_size = 1;
  return data::SubvolumeSampler(cases.depths(), options);
}

// The cohort split by group (no group on both sides), the training windows
// of this rank and the validation windows, and the loaders' options.
struct RunData {
  data::CaseDataset train_set, val_set;
  int64_t outputs = 1;
  data::SamplerOptions sampler_options;
  std::optional<data::SubvolumeSampler> sampler;
  int64_t steps_per_epoch = 1, total_steps = 0;
  data::LoaderOptions train_loader, val_loader;
  std::vector<data::SubvolumeRef> val_windows;
};

RunData prepare_run_data(const TrainConfig& config, const Distributed& distributed) {
  data::DatasetOptions d;
  d.cases_csv = config.data.cases_csv;
  d.preprocess = config.data.preprocess;
  d.target = target_kind(config.task);
  d.target_column = config.data.target_column;
  d.group_column = config.data.group_column;
  d.cache_dir = config.data.cache_dir;
  d.with_mci = config.task == Task::kPretrain && config.mci.enabled;
  d.mci_sigma_mm = config.mci.sigma_mm;
  d.threads = config.data.threads;
  const data::CaseDataset cohort = data::CaseDataset::load(d);
  if (cohort.size() == 0) throw InputError(config.data.cases_csv, "no cases");
  std::vector<int64_t> train_index, val_index;
  if (config.data.val_fraction > 0 && cohort.size() >= 2) {
    std::tie(train_index, val_index) = data::group_split(cohort, config.data.val_fraction, config.seed);
  } else {
    for (int64_t i = 0; i < cohort.size(); ++i) train_index.push_back(i);
  }
  if (train_index.empty()) throw InputError(config.data.cases_csv, "no cases left for training after the validation split");
  RunData r;
  r.train_set = cohort.subset(train_index);
  r.val_set = cohort.subset(val_index);
  r.outputs = resolve_outputs(config, config.task == Task::kClassification ? cohort.num_classes() : 1);

  data::SamplerOptions& so = r.sampler_options;
  so.windows = config.windows();
  so.shuffle = true;
  so.seed = config.seed;
  so.rank = distributed.rank();
  so.world_size = distributed.world_size();
  r.sampler.emplace(r.train_set.depths(), so);
  r.steps_per_epoch = std::max<int64_t>(1, (r.sampler->per_rank() + config.batch_size - 1) / config.batch_size);
  // max_steps > 0 fixes the run's length (as many epochs as it takes);
  // otherwise epochs x steps per epoch.
  r.total_steps = config.max_steps > 0 ? config.max_steps : config.epochs * r.steps_per_epoch;

  data::LoaderOptions& lo = r.train_loader;
  lo.batch_size = config.batch_size;
  lo.windows = so.windows;
  lo.workers = config.workers;
  lo.augment = config.augmentation;
  lo.target = d.target;
  lo.seed = config.seed;
  r.val_loader = lo;
  r.val_loader.augment = {};
  if (r.val_set.size() > 0) r.val_windows = in_order(r.val_set, so).windows();
  return r;
}

// This process's steps of one epoch, from where `at` stands, up to `last_step`.
struct EpochSteps {
  int64_t steps = 0;
  double loss_sum = 0, task_sum = 0, pde_sum = 0;
  double lr = std::numeric_limits<double>::quiet_NaN();
  bool epoch_done = false;
  bool stopped = false;  // a stop signal came: leave with a checkpoint
  double loader_wait_seconds = 0;
};

EpochSteps train_epoch(Trainer& trainer, const RunData& data, int64_t last_step, bool progress_bar,
                       const std::function<void()>& save) {
  const TrainConfig& config = trainer.config();
  const bool main_rank = trainer.distributed().is_main();
  TrainProgress& at = trainer.progress();
  data::BatchLoader loader(data.train_set, data.sampler->epoch(at.epoch), data.train_loader, at.epoch);
  for (int64_t i = 0; i < at.position; ++i) loader.next();  // resumed mid-epoch: the same batches follow
  Progress bar(fmt::format("epoch {}", at.epoch + 1), loader.num_batches() - at.position, stderr,
               progress_bar && main_rank ? -1 : 0);
  EpochSteps e;
  while (at.global_step < last_step) {
    auto batch = loader.next();
    if (!batch) break;
    const StepResult r = trainer.train_step(*batch);
    ++at.position;
    ++e.steps;
    e.loss_sum += r.loss;
    e.task_sum += r.task;
    e.pde_sum += r.pde;
    e.lr = r.lr;
    bar.advance(1, fmt::format("loss {:.4g}", r.loss));
    if (main_rank && (r.step + 1) % config.log_every == 0 && spdlog::should_log(spdlog::level::debug)) {
      std::string terms;
      for (const auto& [name, v] : r.terms) terms += fmt::format(" {} {:.4g}", name, v);
      spdlog::debug("step {} lr {:.3g} loss {:.5g} grad {:.3g}:{}", r.step + 1, r.lr, r.loss, r.grad_norm, terms);
    }
    if (config.checkpoint_every > 0 && at.global_step % config.checkpoint_every == 0) save();
    if (stop_requested()) {
      e.stopped = true;
      break;
    }
  }
  bar.finish();
  e.epoch_done = at.position >= loader.num_batches();
  e.loader_wait_seconds = loader.wait_seconds();
  return e;
}

// Validation metrics over every validation window (rank 0; empty without validation cases).
std::map<std::string, double> validate(Trainer& trainer, const RunData& data) {
  if (!trainer.distributed().is_main() || data.val_windows.empty()) return {};
  Metrics metrics(trainer.config().task);
  data::BatchLoader vl(data.val_set, data.val_windows, data.val_loader, 0);
  int64_t position = 0;
  while (auto batch = vl.next()) trainer.evaluate(*batch, position++, metrics);
  return metrics.values();
}

// Fig. 2 / Fig. 3 on the middle window of the first validation case (a
// training case without validation): prepared cases are centred on the
// ROI, so that window goes through the nodule.
void write_final_figures(Trainer& trainer, const RunData& data, const std::vector<std::string>& dirs) {
  const data::CaseDataset& fig_set = data.val_set.size() > 0 ? data.val_set : data.train_set;
  std::vector<data::SubvolumeRef> first_case;
  const auto sampler = in_order(fig_set, data.sampler_options);  // windows() refers into it
  for (const auto& w : sampler.windows())
    if (w.case_index == 0) first_case.push_back(w);
  if (first_case.empty()) return;
  data::LoaderOptions flo = data.val_loader;
  flo.batch_size = 1;
  flo.workers = 0;
  data::BatchLoader fl(fig_set, {first_case[first_case.size() / 2]}, flo, 0);
  if (auto batch = fl.next()) {
    write_pretraining_figures(trainer, batch->image, dirs, trainer.config().seed, batch->mask);
    spdlog::info("figures fig2_masking.png, fig3_reconstruction.png in {}", fmt::join(dirs, ", "));
  }
}

}  // namespace

RunSummary run_training(const TrainConfig& config_in, const RunOptions& options) {
  TrainConfig config = config_in;
  if (config.data.cases_csv.empty())
    throw InputError(config.source, "data.cases_csv: no cases CSV (set it or give --cases)");
  auto distributed = Distributed::from_environment();
  const bool main_rank = distributed->is_main();
  const fs::path out_dir(config.output_dir);
  if (main_rank) fs::create_directories(out_dir);

  const RunData data = prepare_run_data(config, *distributed);
  Trainer trainer(config, data.outputs, data.total_steps, data.steps_per_epoch, distributed);
  if (!options.resume.empty()) {
    const std::string path = resolve_checkpoint(options.resume);
    trainer.resume(path);
    if (main_rank)
      spdlog::info("resumed from {} at step {} (epoch {}, batch {})", path, trainer.progress().global_step,
                   trainer.progress().epoch, trainer.progress().position);
  } else if (!config.model.init_from.empty()) {
    const int64_t n = trainer.init_backbone_from(config.model.init_from);
    if (main_rank) spdlog::info("backbone initialised from {} ({} tensors)", config.model.init_from, n);
  }
  if (main_rank) {
    write_file_atomically(out_dir / "config.yaml", to_yaml(config));
    spdlog::info("{}: {} cases for training ({} windows of {} slices), {} for validation; {} steps of {}",
                 to_string(config.task), data.train_set.size(), data.sampler->windows().size(), config.k,
                 data.val_set.size(), data.total_steps, config.batch_size);
  }

  std::optional<MetricsLog> log;  // rank 0 writes the log
  if (main_rank) log.emplace(out_dir / "metrics.csv", config.task, !options.resume.empty());
  const std::string checkpoint = (out_dir / "checkpoint.pt").string();
  const std::function<void()> save = [&] {
    if (main_rank) trainer.save(checkpoint);
    distributed->barrier();
  };

  // One process: SIGTERM / SIGINT stop between steps with a checkpoint. Not
  // across ranks (each would stop at its own step and the others would wait
  // in a collective): there the signals act as before.
  std::optional<StopSignals> stop_on_signal;
  if (distributed->world_size() == 1) stop_on_signal.emplace();

  RunSummary summary;
  TrainProgress& at = trainer.progress();
  const auto run_start = std::chrono::steady_clock::now();
  const int64_t first_step = at.global_step;  // > 0 when resumed: the rate counts this process's steps
  const int64_t last_step =
      options.stop_at_step > 0 ? std::min(data.total_steps, options.stop_at_step) : data.total_steps;
  while (at.global_step < last_step && (config.max_steps > 0 || at.epoch < config.epochs)) {
    const auto epoch_start = std::chrono::steady_clock::now();
    const EpochSteps e = train_epoch(trainer, data, last_step, options.progress_bar, save);
    if (e.stopped) {
      save();
      const int signal = stop_requested();
      throw Stopped(signal, fmt::format("stopped by {} at step {} of {}: checkpoint {} (continue with --resume {})",
                                        signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : std::to_string(signal),
                                        at.global_step, last_step, checkpoint, out_dir.string()));
    }
    const int64_t epoch = at.epoch;
    if (e.epoch_done) {
      ++at.epoch;
      at.position = 0;
    }
    const std::map<std::string, double> validation = validate(trainer, data);
    // Training means over this process's steps of the epoch, averaged over
    // ranks (every rank runs the same number of steps).
    const double n = e.steps > 0 ? double(e.steps) : std::numeric_limits<double>::quiet_NaN();
    const double loss_mean = distributed->average(e.loss_sum / n), task_mean = distributed->average(e.task_sum / n),
                 pde_mean = distributed->average(e.pde_sum / n);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count();
    if (main_rank && (e.steps > 0 || e.epoch_done)) {
      log->row(epoch + 1, at.global_step, e.lr, loss_mean, task_mean, pde_mean, validation, seconds,
               e.loader_wait_seconds);
      std::string line =
          fmt::format("epoch {}: step {}/{}, loss {:.5g}", epoch + 1, at.global_step, last_step, loss_mean);
      for (const auto& [k, v] : validation) line += fmt::format(", {} {:.5g}", k, v);
      // A log (cluster, background run) sees the rate only here: elapsed and
      // ETA from this process's own steps, validation passes included.
      const double run_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
      const int64_t steps_here = at.global_step - first_step;
      line += fmt::format(", {} elapsed", format_duration(run_seconds));
      if (steps_here > 0 && at.global_step < last_step)
        line += ", ETA " + format_duration(remaining_seconds(steps_here, last_step - first_step, run_seconds));
      spdlog::info("{}", line);
    }
    summary.last_validation = validation;
    if (e.epoch_done) ++summary.epochs_completed;
    if (config.checkpoint_every == 0 || at.global_step >= last_step) save();
    if (e.steps == 0 && !e.epoch_done) break;  // nothing left to do
  }
  summary.steps = at.global_step;
  summary.main_rank = main_rank;
  summary.checkpoint = checkpoint;
  if (main_rank && config.task == Task::kPretrain && options.figures) {
    std::vector<std::string> dirs{out_dir.string()};
    if (!options.figures_dir.empty()) dirs.push_back(options.figures_dir);
    write_final_figures(trainer, data, dirs);
  }
  if (main_rank) {
    trainer.save((out_dir / "model.pt").string());
    spdlog::info("trained {} steps in {}; checkpoint {}, model {}", at.global_step,
                 format_duration(std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count()),
                 checkpoint, (out_dir / "model.pt").string());
  }
  return summary;
}

}  // namespace scopemia::train
