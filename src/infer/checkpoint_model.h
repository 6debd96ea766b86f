#pragma once
// A checkpoint as something that runs: the trained model, how its input is
// prepared (the saved configuration's preprocessing and input channels), its
// window spec (k, stride; checked once in core/windows.h) and adapters from
// the model to what each consumer runs:
//   - dense window outputs (`scopemia infer`): reconstruction, ROI
//     probability or MCI map per window, with the dense-inference options the
//     checkpoint implies;
//   - embeddings (`scopemia embed`, the sweep, Python `scopemia.embed`):
//     infer/checkpoint_embedder.h builds on the same configuration;
//   - Grad-CAM of its prediction (`scopemia explain`).
// What a checkpoint cannot do (a dense output of a classifier, the MCI map of
// a model without the head, ...) is an InputError naming the checkpoint, here
// and nowhere else; the command line only parses and prints.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/types.h>

#include "core/image.h"
#include "core/windows.h"
#include "infer/dense.h"
#include "infer/embed.h"
#include "infer/gradcam.h"
#include "train/checkpoint.h"
#include "train/config.h"

namespace scopemia::infer {

// What a dense model writes per voxel.
enum class DenseOutput {
  kReconstruction,  // pretrain: the MAE's reconstruction, in the input's intensity units
  kSegmentation,    // segmentation: the ROI probability
  kMci,             // pretrain with mci.enabled: the MCI head's map
};
// "reconstruction", "segmentation", "mci"; InputError otherwise.
DenseOutput parse_dense_output(const std::string& name);

// Grad-CAM maps of a classification or regression checkpoint's prediction.
struct Explanation {
  std::vector<StreamMaps> maps;  // per PDE block and stream, on the prepared input's grid
  bool classification = false;
  int64_t predicted_class = 0;  // classification: the class explained (the arg max)
  double score = 0;             // its logit, or the (first) predicted value
};

class CheckpointModel {
 public:
  // Reads a checkpoint file or run folder: configuration and weights, the
  // model in eval mode.
  static CheckpointModel load(const std::string& file_or_dir);

  const std::string& path() const { return path_; }
  const train::TrainConfig& config() const { return loaded_.config; }
  train::Task task() const { return loaded_.config.task; }
  // The window it was trained with, or `k`/`stride` where given (validated).
  DepthWindows windows(std::optional<int64_t> k = std::nullopt, std::optional<int64_t> stride = std::nullopt) const;

  // Dense models (segmentation, pretrain): what they write by default
  // (segmentation: the probability; pretrain: the reconstruction).
  DenseOutput default_dense_output() const;
  // The window model for `what`: a prepared window [N,1,k,H,W] -> [N,1,k,H,W],
  // input channels built as in training. InputError when this checkpoint has
  // no such output, or needs the ROI as an input (whole volumes have none).
  WindowModel dense_window_model(DenseOutput what) const;
  // Preprocessing, intensity inversion (reconstructions), window spec and the
  // in-plane tile it was trained on, for infer_dense.
  DenseInferenceOptions dense_options(DenseOutput what, const DepthWindows& windows) const;

  // Embeddings: what its configuration fixes (embed_options), and an
  // embedder on its trained backbone with `options` (which may change what
  // does not change the network: pooling, window). The embedder shares this
  // model's weights.
  EmbedOptions embed_options() const;
  std::unique_ptr<Embedder> embedder(const EmbedOptions& options) const;

  // Classification and regression: Grad-CAM of the prediction on an image
  // prepared with config().data.preprocess ([D,H,W] with its geometry).
  // InputError for other tasks or for models with extra input channels.
  Explanation explain(const Volume& prepared_image) const;

 private:
  CheckpointModel(std::string path, train::LoadedModel loaded);
  std::string path_;
  train::LoadedModel loaded_;
};

}  // namespace scopemia::infer
