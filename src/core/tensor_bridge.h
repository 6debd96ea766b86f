#pragma once
// Zero-copy views between Volumes and torch tensors of shape [D,H,W].
// Only translation units that already use torch include this header; the
// rest of the library (IO, radiomics) stays free of torch headers.
#include <torch/types.h>

#include "core/image.h"

namespace scopemia {

// A float32 CPU tensor [D,H,W] sharing the volume's buffer (writes are seen
// by both; the tensor keeps the buffer alive).
torch::Tensor as_tensor(const Volume& volume);
// A uint8 CPU tensor [D,H,W] sharing the label map's buffer.
torch::Tensor as_tensor(const LabelMap& labels);

// A Volume from a [D,H,W] tensor (any dtype/device; copied to float32 CPU).
Volume volume_from_tensor(const torch::Tensor& tensor, const Geometry& geometry);

}  // namespace scopemia
