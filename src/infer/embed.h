#pragma once
// Lesion embeddings (paper 4.2): the case prepared as in training, its input
// channels built as in training (data/input_channels.h), run through the
// backbone window by window along depth (k, stride), and the chosen taps
// (stage outputs, PDE blocks' anatomical f_A' and textural f_T' streams)
// pooled over the chosen regions (ROI, its boundary band, the whole crop)
// as channel means and standard deviations (nn/roi_pooling.h). Windows add
// up by moments, so the statistics are those of the whole lesion.
// Deterministic for a given model, seed and thread count.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/image.h"
#include "core/windows.h"
#include "data/input_channels.h"
#include "data/preprocess.h"
#include "nn/backbone.h"
#include "nn/roi_pooling.h"
#include "train/config.h"
#include "train/model.h"

namespace scopemia::infer {

// Columns computed from the pooled statistics, after them or instead of them
// (EmbedOptions::descriptor_columns): the pretraining descriptor head's
// predictions.
struct EmbeddingHead {
  std::vector<std::string> names;
  std::function<torch::Tensor(const torch::Tensor&)> apply;  // [1, pooled] float32 -> [1, names.size()]
  explicit operator bool() const { return bool(apply); }
};

struct EmbedOptions {
  std::string model = "convnext3d_nano";
  uint64_t seed = 0;  // weights of a randomly initialised model
  nn::BackboneOptions backbone = default_backbone();  // its options (in_channels comes from `input`)
  DepthWindows windows{16, 8};  // along depth
  data::PreprocessOptions preprocess;
  data::InputChannelOptions input;
  nn::PoolingSpec pooling;
  // The pretraining descriptor head's predictions (a checkpoint's or a
  // configuration's initial head) after or instead of the pooled columns:
  // descriptors.in_embedding by default.
  train::DescriptorColumns descriptor_columns = train::DescriptorColumns::kNone;

  // PDE blocks after stages 0 and 1: the maps where a nodule still covers
  // many cells (docs/inference.md).
  static nn::BackboneOptions default_backbone() {
    nn::BackboneOptions b;
    b.pde_stages = {0, 1};
    return b;
  }
};

// Everything a training configuration fixes for its embeddings: backbone
// (name, options, seed), preprocessing, input channels, pooling, window depth
// and stride. A checkpoint's embeddings use its saved configuration's.
EmbedOptions embed_options(const train::TrainConfig& config);

class Embedder {
 public:
  // A randomly initialised backbone: options.model, options.backbone,
  // options.input (its channel count), options.seed.
  explicit Embedder(const EmbedOptions& options);
  // A given (e.g. trained) backbone; `owner` keeps it alive (a checkpoint's
  // whole model, say). options.model/seed/backbone are not used. `head`'s
  // columns follow the pooled ones.
  Embedder(const EmbedOptions& options, std::shared_ptr<torch::nn::Module> owner, nn::BackboneImpl& backbone,
           EmbeddingHead head = {});
  ~Embedder();

  // nn::RoiPooling's names, e.g. scope_pde0T_roi_sd_3, then the head's, e.g.
  // scope_head_original_firstorder_Mean (the head's alone when it replaces them).
  const std::vector<std::string>& names() const;
  // `mask` on `image`'s grid, non-empty.
  std::vector<float> embed(const Volume& image, const LabelMap& mask) const;

  // The disentanglement measure per PDE block on this case: the share of
  // in-plane spectral energy above half Nyquist (pde/spectrum.h) of the
  // anatomical stream f_A' and of the textural stream f_T', over all windows.
  struct StreamSpectrum {
    double anatomical = 0, textural = 0;
  };
  std::vector<StreamSpectrum> stream_spectra(const Volume& image, const LabelMap& mask) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
  // Runs every depth window of the prepared case through the backbone:
  // visit(output, roi window, valid slices).
  void for_each_window(const Volume& image, const LabelMap& mask,
                       const std::function<void(const nn::BackboneOutput&, const torch::Tensor&, const torch::Tensor&)>&
                           visit) const;
};

// The descriptor head of a pretraining model (trained with `config`) as
// embedding columns, scope_head_<descriptor name>, after or instead of the
// pooled ones as options.descriptor_columns asks; none otherwise. InputError when
// asked of a model without the head, or with another pooling than the head
// was trained on (another input for it).
EmbeddingHead descriptor_columns(const train::ScopeModel& model, const train::TrainConfig& config,
                                 const EmbedOptions& options);

// `embed --config`: the untrained network of a training configuration with
// the weights its run starts from (options.seed) and, with
// options.descriptor_columns, its initial descriptor head's columns.
std::unique_ptr<Embedder> initial_embedder(const train::TrainConfig& config, const EmbedOptions& options);

}  // namespace scopemia::infer
