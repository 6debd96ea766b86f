#include "pde/operators.h"

#include <torch/torch.h>

#include <limits>
#include <string>

#include "core/error.h"

namespace scopemia::pde {
namespace {

void check_volume(const torch::Tensor& u) {
  if (!u.defined() || u.dim() < 3) {
    throw InputError("pde operators need a tensor with at least 3 dimensions (..., D, H, W), got " +
                     std::to_string(u.defined() ? u.dim() : 0));
  }
}

void check_spacing(const Spacing& s) {
  if (!(s.z > 0 && s.y > 0 && s.x > 0)) {
    throw InputError("voxel spacing must be positive");
  }
}

}  // namespace

torch::Tensor Hessian::frobenius_squared() const {
  return zz * zz + yy * yy + xx * xx + 2.0 * (zy * zy + zx * zx + yx * yx);
}

int64_t spatial_dim(const torch::Tensor& u, int axis) { return u.dim() - 3 + axis; }

torch::Tensor replicate_pad(const torch::Tensor& u, int axis, int64_t width) {
  const int64_t d = spatial_dim(u, axis);
  const int64_t n = u.size(d);
  auto sizes = u.sizes().vec();
  sizes[d] = width;
  return torch::cat({u.narrow(d, 0, 1).expand(sizes), u, u.narrow(d, n - 1, 1).expand(sizes)}, d);
}

torch::Tensor derivative(const torch::Tensor& u, int axis, const Spacing& spacing) {
  check_volume(u);
  check_spacing(spacing);
  const int64_t d = spatial_dim(u, axis);
  const int64_t n = u.size(d);
  const double h = spacing[axis];
  if (n < 2) return torch::zeros_like(u);
  const auto first = (u.narrow(d, 1, 1) - u.narrow(d, 0, 1)) / h;
  const auto last = (u.narrow(d, n - 1, 1) - u.narrow(d, n - 2, 1)) / h;
  if (n == 2) return torch::cat({first, last}, d);
  const auto inner = (u.narrow(d, 2, n - 2) - u.narrow(d, 0, n - 2)) / (2.0 * h);
  return torch::cat({first, inner, last}, d);
}

VectorField gradient(const torch::Tensor& u, const Spacing& spacing) {
  return {derivative(u, 0, spacing), derivative(u, 1, spacing), derivative(u, 2, spacing)};
}

torch::Tensor gradient_magnitude(const torch::Tensor& u, const Spacing& spacing, double eps) {
  const auto g = gradient(u, spacing);
  return torch::sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2] + eps);
}

torch::Tensor divergence(const VectorField& v, const Spacing& spacing) {
  return derivative(v[0], 0, spacing) + derivative(v[1], 1, spacing) +
         derivative(v[2], 2, spacing);
}

VectorField forward_gradient(const torch::Tensor& u, const Spacing& spacing) {
  check_volume(u);
  check_spacing(spacing);
  VectorField out;
  for (int axis = 0; axis < 3; ++axis) {
    const int64_t d = spatial_dim(u, axis);
    const int64_t n = u.size(d);
    if (n < 2) {
      out[axis] = torch::zeros_like(u);
      continue;
    }
    const auto diff = (u.narrow(d, 1, n - 1) - u.narrow(d, 0, n - 1)) / spacing[axis];
    out[axis] = torch::cat({diff, torch::zeros_like(u.narrow(d, 0, 1))}, d);
  }
  return out;
}

torch::Tensor staggered_divergence(const VectorField& p, const Spacing& spacing) {
  check_spacing(spacing);
  torch::Tensor out;
  for (int axis = 0; axis < 3; ++axis) {
    const auto& f = p[axis];
    check_volume(f);
    const int64_t d = spatial_dim(f, axis);
    const int64_t n = f.size(d);
    torch::Tensor term;
    if (n < 2) {
      term = torch::zeros_like(f);
    } else {
      // Flux on face i (between voxel i and i+1) for i < n-1; no flux
      // through the two outer faces.
      const auto faces = f.narrow(d, 0, n - 1);
      const auto zero = torch::zeros_like(f.narrow(d, 0, 1));
      term = (torch::cat({faces, zero}, d) - torch::cat({zero, faces}, d)) / spacing[axis];
    }
    out = out.defined() ? out + term : term;
  }
  return out;
}

torch::Tensor laplacian(const torch::Tensor& u, const Spacing& spacing) {
  check_volume(u);
  check_spacing(spacing);
  torch::Tensor out;
  for (int axis = 0; axis < 3; ++axis) {
    const int64_t d = spatial_dim(u, axis);
    const int64_t n = u.size(d);
    if (n < 2) continue;
    const auto p = replicate_pad(u, axis, 1);
    const double h2 = spacing[axis] * spacing[axis];
    auto term = (p.narrow(d, 2, n) + p.narrow(d, 0, n) - 2.0 * u) / h2;
    out = out.defined() ? out + term : term;
  }
  return out.defined() ? out : torch::zeros_like(u);
}

torch::Tensor diffusion(const torch::Tensor& u, const torch::Tensor& D, const Spacing& spacing) {
  check_volume(u);
  check_spacing(spacing);
  // D broadcastable to u. An axis where D has size 1 is constant along it.
  const auto Db = (D.dim() == 0 || D.dim() == u.dim()) ? D : D.expand_as(u);
  torch::Tensor out;
  for (int axis = 0; axis < 3; ++axis) {
    const int64_t d = spatial_dim(u, axis);
    const int64_t n = u.size(d);
    if (n < 2) continue;
    const double h = spacing[axis];
    const auto du = u.narrow(d, 1, n - 1) - u.narrow(d, 0, n - 1);
    // Flux on the n-1 inner faces, up to the factor `scale` applied below.
    torch::Tensor flux;
    double scale = 1.0 / (h * h);
    if (Db.dim() == 0 || Db.size(d) == 1) {
      flux = du * Db;
    } else {
      flux = (Db.narrow(d, 1, n - 1) + Db.narrow(d, 0, n - 1)) * du;
      scale *= 0.5;  // face average (D[i] + D[i+1]) / 2
    }
    // Zero flux through the outer faces: pad one zero face on both sides.
    std::vector<int64_t> pad(6, 0);
    const int64_t from_last = u.dim() - 1 - d;  // F::pad lists the last dim first
    pad[2 * from_last] = 1;
    pad[2 * from_last + 1] = 1;
    const auto pf = torch::constant_pad_nd(flux, pad, 0);
    auto term = (pf.narrow(d, 1, n) - pf.narrow(d, 0, n)).mul_(scale);
    out = out.defined() ? out.add_(term) : term;
  }
  return out.defined() ? out : torch::zeros_like(u);
}

double max_stable_dt(double max_diffusivity, const Spacing& spacing) {
  check_spacing(spacing);
  if (!(max_diffusivity > 0)) return std::numeric_limits<double>::infinity();
  const double s = 2.0 / (spacing.z * spacing.z) + 2.0 / (spacing.y * spacing.y) +
                   2.0 / (spacing.x * spacing.x);
  return 1.0 / (max_diffusivity * s);
}

Hessian hessian(const torch::Tensor& u, const Spacing& spacing) {
  check_volume(u);
  check_spacing(spacing);
  auto second = [&](int axis) {
    const int64_t d = spatial_dim(u, axis);
    const int64_t n = u.size(d);
    if (n < 2) return torch::zeros_like(u);
    const auto p = replicate_pad(u, axis, 1);
    return (p.narrow(d, 2, n) + p.narrow(d, 0, n) - 2.0 * u) / (spacing[axis] * spacing[axis]);
  };
  auto mixed = [&](int a, int b) {
    const int64_t da = spatial_dim(u, a);
    const int64_t db = spatial_dim(u, b);
    const int64_t na = u.size(da);
    const int64_t nb = u.size(db);
    if (na < 2 || nb < 2) return torch::zeros_like(u);
    const auto p = replicate_pad(replicate_pad(u, a, 1), b, 1);
    const auto pp = p.narrow(da, 2, na).narrow(db, 2, nb);
    const auto pm = p.narrow(da, 2, na).narrow(db, 0, nb);
    const auto mp = p.narrow(da, 0, na).narrow(db, 2, nb);
    const auto mm = p.narrow(da, 0, na).narrow(db, 0, nb);
    return (pp - pm - mp + mm) / (4.0 * spacing[a] * spacing[b]);
  };
  Hessian h;
  h.zz = second(0);
  h.yy = second(1);
  h.xx = second(2);
  h.zy = mixed(0, 1);
  h.zx = mixed(0, 2);
  h.yx = mixed(1, 2);
  return h;
}

torch::Tensor dirichlet_energy(const torch::Tensor& u, const Spacing& spacing) {
  const auto g = forward_gradient(u, spacing);
  const auto sq = g[0] * g[0] + g[1] * g[1] + g[2] * g[2];
  return 0.5 * sq.reshape({u.size(0), -1}).mean(1);
}

torch::Tensor interior(const torch::Tensor& u, int64_t margin) {
  torch::Tensor out = u;
  for (int axis = 0; axis < 3; ++axis) {
    const int64_t d = spatial_dim(u, axis);
    const int64_t n = u.size(d);
    if (n > 2 * margin) out = out.narrow(d, margin, n - 2 * margin);
  }
  return out;
}

}  // namespace scopemia::pde
