#include "train/recon_metrics.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "core/random.h"

namespace scopemia::train {
namespace {

torch::Tensor random_volume(std::vector<int64_t> shape, uint64_t seed) {
  torch::manual_seed(seed);
  return torch::rand(shape, torch::kFloat64);
}

// Plain-loop SSIM with a separable window given per axis by its weights,
// "valid" positions only, population moments: an independent reference.
double reference_ssim(const torch::Tensor& x5, const torch::Tensor& y5, const std::vector<double>& wz,
                      const std::vector<double>& wy, const std::vector<double>& wx, double L) {
  const auto x = x5[0][0].contiguous(), y = y5[0][0].contiguous();
  auto X = x.accessor<double, 3>(), Y = y.accessor<double, 3>();
  const int64_t D = x.size(0), H = x.size(1), W = x.size(2);
  const int64_t nz = wz.size(), ny = wy.size(), nx = wx.size();
  const double c1 = (0.01 * L) * (0.01 * L), c2 = (0.03 * L) * (0.03 * L);
  double total = 0;
  int64_t count = 0;
  for (int64_t z0 = 0; z0 + nz <= D; ++z0)
    for (int64_t y0 = 0; y0 + ny <= H; ++y0)
      for (int64_t x0 = 0; x0 + nx <= W; ++x0) {
        double mx = 0, my = 0;
        for (int64_t a = 0; a < nz; ++a)
          for (int64_t b = 0; b < ny; ++b)
            for (int64_t c = 0; c < nx; ++c) {
              const double w = wz[a] * wy[b] * wx[c];
              mx += w * X[z0 + a][y0 + b][x0 + c];
              my += w * Y[z0 + a][y0 + b][x0 + c];
            }
        double vx = 0, vy = 0, cxy = 0;
        for (int64_t a = 0; a < nz; ++a)
          for (int64_t b = 0; b < ny; ++b)
            for (int64_t c = 0; c < nx; ++c) {
              const double w = wz[a] * wy[b] * wx[c];
              const double dx = X[z0 + a][y0 + b][x0 + c] - mx, dy = Y[z0 + a][y0 + b][x0 + c] - my;
              vx += w * dx * dx;
              vy += w * dy * dy;
              cxy += w * dx * dy;
            }
        total += (2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
        ++count;
      }
  return total / double(count);
}

std::vector<double> gaussian(int n, double sigma) {
  std::vector<double> w(n);
  double s = 0;
  for (int i = 0; i < n; ++i) s += (w[i] = std::exp(-std::pow(i - (n - 1) / 2.0, 2) / (2 * sigma * sigma)));
  for (double& v : w) v /= s;
  return w;
}

TEST(Ssim3d, IsOneForIdenticalVolumes) {
  const auto x = random_volume({2, 1, 16, 32, 32}, 1);
  EXPECT_NEAR(ssim3d(x, x).item<double>(), 1.0, 1e-12);
  EXPECT_NEAR(ms_ssim3d(x, x).item<double>(), 1.0, 1e-12);
}

TEST(Ssim3d, ConstantVolumesGiveTheLuminanceTermInClosedForm) {
  // sigma = 0 everywhere: SSIM = (2ab + C1) / (a^2 + b^2 + C1).
  const auto x = torch::full({1, 1, 6, 12, 12}, 0.5, torch::kFloat64);
  const auto y = torch::full({1, 1, 6, 12, 12}, 0.25, torch::kFloat64);
  const double c1 = 1e-4;
  EXPECT_NEAR(ssim3d(x, y).item<double>(), (2 * 0.5 * 0.25 + c1) / (0.25 + 0.0625 + c1), 1e-12);
}

TEST(Ssim3d, MatchesAHandLoopWithAUniformWindow) {
  const auto x = random_volume({1, 1, 5, 5, 5}, 2), y = random_volume({1, 1, 5, 5, 5}, 3);
  SsimOptions o;
  o.window = 3;
  o.sigma = 0;  // uniform 3x3x3 window: 27 valid positions
  const std::vector<double> box(3, 1.0 / 3);
  const double expected = reference_ssim(x, y, box, box, box, 1.0);
  EXPECT_NEAR(ssim3d(x, y, o).item<double>(), expected, 1e-12);
  // Data range 2 changes C1, C2.
  o.data_range = 2.0;
  EXPECT_NEAR(ssim3d(x, y, o).item<double>(), reference_ssim(x, y, box, box, box, 2.0), 1e-12);
}

TEST(Ssim3d, MatchesAHandLoopWithTheGaussianWindowClippedToThinAxes) {
  // D = 4 < 11: the depth window shrinks to 3 taps; H = 13, W = 12 keep 11.
  const auto x = random_volume({1, 1, 4, 13, 12}, 4);
  const auto y = (x + 0.2 * random_volume({1, 1, 4, 13, 12}, 5)).clamp(0, 1);
  const auto sizes = ssim_window_sizes(4, 13, 12);
  EXPECT_EQ(sizes, (std::array<int64_t, 3>{3, 11, 11}));
  const double expected = reference_ssim(x, y, gaussian(3, 1.5), gaussian(11, 1.5), gaussian(11, 1.5), 1.0);
  EXPECT_NEAR(ssim3d(x, y).item<double>(), expected, 1e-12);
}

// Against scikit-image's algorithm (structural_similarity with
// gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
// data_range=1), re-run with scipy on the same formula volumes:
//   f = lambda u: scipy.ndimage.gaussian_filter(u, 1.5, truncate=3.5)
//   S = ((2 ux uy + C1)(2 vxy + C2)) / ((ux^2 + uy^2 + C1)(vx + vy + C2))
//   S[5:-5, 5:-5, 5:-5].mean()  ->  0.792373803086422
TEST(Ssim3d, MatchesScipyGaussianFilterReference) {
  const int64_t D = 14, H = 17, W = 19;
  const auto z = torch::arange(D, torch::kFloat64).view({D, 1, 1});
  const auto y = torch::arange(H, torch::kFloat64).view({1, H, 1});
  const auto x = torch::arange(W, torch::kFloat64).view({1, 1, W});
  const auto a = torch::frac(torch::sin(z * 12.9898 + y * 78.233 + x * 37.719).abs() * 43758.5453);
  const auto b = 0.6 * a + 0.4 * torch::frac(torch::sin(z * 3.1 + y * 7.7 + x * 1.3).abs() * 1234.5);
  EXPECT_NEAR(ssim3d(a.view({1, 1, D, H, W}), b.view({1, 1, D, H, W})).item<double>(), 0.792373803086422, 1e-9);
}

TEST(Ssim3d, DecreasesWithNoise) {
  // A smooth volume plus noise of increasing amplitude (same noise pattern).
  auto z = torch::arange(16, torch::kFloat64).view({1, 1, 16, 1, 1});
  auto yy = torch::arange(32, torch::kFloat64).view({1, 1, 1, 32, 1});
  auto xx = torch::arange(32, torch::kFloat64).view({1, 1, 1, 1, 32});
  const auto clean = 0.5 + 0.4 * torch::sin(z / 3) * torch::cos(yy / 5) * torch::sin(xx / 4);
  torch::manual_seed(6);
  const auto noise = torch::randn_like(clean);
  double previous = 1.0, previous_ms = 1.0;
  for (double sd : {0.02, 0.05, 0.1, 0.2}) {
    const double s = ssim3d(clean, clean + sd * noise).item<double>();
    const double ms = ms_ssim3d(clean, clean + sd * noise).item<double>();
    EXPECT_LT(s, previous) << sd;
    EXPECT_LT(ms, previous_ms) << sd;
    previous = s;
    previous_ms = ms;
  }
  EXPECT_LT(previous, 0.5);
}

TEST(MsSsim3d, PlanFollowsTheSizeRule) {
  auto plan = ms_ssim_plan(16, 64, 64);  // 64 -> 32 -> 16 (8 < 11 stops); depth 8 < 11: in-plane only
  EXPECT_EQ(plan.scales, 3);
  EXPECT_EQ(plan.pool_depth, (std::vector<bool>{false, false}));
  plan = ms_ssim_plan(32, 256, 256);  // 5 scales; depth 32 -> 16 once
  EXPECT_EQ(plan.scales, 5);
  EXPECT_EQ(plan.pool_depth, (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ(ms_ssim_plan(8, 20, 40).scales, 1);  // 10 < 11
}

TEST(MsSsim3d, OneScaleEqualsSsimAndScalesCombineAsWeightedProduct) {
  const auto x = random_volume({1, 1, 6, 20, 20}, 7), y = random_volume({1, 1, 6, 20, 20}, 8);
  const auto xs = 0.5 * x + 0.5 * y;  // correlated with y: SSIM and cs positive
  EXPECT_NEAR(ms_ssim3d(xs, y).item<double>(), ssim3d(xs, y).item<double>(), 1e-12);
  // Two scales on 6 x 24 x 24: cs_0^(w0/(w0+w1)) * ssim_1^(w1/(w0+w1)).
  const auto a = random_volume({1, 1, 6, 24, 24}, 9), b = random_volume({1, 1, 6, 24, 24}, 10);
  const auto a2 = 0.6 * a + 0.4 * b;
  ASSERT_EQ(ms_ssim_plan(6, 24, 24).scales, 2);
  const double cs0 = ssim3d_terms(a2, b).cs.item<double>();
  const auto pa = torch::avg_pool3d(a2, {1, 2, 2}, {1, 2, 2}), pb = torch::avg_pool3d(b, {1, 2, 2}, {1, 2, 2});
  const double s1 = ssim3d(pa, pb).item<double>();
  const double w0 = 0.0448 / (0.0448 + 0.2856), w1 = 0.2856 / (0.0448 + 0.2856);
  EXPECT_NEAR(ms_ssim3d(a2, b).item<double>(), std::pow(cs0, w0) * std::pow(s1, w1), 1e-12);
}

TEST(MsSsim3d, PoolsDepthTooWhenTheHalvedDepthHoldsAWindow) {
  // Window 3 on 8^3: scale 1 is 4^3 (4 >= 3 in depth too), pooled 2x2x2.
  MsSsimOptions o;
  o.ssim.window = 3;
  const auto plan = ms_ssim_plan(8, 8, 8, o);
  ASSERT_EQ(plan.scales, 2);
  ASSERT_EQ(plan.pool_depth, std::vector<bool>{true});
  const auto b = random_volume({2, 1, 8, 8, 8}, 15);
  const auto a = 0.7 * b + 0.3 * random_volume({2, 1, 8, 8, 8}, 16);
  const auto cs0 = ssim3d_terms(a, b, o.ssim).cs;
  const auto s1 = ssim3d_terms(torch::avg_pool3d(a, {2, 2, 2}, {2, 2, 2}), torch::avg_pool3d(b, {2, 2, 2}, {2, 2, 2}),
                               o.ssim).ssim;
  const double w0 = 0.0448 / (0.0448 + 0.2856), w1 = 1 - w0;
  const auto expected = (cs0.pow(w0) * s1.pow(w1)).mean().item<double>();
  EXPECT_NEAR(ms_ssim3d(a, b, o).item<double>(), expected, 1e-12);
  EXPECT_THROW(ssim3d(a, b, SsimOptions{0.0}), std::invalid_argument);
}

TEST(Ssim3d, GradientsAreFiniteAndMatchFiniteDifferences) {
  const auto y = random_volume({1, 1, 8, 24, 24}, 11);
  auto x = (0.7 * y + 0.3 * random_volume({1, 1, 8, 24, 24}, 12)).requires_grad_(true);
  const auto loss = 1 - ms_ssim3d(x, y) + (1 - ssim3d(x, y));
  loss.backward();
  const auto g = x.grad();
  ASSERT_TRUE(g.defined());
  EXPECT_TRUE(torch::isfinite(g).all().item<bool>());
  EXPECT_GT(g.abs().sum().item<double>(), 0);
  // Directional derivative along a random direction.
  torch::manual_seed(13);
  const auto dir = torch::randn_like(y);
  const double h = 1e-6;
  auto f = [&](const torch::Tensor& u) {
    torch::NoGradGuard guard;
    return (1 - ms_ssim3d(u, y) + (1 - ssim3d(u, y))).item<double>();
  };
  const double numeric = (f(x.detach() + h * dir) - f(x.detach() - h * dir)) / (2 * h);
  const double analytic = (g * dir).sum().item<double>();
  EXPECT_NEAR(analytic, numeric, 1e-6 * std::max(1.0, std::abs(numeric)));
}

TEST(Ssim3d, WorksInFloat32) {
  const auto x = random_volume({1, 1, 8, 16, 16}, 14).to(torch::kFloat32);
  EXPECT_NEAR(ssim3d(x, x).item<float>(), 1.0f, 1e-5f);
  EXPECT_LT(ssim3d(x, torch::zeros_like(x)).item<float>(), 0.1f);
}

// ------------------------------------------------------------- R metric ----

TEST(Otsu, SplitsABimodalHistogramBetweenTheModes) {
  Random rng(21);
  std::vector<double> values;
  for (int i = 0; i < 4000; ++i) values.push_back(rng.normal(0.2, 0.04));
  for (int i = 0; i < 1000; ++i) values.push_back(rng.normal(0.75, 0.04));
  const auto otsu = otsu_threshold(values);
  ASSERT_TRUE(otsu.defined);
  EXPECT_GT(otsu.threshold, 0.35);
  EXPECT_LT(otsu.threshold, 0.6);
  int below = 0;
  for (int i = 0; i < 4000; ++i) below += !otsu.above(values[i]);
  for (int i = 4000; i < 5000; ++i) below += !otsu.above(values[i]);
  EXPECT_EQ(below, 4000);  // exactly the lower mode
}

TEST(Otsu, TwoLevelsSplitInTheMiddleOfTheEmptyBins) {
  std::vector<double> values(100, 0.0);
  values.resize(130, 1.0);
  const auto otsu = otsu_threshold(values);
  ASSERT_TRUE(otsu.defined);
  EXPECT_EQ(otsu.split_bin, 127);  // plateau 0..254, middle
  EXPECT_DOUBLE_EQ(otsu.threshold, 0.5);
  EXPECT_FALSE(otsu.above(0.49));
  EXPECT_TRUE(otsu.above(0.51));
  EXPECT_FALSE(otsu_threshold(std::vector<double>(10, 3.0)).defined);
}

torch::Tensor box_volume(int64_t n, std::array<int64_t, 6> box /* z0,z1,y0,y1,x0,x1 */) {
  auto v = torch::zeros({n, n, n}, torch::kFloat64);
  v.slice(0, box[0], box[1]).slice(1, box[2], box[3]).slice(2, box[4], box[5]).fill_(1.0);
  return v;
}

TEST(RMetric, IsZeroForIdenticalInputs) {
  const auto x = random_volume({16, 32, 32}, 22);
  const auto m = r_metric(x, x);
  ASSERT_TRUE(m.defined);
  EXPECT_EQ(m.r, 0.0);
  EXPECT_EQ(m.dv, 0.0);
  EXPECT_EQ(m.h, 0.0);
  EXPECT_EQ(m.jaccard, 1.0);
  EXPECT_GT(m.volume_gt, 0);
  const auto batch = r_metric_batch(x.view({1, 1, 16, 32, 32}).repeat({2, 1, 1, 1, 1}),
                                    x.view({1, 1, 16, 32, 32}).repeat({2, 1, 1, 1, 1}));
  EXPECT_EQ(batch.defined, 2);
  EXPECT_EQ(batch.r, 0.0);
}

// S = [2,6)^3 (64 voxels); S^ = the same box stretched to x in [2,9)
// (112 voxels). dV = 48/64, J = 64/112. Surfaces (6-connected, 56 and 92
// voxels): S -> S^ distances are 0 except the 4 centre voxels of S's x = 5
// face (1 to S^'s y face), 95th percentile 1; S^ -> S: 52 zeros, 12 ones
// (x = 6 ring), 12 twos (x = 7 ring), 16 threes (x = 8 face): 95th
// percentile 3 (position 0.95*91 = 86.45 falls among the threes).
TEST(RMetric, TwoBoxesGiveTheHandComputedComponents) {
  const auto gt = box_volume(12, {2, 6, 2, 6, 2, 6}), rec = box_volume(12, {2, 6, 2, 6, 2, 9});
  auto m = r_metric(gt, rec);
  ASSERT_TRUE(m.defined);
  EXPECT_EQ(m.volume_gt, 64);
  EXPECT_EQ(m.volume_rec, 112);
  EXPECT_DOUBLE_EQ(m.dv, 0.75);
  EXPECT_DOUBLE_EQ(m.jaccard, 4.0 / 7.0);
  EXPECT_DOUBLE_EQ(m.hd95, 3.0);
  EXPECT_DOUBLE_EQ(m.diagonal, 11 * std::sqrt(3.0));
  EXPECT_DOUBLE_EQ(m.h, 3.0 / (11 * std::sqrt(3.0)));
  EXPECT_NEAR(m.r, 0.4 * 0.75 + 0.3 * 3.0 / (11 * std::sqrt(3.0)) + 0.3 * (3.0 / 7.0), 1e-15);
  // With x spacing 2 mm the distances along x double: 95th percentile 6 mm.
  RMetricOptions o;
  o.spacing = {1.0, 1.0, 2.0};
  m = r_metric(gt, rec, o);
  EXPECT_DOUBLE_EQ(m.hd95, 6.0);
  EXPECT_DOUBLE_EQ(m.diagonal, 11 * std::sqrt(6.0));
  // The maximum (100th percentile) is the plain Hausdorff distance.
  o = RMetricOptions{};
  o.percentile = 100;
  EXPECT_DOUBLE_EQ(r_metric(gt, rec, o).hd95, 3.0);
}

TEST(RMetric, EmptyReconstructionSegmentationScoresOne) {
  const auto gt = box_volume(10, {2, 6, 2, 6, 2, 6});
  const auto m = r_metric(gt, torch::zeros_like(gt));
  ASSERT_TRUE(m.defined);
  EXPECT_EQ(m.volume_rec, 0);
  EXPECT_EQ(m.dv, 1.0);
  EXPECT_EQ(m.h, 1.0);
  EXPECT_EQ(m.jaccard, 0.0);
  EXPECT_DOUBLE_EQ(m.r, 1.0);
}

TEST(RMetric, ConstantGroundTruthIsUndefinedAndSkippedInTheBatchMean) {
  const auto flat = torch::full({1, 1, 6, 8, 8}, 0.3, torch::kFloat64);
  EXPECT_FALSE(r_metric(flat, flat).defined);
  const auto gt = torch::cat({flat, box_volume(8, {1, 5, 1, 5, 1, 5}).view({1, 1, 8, 8, 8}).slice(2, 0, 6)}, 0);
  const auto batch = r_metric_batch(gt, gt);
  EXPECT_EQ(batch.samples, 2);
  EXPECT_EQ(batch.defined, 1);
  EXPECT_EQ(batch.r, 0.0);
}

TEST(RMetric, BothSegmentationsEmptyIsAPerfectMatch) {
  BinaryVolume empty{{3, 4, 5}, std::vector<uint8_t>(60, 0)};
  const auto m = r_metric_from_segmentations(empty, empty);
  EXPECT_EQ(m.r, 0.0);
  EXPECT_EQ(m.jaccard, 1.0);
}

// The distance transform against brute force on random blobs.
TEST(RMetric, PercentileHausdorffMatchesBruteForce) {
  Random rng(23);
  const std::array<int64_t, 3> size{7, 9, 11};
  const std::array<double, 3> spacing{2.5, 0.7, 1.0};
  for (int trial = 0; trial < 5; ++trial) {
    BinaryVolume a{size, std::vector<uint8_t>(7 * 9 * 11)}, b = a;
    for (auto& v : a.voxels) v = rng.uniform() < 0.3;
    for (auto& v : b.voxels) v = rng.uniform() < 0.2;
    auto surf = [&](const BinaryVolume& s) {
      std::vector<std::array<int64_t, 3>> out;
      auto in = [&](int64_t z, int64_t y, int64_t x) {
        return z >= 0 && y >= 0 && x >= 0 && z < 7 && y < 9 && x < 11 && s.voxels[(z * 9 + y) * 11 + x];
      };
      for (int64_t z = 0; z < 7; ++z)
        for (int64_t y = 0; y < 9; ++y)
          for (int64_t x = 0; x < 11; ++x)
            if (in(z, y, x) && !(in(z - 1, y, x) && in(z + 1, y, x) && in(z, y - 1, x) && in(z, y + 1, x) &&
                                 in(z, y, x - 1) && in(z, y, x + 1)))
              out.push_back({z, y, x});
      return out;
    };
    const auto sa = surf(a), sb = surf(b);
    auto directed = [&](const auto& from, const auto& to) {
      std::vector<double> d;
      for (const auto& p : from) {
        double best = 1e300;
        for (const auto& q : to) {
          double s = 0;
          for (int k = 0; k < 3; ++k) s += std::pow((p[k] - q[k]) * spacing[k], 2);
          best = std::min(best, s);
        }
        d.push_back(std::sqrt(best));
      }
      std::sort(d.begin(), d.end());
      const double pos = 0.95 * (d.size() - 1);
      const size_t lo = size_t(pos);
      return d[lo] + (pos - lo) * (d[std::min(lo + 1, d.size() - 1)] - d[lo]);
    };
    const double expected = std::max(directed(sa, sb), directed(sb, sa));
    EXPECT_NEAR(percentile_hausdorff(a, b, spacing, 95), expected, 1e-12);
  }
}

}  // namespace
}  // namespace scopemia::train
