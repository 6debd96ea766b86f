#include "nn/registry.h"

#include <functional>
#include <map>

#include "core/error.h"
#include "nn/backbones.h"

namespace scopemia::nn {
namespace {

using Factory = std::function<std::shared_ptr<BackboneImpl>(const ModelConfig&)>;

struct Entry {
  std::string name, family;
  Factory factory;
};

const std::vector<Entry>& entries() {
  static const std::vector<Entry> list = [] {
    std::vector<Entry> e;
    auto convnext = [&](const std::string& size, std::vector<int64_t> depths, std::vector<int64_t> dims) {
      ConvNeXtSpec spec{std::move(depths), std::move(dims)};
      e.push_back({"convnext3d_" + size, "convnext3d", [spec](const ModelConfig& c) { return make_convnext3d(spec, c); }});
    };
    // Sizes of Liu et al. 2022 (nano: timm's convnext_nano).
    convnext("nano", {2, 2, 8, 2}, {80, 160, 320, 640});
    convnext("small", {3, 3, 27, 3}, {96, 192, 384, 768});
    convnext("base", {3, 3, 27, 3}, {128, 256, 512, 1024});
    convnext("large", {3, 3, 27, 3}, {192, 384, 768, 1536});
    auto resnet = [&](const std::string& depth, std::vector<int64_t> blocks, bool bottleneck) {
      ResNetSpec spec{std::move(blocks), bottleneck};
      e.push_back({"resnet3d_" + depth, "resnet3d", [spec](const ModelConfig& c) { return make_resnet3d(spec, c); }});
    };
    resnet("18", {2, 2, 2, 2}, false);
    resnet("34", {3, 4, 6, 3}, false);
    resnet("50", {3, 4, 6, 3}, true);
    resnet("152", {3, 8, 36, 3}, true);
    // VGG configurations A, B, D, E of Simonyan & Zisserman 2015.
    auto vgg = [&](const std::string& depth, std::vector<int64_t> convs_per_stage) {
      VggSpec spec;
      const int64_t widths[5] = {64, 128, 256, 512, 512};
      for (size_t i = 0; i < 5; ++i) spec.stages.emplace_back(convs_per_stage[i], widths[i]);
      e.push_back({"vgg3d_" + depth, "vgg3d", [spec](const ModelConfig& c) { return make_vgg3d(spec, c); }});
    };
    vgg("11", {1, 1, 2, 2, 2});
    vgg("13", {2, 2, 2, 2, 2});
    vgg("16", {2, 2, 3, 3, 3});
    vgg("19", {2, 2, 4, 4, 4});
    // Huang et al. 2017.
    auto densenet = [&](const std::string& depth, int64_t growth, std::vector<int64_t> blocks, int64_t init) {
      DenseNetSpec spec{growth, std::move(blocks), init, 4};
      e.push_back({"densenet3d_" + depth, "densenet3d", [spec](const ModelConfig& c) { return make_densenet3d(spec, c); }});
    };
    densenet("121", 32, {6, 12, 24, 16}, 64);
    densenet("161", 48, {6, 12, 36, 24}, 96);
    densenet("169", 32, {6, 12, 32, 32}, 64);
    densenet("201", 32, {6, 12, 48, 32}, 64);
    return e;
  }();
  return list;
}

const Entry& find(const std::string& name) {
  for (const auto& e : entries())
    if (e.name == name) return e;
  std::string known;
  for (const auto& e : entries()) known += (known.empty() ? "" : ", ") + e.name;
  throw InputError("unknown model '" + name + "' (known: " + known + ")");
}

}  // namespace

std::vector<std::string> list_models() {
  std::vector<std::string> names;
  for (const auto& e : entries()) names.push_back(e.name);
  return names;
}

std::string model_family(const std::string& name) { return find(name).family; }

Model create(const std::string& name, const ModelConfig& cfg) {
  if (cfg.in_channels < 1) throw InputError("in_channels must be positive");
  return Model(name, find(name).factory(cfg), cfg);
}

int64_t count_parameters(torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

}  // namespace scopemia::nn
