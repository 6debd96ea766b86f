#pragma once
// Backbones by name, like timm: nn::create("convnext3d_small", cfg).
//   convnext3d_{nano,small,base,large}, resnet3d_{18,34,50,152},
//   vgg3d_{11,13,16,19}, densenet3d_{121,161,169,201}
#include <string>
#include <vector>

#include "nn/model.h"

namespace scopemia::nn {

// Every registered name, grouped by family in the order above.
std::vector<std::string> list_models();

// The family of a registered name ("convnext3d", "resnet3d", "vgg3d", "densenet3d").
std::string model_family(const std::string& name);

// Builds the named model with cfg (throws InputError for an unknown name,
// listing the known ones).
Model create(const std::string& name, const ModelConfig& cfg = {});

// Number of scalar parameters (trainable and not; buffers excluded).
int64_t count_parameters(torch::nn::Module& module);

}  // namespace scopemia::nn
