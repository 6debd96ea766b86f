#pragma once
// The four backbone families (docs/networks.md). Each factory builds the
// stem and stages of one size; nn::create (registry.h) wraps them in a Model
// with PDE blocks, head and decoder.
#include <memory>
#include <vector>

#include "nn/model.h"

namespace scopemia::nn {

// ConvNeXt-3D: patchify stem (4x4x4 / stride 4), stages of ConvNeXt blocks
// (depthwise conv -> LayerNorm -> 1x1 4x expansion -> GELU -> 1x1 -> layer
// scale -> residual), LayerNorm + 2x2x2 / stride 2 downsampling between stages.
struct ConvNeXtSpec {
  std::vector<int64_t> depths, dims;
};
std::shared_ptr<BackboneImpl> make_convnext3d(const ConvNeXtSpec& spec, const ModelConfig& cfg);

// ResNet-3D: 7x7x7 / stride 2 stem conv + 3x3x3 / stride 2 max pool, four
// stages of basic (18, 34) or bottleneck (50, 152) blocks, widths 64..512 (x4).
struct ResNetSpec {
  std::vector<int64_t> blocks;
  bool bottleneck = false;
};
std::shared_ptr<BackboneImpl> make_resnet3d(const ResNetSpec& spec, const ModelConfig& cfg);

// VGG-3D: five stages of 3x3x3 convs (+ norm + ReLU), each ending in a 2x2x2
// max pool; the fully connected classifier is replaced by the common head.
struct VggSpec {
  std::vector<std::vector<int64_t>> stages;  // output widths of the convs of each stage
};
std::shared_ptr<BackboneImpl> make_vgg3d(const VggSpec& spec, const ModelConfig& cfg);

// DenseNet-3D: 7x7x7 / stride 2 stem + max pool, four dense blocks (norm-ReLU-
// 1x1 conv to bn_size*growth, norm-ReLU-3x3x3 conv to growth, concatenated),
// transitions (norm-ReLU-1x1 conv halving C, 2x2x2 average pool).
struct DenseNetSpec {
  int64_t growth = 32;
  std::vector<int64_t> blocks;
  int64_t init_features = 64;
  int64_t bn_size = 4;
};
std::shared_ptr<BackboneImpl> make_densenet3d(const DenseNetSpec& spec, const ModelConfig& cfg);

}  // namespace scopemia::nn
