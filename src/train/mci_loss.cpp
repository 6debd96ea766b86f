#include "train/mci_loss.h"

#include <algorithm>
#include <stdexcept>

#include <torch/torch.h>

#include "core/tensor_bridge.h"

namespace scopemia::train {

torch::Tensor curvature_targets(const torch::Tensor& images, const pde::Spacing& spacing,
                                const imaging::MeanCurvatureOptions& options, double clip) {
  if (images.dim() != 5 || images.size(1) != 1) throw std::invalid_argument("curvature_targets: expected [N,1,D,H,W]");
  torch::NoGradGuard no_grad;
  Geometry geometry;
  geometry.spacing = Vec3{spacing.x, spacing.y, spacing.z};
  const auto cpu = images.detach().to(torch::kCPU, torch::kFloat32);
  std::vector<torch::Tensor> maps;
  for (int64_t i = 0; i < cpu.size(0); ++i) {
    const auto volume = volume_from_tensor(cpu[i][0], geometry);
    maps.push_back(as_tensor(imaging::mean_curvature(volume, options)).clone());
  }
  auto k = torch::stack(maps, 0).unsqueeze(1);
  if (clip > 0) k = k.clamp(-clip, clip);
  return k.to(images.device(), images.scalar_type());
}

torch::Tensor ridge_weight(const torch::Tensor& target, double ridge_max) {
  if (target.dim() != 5) throw std::invalid_argument("ridge_weight: expected [N,1,D,H,W]");
  if (!(ridge_max >= 1.0)) throw std::invalid_argument("ridge_weight: ridge_max must be >= 1");
  torch::NoGradGuard no_grad;
  const auto magnitude = target.detach().abs();
  const auto mean = magnitude.flatten(1).mean(1).view({-1, 1, 1, 1, 1});
  // Where the map is flat (mean |k| = 0) every voxel weighs 1.
  const auto relative = torch::where(mean > 0, magnitude / mean.clamp_min(1e-30), torch::zeros_like(magnitude));
  return (1 + relative).clamp_max(ridge_max);
}

MciLossTerms mci_reconstruction_loss(const torch::Tensor& prediction, const torch::Tensor& target,
                                     const MciLossWeights& w) {
  if (prediction.dim() != 5 || prediction.sizes() != target.sizes())
    throw std::invalid_argument("mci_reconstruction_loss: expected two [N,1,D,H,W] tensors of the same shape");
  const auto k = target.detach();
  const auto diff = prediction - k;
  MciLossTerms t;
  t.ridge_l1 = (ridge_weight(k, w.ridge_max) * diff.abs()).mean();
  const auto g = pde::gradient(diff, w.spacing);  // grad k^ - grad k (linear)
  t.gradient_l1 = (g[0].abs() + g[1].abs() + g[2].abs()).mean();
  auto options = w.ms_ssim_options;
  if (!(options.ssim.data_range > 0)) {
    const double range = (k.max() - k.min()).item<double>();
    options.ssim.data_range = std::max(range, 1e-6);
  }
  t.ms_ssim_loss = 1 - ms_ssim3d(prediction, k, options);
  t.total = w.ridge_l1 * t.ridge_l1 + w.gradient_l1 * t.gradient_l1 + w.ms_ssim * t.ms_ssim_loss;
  return t;
}

}  // namespace scopemia::train
