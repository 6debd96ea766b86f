#include "nn/roi_pooling.h"

#include <algorithm>

#include "core/error.h"
#include "nn/morphology.h"

namespace scopemia::nn {
namespace {

bool parse_index(const std::string& text, const std::string& prefix, int& index) {
  if (text.rfind(prefix, 0) != 0 || text.size() == prefix.size()) return false;
  try {
    size_t used = 0;
    index = std::stoi(text.substr(prefix.size()), &used);
    return used == text.size() - prefix.size();
  } catch (const std::exception&) {
    return false;
  }
}

bool known_region(const std::string& r) { return r == "roi" || r == "shell" || r == "global"; }

}  // namespace

void validate(const PoolingSpec& spec, const std::string& source) {
  if (spec.taps.empty()) throw InputError(source, "embedding.taps: at least one tap (stage<i>, pde<b> or stem)");
  if (spec.regions.empty()) throw InputError(source, "embedding.regions: at least one of roi, shell, global");
  for (const auto& t : spec.taps) {
    int i = 0;
    if (t != "stem" && !parse_index(t, "stage", i) && !parse_index(t, "pde", i))
      throw InputError(source, "embedding.taps: '" + t + "' is not stage<i>, pde<b> or stem");
  }
  for (const auto& r : spec.regions)
    if (!known_region(r)) throw InputError(source, "embedding.regions: '" + r + "' is not roi, shell or global");
  if (spec.shell_voxels < 1) throw InputError(source, "embedding.shell_voxels must be at least 1");
}

RoiPooling::RoiPooling(PoolingSpec spec, BackboneImpl& backbone, const torch::Tensor& probe_input)
    : spec_(std::move(spec)) {
  validate(spec_, "embedding");
  torch::NoGradGuard no_grad;
  const BackboneOutput probe = backbone.forward(probe_input);
  const int stages = int(probe.stages.size()), blocks = int(probe.pde_states.size());
  for (const auto& t : spec_.taps) {
    Tap tap;
    tap.name = t;
    if (t == "stem") {
      tap.kind = Tap::Kind::kStem;
      if (!probe.stem.defined())
        throw InputError("embedding tap stem: the backbone has no full-resolution stem (model.stem_width, ConvNeXt)");
    } else if (parse_index(t, "stage", tap.index)) {
      if (tap.index < 0) tap.index += stages;
      if (tap.index < 0 || tap.index >= stages)
        throw InputError("embedding tap " + t + ": the backbone has " + std::to_string(stages) + " stages");
    } else {
      parse_index(t, "pde", tap.index);
      tap.kind = Tap::Kind::kPde;
      if (tap.index < 0) tap.index += blocks;
      if (tap.index < 0 || tap.index >= blocks)
        throw InputError("embedding tap " + t + ": the backbone has " + std::to_string(blocks) +
                         " PDE block(s) (model.pde_stages)");
      tap.name = "pde" + std::to_string(tap.index);
    }
    taps_.push_back(tap);
  }
  for (const auto& tap : taps_) {
    for (const auto& [stream, map] : streams_of(tap, probe))
      for (const auto& region : spec_.regions)
        for (const char* stat : {"mean", "sd"})
          for (int64_t c = 0; c < map.size(1); ++c)
            names_.push_back("scope_" + tap.name + stream + "_" + region + "_" + stat + "_" + std::to_string(c));
  }
}

std::vector<std::pair<std::string, torch::Tensor>> RoiPooling::streams_of(const Tap& tap, const BackboneOutput& out) {
  switch (tap.kind) {
    case Tap::Kind::kPde:
      return {{"A", out.pde_states.at(tap.index).f_A_new}, {"T", out.pde_states.at(tap.index).f_T_new}};
    case Tap::Kind::kStem:
      return {{"", out.stem}};
    case Tap::Kind::kStage:
      break;
  }
  return {{"", out.stages.at(tap.index)}};
}

std::vector<torch::Tensor> region_maps(const PoolingSpec& spec, const torch::Tensor& roi, const torch::Tensor& valid) {
  const auto v = valid.expand_as(roi).to(roi.dtype());
  const auto inside = (roi > 0.5).to(roi.dtype()) * v;
  std::vector<torch::Tensor> maps;
  for (const auto& r : spec.regions) {
    if (r == "roi") {
      maps.push_back(inside);
    } else if (r == "shell") {
      const auto dilated = dilate_in_plane(inside, spec.shell_voxels);
      const auto eroded = erode_in_plane(inside, spec.shell_voxels);
      maps.push_back((dilated - eroded).clamp_min(0) * v);
    } else {
      maps.push_back(v);
    }
  }
  return maps;
}

std::vector<PooledMoments> RoiPooling::moments(const BackboneOutput& out, const torch::Tensor& roi,
                                               const torch::Tensor& valid) const {
  const auto maps = region_maps(spec_, roi, valid);
  std::vector<PooledMoments> result;
  for (const auto& tap : taps_) {
    const auto streams = streams_of(tap, out);
    const auto& first = streams.front().second;
    const auto grid = first.sizes().slice(2);
    std::vector<torch::Tensor> weights;
    // Averaged onto the tap's grid: a cell weighs by the fraction of it inside.
    for (const auto& m : maps) weights.push_back(torch::adaptive_avg_pool3d(m, grid).to(first.dtype()));
    for (const auto& [stream, f] : streams)
      for (const auto& w : weights)
        result.push_back({w.sum({1, 2, 3, 4}), (f * w).sum({2, 3, 4}), (f.square() * w).sum({2, 3, 4})});
  }
  return result;
}

torch::Tensor RoiPooling::statistics(const std::vector<PooledMoments>& moments) {
  std::vector<torch::Tensor> columns;
  for (const auto& m : moments) {
    const auto mass = m.mass.unsqueeze(1);
    const auto present = (mass > 0).to(m.sum.dtype());
    const auto safe = mass.clamp_min(1e-12);
    const auto mean = m.sum / safe * present;
    // The floor keeps the gradient of sqrt finite where a channel is constant.
    const auto sd = ((m.sum_sq / safe - mean.square()).clamp_min(0) + 1e-12).sqrt() * present;
    columns.push_back(mean);
    columns.push_back(sd);
  }
  return torch::cat(columns, 1);
}

}  // namespace scopemia::nn
