#pragma once
// Reconstruction metrics of the 3D masked autoencoder (paper 4.1, docs/paper-map.md
// §4); formulas and choices in docs/pretraining-metrics.md.
//
// - SSIM in 3D (Wang et al. 2004 with a separable 3D window) and MS-SSIM in
//   3D, as differentiable torch expressions on [N,C,D,H,W].
// - R = 0.4*dV + 0.3*H + 0.3*(1 - J) on Otsu segmentations of the ground
//   truth and the reconstruction (plain C++, not differentiable).
#include <array>
#include <cstdint>
#include <vector>

#include <torch/types.h>

namespace scopemia::train {

// ---------------------------------------------------------------- SSIM ----

struct SsimOptions {
  double data_range = 1.0;  // L: C1 = (k1 L)^2, C2 = (k2 L)^2
  double k1 = 0.01;
  double k2 = 0.03;
  // Window edge (voxels, odd). Along an axis shorter than this the window
  // shrinks to the largest odd length that fits (a 16-slice subvolume keeps
  // 11 taps in depth, a 4-slice one gets 3, a 2-slice one 1).
  int64_t window = 11;
  // Gaussian window standard deviation (voxels); <= 0 gives a uniform
  // (box) window. The 1D weights are normalised per axis to sum to 1.
  double sigma = 1.5;
};

// Local SSIM statistics per sample and channel, averaged over the window
// positions ("valid" filtering: no padding, as in Wang et al.).
struct SsimTerms {
  torch::Tensor ssim;  // [N, C]: mean of l*cs
  torch::Tensor cs;    // [N, C]: mean of the contrast-structure term cs
};

// The window lengths (z, y, x) used for a volume of size D x H x W.
std::array<int64_t, 3> ssim_window_sizes(int64_t depth, int64_t height, int64_t width,
                                         const SsimOptions& options = {});
// The normalised 1D weights of one window axis of length `size`.
std::vector<double> ssim_window_weights(int64_t size, const SsimOptions& options = {});

// x, y: [N,C,D,H,W], same shape, floating. Differentiable in both.
SsimTerms ssim3d_terms(const torch::Tensor& x, const torch::Tensor& y, const SsimOptions& options = {});
// Mean SSIM over samples, channels and window positions (a scalar tensor).
torch::Tensor ssim3d(const torch::Tensor& x, const torch::Tensor& y, const SsimOptions& options = {});

struct MsSsimOptions {
  SsimOptions ssim;
  // Scale weights (Wang, Simoncelli & Bovik 2003), finest first. When fewer
  // scales fit, the first M weights are used, renormalised to sum to 1.
  std::vector<double> weights{0.0448, 0.2856, 0.3001, 0.2363, 0.1333};
  // Per-scale values below this floor are clamped to it before the power, so
  // the product stays defined (and differentiable) when cs or SSIM <= 0.
  double floor = 1e-6;
};

// How many scales and which pooling: scale j+1 exists while the smaller
// in-plane side at scale j+1 (floor(side/2)) is still >= the window edge and
// j+1 < weights.size(). Depth is halved along with the plane only while the
// halved depth is still >= the window edge; otherwise pooling is in-plane only.
struct MsSsimPlan {
  int scales = 1;
  std::vector<bool> pool_depth;  // per transition j -> j+1
};
MsSsimPlan ms_ssim_plan(int64_t depth, int64_t height, int64_t width, const MsSsimOptions& options = {});

// Per sample and channel [N, C]: prod_{j<M-1} cs_j^w_j * ssim_{M-1}^w_{M-1}.
torch::Tensor ms_ssim3d_per_sample(const torch::Tensor& x, const torch::Tensor& y,
                                   const MsSsimOptions& options = {});
// Mean over samples and channels (a scalar tensor). Differentiable.
torch::Tensor ms_ssim3d(const torch::Tensor& x, const torch::Tensor& y, const MsSsimOptions& options = {});

// ------------------------------------------------------------- R metric ----

// Otsu's threshold on a 256-bin (by default) histogram over [min, max] of
// `values`. Class 0 = bins 0..k, class 1 = bins k+1..; k maximises the
// between-class variance; on a plateau of equal maxima (empty bins between
// two modes) the middle of the plateau is taken.
struct OtsuResult {
  bool defined = false;  // false when all values are equal (no split exists)
  double low = 0.0;      // histogram range
  double high = 0.0;
  int bins = 256;
  int split_bin = 0;     // k: the last bin of the lower class
  double threshold = 0.0;  // low + (k + 1) * (high - low) / bins
  // The bin of a value under this histogram (values outside the range go to
  // the first / last bin).
  int bin_of(double value) const;
  // Whether a value belongs to the upper class (bin_of(value) > split_bin).
  bool above(double value) const { return defined && bin_of(value) > split_bin; }
};
OtsuResult otsu_threshold(const std::vector<double>& values, int bins = 256);

// Physical voxel size along D, H, W (distances in H use it).
struct RMetricOptions {
  std::array<double, 3> spacing{1.0, 1.0, 1.0};  // (z, y, x)
  int bins = 256;
  double percentile = 95.0;
};

struct RMetric {
  bool defined = false;  // false when the ground truth is constant (no Otsu split)
  double r = 0.0;   // 0.4*dv + 0.3*h + 0.3*(1 - jaccard)
  double dv = 0.0;  // |V_rec - V_gt| / V_gt
  double h = 0.0;   // hd95 / diagonal, in [0, 1]
  double jaccard = 1.0;
  double hd95 = 0.0;      // in the units of `spacing`
  double diagonal = 0.0;  // voxel-centre diagonal of the subvolume, same units
  double threshold = 0.0;  // the ground truth's Otsu threshold
  int64_t volume_gt = 0;   // voxels in S
  int64_t volume_rec = 0;  // voxels in S^
};

// Binary segmentations as bytes (0/1), x fastest, size D*H*W.
struct BinaryVolume {
  std::array<int64_t, 3> size{0, 0, 0};  // (D, H, W)
  std::vector<uint8_t> voxels;
};

// The components of R for two given segmentations (the part after the
// thresholding; exposed for tests and for callers with their own masks).
RMetric r_metric_from_segmentations(const BinaryVolume& s, const BinaryVolume& s_hat,
                                    const RMetricOptions& options = {});

// Symmetric percentile Hausdorff distance between the surfaces of two
// segmentations: max of the two directed percentiles (+inf when exactly one
// is empty, 0 when both are).
double percentile_hausdorff(const BinaryVolume& a, const BinaryVolume& b, const std::array<double, 3>& spacing,
                            double percentile);

// ground_truth, reconstruction: [D,H,W] (leading size-1 dimensions allowed),
// any floating dtype, any device. S = ground truth in Otsu's upper class, S^
// = reconstruction in the same (ground truth's) upper class.
RMetric r_metric(const torch::Tensor& ground_truth, const torch::Tensor& reconstruction,
                 const RMetricOptions& options = {});

// Over a batch [N,1,D,H,W]: the mean of each component over the samples
// whose R is defined; `defined` counts them.
struct RMetricMean {
  int64_t defined = 0;
  int64_t samples = 0;
  double r = 0.0, dv = 0.0, h = 0.0, jaccard = 0.0;
};
RMetricMean r_metric_batch(const torch::Tensor& ground_truth, const torch::Tensor& reconstruction,
                           const RMetricOptions& options = {});

}  // namespace scopemia::train
