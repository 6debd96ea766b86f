#include "infer/gradcam.h"

#include <torch/torch.h>

#include "core/tensor_bridge.h"

namespace scopemia::infer {

torch::Tensor grad_cam_map(const torch::Tensor& activation, const torch::Tensor& score) {
  const auto grad = torch::autograd::grad({score}, {activation}, {}, /*retain_graph=*/true, false, /*allow_unused=*/true)[0];
  if (!grad.defined()) return torch::zeros(activation.sizes().slice(2), activation.options());
  const auto weights = grad.mean({2, 3, 4}, /*keepdim=*/true);  // [1,C,1,1,1]
  return torch::relu((weights * activation).sum(1))[0].detach();  // [d,h,w]
}

std::vector<StreamMaps> grad_cam(nn::BackboneImpl& model, const Volume& input, const Score& score) {
  torch::AutoGradMode grad_mode(true);
  // The input takes part in the graph too, so parameter-free models explain as well.
  const auto x = as_tensor(input).clone().unsqueeze(0).unsqueeze(0).requires_grad_(true);
  const nn::BackboneOutput out = model.forward(x);
  const torch::Tensor y = score(out);
  std::vector<StreamMaps> maps;
  for (size_t b = 0; b < out.pde_states.size(); ++b) {
    const auto& st = out.pde_states[b];
    for (const auto& [stream, activation] : {std::make_pair("anatomical", st.f_A_new), std::make_pair("textural", st.f_T_new)}) {
      auto cam = grad_cam_map(activation, y).unsqueeze(0).unsqueeze(0);
      cam = torch::nn::functional::interpolate(
          cam, torch::nn::functional::InterpolateFuncOptions()
                   .size(std::vector<int64_t>{input.depth(), input.height(), input.width()})
                   .mode(torch::kTrilinear)
                   .align_corners(false))[0][0];
      const double peak = cam.max().item<double>();
      if (peak > 0) cam = cam / peak;
      maps.push_back({"pde" + std::to_string(b) + "_" + stream, volume_from_tensor(cam, input.geometry())});
    }
  }
  return maps;
}

data::PreprocessOptions explain_preprocess(const data::PreprocessOptions* model, bool whole_image) {
  data::PreprocessOptions pre = model ? *model : data::PreprocessOptions{};
  if (whole_image) {
    pre.margin_mm = 0;
    pre.height = pre.width = 0;
    if (!model) pre.spacing = {0, 0, 0};
  }
  return pre;
}

}  // namespace scopemia::infer
