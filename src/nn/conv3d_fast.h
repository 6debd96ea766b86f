#pragma once
// Faster CPU paths for the two conv3d shapes ConvNeXt-3D and the PDE blocks
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

}  // namespace scopemia::nn
