#include "infer/volume_slabs.h"

#include <cstring>

#include <torch/torch.h>

#include "core/tensor_bridge.h"

namespace scopemia::infer {

torch::Tensor VolumeSlabSource::read(int64_t z0, int64_t z1) {
  return as_tensor(reader_.read(z0, z1)).unsqueeze(0);  // shares the slab's buffer
}

void VolumeSlabSink::write(int64_t z0, const torch::Tensor& slices) {
  const torch::Tensor channel = slices[channel_].contiguous();
  writer_.write(z0, volume_from_tensor(channel, geometry_.shifted_to(Index3{0, 0, z0})));
}

}  // namespace scopemia::infer
