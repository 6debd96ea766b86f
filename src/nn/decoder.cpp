#include "nn/decoder.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace scopemia::nn {
namespace {

torch::nn::Sequential conv_block(int64_t in, int64_t out) {
  auto gn = [](int64_t c) {
    int64_t g = std::min<int64_t>(8, c);
    while (c % g != 0) --g;
    return torch::nn::GroupNorm(g, c);
  };
  return torch::nn::Sequential(
      torch::nn::Conv3d(torch::nn::Conv3dOptions(in, out, 3).padding(1).bias(false)), gn(out), torch::nn::GELU(),
      torch::nn::Conv3d(torch::nn::Conv3dOptions(out, out, 3).padding(1).bias(false)), gn(out), torch::nn::GELU());
}

torch::Tensor resize_to(const torch::Tensor& x, const torch::Tensor& like) {
  std::vector<int64_t> size(like.sizes().begin() + 2, like.sizes().end());
  if (std::equal(size.begin(), size.end(), x.sizes().begin() + 2)) return x;
  namespace F = torch::nn::functional;
  return F::interpolate(x, F::InterpolateFuncOptions().size(size).mode(torch::kTrilinear).align_corners(false));
}

}  // namespace

DecoderImpl::DecoderImpl(std::vector<int64_t> stage_channels, int64_t in_channels, DecoderConfig config)
    : config_(std::move(config)) {
  if (stage_channels.empty()) throw InputError("decoder: no stages");
  if (config_.out_channels < 1) throw InputError("decoder: out_channels must be positive");
  const size_t S = stage_channels.size();
  const size_t levels = (S - 1) + (config_.input_skip ? 1 : 0);
  if (!config_.channels.empty() && config_.channels.size() != levels)
    throw InputError("decoder: " + std::to_string(levels) + " level widths needed, got " +
                     std::to_string(config_.channels.size()));
  int64_t c = stage_channels.back();
  for (size_t l = 0; l < levels; ++l) {
    const bool input_level = l == S - 1;
    const int64_t skip = input_level ? in_channels : stage_channels[S - 2 - l];
    // Default widths: the skip's width, capped at 32 * 2^depth (16 at the input).
    const size_t depth = input_level ? 0 : S - 1 - l;
    const int64_t width = config_.channels.empty()
                              ? (input_level ? 16 : std::min<int64_t>(skip, int64_t{32} << depth))
                              : config_.channels[l];
    levels_.push_back(register_module("level" + std::to_string(l), conv_block(c + skip, width)));
    level_channels_.push_back(width);
    c = width;
  }
  out_ = register_module("out", torch::nn::Conv3d(torch::nn::Conv3dOptions(c, config_.out_channels, 1)));
}

torch::Tensor DecoderImpl::forward(const std::vector<torch::Tensor>& stages, const torch::Tensor& input) {
  const size_t S = stages.size();
  auto x = stages.back();
  for (size_t l = 0; l < levels_.size(); ++l) {
    const auto& skip = l == S - 1 ? input : stages[S - 2 - l];
    x = levels_[l]->forward(torch::cat({resize_to(x, skip), skip}, 1));
  }
  return out_->forward(resize_to(x, input));
}

}  // namespace scopemia::nn
