#include "pde/entropy.h"

#include <torch/torch.h>

#include <cmath>

#include "core/error.h"
#include "pde/operators.h"

namespace scopemia::pde {

torch::Tensor channel_entropy(const torch::Tensor& features, bool normalize) {
  if (features.dim() != 5) throw InputError("entropy needs features [N,C,D,H,W]");
  const int64_t C = features.size(1);
  if (C < 2) {
    auto sizes = features.sizes().vec();
    sizes[1] = 1;
    return torch::zeros(sizes, features.options());
  }
  const auto logp = torch::log_softmax(features, 1);
  auto H = -(logp.exp() * logp).sum(1, /*keepdim=*/true);
  if (normalize) H = H / std::log(static_cast<double>(C));
  return H;
}

torch::Tensor box_mean3(const torch::Tensor& u) {
  torch::Tensor out = u;
  for (int axis = 0; axis < 3; ++axis) {
    const int64_t d = spatial_dim(out, axis);
    const int64_t n = out.size(d);
    if (n < 2) continue;
    const auto p = replicate_pad(out, axis, 1);
    out = (p.narrow(d, 0, n) + p.narrow(d, 1, n) + p.narrow(d, 2, n)) / 3.0;
  }
  return out;
}

torch::Tensor local_entropy(const torch::Tensor& features, bool normalize) {
  return box_mean3(channel_entropy(features, normalize));
}

torch::Tensor entropy_gate(const torch::Tensor& entropy, double tau, double alpha) {
  return torch::sigmoid(alpha * (entropy - tau));
}

}  // namespace scopemia::pde
