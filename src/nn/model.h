#pragma once
// The common model interface of every backbone family (docs/networks.md):
// stem -> stages (each optionally followed by a PDE block) -> head, plus an
// optional U-Net-like decoder for dense outputs. One forward returns the head
// output, the final feature map, every stage's feature map and the PDE block
// states, so heads, lesion embeddings, Grad-CAM and the PDE losses read the
// anatomical / textural streams from the same pass.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "nn/pde_block.h"

namespace scopemia::nn {

enum class HeadKind {
  kNone,            // output = globally pooled final features [N,C]
  kClassification,  // logits [N,num_outputs]
  kRegression,      // values [N,num_outputs]
  kEmbedding,       // L2-normalised embedding [N,num_outputs]
};

// Normalisation of the ResNet / VGG / DenseNet families (ConvNeXt always uses
// LayerNorm over channels, as the original).
enum class Norm {
  kBatch,     // BatchNorm3d (the originals)
  kGroup,     // GroupNorm, up to 32 groups (batch-size independent)
  kInstance,  // InstanceNorm3d with affine parameters
};

// ConvNeXt's depthwise convolution.
enum class DepthwiseKind {
  kCube,       // one k x k x k depthwise conv (the paper: k = 7)
  kSeparable,  // k x 1 x 1, then 1 x k x 1, then 1 x 1 x k, each depthwise
};

struct DecoderConfig {
  int64_t out_channels = 0;            // 0: no decoder
  std::vector<int64_t> channels;       // per level, deepest skip first; empty = min(stage C, 32 * 2^level)
  bool input_skip = true;              // concatenate the network input at full resolution
};

struct ModelConfig {
  int64_t in_channels = 1;
  HeadKind head = HeadKind::kClassification;
  int64_t num_outputs = 2;     // classes, regression targets or embedding size
  double head_dropout = 0.0;

  // Total downsampling along depth (a power of two). k-slice subvolumes are
  // thin: every 2x reduction halves H and W, and D only until the product of
  // the depth strides reaches this value (the stem's 4x counts as two).
  int64_t max_depth_stride = 4;

  Norm norm = Norm::kBatch;    // ResNet / VGG / DenseNet

  // ConvNeXt: CPU preset 3x3x3 (DESIGN.md platform notes: 7x7x7 depthwise is
  // pathologically slow on CPU); the paper's 7x7x7 is dw_kernel = 7, kCube.
  int64_t dw_kernel = 3;
  DepthwiseKind dw_kind = DepthwiseKind::kCube;
  double layer_scale_init = 1e-6;
  double drop_path = 0.0;      // stochastic depth, linearly increasing to this rate

  // PDE blocks after the listed stages (0-based; negative counts from the
  // end, -1 = the last stage; Model::config() holds them resolved and sorted). pde.channels and pde.spacing
  // are set per stage: channels = the stage's width, spacing = input_spacing x
  // the stage's cumulative stride.
  std::vector<int> pde_stages;
  PdeBlockConfig pde;
  pde::Spacing input_spacing;

  DecoderConfig decoder;
};

struct StageInfo {
  int64_t channels = 0;
  std::array<int64_t, 3> stride{1, 1, 1};  // cumulative (D, H, W) stride w.r.t. the input
};

struct StagePdeStates {
  int stage = 0;
  PdeBlockStates states;
};

struct ModelOutput {
  torch::Tensor output;               // head output, see HeadKind
  torch::Tensor features;             // final feature map [N,C,d,h,w]
  std::vector<torch::Tensor> stages;  // per-stage maps, after the stage's PDE block if any
  std::vector<StagePdeStates> pde;    // one per PDE block, in stage order
  torch::Tensor dense;                // decoder output [N,out,D,H,W] (undefined without a decoder)
};

// A backbone family: a stem and a sequence of stages. Implementations live in
// convnext3d.cpp, resnet3d.cpp, vgg3d.cpp, densenet3d.cpp.
class BackboneImpl : public torch::nn::Module {
 public:
  ~BackboneImpl() override = default;
  virtual torch::Tensor forward_stem(const torch::Tensor& x) = 0;
  virtual torch::Tensor forward_stage(size_t index, const torch::Tensor& x) = 0;
  const std::vector<StageInfo>& stage_info() const { return stages_; }
  // Weight of the first layer (the one the input meets).
  virtual torch::Tensor first_layer_weight() const = 0;
  // Smallest input extent (D, H, W) the backbone accepts.
  std::array<int64_t, 3> min_input() const;

 protected:
  std::vector<StageInfo> stages_;
};

// Plans the per-layer strides: H and W always halve, D until max_depth_stride.
class StridePlanner {
 public:
  explicit StridePlanner(int64_t max_depth_stride);
  // Stride (d, h, w) of a layer reducing in-plane by `factor` (a power of 2).
  std::array<int64_t, 3> next(int64_t factor);
  const std::array<int64_t, 3>& total() const { return total_; }

 private:
  int64_t max_depth_;
  std::array<int64_t, 3> total_{1, 1, 1};
};

// Shared building blocks.
torch::nn::AnyModule make_norm(Norm norm, int64_t channels);

// LayerNorm over the channel axis of [N,C,D,H,W] (ConvNeXt's channels_first LN).
class ChannelLayerNormImpl : public torch::nn::Module {
 public:
  explicit ChannelLayerNormImpl(int64_t channels, double eps = 1e-6);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  int64_t channels_;
  double eps_;
  torch::Tensor weight_, bias_;
};
TORCH_MODULE(ChannelLayerNorm);

// Stochastic depth: drops the residual branch of a whole sample with
// probability p in training (scaled by 1/(1-p)).
torch::Tensor drop_path(const torch::Tensor& x, double p, bool training);

// Global average pool -> LayerNorm -> dropout -> linear (-> L2 normalise for
// embeddings). kNone: global average pool only.
class HeadImpl : public torch::nn::Module {
 public:
  HeadImpl(HeadKind kind, int64_t in_channels, int64_t num_outputs, double dropout);
  torch::Tensor forward(const torch::Tensor& features);
  HeadKind kind() const { return kind_; }

 private:
  HeadKind kind_;
  double dropout_;
  torch::nn::LayerNorm norm_{nullptr};
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(Head);

class DecoderImpl;

class ModelImpl : public torch::nn::Module {
 public:
  ModelImpl(std::string name, std::shared_ptr<BackboneImpl> backbone, ModelConfig config);

  ModelOutput forward(const torch::Tensor& x);

  const std::string& name() const { return name_; }
  const ModelConfig& config() const { return config_; }
  const std::vector<StageInfo>& stage_info() const { return backbone_->stage_info(); }
  std::array<int64_t, 3> min_input() const { return backbone_->min_input(); }
  torch::Tensor first_layer_weight() const { return backbone_->first_layer_weight(); }
  BackboneImpl& backbone() { return *backbone_; }
  // The PDE block after stage s, or nullptr.
  PdeBlockImpl* pde_block(int stage);
  int64_t feature_channels() const { return backbone_->stage_info().back().channels; }

 private:
  std::string name_;
  ModelConfig config_;
  std::shared_ptr<BackboneImpl> backbone_;
  std::vector<PdeBlock> pde_;  // one slot per stage (empty holder = none)
  Head head_{nullptr};
  std::shared_ptr<DecoderImpl> decoder_;
};
TORCH_MODULE(Model);

}  // namespace scopemia::nn
