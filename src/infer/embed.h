#pragma once
// Lesion embeddings (paper 4.2): the case prepared as in training, run
// through the backbone window by window along depth (k, stride), and the
// anatomical (f_A') and textural (f_T') streams of one PDE block pooled
// inside the ROI (mask averaged onto the feature grid) and over the whole
// crop. Deterministic for a given model, seed and thread count.
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/image.h"
#include "data/preprocess.h"
#include "nn/backbone.h"

namespace scopemia::infer {

struct EmbedOptions {
  std::string model = "convnext3d_nano";
  uint64_t seed = 0;             // weights of a randomly initialised model
  std::vector<int> pde_stages{1, 2};
  int pde_block = -1;            // which of the model's PDE blocks (-1 = the last)
  int64_t k = 16, stride = 8;
  data::PreprocessOptions preprocess;
};

class Embedder {
 public:
  // A randomly initialised backbone: options.model, options.pde_stages, options.seed.
  explicit Embedder(const EmbedOptions& options);
  // A given (e.g. trained) backbone; `owner` keeps it alive (a checkpoint's
  // whole model, say). options.model/seed/pde_stages are not used.
  Embedder(const EmbedOptions& options, std::shared_ptr<torch::nn::Module> owner, nn::BackboneImpl& backbone);
  ~Embedder();

  // scope_A_<i>, scope_T_<i> (ROI means), scope_A_sd_<i>, scope_T_sd_<i> (ROI
  // standard deviations), then scope_A_global_<i>, scope_T_global_<i>.
  const std::vector<std::string>& names() const;
  // `mask` on `image`'s grid, non-empty.
  std::vector<float> embed(const Volume& image, const LabelMap& mask) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace scopemia::infer
