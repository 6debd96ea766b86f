#include "nn/decoder.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace scopemia::nn {
namespace {

namespace F = torch::nn::functional;

int64_t groups_for(int64_t c) {
  for (int64_t g : {8, 4, 2}) {
    if (c % g == 0) return g;
  }
  return 1;
}

torch::nn::Sequential conv_block(int64_t in, int64_t out) {
  return torch::nn::Sequential(
      torch::nn::Conv3d(torch::nn::Conv3dOptions(in, out, 3).padding(1).bias(false)),
      torch::nn::GroupNorm(groups_for(out), out), torch::nn::GELU(),
      torch::nn::Conv3d(torch::nn::Conv3dOptions(out, out, 3).padding(1).bias(false)),
      torch::nn::GroupNorm(groups_for(out), out), torch::nn::GELU());
}

torch::Tensor resize_to(const torch::Tensor& x, const std::vector<int64_t>& size) {
  if (x.size(2) == size[0] && x.size(3) == size[1] && x.size(4) == size[2]) return x;
  return F::interpolate(x, F::InterpolateFuncOptions()
                               .size(size)
                               .mode(torch::kTrilinear)
                               .align_corners(false));
}

}  // namespace

UNetDecoderImpl::UNetDecoderImpl(DecoderConfig config) : config_(std::move(config)) {
  const auto& ch = config_.stage_channels;
  if (ch.size() < 2) throw InputError("decoder needs at least 2 stages");
  auto width = [&](size_t i) { return config_.width > 0 ? config_.width : ch[i]; };
  // Level i (from ch.size()-2 down to 0) fuses the upsampled deeper level and
  // skip i.
  int64_t below = ch.back();
  for (int i = static_cast<int>(ch.size()) - 2; i >= 0; --i) {
    fuse_.push_back(register_module("up" + std::to_string(i), conv_block(below + ch[i], width(i))));
    below = width(i);
  }
  head_ = register_module("head", torch::nn::Conv3d(torch::nn::Conv3dOptions(below, config_.out_channels, 1)));
}

torch::Tensor UNetDecoderImpl::forward(const std::vector<torch::Tensor>& stages,
                                       const std::vector<int64_t>& output_size) {
  if (stages.size() != config_.stage_channels.size()) {
    throw InputError("decoder: expected " + std::to_string(config_.stage_channels.size()) +
                     " stage maps, got " + std::to_string(stages.size()));
  }
  if (output_size.size() != 3) throw InputError("decoder: output size must be (D, H, W)");
  torch::Tensor h = stages.back();
  size_t level = 0;
  for (int i = static_cast<int>(stages.size()) - 2; i >= 0; --i, ++level) {
    const auto& skip = stages[i];
    h = resize_to(h, {skip.size(2), skip.size(3), skip.size(4)});
    h = fuse_[level]->forward(torch::cat({h, skip}, 1));
  }
  // The 1x1x1 head before the last upsampling: both are linear and the
  // interpolation weights sum to 1, so this is upsample-then-head up to
  // rounding, and it upsamples out_channels maps instead of the level's
  // width (a third of a LIDC pretraining step went to the other order:
  // docs/performance.md).
  return resize_to(head_(h), output_size);
}

}  // namespace scopemia::nn
