#pragma once
// The SCOPE-MIA PDE block (paper 3.3, S1.4; docs/paper-map.md §2): split the
// features into an anatomical stream that diffuses (Eq. 1) and a textural
// stream that keeps its detail (Eq. 2), steer both with local entropy and a
// learned attention map, then fuse with a gate and a residual. Every part can
// be switched off from the config for ablations.
#include <torch/torch.h>

#include "pde/operators.h"

namespace scopemia::nn {

enum class DetailMode {
  kNone,      // no detail operator
  kGaussian,  // beta * (f_T - GaussianBlur(f_T)), separable, replicate boundary
  kFft,       // beta * FFT Gaussian high-pass of f_T (periodic boundary)
};

struct PdeBlockConfig {
  int64_t channels = 0;      // C of the input [N,C,D,H,W]
  double split_ratio = 0.5;  // fraction of channels in the anatomical stream
  bool projection = false;   // learned 1x1x1 projection before the split

  // Entropy adaptation: lambda = sigmoid(alpha * (H - tau)), H the local
  // channel entropy normalised to [0,1]. Off: lambda = 0.
  bool entropy_adaptation = true;
  double tau = 0.5;
  double alpha = 10.0;

  // Attention: learned 1x1x1 saliency, softmax over space, mean 1. Off: a = 1.
  bool attention = true;

  int steps = 1;     // explicit Euler steps, 1..3
  double dt = 0.1;   // requested step; clamped so dt * max(a*D) is stable

  // Perona-Malik edge stop g(s) = 1 / (1 + (s/kappa)^2); kappa <= 0: g = 1.
  double edge_kappa = 1.0;
  double d_anatomical_init = 1.0;     // initial d_A (per channel, softplus)
  bool textural_diffusion = true;     // off: D_T = 0
  double d_textural_fraction = 0.1;   // initial d_T / min(d_A), in (0, 1)
  bool reaction = true;               // G_A, G_T (1x1x1 convs)
  DetailMode detail = DetailMode::kGaussian;
  double beta_init = 0.5;             // initial detail gain (softplus, > 0)
  double detail_sigma = 1.0;          // Gaussian sigma of O_detail, voxels

  bool gate = true;       // sigmoid gate on the fused update
  bool residual = true;   // output = input + (gated) fused update
  // Evaluate the right-hand sides at the new state too (the stability loss
  // needs them; costs one more operator evaluation).
  bool compute_next_rhs = true;
  pde::Spacing spacing;   // physical spacing of the feature grid
};

// Everything the losses and Grad-CAM read. Tensors are [N,C_*,D,H,W] unless
// noted; lambda, entropy, a are [N,1,D,H,W].
struct PdeBlockStates {
  torch::Tensor input;             // block input f (after the projection)
  torch::Tensor f_A, f_T;          // streams before the updates
  torch::Tensor f_A_new, f_T_new;  // streams after the n steps (f_A', f_T')
  torch::Tensor f_A_prev, f_T_prev;    // state before the last step
  torch::Tensor rhs_A, rhs_T;          // right-hand sides of the last step
  torch::Tensor rhs_A_next, rhs_T_next;  // right-hand sides at f_A', f_T'
  torch::Tensor D_A, D_T;          // diffusivities of the last step
  torch::Tensor entropy;           // local entropy H in [0,1]
  torch::Tensor lambda;            // entropy gate
  torch::Tensor a;                 // attention, mean 1 per sample
  double dt = 0;                   // the step actually used
  double max_diffusivity = 0;      // the bound on max(a*D) used for the clamp
};

struct PdeBlockOutput {
  torch::Tensor output;  // [N,C,D,H,W]
  PdeBlockStates states;
};

class PdeBlockImpl : public torch::nn::Module {
 public:
  explicit PdeBlockImpl(PdeBlockConfig config);

  PdeBlockOutput forward(const torch::Tensor& f);

  const PdeBlockConfig& config() const { return config_; }
  int64_t anatomical_channels() const { return c_a_; }
  int64_t textural_channels() const { return c_t_; }

  torch::Tensor d_anatomical() const;  // [C_A], > 0
  torch::Tensor d_textural() const;    // [C_T], < min d_A (zeros when off)
  torch::Tensor beta() const;          // scalar, > 0

  // Right-hand sides (without the attention factor) for given streams and
  // entropy gate; D receives the diffusivity when non-null.
  torch::Tensor rhs_anatomical(const torch::Tensor& f_a, const torch::Tensor& lambda,
                               torch::Tensor* D = nullptr);
  torch::Tensor rhs_textural(const torch::Tensor& f_t, const torch::Tensor& lambda,
                             torch::Tensor* D = nullptr);

  // Largest dt allowed for a bound on max(a*D).
  double stable_dt(double max_diffusivity) const;

 private:
  torch::Tensor edge_stop(const torch::Tensor& u) const;

  PdeBlockConfig config_;
  int64_t c_a_ = 0;
  int64_t c_t_ = 0;
  torch::nn::Conv3d projection_{nullptr};
  torch::nn::Conv3d attention_{nullptr};
  torch::nn::Conv3d reaction_a_{nullptr};
  torch::nn::Conv3d reaction_t_{nullptr};
  torch::nn::Conv3d fuse_{nullptr};
  torch::nn::Conv3d gate_{nullptr};
  torch::Tensor raw_d_a_;
  torch::Tensor raw_d_t_;
  torch::Tensor raw_beta_;
};
TORCH_MODULE(PdeBlock);

}  // namespace scopemia::nn
