#include "data/input_channels.h"

#include <torch/torch.h>

#include "core/error.h"

namespace scopemia::data {

void validate(const InputChannelOptions& channels, const PreprocessOptions& preprocess, const std::string& source) {
  if (channels.windows.empty()) return;
  if (preprocess.intensity != IntensityMode::kWindow)
    throw InputError(source, "model.input.windows: extra CT windows need data.preprocess.intensity: window");
  for (const auto& w : channels.windows)
    if (!(w[1] > w[0])) throw InputError(source, "model.input.windows: each window is [low, high] with high > low");
}

torch::Tensor build_input(const torch::Tensor& image, const torch::Tensor& roi, const InputChannelOptions& channels,
                          const PreprocessOptions& preprocess) {
  if (channels.count() == 1) return image;
  std::vector<torch::Tensor> parts{image};
  if (!channels.windows.empty()) {
    const double low = preprocess.window_low, span = preprocess.window_high - preprocess.window_low;
    const auto hu = image * span + low;
    for (const auto& w : channels.windows) parts.push_back(((hu - w[0]) / (w[1] - w[0])).clamp(0.0, 1.0));
  }
  if (channels.roi) {
    if (!roi.defined()) throw InputError("model.input.roi: this input comes without an ROI mask");
    parts.push_back((roi > 0.5).to(image.dtype()));
  }
  return torch::cat(parts, 1);
}

}  // namespace scopemia::data
