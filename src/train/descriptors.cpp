#include "train/descriptors.h"

#include <torch/torch.h>

#include "nn/morphology.h"

namespace scopemia::train {
namespace {

namespace F = torch::nn::functional;

// Per-sample weighted mean and sd over [N,1,D,H,W].
std::pair<torch::Tensor, torch::Tensor> weighted_moments(const torch::Tensor& x, const torch::Tensor& w) {
  const auto mass = w.sum({1, 2, 3, 4}).clamp_min(1e-6);
  const auto mean = (x * w).sum({1, 2, 3, 4}) / mass;
  const auto var = (x.square() * w).sum({1, 2, 3, 4}) / mass - mean.square();
  return {mean, var.clamp_min(0).sqrt()};
}

}  // namespace

const std::vector<std::string>& descriptor_names() {
  static const std::vector<std::string> names{
      "roi_mean", "roi_sd", "roi_p10", "roi_p25", "roi_p50", "roi_p75", "roi_p90",
      "roi_gradient_mean", "roi_gradient_sd", "roi_laplacian_abs_mean", "shell_gradient_mean",
      "ring_mean", "ring_sd", "contrast", "log_roi_voxels", "boundary_fraction"};
  return names;
}

DescriptorTargets input_descriptors(const torch::Tensor& image, const torch::Tensor& roi, const torch::Tensor& valid,
                                    const data::PreprocessOptions& preprocess) {
  torch::NoGradGuard no_grad;
  auto x = image.to(torch::kFloat32);
  if (preprocess.intensity == data::IntensityMode::kWindow)
    x = (x * (preprocess.window_high - preprocess.window_low) + preprocess.window_low) / 1000.0;
  const auto v = valid.expand_as(x).to(x.dtype());
  const auto inside = (roi > 0.5).to(x.dtype()) * v;
  const auto ring = (nn::dilate_in_plane(inside, 2) - inside).clamp_min(0) * v;
  const auto shell = (nn::dilate_in_plane(inside, 1) - nn::erode_in_plane(inside, 1)).clamp_min(0) * v;
  const auto boundary = (inside - nn::erode_in_plane(inside, 1)).clamp_min(0);

  // In-plane central differences and 4-neighbour Laplacian (replicated edges).
  const auto padded = F::pad(x, F::PadFuncOptions({1, 1, 1, 1, 0, 0}).mode(torch::kReplicate));
  const int64_t H = x.size(3), W = x.size(4);
  const auto up = padded.narrow(3, 0, H).narrow(4, 1, W), down = padded.narrow(3, 2, H).narrow(4, 1, W);
  const auto left = padded.narrow(3, 1, H).narrow(4, 0, W), right = padded.narrow(3, 1, H).narrow(4, 2, W);
  const auto gradient = (((down - up) / 2).square() + ((right - left) / 2).square()).sqrt();
  const auto laplacian_abs = (up + down + left + right - 4 * x).abs();

  const int64_t N = x.size(0);
  const auto [roi_mean, roi_sd] = weighted_moments(x, inside);
  const auto [grad_mean, grad_sd] = weighted_moments(gradient, inside);
  const auto [lap_mean, lap_sd] = weighted_moments(laplacian_abs, inside);
  const auto [shell_grad, shell_grad_sd] = weighted_moments(gradient, shell);
  const auto [ring_mean, ring_sd] = weighted_moments(x, ring);
  const auto count = inside.sum({1, 2, 3, 4});
  const auto quantile_levels = torch::tensor({0.1, 0.25, 0.5, 0.75, 0.9}, x.options());
  auto quantiles = torch::zeros({N, 5}, x.options());
  for (int64_t n = 0; n < N; ++n) {
    const auto values = x[n].masked_select(inside[n] > 0.5);
    if (values.numel() > 0) quantiles[n] = torch::quantile(values, quantile_levels);
  }
  const auto columns = torch::stack({roi_mean, roi_sd}, 1);
  const auto rest = torch::stack({grad_mean, grad_sd, lap_mean, shell_grad, ring_mean, ring_sd, roi_mean - ring_mean,
                                  torch::log1p(count), boundary.sum({1, 2, 3, 4}) / count.clamp_min(1)},
                                 1);
  DescriptorTargets t;
  t.values = torch::cat({columns, quantiles, rest}, 1);
  t.weight = (count >= 8).to(x.dtype());
  return t;
}

}  // namespace scopemia::train
