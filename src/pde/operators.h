#pragma once
// Finite-difference operators on feature tensors [N,C,D,H,W] (or any tensor
// whose last three dimensions are D,H,W). Every operator is a whole-tensor
// expression of padded slices (no per-voxel loops, no stencil conv3d: the
// slices are ~15x faster on CPU, docs/paper-map.md §10), so autograd differentiates it
// and it runs on any device.
//
// Boundary: replicate (the value at the edge is copied outwards), i.e. a
// zero-flux (Neumann) boundary for the diffusion operators.
// Spacing: physical voxel size along the tensor dimensions D,H,W, written
// (sz, sy, sx). Derivatives are per unit of that length.
#include <torch/types.h>

#include <array>

namespace scopemia::pde {

// Voxel spacing along the tensor dimensions D, H, W.
struct Spacing {
  double z = 1.0;
  double y = 1.0;
  double x = 1.0;
  double operator[](int axis) const { return axis == 0 ? z : (axis == 1 ? y : x); }
};

// A vector field: one tensor per axis (z, y, x), each shaped like the input.
using VectorField = std::array<torch::Tensor, 3>;

// Second derivatives, the 6 unique entries of the symmetric Hessian.
struct Hessian {
  torch::Tensor zz, yy, xx, zy, zx, yx;
  // Squared Frobenius norm per voxel (off-diagonal entries counted twice).
  torch::Tensor frobenius_squared() const;
};

// The tensor dimension of spatial axis `axis` (0 = z/D, 1 = y/H, 2 = x/W).
int64_t spatial_dim(const torch::Tensor& u, int axis);

// Pads one voxel on both sides of spatial axis `axis` by replication.
torch::Tensor replicate_pad(const torch::Tensor& u, int axis, int64_t width = 1);

// Cell-centred gradient: central differences (u[i+1]-u[i-1])/(2h) inside,
// one-sided (u[1]-u[0])/h and (u[n-1]-u[n-2])/h at the two ends (exact for
// linear functions everywhere); zero along an axis of size 1.
VectorField gradient(const torch::Tensor& u, const Spacing& spacing = {});
// One component of `gradient`.
torch::Tensor derivative(const torch::Tensor& u, int axis, const Spacing& spacing = {});

// |grad u| = sqrt(gz^2 + gy^2 + gx^2 + eps) (eps keeps the square root
// differentiable where the gradient vanishes).
torch::Tensor gradient_magnitude(const torch::Tensor& u, const Spacing& spacing = {},
                                 double eps = 1e-12);

// Divergence of a cell-centred field with the same central / one-sided
// differences as `gradient`. div(gradient(u)) is the (wide-stencil)
// Laplacian: exact on polynomials of degree <= 2 in the interior.
torch::Tensor divergence(const VectorField& v, const Spacing& spacing = {});

// Staggered pair. forward_gradient: (u[i+1]-u[i])/h, zero on the last face
// (no flux through the boundary). staggered_divergence: its negative adjoint,
// (p[i]-p[i-1])/h with zero flux outside. Their composition is exactly
// `laplacian` (compact stencil, replicate boundary) for any u.
VectorField forward_gradient(const torch::Tensor& u, const Spacing& spacing = {});
torch::Tensor staggered_divergence(const VectorField& p, const Spacing& spacing = {});

// Compact 7-point Laplacian sum_k (u[i+1]-2u[i]+u[i-1])/h_k^2, replicate
// boundary. Exact on polynomials of degree <= 2 in the interior.
torch::Tensor laplacian(const torch::Tensor& u, const Spacing& spacing = {});

// Conservative anisotropic-in-space diffusion div(D grad u): fluxes on the
// faces between voxels use the face average of the diffusivity,
// (D[i]+D[i+1])/2 * (u[i+1]-u[i])/h, with zero flux through the boundary.
// D may be broadcastable to u (e.g. [N,1,D,H,W] or a scalar). For a constant
// D it equals D * laplacian(u) exactly.
torch::Tensor diffusion(const torch::Tensor& u, const torch::Tensor& D,
                        const Spacing& spacing = {});

// Largest stable explicit-Euler step for u += dt * max(D) * laplacian(u):
// dt * D_max * sum_k 2/h_k^2 <= 1, i.e. dt * D_max <= 1/6 for unit spacing.
double max_stable_dt(double max_diffusivity, const Spacing& spacing = {});

// Hessian: diagonal entries with the compact second difference, mixed ones
// with central differences (u[+,+]-u[+,-]-u[-,+]+u[-,-])/(4 h_a h_b);
// replicate boundary. Exact on polynomials of degree <= 2 in the interior.
Hessian hessian(const torch::Tensor& u, const Spacing& spacing = {});

// Dirichlet energy per sample: 0.5 * mean over channels and voxels of
// |forward_gradient(u)|^2; shape [N].
torch::Tensor dirichlet_energy(const torch::Tensor& u, const Spacing& spacing = {});

// Crops `margin` voxels from both ends of every spatial axis longer than
// 2*margin (used to evaluate in the interior, away from the boundary).
torch::Tensor interior(const torch::Tensor& u, int64_t margin = 1);

}  // namespace scopemia::pde
