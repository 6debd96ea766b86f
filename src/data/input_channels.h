#pragma once
// The network's input channels, built from the prepared image (data/
// preprocess.h) and its ROI in one place, so training, pretraining and
// embedding feed the backbone the same tensor:
//   channel 0         the prepared image (the MAE reconstructs this one);
//   one per window    a narrower CT window re-derived from channel 0, e.g.
//                     the lung window [-1000, 400] HU, which spreads lung
//                     and ground-glass attenuation over [0, 1] where the
//                     wide training window squeezes it into a fifth;
//   roi (optional)    the lesion mask, so the network knows which voxels are
//                     the lesion and where its margin lies.
// Extra windows need the window intensity mode (HU in, [0, 1] out): a
// narrower window of the wide one is exact, as the wide one is linear.
#include <array>
#include <string>
#include <vector>

#include <torch/types.h>

#include "data/preprocess.h"

namespace scopemia::data {

struct InputChannelOptions {
  std::vector<std::array<double, 2>> windows;  // extra CT windows, HU (low, high)
  bool roi = false;                            // the ROI mask as the last channel

  int64_t count() const { return 1 + int64_t(windows.size()) + (roi ? 1 : 0); }
};

// InputError naming `source` when the options do not fit the preprocessing.
void validate(const InputChannelOptions& channels, const PreprocessOptions& preprocess, const std::string& source);

// `image` [N,1,D,H,W] prepared intensities, `roi` [N,1,D,H,W] 0/1 (needed
// only with channels.roi) -> [N, channels.count(), D, H, W].
torch::Tensor build_input(const torch::Tensor& image, const torch::Tensor& roi, const InputChannelOptions& channels,
                          const PreprocessOptions& preprocess);

}  // namespace scopemia::data
