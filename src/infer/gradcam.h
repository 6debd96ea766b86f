#pragma once
// Grad-CAM per PDE stream (paper S2, Fig. S1): how much each location of a
// PDE block's anatomical (f_A') and textural (f_T') states drives the
// prediction. For a state A [1,C,d,h,w] and a scalar score y:
//   w_c = mean over space of dy/dA_c,   cam = ReLU(sum_c w_c A_c),
// brought to the input grid (trilinear) and scaled to a maximum of 1.
#include <functional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "core/image.h"
#include "data/preprocess.h"
#include "nn/backbone.h"

namespace scopemia::infer {

struct StreamMaps {
  std::string name;  // "pde0_anatomical", "pde0_textural", ...
  Volume map;        // on the input's grid and geometry, in [0, 1]
};

// The scalar to explain from the backbone's output (e.g. a head's logit).
using Score = std::function<torch::Tensor(const nn::BackboneOutput&)>;

// `input` [D,H,W] with its geometry; the model runs on [1,1,D,H,W].
std::vector<StreamMaps> grad_cam(nn::BackboneImpl& model, const Volume& input, const Score& score);

// How a case is prepared for Grad-CAM: the model's preprocessing (spacing,
// intensity mapping, crop around the ROI), or the defaults for a model
// without a checkpoint (`model` null). `whole_image` (no ROI given): the image
// as it is, no margin and no in-plane crop, and without a checkpoint its own
// spacing.
data::PreprocessOptions explain_preprocess(const data::PreprocessOptions* model, bool whole_image);

// Grad-CAM of one activation tensor that `score` depends on: [d,h,w] >= 0.
torch::Tensor grad_cam_map(const torch::Tensor& activation, const torch::Tensor& score);

}  // namespace scopemia::infer
