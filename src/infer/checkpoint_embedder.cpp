#include "infer/checkpoint_embedder.h"

#include "infer/checkpoint_model.h"
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
  return CheckpointModel::load(checkpoint_path).embedder(options);
}

}  // namespace scopemia::infer
