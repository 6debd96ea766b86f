// Finite-difference operators: exactness on polynomials, identities between
// operators, anisotropic spacing, autograd against analytic gradients.
#include "pde/operators.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/error.h"

namespace scopemia::pde {
namespace {

const auto kDouble = torch::TensorOptions().dtype(torch::kFloat64);

// Physical coordinates z, y, x of a [1,1,D,H,W] grid with the given spacing.
struct Grid {
  torch::Tensor z, y, x;
};

Grid make_grid(int64_t D, int64_t H, int64_t W, const Spacing& s) {
  auto z = torch::arange(D, kDouble).mul(s.z).view({1, 1, D, 1, 1}).expand({1, 1, D, H, W});
  auto y = torch::arange(H, kDouble).mul(s.y).view({1, 1, 1, H, 1}).expand({1, 1, D, H, W});
  auto x = torch::arange(W, kDouble).mul(s.x).view({1, 1, 1, 1, W}).expand({1, 1, D, H, W});
  return {z.contiguous(), y.contiguous(), x.contiguous()};
}

// u = c0 + bz z + by y + bx x + czz z^2 + cyy y^2 + cxx x^2 + czy zy + czx zx + cyx yx
struct Quadratic {
  double c0 = 0.3, bz = 1.5, by = -0.7, bx = 2.1;
  double czz = 0.25, cyy = -0.4, cxx = 0.6, czy = 0.35, czx = -0.15, cyx = 0.45;

  torch::Tensor eval(const Grid& g) const {
    return c0 + bz * g.z + by * g.y + bx * g.x + czz * g.z * g.z + cyy * g.y * g.y +
           cxx * g.x * g.x + czy * g.z * g.y + czx * g.z * g.x + cyx * g.y * g.x;
  }
  torch::Tensor dz(const Grid& g) const { return bz + 2 * czz * g.z + czy * g.y + czx * g.x; }
  torch::Tensor dy(const Grid& g) const { return by + 2 * cyy * g.y + czy * g.z + cyx * g.x; }
  torch::Tensor dx(const Grid& g) const { return bx + 2 * cxx * g.x + czx * g.z + cyx * g.y; }
  double laplacian() const { return 2 * (czz + cyy + cxx); }
  Quadratic linear_part() const {
    Quadratic q = *this;
    q.czz = q.cyy = q.cxx = q.czy = q.czx = q.cyx = 0;
    return q;
  }
};

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

class OperatorSpacing : public ::testing::TestWithParam<Spacing> {};

TEST_P(OperatorSpacing, GradientOfLinearIsExactEverywhere) {
  const Spacing s = GetParam();
  const auto g = make_grid(5, 6, 7, s);
  const auto q = Quadratic{}.linear_part();
  const auto grad = gradient(q.eval(g), s);
  EXPECT_LT(max_abs_diff(grad[0], q.dz(g)), 1e-10);
  EXPECT_LT(max_abs_diff(grad[1], q.dy(g)), 1e-10);
  EXPECT_LT(max_abs_diff(grad[2], q.dx(g)), 1e-10);
  // A single component agrees with the full gradient.
  EXPECT_LT(max_abs_diff(derivative(q.eval(g), 1, s), grad[1]), 1e-12);
}

TEST_P(OperatorSpacing, GradientOfQuadraticIsExactInInterior) {
  const Spacing s = GetParam();
  const auto g = make_grid(6, 7, 8, s);
  const Quadratic q;
  const auto grad = gradient(q.eval(g), s);
  EXPECT_LT(max_abs_diff(interior(grad[0]), interior(q.dz(g))), 1e-10);
  EXPECT_LT(max_abs_diff(interior(grad[1]), interior(q.dy(g))), 1e-10);
  EXPECT_LT(max_abs_diff(interior(grad[2]), interior(q.dx(g))), 1e-10);
  // At the boundary the one-sided difference is off by exactly c*h for x^2.
  const auto edge = grad[2].narrow(4, 0, 1) - q.dx(g).narrow(4, 0, 1);
  EXPECT_NEAR(edge.mean().item<double>(), q.cxx * s.x, 1e-10);
}

TEST_P(OperatorSpacing, LaplacianOfQuadraticIsConstantInInterior) {
  const Spacing s = GetParam();
  const auto g = make_grid(6, 7, 8, s);
  const Quadratic q;
  const auto lap = laplacian(q.eval(g), s);
  const auto in = interior(lap);
  EXPECT_LT((in - q.laplacian()).abs().max().item<double>(), 1e-9);
  // The Laplacian of a linear function vanishes in the interior.
  EXPECT_LT(interior(laplacian(q.linear_part().eval(g), s)).abs().max().item<double>(), 1e-10);
}

TEST_P(OperatorSpacing, HessianOfQuadraticIsExactInInterior) {
  const Spacing s = GetParam();
  const auto g = make_grid(6, 7, 8, s);
  const Quadratic q;
  const auto h = hessian(q.eval(g), s);
  auto check = [](const torch::Tensor& t, double expected) {
    EXPECT_LT((interior(t) - expected).abs().max().item<double>(), 1e-9);
  };
  check(h.zz, 2 * q.czz);
  check(h.yy, 2 * q.cyy);
  check(h.xx, 2 * q.cxx);
  check(h.zy, q.czy);
  check(h.zx, q.czx);
  check(h.yx, q.cyx);
  const double frob = 4 * (q.czz * q.czz + q.cyy * q.cyy + q.cxx * q.cxx) +
                      2 * (q.czy * q.czy + q.czx * q.czx + q.cyx * q.cyx);
  EXPECT_LT((interior(h.frobenius_squared()) - frob).abs().max().item<double>(), 1e-9);
  // Trace of the Hessian is the Laplacian (everywhere: same stencil).
  EXPECT_LT(max_abs_diff(h.zz + h.yy + h.xx, laplacian(q.eval(g), s)), 1e-9);
}

TEST_P(OperatorSpacing, CentralDivergenceOfGradientIsLaplacianOnQuadratics) {
  const Spacing s = GetParam();
  const auto g = make_grid(7, 8, 9, s);
  const auto u = Quadratic{}.eval(g);
  const auto div_grad = divergence(gradient(u, s), s);
  // The central pair is a wide stencil; away from the one-sided boundary
  // differences (margin 2) it is exact on quadratics, like the Laplacian.
  EXPECT_LT(max_abs_diff(interior(div_grad, 2), interior(laplacian(u, s), 2)), 1e-9);
  EXPECT_LT((interior(div_grad, 2) - Quadratic{}.laplacian()).abs().max().item<double>(), 1e-9);
}

TEST_P(OperatorSpacing, StaggeredDivergenceOfGradientIsLaplacianForAnyField) {
  const Spacing s = GetParam();
  torch::manual_seed(3);
  const auto u = torch::randn({2, 3, 5, 6, 7}, kDouble);
  const auto lhs = staggered_divergence(forward_gradient(u, s), s);
  EXPECT_LT(max_abs_diff(lhs, laplacian(u, s)), 1e-10);  // boundary included
  // Zero-flux boundary: the Laplacian conserves the total.
  EXPECT_LT(laplacian(u, s).sum({2, 3, 4}).abs().max().item<double>(), 1e-9);
}

TEST_P(OperatorSpacing, DiffusionWithConstantDiffusivityIsScaledLaplacian) {
  const Spacing s = GetParam();
  torch::manual_seed(4);
  const auto u = torch::randn({1, 2, 4, 5, 6}, kDouble);
  const auto D = torch::full({1, 1, 4, 5, 6}, 0.37, kDouble);
  EXPECT_LT(max_abs_diff(diffusion(u, D, s), 0.37 * laplacian(u, s)), 1e-12);
  EXPECT_LT(max_abs_diff(diffusion(u, torch::tensor(0.37, kDouble), s), 0.37 * laplacian(u, s)),
            1e-12);
}

INSTANTIATE_TEST_SUITE_P(Spacings, OperatorSpacing,
                         ::testing::Values(Spacing{1.0, 1.0, 1.0}, Spacing{2.5, 0.7, 1.3},
                                           Spacing{0.5, 3.0, 0.25}));

// Independent per-voxel reference for div(D grad u) with face-averaged D and
// zero flux through the boundary.
torch::Tensor diffusion_reference(const torch::Tensor& u, const torch::Tensor& D,
                                  const Spacing& s) {
  const int64_t Dn = u.size(2), Hn = u.size(3), Wn = u.size(4);
  auto out = torch::zeros_like(u);
  auto ua = u.accessor<double, 5>();
  auto Da = D.accessor<double, 5>();
  auto oa = out.accessor<double, 5>();
  const int64_t n[3] = {Dn, Hn, Wn};
  for (int64_t b = 0; b < u.size(0); ++b)
    for (int64_t c = 0; c < u.size(1); ++c)
      for (int64_t i = 0; i < Dn; ++i)
        for (int64_t j = 0; j < Hn; ++j)
          for (int64_t k = 0; k < Wn; ++k) {
            double acc = 0;
            for (int axis = 0; axis < 3; ++axis) {
              int64_t idx[3] = {i, j, k};
              const double h = s[axis];
              for (int dir : {-1, 1}) {
                int64_t nb[3] = {i, j, k};
                nb[axis] += dir;
                if (nb[axis] < 0 || nb[axis] >= n[axis]) continue;  // no flux
                const double dface = 0.5 * (Da[b][0][idx[0]][idx[1]][idx[2]] +
                                            Da[b][0][nb[0]][nb[1]][nb[2]]);
                acc += dface * (ua[b][c][nb[0]][nb[1]][nb[2]] - ua[b][c][i][j][k]) / (h * h);
              }
            }
            oa[b][c][i][j][k] = acc;
          }
  return out;
}

TEST(Operators, VariableDiffusionMatchesPerVoxelReference) {
  torch::manual_seed(5);
  const Spacing s{1.7, 0.9, 1.1};
  const auto u = torch::randn({2, 2, 4, 5, 6}, kDouble);
  const auto D = torch::rand({2, 1, 4, 5, 6}, kDouble) + 0.1;
  EXPECT_LT(max_abs_diff(diffusion(u, D, s), diffusion_reference(u, D, s)), 1e-12);
}

TEST(Operators, LaplacianMatchesReplicatePaddedStencil) {
  torch::manual_seed(6);
  const Spacing s{1.5, 1.0, 0.5};
  const auto u = torch::randn({1, 1, 4, 5, 6}, kDouble);
  const auto D = torch::ones({1, 1, 4, 5, 6}, kDouble);
  // With D = 1 the reference is the 7-point stencil with replicate padding.
  EXPECT_LT(max_abs_diff(laplacian(u, s), diffusion_reference(u, D, s)), 1e-12);
}

TEST(Operators, AxisOfSizeOneHasNoDerivative) {
  const auto u = torch::randn({1, 1, 1, 5, 5}, kDouble);
  EXPECT_EQ(pde::gradient(u)[0].abs().max().item<double>(), 0.0);
  const auto lap2d = laplacian(u);
  const auto h = hessian(u);
  EXPECT_LT(max_abs_diff(lap2d, h.yy + h.xx), 1e-12);
  EXPECT_EQ(h.zy.abs().max().item<double>(), 0.0);
}

TEST(Operators, MaxStableDtIsOneSixthForUnitSpacing) {
  EXPECT_NEAR(max_stable_dt(1.0), 1.0 / 6.0, 1e-15);
  EXPECT_NEAR(max_stable_dt(2.0), 1.0 / 12.0, 1e-15);
  // Anisotropic: 1 / (D * sum 2/h^2).
  EXPECT_NEAR(max_stable_dt(1.0, Spacing{2.0, 1.0, 0.5}), 1.0 / (0.5 + 2.0 + 8.0), 1e-15);
}

TEST(Operators, ExplicitStepAtStableDtDoesNotAmplifyCheckerboard) {
  // The checkerboard is the fastest-decaying mode: at dt = max_stable_dt it
  // is mapped to -1 times itself (magnitude kept), never amplified.
  const Spacing s{1.0, 1.0, 1.0};
  const auto g = make_grid(6, 6, 6, s);
  const auto cb = torch::cos(M_PI * (g.z + g.y + g.x));
  const double dt = max_stable_dt(1.0, s);
  // Interior voxels only see neighbours of opposite sign.
  const auto next = cb + dt * laplacian(cb, s);
  EXPECT_LT(interior(next + cb).abs().max().item<double>(), 1e-12);
  EXPECT_LE(next.abs().max().item<double>(), 1.0 + 1e-12);
}

TEST(Operators, DirichletEnergyGradientIsNegativeLaplacian) {
  torch::manual_seed(7);
  const Spacing s{2.0, 1.0, 0.8};
  auto u = torch::randn({1, 2, 4, 5, 6}, kDouble).requires_grad_(true);
  const auto E = dirichlet_energy(u, s).sum();
  const auto grad = torch::autograd::grad({E}, {u})[0];
  const double M = 2 * 4 * 5 * 6;
  EXPECT_LT(max_abs_diff(grad, -laplacian(u.detach(), s) / M), 1e-12);
}

TEST(Operators, LaplacianIsSelfAdjointUnderAutograd) {
  // J(u) = <w, lap u>  =>  dJ/du = lap w  (the Neumann Laplacian is symmetric).
  torch::manual_seed(8);
  const Spacing s{1.3, 0.6, 2.0};
  auto u = torch::randn({1, 1, 5, 4, 6}, kDouble).requires_grad_(true);
  const auto w = torch::randn({1, 1, 5, 4, 6}, kDouble);
  const auto J = (w * laplacian(u, s)).sum();
  const auto grad = torch::autograd::grad({J}, {u})[0];
  EXPECT_LT(max_abs_diff(grad, laplacian(w, s)), 1e-12);
}

TEST(Operators, GradientOfDerivativeFunctionalIsAnalytic) {
  // J(u) = sum_i w_i * (du/dx)_i. Interior central weights: dJ/du_k =
  // (w_{k-1} - w_{k+1}) / (2h) for voxels whose neighbours are interior.
  torch::manual_seed(9);
  const double h = 0.7;
  const Spacing s{1.0, 1.0, h};
  auto u = torch::randn({1, 1, 1, 1, 9}, kDouble).requires_grad_(true);
  const auto w = torch::randn({1, 1, 1, 1, 9}, kDouble);
  const auto J = (w * derivative(u, 2, s)).sum();
  const auto grad = torch::autograd::grad({J}, {u})[0].flatten();
  const auto wf = w.flatten();
  for (int k = 2; k <= 6; ++k) {
    const double expected = (wf[k - 1].item<double>() - wf[k + 1].item<double>()) / (2 * h);
    EXPECT_NEAR(grad[k].item<double>(), expected, 1e-12) << "k=" << k;
  }
  // Hessian Frobenius energy: finite-difference check of its gradient.
  auto v = torch::randn({1, 1, 4, 4, 4}, kDouble).requires_grad_(true);
  auto energy = [&](const torch::Tensor& t) { return hessian(t, s).frobenius_squared().sum(); };
  const auto gv = torch::autograd::grad({energy(v)}, {v})[0];
  const auto v0 = v.detach().clone();
  for (int64_t idx : {0, 21, 42, 63}) {
    auto vp = v0.clone();
    auto vm = v0.clone();
    vp.view(-1)[idx] += 1e-6;
    vm.view(-1)[idx] -= 1e-6;
    const double fd = (energy(vp).item<double>() - energy(vm).item<double>()) / 2e-6;
    EXPECT_NEAR(gv.view(-1)[idx].item<double>(), fd, 1e-5 * std::max(1.0, std::abs(fd)));
  }
}

TEST(Operators, WorksOnFloatAndRejectsBadInput) {
  const auto u = torch::randn({2, 3, 4, 5, 6});
  EXPECT_EQ(laplacian(u).sizes(), u.sizes());
  EXPECT_EQ(laplacian(u).scalar_type(), torch::kFloat32);
  EXPECT_EQ(gradient_magnitude(u).sizes(), u.sizes());
  EXPECT_THROW(laplacian(torch::randn({4, 5})), InputError);
  EXPECT_THROW(laplacian(u, Spacing{0.0, 1.0, 1.0}), InputError);
}

}  // namespace
}  // namespace scopemia::pde
