#include <functional>
#include <map>

#include "core/error.h"
#include "nn/backbone.h"
#include "nn/convnext3d.h"
#include "nn/resnet3d.h"
#include "nn/vgg_densenet3d.h"

namespace scopemia::nn {
namespace {

using Factory = std::function<std::shared_ptr<BackboneImpl>(const BackboneOptions&)>;

Factory convnext(const std::string& size) {
  return [size](const BackboneOptions& o) {
    auto c = convnext3d_preset(size);
    c.in_channels = o.in_channels;
    if (o.kernel_size > 0) c.kernel_size = o.kernel_size;
    c.kernel_mode = o.kernel_mode;
    c.stem_width = o.stem_width;
    c.pde_stages = o.pde_stages;
    c.pde = o.pde;
    return std::static_pointer_cast<BackboneImpl>(std::make_shared<ConvNeXt3DImpl>(c));
  };
}

Factory resnet(int depth) {
  return [depth](const BackboneOptions& o) {
    auto c = resnet3d_preset(depth);
    c.in_channels = o.in_channels;
    c.pde_stages = o.pde_stages;
    c.pde = o.pde;
    return std::static_pointer_cast<BackboneImpl>(std::make_shared<ResNet3DImpl>(c));
  };
}

Factory vgg(int depth) {
  return [depth](const BackboneOptions& o) {
    auto c = vgg3d_preset(depth);
    c.in_channels = o.in_channels;
    c.pde_stages = o.pde_stages;
    c.pde = o.pde;
    return std::static_pointer_cast<BackboneImpl>(std::make_shared<VGG3DImpl>(c));
  };
}

Factory densenet(int depth) {
  return [depth](const BackboneOptions& o) {
    auto c = densenet3d_preset(depth);
    c.in_channels = o.in_channels;
    c.pde_stages = o.pde_stages;
    c.pde = o.pde;
    return std::static_pointer_cast<BackboneImpl>(std::make_shared<DenseNet3DImpl>(c));
  };
}

const std::map<std::string, Factory>& registry() {
  static const std::map<std::string, Factory> r = {
      {"convnext3d_nano", convnext("nano")},
      {"convnext3d_small", convnext("small")},
      {"convnext3d_base", convnext("base")},
      {"convnext3d_large", convnext("large")},
      {"resnet3d_18", resnet(18)},
      {"resnet3d_34", resnet(34)},
      {"resnet3d_50", resnet(50)},
      {"resnet3d_101", resnet(101)},
      {"resnet3d_152", resnet(152)},
      {"vgg3d_11", vgg(11)},
      {"vgg3d_13", vgg(13)},
      {"vgg3d_16", vgg(16)},
      {"vgg3d_19", vgg(19)},
      {"densenet3d_121", densenet(121)},
      {"densenet3d_161", densenet(161)},
      {"densenet3d_169", densenet(169)},
      {"densenet3d_201", densenet(201)},
  };
  return r;
}

}  // namespace

std::shared_ptr<BackboneImpl> create(const std::string& name, const BackboneOptions& options) {
  const auto& r = registry();
  const auto it = r.find(name);
  if (it == r.end()) {
    std::string known;
    for (const auto& [k, v] : r) known += (known.empty() ? "" : ", ") + k;
    throw InputError("unknown model '" + name + "' (registered: " + known + ")");
  }
  return it->second(options);
}

std::vector<std::string> registered_backbones() {
  std::vector<std::string> names;
  for (const auto& [k, v] : registry()) names.push_back(k);
  return names;
}

torch::Tensor finish_stage(int stage, torch::Tensor h, std::vector<PdeBlock>& blocks,
                           const std::vector<int>& block_stage, size_t& next, BackboneOutput& out) {
  if (next < blocks.size() && block_stage[next] == stage) {
    auto r = blocks[next]->forward(h);
    h = r.output;
    out.pde_states.push_back(std::move(r.states));
    out.pde_stage_index.push_back(stage);
    ++next;
  }
  out.stages.push_back(h);
  return h;
}

torch::nn::Conv3d conv_no_bias(int64_t in, int64_t out, torch::ExpandingArray<3> kernel,
                               torch::ExpandingArray<3> stride, torch::ExpandingArray<3> padding) {
  return torch::nn::Conv3d(torch::nn::Conv3dOptions(in, out, kernel).stride(stride).padding(padding).bias(false));
}

}  // namespace scopemia::nn
