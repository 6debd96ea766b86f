#pragma once
// The interface every backbone family implements, and the registry that
// builds them by name (like timm's create_model).
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "nn/pde_block.h"

namespace scopemia::nn {

// Output of a forward pass: the feature map of every stage (after its PDE
// block, if any) and the states of each PDE block.
struct BackboneOutput {
  std::vector<torch::Tensor> stages;
  std::vector<PdeBlockStates> pde_states;  // in stage order
  std::vector<int> pde_stage_index;        // stage of each entry of pde_states
  // Features at the input's resolution, before any downsampling: ConvNeXt's
  // nonlinear stem (stem_width > 0); undefined for backbones without one.
  torch::Tensor stem;
};

class BackboneImpl : public torch::nn::Module {
 public:
  virtual BackboneOutput forward(const torch::Tensor& x) = 0;
  virtual int64_t out_channels() const = 0;
  virtual std::vector<int64_t> stage_channels() const = 0;
  virtual std::vector<PdeBlock>& pde_blocks() = 0;
};

enum class KernelMode {
  kFull,       // k x k x k depthwise
  kSeparable,  // k x 1 x 1, 1 x k x 1, 1 x 1 x k depthwise in sequence
};

// Options shared by every family; a family ignores what it has no use for.
struct BackboneOptions {
  int64_t in_channels = 1;
  int64_t kernel_size = 0;  // 0: the preset's
  KernelMode kernel_mode = KernelMode::kFull;
  int64_t stem_width = 0;       // ConvNeXt: nonlinear full-resolution stem (convnext3d.h)
  std::vector<int> pde_stages;  // stages (0-based) followed by a PDE block
  PdeBlockConfig pde;           // template (channels and spacing set per stage)
};

// Ends stage `stage` of a forward pass: runs the PDE block that follows it,
// if any (`block_stage[i]` is the stage of `blocks[i]`; `next` the first
// block not run yet), and records the stage's map and the block's states.
torch::Tensor finish_stage(int stage, torch::Tensor h, std::vector<PdeBlock>& blocks,
                           const std::vector<int>& block_stage, size_t& next, BackboneOutput& out);

// Conv3d without bias (a norm follows), as ResNet, VGG and DenseNet use it.
torch::nn::Conv3d conv_no_bias(int64_t in, int64_t out, torch::ExpandingArray<3> kernel,
                               torch::ExpandingArray<3> stride, torch::ExpandingArray<3> padding);

// Builds a registered backbone, e.g. "convnext3d_small". Unknown names are an
// InputError listing the registered ones.
std::shared_ptr<BackboneImpl> create(const std::string& name, const BackboneOptions& options = {});
std::vector<std::string> registered_backbones();

}  // namespace scopemia::nn
