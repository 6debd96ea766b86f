#include "infer/checkpoint_embedder.h"

#include "train/checkpoint.h"
#include "train/config.h"

namespace scopemia::infer {

CheckpointEmbedding read_checkpoint_embedding(const std::string& file_or_dir) {
  CheckpointEmbedding e;
  e.path = train::resolve_checkpoint(file_or_dir);
  const train::TrainConfig config =
      train::parse_config(train::read_checkpoint_info(e.path).config_yaml, e.path + " (its configuration)");
  e.options = embed_options(config);
  return e;
}

std::unique_ptr<Embedder> load_checkpoint_embedder(const std::string& checkpoint_path, const EmbedOptions& options) {
  train::LoadedModel loaded = train::load_model_from_checkpoint(checkpoint_path);
  return std::make_unique<Embedder>(options, loaded.model.ptr(), loaded.model->backbone());
}

}  // namespace scopemia::infer
