#include "nn/model.h"

#include <algorithm>
#include <string>

#include "core/error.h"
#include "nn/decoder.h"

namespace scopemia::nn {

std::array<int64_t, 3> BackboneImpl::min_input() const { return stages_.back().stride; }

StridePlanner::StridePlanner(int64_t max_depth_stride) : max_depth_(max_depth_stride) {
  if (max_depth_stride < 1 || (max_depth_stride & (max_depth_stride - 1)) != 0)
    throw InputError("max_depth_stride must be a power of two, got " + std::to_string(max_depth_stride));
}

std::array<int64_t, 3> StridePlanner::next(int64_t factor) {
  const int64_t d = std::min(factor, max_depth_ / total_[0]);
  std::array<int64_t, 3> s{std::max<int64_t>(d, 1), factor, factor};
  for (int k = 0; k < 3; ++k) total_[k] *= s[k];
  return s;
}

torch::nn::AnyModule make_norm(Norm norm, int64_t channels) {
  switch (norm) {
    case Norm::kBatch:
      return torch::nn::AnyModule(torch::nn::BatchNorm3d(channels));
    case Norm::kInstance:
      return torch::nn::AnyModule(
          torch::nn::InstanceNorm3d(torch::nn::InstanceNorm3dOptions(channels).affine(true)));
    case Norm::kGroup: {
      int64_t groups = std::min<int64_t>(32, channels);
      while (channels % groups != 0) --groups;
      return torch::nn::AnyModule(torch::nn::GroupNorm(groups, channels));
    }
  }
  throw InputError("unknown normalisation");
}

ChannelLayerNormImpl::ChannelLayerNormImpl(int64_t channels, double eps) : channels_(channels), eps_(eps) {
  weight_ = register_parameter("weight", torch::ones({channels}));
  bias_ = register_parameter("bias", torch::zeros({channels}));
}

torch::Tensor ChannelLayerNormImpl::forward(const torch::Tensor& x) {
  auto y = torch::layer_norm(x.permute({0, 2, 3, 4, 1}), {channels_}, weight_, bias_, eps_);
  return y.permute({0, 4, 1, 2, 3});
}

torch::Tensor drop_path(const torch::Tensor& x, double p, bool training) {
  if (!training || p <= 0) return x;
  const double keep = 1.0 - p;
  auto mask = torch::empty({x.size(0), 1, 1, 1, 1}, x.options()).bernoulli_(keep);
  return x * mask / keep;
}

HeadImpl::HeadImpl(HeadKind kind, int64_t in_channels, int64_t num_outputs, double dropout)
    : kind_(kind), dropout_(dropout) {
  if (kind_ == HeadKind::kNone) return;
  if (num_outputs < 1) throw InputError("the head needs at least one output, got " + std::to_string(num_outputs));
  norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({in_channels}).eps(1e-6)));
  fc_ = register_module("fc", torch::nn::Linear(in_channels, num_outputs));
}

torch::Tensor HeadImpl::forward(const torch::Tensor& features) {
  auto pooled = features.mean({2, 3, 4});
  if (kind_ == HeadKind::kNone) return pooled;
  auto y = norm_->forward(pooled);
  if (dropout_ > 0) y = torch::dropout(y, dropout_, is_training());
  y = fc_->forward(y);
  if (kind_ == HeadKind::kEmbedding) y = torch::nn::functional::normalize(y, torch::nn::functional::NormalizeFuncOptions().dim(1));
  return y;
}

ModelImpl::ModelImpl(std::string name, std::shared_ptr<BackboneImpl> backbone, ModelConfig config)
    : name_(std::move(name)), config_(std::move(config)), backbone_(std::move(backbone)) {
  register_module("backbone", backbone_);
  const auto& stages = backbone_->stage_info();
  pde_.resize(stages.size(), PdeBlock(nullptr));
  std::vector<int> wanted;
  const int n_stages = static_cast<int>(stages.size());
  for (int s : config_.pde_stages) wanted.push_back(s < 0 ? s + n_stages : s);  // -1: the last stage
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  config_.pde_stages.clear();  // rewritten below: sorted, non-negative
  for (int s : wanted) {
    if (s < 0 || s >= n_stages)
      throw InputError(name_ + ": PDE stage out of range (the model has " + std::to_string(n_stages) +
                       " stages: 0.." + std::to_string(n_stages - 1) + ", or -1 for the last)");
    PdeBlockConfig pc = config_.pde;
    pc.channels = stages[s].channels;
    pc.spacing = {config_.input_spacing.z * static_cast<double>(stages[s].stride[0]),
                  config_.input_spacing.y * static_cast<double>(stages[s].stride[1]),
                  config_.input_spacing.x * static_cast<double>(stages[s].stride[2])};
    pde_[s] = register_module("pde" + std::to_string(s), PdeBlock(pc));
    config_.pde_stages.push_back(s);
  }
  head_ = register_module("head", Head(config_.head, stages.back().channels, config_.num_outputs,
                                       config_.head_dropout));
  if (config_.decoder.out_channels > 0) {
    std::vector<int64_t> channels;
    for (const auto& s : stages) channels.push_back(s.channels);
    decoder_ = register_module("decoder", std::make_shared<DecoderImpl>(channels, config_.in_channels, config_.decoder));
  }
}

PdeBlockImpl* ModelImpl::pde_block(int stage) {
  if (stage < 0 || stage >= static_cast<int>(pde_.size()) || pde_[stage].is_empty()) return nullptr;
  return pde_[stage].get();
}

ModelOutput ModelImpl::forward(const torch::Tensor& x) {
  if (x.dim() != 5 || x.size(1) != config_.in_channels)
    throw InputError(name_ + ": expected input [N," + std::to_string(config_.in_channels) +
                     ",D,H,W], got " + c10::str(x.sizes()));
  const auto min = backbone_->min_input();
  for (int k = 0; k < 3; ++k)
    if (x.size(2 + k) < min[k])
      throw InputError(name_ + ": input " + c10::str(x.sizes()) + " is smaller than the network's stride (" +
                       std::to_string(min[0]) + "x" + std::to_string(min[1]) + "x" + std::to_string(min[2]) +
                       " for D x H x W)");
  ModelOutput out;
  auto h = backbone_->forward_stem(x);
  for (size_t s = 0; s < pde_.size(); ++s) {
    h = backbone_->forward_stage(s, h);
    if (!pde_[s].is_empty()) {
      auto r = pde_[s]->forward(h);
      h = r.output;
      out.pde.push_back({static_cast<int>(s), std::move(r.states)});
    }
    out.stages.push_back(h);
  }
  out.features = h;
  out.output = head_->forward(h);
  if (decoder_) out.dense = decoder_->forward(out.stages, x);
  return out;
}

}  // namespace scopemia::nn
