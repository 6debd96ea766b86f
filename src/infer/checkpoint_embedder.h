#pragma once
// The embedder a checkpoint stands for: its saved configuration's backbone,
// preprocessing, input channels, pooling and window (k, stride), with its
// trained weights. One place for what `scopemia embed --checkpoint`, the
// sweep and the Python package (`scopemia.embed`) each need.
#include <memory>
#include <string>

#include "infer/embed.h"

namespace scopemia::infer {

struct CheckpointEmbedding {
  std::string path;     // the checkpoint file (a run folder resolved to its checkpoint.pt)
  EmbedOptions options;  // embed_options() of its configuration
};

// Reads only the checkpoint's description (fast); InputError when it is not one.
CheckpointEmbedding read_checkpoint_embedding(const std::string& file_or_dir);

// Loads the weights. `options` may differ from the checkpoint's in what does
// not change the network (pooling, window): the caller's overrides.
std::unique_ptr<Embedder> load_checkpoint_embedder(const std::string& checkpoint_path, const EmbedOptions& options);

}  // namespace scopemia::infer
