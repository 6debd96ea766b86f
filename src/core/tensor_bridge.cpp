#include "core/tensor_bridge.h"

#include <torch/torch.h>

#include "core/runtime.h"

namespace scopemia {
namespace {
template <typename T>
torch::Tensor view_of(const Image<T>& image, torch::Dtype dtype) {
  auto buffer = image.buffer();  // captured: the tensor owns a reference
  return torch::from_blob(
      buffer->data(), {image.depth(), image.height(), image.width()},
      [buffer](void*) mutable { buffer.reset(); }, torch::TensorOptions().dtype(dtype));
}
}  // namespace

torch::Tensor as_tensor(const Volume& volume) { return view_of(volume, torch::kFloat32); }
torch::Tensor as_tensor(const LabelMap& labels) { return view_of(labels, torch::kUInt8); }

Volume volume_from_tensor(const torch::Tensor& tensor, const Geometry& geometry) {
  TORCH_CHECK(tensor.dim() == 3, "volume_from_tensor: expected [D,H,W], got ", tensor.sizes());
  const auto t = tensor.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  Volume out(Size3{t.size(2), t.size(1), t.size(0)}, geometry);
  std::memcpy(out.data(), t.data_ptr<float>(), sizeof(float) * out.voxel_count());
  return out;
}

void set_compute_threads(int threads) {
  const int n = threads > 0 ? threads : hardware_threads();
  torch::set_num_threads(n);
}

}  // namespace scopemia
