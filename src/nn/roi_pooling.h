#pragma once
// Lesion-level pooling of a backbone's feature maps (the embedding of
// `scopemia embed` and the input of the pretraining descriptor head).
//
// A *tap* is a map to pool: `stage<i>` (stage i's output, after its PDE block
// if any), `pde<b>` (PDE block b's anatomical and textural streams f_A',
// f_T', pooled separately; b < 0 counts from the last block) or `stem` (the
// backbone's features at the input's resolution, ConvNeXt's model.stem_width:
// pooled over the exact lesion mask, a learned intensity histogram). A *region* is a
// weight map at input resolution, averaged onto each tap's grid so a cell
// weighs by the fraction of it inside the region:
//   roi     the lesion mask;
//   shell   the lesion's boundary band: in-plane dilation minus erosion by
//           `shell_voxels` (what a margin looks like: sharp or blurred);
//   global  every valid voxel of the crop (context).
// Each (tap, stream, region) gives the weighted mean and standard deviation
// of every channel. Pooling is by moments (mass, sum, sum of squares), so
// windows along depth add up exactly before the statistics are taken.
#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "nn/backbone.h"

namespace scopemia::nn {

struct PoolingSpec {
  std::vector<std::string> taps{"pde0", "pde1"};
  std::vector<std::string> regions{"roi", "shell"};
  int64_t shell_voxels = 2;  // in-plane half-width of the boundary band

  // The same pooling: the same columns in the same order (a head trained on
  // one reads only that one).
  bool operator==(const PoolingSpec& o) const {
    return taps == o.taps && regions == o.regions && shell_voxels == o.shell_voxels;
  }
  bool operator!=(const PoolingSpec& o) const { return !(*this == o); }
};

// Throws InputError naming `source` on an unknown tap or region.
void validate(const PoolingSpec& spec, const std::string& source);

// Weighted moments of one (tap, stream, region): mass [N], sum and sum of
// squares [N,C].
struct PooledMoments {
  torch::Tensor mass, sum, sum_sq;
};

class RoiPooling {
 public:
  // Resolves the taps against a backbone (its PDE blocks and stages) by one
  // probe forward pass of `probe_input` ([1,C,D,H,W]), which also gives the
  // channel count of every tap and so the feature names.
  RoiPooling(PoolingSpec spec, BackboneImpl& backbone, const torch::Tensor& probe_input);

  // One entry per (tap, stream, region), in names() order. `roi` and `valid`
  // are [N,1,D,H,W] at the input's resolution (float 0/1; valid marks the
  // slices that come from the case, not depth padding). Differentiable in the
  // feature maps.
  std::vector<PooledMoments> moments(const BackboneOutput& out, const torch::Tensor& roi,
                                     const torch::Tensor& valid) const;

  // [N, features]: per entry, the channel means then the channel standard
  // deviations. A region with no mass gives 0 (and `has_mass` false there).
  static torch::Tensor statistics(const std::vector<PooledMoments>& moments);

  // scope_<tap>[A|T]_<region>_<mean|sd>_<channel>, e.g. scope_pde0T_roi_sd_3.
  const std::vector<std::string>& names() const { return names_; }
  int64_t features() const { return int64_t(names_.size()); }
  const PoolingSpec& spec() const { return spec_; }

 private:
  struct Tap {
    std::string name;
    enum class Kind { kStage, kPde, kStem } kind = Kind::kStage;
    int index = 0;  // stage or PDE block
  };
  // The maps a tap pools, each with its name suffix ("A"/"T" for the PDE
  // streams, "" otherwise).
  static std::vector<std::pair<std::string, torch::Tensor>> streams_of(const Tap& tap, const BackboneOutput& out);
  PoolingSpec spec_;
  std::vector<Tap> taps_;
  std::vector<std::string> names_;
};

// The region weight maps of a spec at input resolution, [N,1,D,H,W] each, in
// spec.regions order.
std::vector<torch::Tensor> region_maps(const PoolingSpec& spec, const torch::Tensor& roi, const torch::Tensor& valid);

}  // namespace scopemia::nn
