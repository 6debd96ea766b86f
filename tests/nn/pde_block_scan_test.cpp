// PDE block properties on features of a real scan (PyRadiomics brain1 MR).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/tensor_bridge.h"
#include "io/image_io.h"
#include "nn/pde_block.h"
#include "pde/entropy.h"
#include "pde/operators.h"
#include "support/refdata.h"

namespace scopemia::nn {
namespace {

namespace F = torch::nn::functional;

// Energy above half the Nyquist radius of the power spectrum (per sample).
double high_frequency_energy(const torch::Tensor& u) {
  const auto spec = torch::fft::fftn(u.to(torch::kFloat64), c10::nullopt,
                                     std::vector<int64_t>{2, 3, 4})
                        .abs()
                        .pow(2);
  const auto o = torch::TensorOptions().dtype(torch::kFloat64);
  const int64_t D = u.size(2), H = u.size(3), W = u.size(4);
  const auto fz = torch::fft::fftfreq(D, o).abs().view({D, 1, 1});
  const auto fy = torch::fft::fftfreq(H, o).abs().view({1, H, 1});
  const auto fx = torch::fft::fftfreq(W, o).abs().view({1, 1, W});
  const auto high = (torch::sqrt(fz * fz + fy * fy + fx * fx) > 0.25).to(torch::kFloat64);
  return (spec * high).sum().item<double>();
}

struct ScanFeatures {
  torch::Tensor features;  // [1,8,D,H,W]
  pde::Spacing spacing;
};

// A central 8-slice, 64x64 crop of brain1, z-scored, through a fixed random
// 3x3x3 convolution to 8 channels (a stand-in for a first CNN stage).
ScanFeatures scan_features(const std::string& path) {
  const Volume v = io::read_volume(path);
  auto t = as_tensor(v).clone();  // [D,H,W]
  const int64_t D = t.size(0), H = t.size(1), W = t.size(2);
  const int64_t d = std::min<int64_t>(8, D), h = std::min<int64_t>(64, H),
                w = std::min<int64_t>(64, W);
  t = t.narrow(0, (D - d) / 2, d).narrow(1, (H - h) / 2, h).narrow(2, (W - w) / 2, w);
  t = (t - t.mean()) / (t.std() + 1e-6);
  torch::manual_seed(11);
  const auto kernels = torch::randn({8, 1, 3, 3, 3}) / std::sqrt(27.0);
  const auto padded = F::pad(t.view({1, 1, d, h, w}),
                             F::PadFuncOptions({1, 1, 1, 1, 1, 1}).mode(torch::kReplicate));
  ScanFeatures f;
  f.features = F::conv3d(padded, kernels);
  const auto& s = v.geometry().spacing;  // x, y, z
  f.spacing = pde::Spacing{s[2], s[1], s[0]};
  return f;
}

TEST(PdeBlockOnScan, AnatomicalStreamSmoothsTexturalStreamKeepsDetail) {
  SCOPEMIA_REFDATA(path, "pyradiomics/brain1_image.nrrd");
  const auto scan = scan_features(path);
  ASSERT_TRUE(torch::isfinite(scan.features).all().item<bool>());
  PdeBlockConfig c;
  c.channels = 8;
  c.steps = 3;
  c.dt = 10.0;  // clamped to the stable step for the scan's spacing
  c.reaction = false;
  c.entropy_adaptation = false;
  c.spacing = scan.spacing;
  PdeBlock block(c);
  torch::NoGradGuard no_grad;
  const auto st = block->forward(scan.features).states;
  EXPECT_NEAR(st.dt, pde::max_stable_dt(1.0, scan.spacing), 1e-6);
  const double e0 = pde::dirichlet_energy(st.f_A, scan.spacing).item<double>();
  const double e1 = pde::dirichlet_energy(st.f_A_new, scan.spacing).item<double>();
  EXPECT_LT(e1, 0.9 * e0) << "Dirichlet energy " << e0 << " -> " << e1;
  const double hf_a = high_frequency_energy(st.f_A_new) / high_frequency_energy(st.f_A);
  const double hf_t = high_frequency_energy(st.f_T_new) / high_frequency_energy(st.f_T);
  RecordProperty("dirichlet_ratio", std::to_string(e1 / e0));
  RecordProperty("hf_kept_anatomical", std::to_string(hf_a));
  RecordProperty("hf_kept_textural", std::to_string(hf_t));
  EXPECT_LT(hf_a, 0.8) << "anatomical high-frequency energy kept";
  EXPECT_GE(hf_t, 0.9) << "textural high-frequency energy kept";
  // The maximum principle on the real features too.
  EXPECT_LE(st.f_A_new.max().item<double>(), st.f_A.max().item<double>() + 1e-5);
  EXPECT_GE(st.f_A_new.min().item<double>(), st.f_A.min().item<double>() - 1e-5);
}

TEST(PdeBlockOnScan, DiffusesLessWhereEntropyIsHigh) {
  SCOPEMIA_REFDATA(path, "pyradiomics/brain1_image.nrrd");
  const auto scan = scan_features(path);
  PdeBlockConfig c;
  c.channels = 8;
  c.spacing = scan.spacing;
  c.attention = false;
  c.reaction = false;
  c.detail = DetailMode::kNone;
  torch::NoGradGuard no_grad;
  // tau at the median entropy of this scan's features, so both sides exist.
  c.tau = pde::local_entropy(scan.features).median().item<double>();
  PdeBlock block(c);
  const auto st = block->forward(scan.features).states;
  const auto H = st.entropy.flatten();
  const auto q = torch::quantile(H, torch::tensor({0.25, 0.75}));
  const auto low = H <= q[0];
  const auto high = H >= q[1];
  // Diffusivity summed over channels per voxel.
  const auto Dsum = st.D_A.sum(1).flatten();
  const auto Dlow = Dsum.masked_select(low).mean().item<double>();
  const auto Dhigh = Dsum.masked_select(high).mean().item<double>();
  RecordProperty("D_high_over_D_low", std::to_string(Dhigh / Dlow));
  EXPECT_LT(Dhigh, 0.8 * Dlow) << "high-entropy D " << Dhigh << " low-entropy D " << Dlow
                               << " (entropy quartiles " << q[0].item<double>() << ", "
                               << q[1].item<double>() << ")";
  // The actual change of f_A follows: smaller where entropy is high.
  const auto change = (st.f_A_new - st.f_A).abs().mean(1).flatten();
  EXPECT_LT(change.masked_select(high).mean().item<double>(),
            change.masked_select(low).mean().item<double>());
}

}  // namespace
}  // namespace scopemia::nn
