#include "train/descriptors.h"

#include <cmath>

#include <torch/torch.h>

#include "core/image.h"
#include "nn/morphology.h"
#include "radiomics/extractor.h"
#include "radiomics/params.h"

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

// PyRadiomics's defaults without the diagnostics (text nobody reads here).
const radiomics::Extractor& radiomics_extractor() {
  static const radiomics::Extractor extractor = [] {
    radiomics::Params params = radiomics::default_params();
    params.settings.additionalInfo = false;
    return radiomics::Extractor(params);
  }();
  return extractor;
}

// The features of one lesion (the defaults enable the Original image only:
// every name is original_*): HU values on the window's grid.
radiomics::FeatureValues lesion_radiomics(const Image<double>& hu, const LabelMap& mask) {
  return radiomics_extractor().execute(hu, PixelType::Float32, mask).features;
}

// The names, from one extraction on a fixed 6x6x6 pattern with a 4x4x4 lesion:
// the extractor's own order, whatever classes its defaults enable.
std::vector<std::string> radiomics_names() {
  Image<double> image(Size3{6, 6, 6}, Geometry{});
  LabelMap mask(Size3{6, 6, 6}, Geometry{});
  for (int64_t z = 0; z < 6; ++z)
    for (int64_t y = 0; y < 6; ++y)
      for (int64_t x = 0; x < 6; ++x) {
        const int64_t i = (z * 6 + y) * 6 + x;
        image[i] = double((x * 7 + y * 13 + z * 29) % 11) * 20.0;
        mask[i] = (x >= 1 && x < 5 && y >= 1 && y < 5 && z >= 1 && z < 5) ? 1 : 0;
      }
  std::vector<std::string> names;
  for (const auto& [name, value] : lesion_radiomics(image, mask)) names.push_back(name);
  return names;
}

DescriptorTargets radiomics_descriptors(const torch::Tensor& image, const torch::Tensor& roi,
                                        const torch::Tensor& valid, const data::PreprocessOptions& preprocess) {
  const int64_t N = image.size(0), D = image.size(2), H = image.size(3), W = image.size(4);
  const auto x = image.to(torch::kFloat64).contiguous();
  const auto inside = ((roi > 0.5) & (valid.expand_as(roi) > 0.5)).to(torch::kUInt8).contiguous();
  Geometry geometry;
  for (int a = 0; a < 3; ++a) geometry.spacing[a] = preprocess.spacing[a] > 0 ? preprocess.spacing[a] : 1.0;
  const size_t F = descriptor_names(DescriptorSet::kRadiomics).size();
  auto values = torch::zeros({N, int64_t(F)}, torch::kFloat32);
  auto weight = torch::zeros({N}, torch::kFloat32);
  auto value_at = values.accessor<float, 2>();
  auto weight_at = weight.accessor<float, 1>();
  const double scale = preprocess.window_high - preprocess.window_low;
  for (int64_t n = 0; n < N; ++n) {
    Image<double> hu(Size3{W, H, D}, geometry);
    LabelMap mask(Size3{W, H, D}, geometry);
    const double* xs = x[n].data_ptr<double>();
    const uint8_t* ms = inside[n].data_ptr<uint8_t>();
    int64_t voxels = 0;
    for (int64_t i = 0; i < hu.voxel_count(); ++i) {
      hu[i] = xs[i] * scale + preprocess.window_low;
      mask[i] = ms[i];
      voxels += ms[i];
    }
    if (voxels < 8) continue;
    radiomics::FeatureValues features;
    try {
      features = lesion_radiomics(hu, mask);
    } catch (const std::exception&) {
      continue;  // a lesion the extractor refuses (e.g. one slice thick with 3D shape): no target
    }
    if (features.size() != F) continue;
    bool finite = true;
    for (size_t f = 0; f < F; ++f) finite = finite && std::isfinite(features[f].second);
    if (!finite) continue;
    for (size_t f = 0; f < F; ++f) {
      const double v = features[f].second;
      value_at[n][int64_t(f)] = float(std::copysign(std::log1p(std::abs(v)), v));
    }
    weight_at[n] = 1.0f;
  }
  return {values, weight};
}

}  // namespace

const std::vector<std::string>& descriptor_names(DescriptorSet set) {
  if (set == DescriptorSet::kRadiomics) {
    static const std::vector<std::string> names = radiomics_names();
    return names;
  }
  static const std::vector<std::string> names{
      "roi_mean", "roi_sd", "roi_p10", "roi_p25", "roi_p50", "roi_p75", "roi_p90",
      "roi_gradient_mean", "roi_gradient_sd", "roi_laplacian_abs_mean", "shell_gradient_mean",
      "ring_mean", "ring_sd", "contrast", "log_roi_voxels", "boundary_fraction"};
  return names;
}

DescriptorTargets input_descriptors(const torch::Tensor& image, const torch::Tensor& roi, const torch::Tensor& valid,
                                    const data::PreprocessOptions& preprocess, DescriptorSet set) {
  torch::NoGradGuard no_grad;
  if (set == DescriptorSet::kRadiomics) return radiomics_descriptors(image, roi, valid, preprocess);
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
