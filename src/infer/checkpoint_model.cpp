#include "infer/checkpoint_model.h"

#include <utility>

#include "core/error.h"
#include "data/input_channels.h"
#include "nn/backbone.h"

namespace scopemia::infer {

DenseOutput parse_dense_output(const std::string& name) {
  if (name == "reconstruction") return DenseOutput::kReconstruction;
  if (name == "segmentation") return DenseOutput::kSegmentation;
  if (name == "mci") return DenseOutput::kMci;
  throw InputError("dense output '" + name + "': expected reconstruction, segmentation or mci");
}

CheckpointModel::CheckpointModel(std::string path, train::LoadedModel loaded)
    : path_(std::move(path)), loaded_(std::move(loaded)) {}

CheckpointModel CheckpointModel::load(const std::string& file_or_dir) {
  std::string path = train::resolve_checkpoint(file_or_dir);
  train::LoadedModel loaded = train::load_model_from_checkpoint(path);
  return CheckpointModel(std::move(path), std::move(loaded));
}

DepthWindows CheckpointModel::windows(std::optional<int64_t> k, std::optional<int64_t> stride) const {
  return config().windows().overridden(k, stride);
}

DenseOutput CheckpointModel::default_dense_output() const {
  switch (task()) {
    case train::Task::kSegmentation:
      return DenseOutput::kSegmentation;
    case train::Task::kPretrain:
      return DenseOutput::kReconstruction;
    default:
      throw InputError(path_, "a " + train::to_string(task()) +
                                  " checkpoint: `scopemia infer` runs dense models (segmentation, pretrain); use "
                                  "`scopemia embed` or `scopemia explain` with it");
  }
}

WindowModel CheckpointModel::dense_window_model(DenseOutput what) const {
  default_dense_output();  // a dense model at all
  if (task() == train::Task::kSegmentation && what != DenseOutput::kSegmentation)
    throw InputError(path_, "a segmentation checkpoint gives the segmentation output only");
  if (task() == train::Task::kPretrain && what == DenseOutput::kSegmentation)
    throw InputError(path_, "a pretrain checkpoint gives a reconstruction or an MCI map, not a segmentation");
  if (what == DenseOutput::kMci && !config().mci.enabled)
    throw InputError(path_, "this model has no MCI head (trained without mci.enabled)");
  if (config().model.input.roi)
    throw InputError(path_, "this model takes the ROI mask as an input channel; whole-volume inference has no "
                            "mask (use scopemia embed)");
  train::ScopeModel model = loaded_.model;
  const data::InputChannelOptions channels = config().model.input;
  const data::PreprocessOptions preprocess = config().data.preprocess;
  return [model, what, channels, preprocess](const torch::Tensor& x) mutable {
    const train::ModelOutput out = model->forward(data::build_input(x, {}, channels, preprocess));
    switch (what) {
      case DenseOutput::kMci:
        return out.mci;
      case DenseOutput::kSegmentation:
        return torch::sigmoid(out.prediction);
      case DenseOutput::kReconstruction:
        break;
    }
    return out.prediction;
  };
}

DenseInferenceOptions CheckpointModel::dense_options(DenseOutput what, const DepthWindows& windows) const {
  DenseInferenceOptions d;
  d.preprocess = config().data.preprocess;
  d.invert_intensity = what == DenseOutput::kReconstruction;
  d.window.windows = windows;
  d.window.tile_h = d.preprocess.height;  // the in-plane size it was trained on
  d.window.tile_w = d.preprocess.width;
  return d;
}

EmbedOptions CheckpointModel::embed_options() const { return infer::embed_options(config()); }

std::unique_ptr<Embedder> CheckpointModel::embedder(const EmbedOptions& options) const {
  return std::make_unique<Embedder>(options, loaded_.model.ptr(), loaded_.model.ptr()->backbone(),
                                    descriptor_columns(loaded_.model, loaded_.config, options));
}

namespace {

// The whole model seen as a backbone by grad_cam: forward runs the model and
// keeps its prediction (in the graph) for the score.
class PredictingBackbone : public nn::BackboneImpl {
 public:
  explicit PredictingBackbone(train::ScopeModel model) : model_(std::move(model)) {}
  nn::BackboneOutput forward(const torch::Tensor& x) override {
    train::ModelOutput out = model_->forward(x);
    prediction = out.prediction;
    return out.backbone;
  }
  int64_t out_channels() const override { return model_.ptr()->backbone().out_channels(); }
  std::vector<int64_t> stage_channels() const override { return model_.ptr()->backbone().stage_channels(); }
  std::vector<nn::PdeBlock>& pde_blocks() override { return model_->backbone().pde_blocks(); }
  torch::Tensor prediction;

 private:
  train::ScopeModel model_;
};

}  // namespace

Explanation CheckpointModel::explain(const Volume& prepared_image) const {
  if (task() != train::Task::kClassification && task() != train::Task::kRegression)
    throw InputError(path_, "a " + train::to_string(task()) +
                                " checkpoint: `scopemia explain` explains classification or regression models "
                                "(use `scopemia infer` for dense outputs)");
  if (config().model.input.count() > 1)
    throw InputError(path_, "this model takes extra input channels (model.input); `scopemia explain` feeds the "
                            "image alone");
  PredictingBackbone model(loaded_.model);
  Explanation e;
  e.classification = task() == train::Task::kClassification;
  e.maps = grad_cam(model, prepared_image, [&](const nn::BackboneOutput&) {
    const torch::Tensor p = model.prediction.reshape({-1});
    if (!e.classification) return p[0];             // the (first) predicted value
    return p[p.detach().argmax().item<int64_t>()];  // the predicted class's logit
  });
  const torch::Tensor p = model.prediction.detach().reshape({-1});
  if (e.classification) {
    e.predicted_class = p.argmax().item<int64_t>();
    e.score = p.max().item<double>();
  } else {
    e.score = p[0].item<double>();
  }
  return e;
}

}  // namespace scopemia::infer
