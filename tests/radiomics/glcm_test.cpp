#include "radiomics/glcm.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstdio>
#include <random>
#include <tuple>

#include <Eigen/Dense>

#include <gtest/gtest.h>

#include "radiomics/brain1_fixture.h"
#include "support/npy.h"
#include "support/refdata.h"

namespace scopemia::radiomics {
namespace {

using testing::brain1_roi;
using testing::feature;
using testing::full_roi;

TEST(Glcm, Brain1MatricesEqualPyRadiomics) {
  SCOPEMIA_REFDATA(npy_path, "pyradiomics/baseline/brain1_glcm.npy");
  const auto ref = ::scopemia::testing::read_npy(npy_path);
  const GlcmMatrices m = compute_glcm_matrices(brain1_roi(::scopemia::testing::refdata_dir()), GlcmSettings{});
  ASSERT_EQ(ref.shape, (std::vector<int64_t>{m.ng, m.ng, m.na}));
  ASSERT_EQ(m.na, 13);
  for (int i = 0; i < m.ng; ++i)
    for (int j = 0; j < m.ng; ++j)
      for (int a = 0; a < m.na; ++a) {
        const double r = ref.at({i, j, a});
        ASSERT_NEAR(m.at(i, j, a), r, 1e-9 * std::max(r, 1e-6)) << i << " " << j << " " << a;
      }
}

// 2x2x1 ROI, levels (x fastest)   y=0: 1 3
//                                 y=1: 3 1     (level 2 absent: Ng = 2 levels {1, 3}, PyRadiomics's Ng = 3)
// A single slice gives 4 angles (z offsets >= size are dropped), in
// PyRadiomics's order (dz,dy,dx) = (0,1,1), (0,1,0), (0,1,-1), (0,0,1).
// Symmetrical, normalised GLCMs (rows/cols = levels 1, 3):
//   (0,1,1):  1->1 once           -> [[1, 0], [0, 0]]
//   (0,1,0):  1->3, 3->1          -> [[0, .5], [.5, 0]]
//   (0,1,-1): 3->3 once           -> [[0, 0], [0, 1]]
//   (0,0,1):  1->3, 3->1          -> [[0, .5], [.5, 0]]
// Per angle (order above) and mean:
//   Contrast (i-j)^2:           0, 4, 0, 4          -> 2
//   JointAverage mu_x:          1, 2, 3, 2          -> 2
//   Autocorrelation sum p*i*j:  1, 3, 9, 3          -> 4
//   Idmn 1/(1+k^2/Ng^2), Ng=3:  1, 9/13, 1, 9/13    -> 11/13
//   Idn 1/(1+k/Ng):             1, 3/5, 1, 3/5      -> 4/5
//   SumAverage:                 2, 4, 6, 4          -> 4
//   InverseVariance p(k)/k^2:   0, 1/4, 0, 1/4      -> 1/8
//   SumSquares:                 0, 1, 0, 1          -> 1/2
//   Correlation: sigma 0 -> 1;  corm/sigma^2 = -1   -> 0 (up to eps)
//   JointEnergy:                1, .5, 1, .5        -> 3/4
//   MCC: Q = diag(1,0) -> 0;  Q = I -> 1            -> 1/2
//   Imc1: flat angles 0; (HXY-HXY1)/HX = (1-2)/1    -> -1/2
//   Imc2: flat 0; sqrt(1 - e^(-2(HXY2-HXY))) = sqrt(1 - e^-2) -> sqrt(1 - e^-2)/2
TEST(Glcm, HandComputedTwoByTwo) {
  const DiscretizedRoi roi = full_roi(Size3{2, 2, 1}, {1, 3, 3, 1});
  const GlcmMatrices m = compute_glcm_matrices(roi, GlcmSettings{});
  ASSERT_EQ(m.na, 4);
  EXPECT_EQ(m.gray_levels, (std::vector<int>{1, 3}));
  EXPECT_EQ(m.angles[0], (Angle{0, 1, 1}));
  EXPECT_EQ(m.angles[3], (Angle{0, 0, 1}));
  EXPECT_DOUBLE_EQ(m.at(0, 0, 0), 1.0);
  EXPECT_DOUBLE_EQ(m.at(0, 1, 1), 0.5);
  EXPECT_DOUBLE_EQ(m.at(1, 1, 2), 1.0);
  const FeatureList f = glcm_features(m);
  EXPECT_NEAR(feature(f, "Contrast"), 2.0, 1e-12);
  EXPECT_NEAR(feature(f, "JointAverage"), 2.0, 1e-12);
  EXPECT_NEAR(feature(f, "Autocorrelation"), 4.0, 1e-12);
  EXPECT_NEAR(feature(f, "Idmn"), 11.0 / 13.0, 1e-12);
  EXPECT_NEAR(feature(f, "Idn"), 0.8, 1e-12);
  EXPECT_NEAR(feature(f, "SumAverage"), 4.0, 1e-12);
  EXPECT_NEAR(feature(f, "InverseVariance"), 0.125, 1e-12);
  EXPECT_NEAR(feature(f, "SumSquares"), 0.5, 1e-12);
  EXPECT_NEAR(feature(f, "Correlation"), 0.0, 1e-12);
  EXPECT_NEAR(feature(f, "JointEnergy"), 0.75, 1e-12);
  EXPECT_NEAR(feature(f, "MCC"), 0.5, 1e-12);
  EXPECT_NEAR(feature(f, "Imc1"), -0.5, 1e-12);
  EXPECT_NEAR(feature(f, "Imc2"), std::sqrt(1 - std::exp(-2.0)) / 2, 1e-12);
  EXPECT_NEAR(feature(f, "DifferenceAverage"), 1.0, 1e-12);
}

// MCC and Imc1/Imc2 take shortcuts (docs/radiomics-texture.md): MCC from the
// symmetric form with an own tridiagonalisation and Sturm multisection,
// HXY1/HXY2 from the marginals. Check them on random GLCMs — symmetric and
// not, sizes 2..137 (the largest LIDC Ng), about a quarter full, with
// absent levels and gaps in the gray levels — against PyRadiomics's
// definitions evaluated directly: Q(i,j) = sum_k p(i,k) p(j,k) / (px(i) py(k))
// through Eigen's general (non-symmetric) eigen solver, and the Ng^2 sums
// HXY1 = -sum p log2(px py + eps), HXY2 = -sum px py log2(px py + eps).
TEST(Glcm, McCAndImcMatchDefinitionsOnRandomMatrices) {
  std::mt19937_64 rng(12345);
  const double eps = kTextureEps;
  int checked = 0;
  double worst_mcc = 0, worst_imc = 0;
  for (int trial = 0; trial < 60; ++trial) {
    const int ng = trial == 0 ? 137 : 2 + int(rng() % 60);
    const bool symmetric = trial % 3 != 2;
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<double> c(size_t(ng) * ng, 0.0);
    const int absent = int(rng() % ng) % 3 == 0 ? int(rng() % ng) : -1;  // a level with no pairs
    for (int i = 0; i < ng; ++i)
      for (int j = 0; j < ng; ++j) {
        if (i == absent || j == absent) continue;
        // Mostly near the diagonal, as CT textures are; ~25 % full.
        const double near = std::exp(-std::abs(i - j) / 6.0);
        if (u(rng) < 0.35 * near + 0.05) c[size_t(i) * ng + j] = double(1 + rng() % 40);
      }
    if (symmetric)
      for (int i = 0; i < ng; ++i)
        for (int j = i + 1; j < ng; ++j) {
          const double sum = c[size_t(i) * ng + j] + c[size_t(j) * ng + i];
          c[size_t(i) * ng + j] = c[size_t(j) * ng + i] = sum;
        }
    double total = 0;
    for (double v : c) total += v;
    if (total == 0) continue;
    GlcmMatrices m;
    m.ng = ng;
    m.na = 1;
    for (int i = 0; i < ng; ++i) m.gray_levels.push_back(1 + i + (i > ng / 2 ? 3 : 0));  // a gap
    m.max_level = m.gray_levels.back();
    for (double v : c) m.p.push_back(v / total);
    const FeatureList f = glcm_features(m);

    std::vector<double> px(ng, 0), py(ng, 0);
    for (int i = 0; i < ng; ++i)
      for (int j = 0; j < ng; ++j) {
        px[i] += m.p[size_t(i) * ng + j];
        py[j] += m.p[size_t(i) * ng + j];
      }
    Eigen::MatrixXd q = Eigen::MatrixXd::Zero(ng, ng);
    for (int i = 0; i < ng; ++i)
      for (int j = 0; j < ng; ++j)
        for (int k = 0; k < ng; ++k)
          if (px[i] > 0 && py[k] > 0) q(i, j) += m.p[size_t(i) * ng + k] * m.p[size_t(j) * ng + k] / (px[i] * py[k]);
    const Eigen::VectorXcd ev = Eigen::EigenSolver<Eigen::MatrixXd>(q, false).eigenvalues();
    std::vector<double> re;
    for (int i = 0; i < ng; ++i) re.push_back(ev[i].real());
    std::sort(re.begin(), re.end());
    const double mcc = std::sqrt(std::max(re[size_t(ng) - 2], 0.0));
    const double got_mcc = feature(f, "MCC");
    EXPECT_NEAR(got_mcc, mcc, 1e-10 * std::max(mcc, 1e-3)) << "trial " << trial << " ng " << ng;
    worst_mcc = std::max(worst_mcc, std::abs(got_mcc - mcc) / std::max(mcc, 1e-3));

    double hxy = 0, hxy1 = 0, hxy2 = 0, hx = 0, hy = 0;
    for (int i = 0; i < ng; ++i) {
      hx -= px[i] * std::log2(px[i] + eps);
      hy -= py[i] * std::log2(py[i] + eps);
      for (int j = 0; j < ng; ++j) {
        const double v = m.p[size_t(i) * ng + j], pxy = px[i] * py[j];
        hxy -= v * std::log2(v + eps);
        hxy1 -= v * std::log2(pxy + eps);
        hxy2 -= pxy * std::log2(pxy + eps);
      }
    }
    const double imc1 = (hxy - hxy1) / std::max(hx, hy);
    const double imc2 = std::sqrt(1 - std::exp(-2 * (hxy2 - hxy)));
    for (const auto& [name, want] : {std::pair<const char*, double>{"Imc1", imc1}, {"Imc2", imc2}}) {
      const double got = feature(f, name);
      EXPECT_NEAR(got, want, 1e-11 * std::abs(want)) << name << " trial " << trial << " ng " << ng;
      worst_imc = std::max(worst_imc, std::abs(got - want) / std::abs(want));
    }
    ++checked;
  }
  EXPECT_GE(checked, 55);
  std::printf("random GLCMs: %d checked; worst relative difference MCC %.2g, Imc1/Imc2 %.2g\n", checked, worst_mcc,
              worst_imc);
}

// A symmetric GLCM whose levels fall into two groups that never co-occur:
// D^-1 P is row-stochastic block by block, so Q has the eigenvalue 1 twice
// and MCC is exactly 1 (PyRadiomics's general solver: 1 to rounding, as
// Eigen's here); one pair linking the groups brings it below 1.
TEST(Glcm, MccOfDisconnectedLevelsIsOne) {
  const int ng = 8;
  const auto mcc_of = [&](bool linked, double* reference) {
    std::vector<double> c(size_t(ng) * ng, 0.0);
    const auto add = [&](int i, int j, double n) {
      c[size_t(i) * ng + j] += n;
      c[size_t(j) * ng + i] += n;
    };
    for (int i = 0; i < 3; ++i) add(i, i + 1, 2 + i);  // levels 0..3
    for (int i = 4; i < 7; ++i) add(i, i + 1, 5 - (i - 4));  // levels 4..7
    add(1, 1, 3);
    add(6, 6, 1);
    if (linked) add(3, 4, 1);
    double total = 0;
    for (double v : c) total += v;
    GlcmMatrices m;
    m.ng = ng;
    m.na = 1;
    for (int i = 0; i < ng; ++i) m.gray_levels.push_back(1 + i);
    m.max_level = ng;
    m.symmetrical = true;
    for (double v : c) m.p.push_back(v / total);
    std::vector<double> px(ng, 0);
    for (int i = 0; i < ng; ++i)
      for (int j = 0; j < ng; ++j) px[i] += m.p[size_t(i) * ng + j];
    Eigen::MatrixXd q = Eigen::MatrixXd::Zero(ng, ng);
    for (int i = 0; i < ng; ++i)
      for (int j = 0; j < ng; ++j)
        for (int k = 0; k < ng; ++k) q(i, j) += m.p[size_t(i) * ng + k] * m.p[size_t(j) * ng + k] / (px[i] * px[k]);
    const Eigen::VectorXcd ev = Eigen::EigenSolver<Eigen::MatrixXd>(q, false).eigenvalues();
    std::vector<double> re;
    for (int i = 0; i < ng; ++i) re.push_back(ev[i].real());
    std::sort(re.begin(), re.end());
    *reference = std::sqrt(std::max(re[size_t(ng) - 2], 0.0));
    return feature(glcm_features(m), "MCC");
  };
  double reference = 0;
  EXPECT_EQ(mcc_of(false, &reference), 1.0);
  EXPECT_NEAR(reference, 1.0, 1e-12);
  const double linked = mcc_of(true, &reference);
  EXPECT_LT(linked, 1.0 - 1e-3);
  EXPECT_NEAR(linked, reference, 1e-12);
}

// Weighting merges the 4 angles with w = exp(-d^2) before normalising: with
// spacing 1, d = sqrt(2) for the diagonals (euclidean) and 1 for the axes.
TEST(Glcm, EuclideanWeightingMergesAngles) {
  DiscretizedRoi roi = full_roi(Size3{2, 2, 1}, {1, 3, 3, 1});
  GlcmSettings s;
  s.weighting_norm = "euclidean";
  const GlcmMatrices m = compute_glcm_matrices(roi, s);
  ASSERT_EQ(m.na, 1);
  // Raw symmetric counts: diagonals 2 pairs each at w2 = e^-2, axes 4 each at w1 = e^-1.
  const double w1 = std::exp(-1.0), w2 = std::exp(-2.0), total = 4 * w2 + 8 * w1;
  EXPECT_NEAR(m.at(0, 0, 0), 2 * w2 / total, 1e-15);
  EXPECT_NEAR(m.at(0, 1, 0), 4 * w1 / total, 1e-15);
  EXPECT_NEAR(feature(glcm_features(m), "Contrast"), 4 * (8 * w1 / total), 1e-12);
}

// force2D with dimension 0 keeps the in-plane angles only: 4 for distance 1.
TEST(Glcm, AngleGeneration) {
  EXPECT_EQ(texture_angles(Size3{5, 5, 5}, {1}, false, -1).size(), 13u);
  EXPECT_EQ(texture_angles(Size3{5, 5, 5}, {1}, true, -1).size(), 26u);
  EXPECT_EQ(texture_angles(Size3{5, 5, 5}, {1}, false, 0).size(), 4u);
  EXPECT_EQ(texture_angles(Size3{5, 5, 5}, {1, 2}, false, -1).size(), 62u);  // (125 - 1) / 2
  const auto a = texture_angles(Size3{5, 5, 5}, {1}, false, -1);
  EXPECT_EQ(a.front(), (Angle{1, 1, 1}));
  EXPECT_EQ(a.back(), (Angle{0, 0, 1}));
}

}  // namespace
}  // namespace scopemia::radiomics

namespace scopemia::radiomics {
namespace {

// MCC's Householder reduction: T = Q^T A Q keeps A's eigenvalues (checked
// against Eigen's solver on A), and the AVX2+FMA and portable variants give
// the same bits (both write their FMAs as std::fma; nothing else is fused).
TEST(GlcmMcc, TridiagonalisationKeepsTheSpectrumAndBothVariantsAgreeBitForBit) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (const int n : {2, 3, 4, 5, 8, 17, 44, 61}) {
    Eigen::MatrixXd a(n, n);
    for (int j = 0; j < n; ++j)
      for (int i = 0; i <= j; ++i) a(i, j) = a(j, i) = (u(rng) < 0.6) ? u(rng) : 0.0;  // sparse, as GLCMs are
    const auto reduce = [&](void (*variant)(double*, int, double*, double*, double*), std::vector<double>& d,
                            std::vector<double>& e) {
      std::vector<double> storage(static_cast<size_t>(n) * n + 4, 0.0), work(3 * static_cast<size_t>(n) + 8);
      std::copy(a.data(), a.data() + a.size(), storage.begin());
      d.assign(n, 0.0);
      e.assign(n, 0.0);
      variant(storage.data(), n, d.data(), e.data(), work.data());
    };
    std::vector<double> d, e, d_portable, e_portable;
    reduce(&detail::tridiagonalize, d, e);
    reduce(&detail::tridiagonalize_portable, d_portable, e_portable);
    EXPECT_EQ(d, d_portable) << "n = " << n;
    EXPECT_EQ(std::vector<double>(e.begin(), e.end() - 1), std::vector<double>(e_portable.begin(), e_portable.end() - 1))
        << "n = " << n;
    Eigen::MatrixXd t = Eigen::MatrixXd::Zero(n, n);
    for (int i = 0; i < n; ++i) t(i, i) = d[i];
    for (int i = 0; i + 1 < n; ++i) t(i, i + 1) = t(i + 1, i) = e[i];
    const Eigen::VectorXd want = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(a, Eigen::EigenvaluesOnly).eigenvalues();
    const Eigen::VectorXd got = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(t, Eigen::EigenvaluesOnly).eigenvalues();
    EXPECT_LT((want - got).cwiseAbs().maxCoeff(), 1e-12 * std::max(1.0, want.cwiseAbs().maxCoeff())) << "n = " << n;
  }
  if (!detail::tridiagonalize_avx2_fma_available())
    GTEST_SKIP() << "this CPU has no AVX2+FMA: both calls ran the portable variant";
}

// The Sturm counts behind MCC's two eigenvalues, where their sign rules
// matter: a split matrix (zero off-diagonals) whose eigenvalues the very
// first multisection points hit exactly (every minor of a block is then
// exactly zero at that point), and a long sequence whose minors would
// overflow a double (|p_i| ~ 40^i) without the rescaling.
TEST(GlcmMcc, SturmCountsHandleExactZerosSplitsAndLongSequences) {
  {
    // diag(0, 1, 2, 3): on [-1, 4] the first points are -1 + 5 * {0.2, ...}
    // = 0, 1, 2, 3 in doubles, the eigenvalues themselves.
    const std::vector<double> d = {0, 1, 2, 3}, e2 = {0, 0, 0};
    for (const std::array<int, 2> k : {std::array<int, 2>{0, 2}, {1, 3}, {0, 3}}) {
      double out[2];
      detail::tridiagonal_eigenvalues(d.data(), e2.data(), 4, k.data(), -1.0, 4.0, out);
      EXPECT_NEAR(out[0], double(k[0]), 1e-15) << "k = " << k[0];
      EXPECT_NEAR(out[1], double(k[1]), 1e-15) << "k = " << k[1];
    }
  }
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (const auto& [n, scale, split_every] : {std::tuple<int, double, int>{9, 1.0, 3}, {300, 40.0, 0}, {500, 1.0, 7}}) {
    std::vector<double> d(n), e(n - 1), e2(n - 1);
    for (double& v : d) v = scale * u(rng);
    for (int i = 0; i + 1 < n; ++i) {
      e[i] = (split_every > 0 && (i + 1) % split_every == 0) ? 0.0 : scale * u(rng);
      e2[i] = e[i] * e[i];
    }
    double glo = d[0], ghi = d[0];
    for (int i = 0; i < n; ++i) {
      const double r = (i > 0 ? std::abs(e[i - 1]) : 0.0) + (i + 1 < n ? std::abs(e[i]) : 0.0);
      glo = std::min(glo, d[i] - r);
      ghi = std::max(ghi, d[i] + r);
    }
    Eigen::MatrixXd t = Eigen::MatrixXd::Zero(n, n);
    for (int i = 0; i < n; ++i) t(i, i) = d[i];
    for (int i = 0; i + 1 < n; ++i) t(i, i + 1) = t(i + 1, i) = e[i];
    const Eigen::VectorXd want = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(t, Eigen::EigenvaluesOnly).eigenvalues();
    for (const std::array<int, 2> k : {std::array<int, 2>{0, n - 2}, {n / 2, n - 1}}) {
      double out[2];
      detail::tridiagonal_eigenvalues(d.data(), e2.data(), n, k.data(), glo, ghi, out);
      for (int t2 = 0; t2 < 2; ++t2)
        EXPECT_NEAR(out[t2], want[k[t2]], 1e-13 * scale * n) << "n = " << n << ", k = " << k[t2];
    }
  }
}

}  // namespace
}  // namespace scopemia::radiomics
