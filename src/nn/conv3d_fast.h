#pragma once
// Faster CPU paths for the conv3d shapes ConvNeXt-3D and the PDE blocks
// use most. Both are recorded as "aten::conv3d" (RecordFunction) so the
// profiler and nn::FlopCounter see them as the convolutions they replace.
//
// Depthwise 3D convolution, stride 1, zero "same" padding (k/2 per axis, odd
// kernel sizes), with its own CPU kernels for forward, input gradient and
// weight/bias gradients. libtorch 1.13 sends depthwise conv3d on CPU through
// oneDNN in plain NCDHW layout, which runs at under 1 GFLOP/s for 3x3x3 and
// is pathologically slow for 7x7x7 (docs/paper-map.md §10); ConvNeXt-3D
// spends most of its non-matmul time there. The math is torch::conv3d's:
//   y[n,c,z,y,x] = b[c] + sum_{i,j,l} w[c,0,i,j,l] * x[n,c,z+i-pd,y+j-ph,x+l-pw]
// (zero outside the volume); only the summation order differs.
#include <torch/types.h>

namespace scopemia::nn {

// x [N,C,D,H,W]; weight [C,1,kd,kh,kw] (odd sizes); bias [C] or undefined.
// Differentiable in x, weight and bias (first order). CPU float/double
// tensors use the kernels here; anything else (CUDA, other dtypes) falls
// back to torch::conv3d with the same padding.
torch::Tensor depthwise_conv3d(const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias = {});

// The same convolution on channels-last tensors: x [N,D,H,W,C] -> [N,D,H,W,C]
// (contiguous). The inner loops run along the channels, which vectorises
// for any spatial size; ConvNeXt-3D's blocks keep their residual stream in
// this layout so the LayerNorm and Linear layers need no permuted copies.
torch::Tensor depthwise_conv3d_channels_last(const torch::Tensor& x, const torch::Tensor& weight,
                                             const torch::Tensor& bias = {});

// 1x1x1 convolution as one matrix product per sample: y[n] = W x[n] + b,
// x [N,Cin,D,H,W], weight [Cout,Cin,1,1,1], bias [Cout] or undefined. The
// same function as torch::conv3d; libtorch 1.13 runs 1x1x1 conv3d on CPU
// through slow_conv3d (unfold + gemm), whose backward is several times
// slower than a matmul's. Any device.
torch::Tensor pointwise_conv3d(const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias = {});

// Dense (groups 1), stride-1, zero-padded conv3d that takes oneDNN on CPU
// float32 whatever the batch size. libtorch 1.13 picks oneDNN for such a
// conv only for batches of 2+, kernels wider than 3 in-plane or inputs large
// in their first four dimensions; a batch-1 3x3x3 conv of few input channels
// (ConvNeXt-3D's full-resolution stem, 3 -> 16 channels at 16x64x64, one
// `embed` window) falls to its unfold + gemm path: 9.6 ms against oneDNN's
// 2.6 ms (docs/performance.md). Taking oneDNN always also makes a sample's
// output independent of its batch's size: one window embedded alone equals
// that window inside a training batch, bit for bit. Other devices, dtypes or
// builds without oneDNN use torch::conv3d. Differentiable.
// x [N,Cin,D,H,W]; weight [Cout,Cin,kd,kh,kw]; bias [Cout] or undefined.
torch::Tensor dense_conv3d(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                           int64_t padding);

}  // namespace scopemia::nn
