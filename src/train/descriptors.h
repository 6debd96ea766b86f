#pragma once
// Handcrafted descriptors of a pretraining window's lesion, the targets of
// the descriptor head (config `descriptors`): what a radiologist reads off
// texture and margin, computed from the unmasked input, never from labels.
// Intensities in HU / 1000 (window mode; z-score inputs stay in their own
// units), gradients per voxel, in-plane (slices are thicker than pixels).
//   roi_mean, roi_sd, roi_p10, roi_p25, roi_p50, roi_p75, roi_p90
//   roi_gradient_mean, roi_gradient_sd    inside the lesion (texture)
//   roi_laplacian_abs_mean                fine-scale texture
//   shell_gradient_mean                   across the boundary band (margin sharpness)
//   ring_mean, ring_sd                    the band just outside the lesion
//   contrast                              roi_mean - ring_mean
//   log_roi_voxels                        lesion extent in the window
//   boundary_fraction                     boundary voxels / lesion voxels (irregularity)
// Set `radiomics` (DescriptorSet::kRadiomics): PyRadiomics's original
// features of the window's lesion (shape, first order, GLCM, GLRLM, GLSZM,
// GLDM, NGTDM; default settings, binWidth 25 HU) from scopemia's radiomics
// module, on the window's grid and spacing, each mapped by
// sign(x) log(1 + |x|) so that no feature's scale (Energy ~1e9, Imc1 ~0.1)
// drowns the others before standardisation. Names are PyRadiomics's
// (`original_glcm_Contrast`, ...).
#include <string>
#include <vector>

#include <torch/types.h>

#include "data/preprocess.h"
#include "train/config.h"

namespace scopemia::train {

const std::vector<std::string>& descriptor_names(DescriptorSet set = DescriptorSet::kBasic);

struct DescriptorTargets {
  torch::Tensor values;  // [N, descriptor_names(set).size()] float32
  // [N] 1 where the window holds enough lesion (>= 8 voxels) and, for
  // `radiomics`, every feature is finite; else 0.
  torch::Tensor weight;
};

// `image` [N,1,D,H,W] prepared intensities, `roi` and `valid` [N,1,D,H,W] /
// [N,1,D,1,1] 0/1. No gradient.
DescriptorTargets input_descriptors(const torch::Tensor& image, const torch::Tensor& roi, const torch::Tensor& valid,
                                    const data::PreprocessOptions& preprocess,
                                    DescriptorSet set = DescriptorSet::kBasic);

}  // namespace scopemia::train
