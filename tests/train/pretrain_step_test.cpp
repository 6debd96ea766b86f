// The pretraining step's MCI loss (L_MCI_recon), validation SSIM / R, the
// reconstruction and the figures written after pretraining.
#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "core/error.h"
#include "support/temp_dir.h"
#include "train/batches.h"
#include "train/config.h"
#include "train/mci_loss.h"
#include "train/recon_metrics.h"
#include "train/trainer.h"

namespace scopemia::train {
namespace {

using testing::synthetic_batch;
using testing::tiny_config;

data::Batch batch_with_mci(int64_t padded) {
  auto b = synthetic_batch(21, 0, 2, Task::kPretrain, 16, 32, 32, padded);
  b.mci = b.image.pow(2) - 0.1;
  return b;
}

// The loss the step should compute, from the model's output before the step.
MciLossTerms expected_mci(Trainer& t, const data::Batch& b, const MciLossWeights& w) {
  torch::NoGradGuard g;
  const auto mask = t.pretrain_mask(b, 0);
  const auto out = t.model()->forward(b.image.masked_fill(mask, 0.0));
  const auto valid = b.valid.expand_as(out.mci);
  return mci_reconstruction_loss(out.mci * valid, b.mci * valid, w);
}

TEST(PretrainStep, MciHeadLossIsLMciReconWithTheConfiguredWeights) {
  auto c = tiny_config(Task::kPretrain);
  c.mci.enabled = true;
  c.mci.weight = 0.5;
  c.mci.ridge_l1 = 0.7;
  c.mci.gradient_l1 = 0.2;
  c.mci.ms_ssim = 0.4;
  c.mci.ridge_max = 4.0;
  c.data.preprocess.spacing = {0.8, 0.8, 1.25};  // x, y, z
  const auto b = batch_with_mci(3);
  Trainer t(c, 1, 4);
  MciLossWeights w;
  w.ridge_l1 = 0.7;
  w.gradient_l1 = 0.2;
  w.ms_ssim = 0.4;
  w.ridge_max = 4.0;
  w.spacing = pde::Spacing{1.25, 0.8, 0.8};
  const auto e = expected_mci(t, b, w);
  const StepResult r = t.train_step(b);
  EXPECT_NEAR(r.mci, e.total.item<double>(), 1e-5);
  EXPECT_NEAR(r.terms.at("mci"), e.total.item<double>(), 1e-5);
  EXPECT_NEAR(r.terms.at("mci.ridge_l1"), e.ridge_l1.item<double>(), 1e-5);
  EXPECT_NEAR(r.terms.at("mci.gradient_l1"), e.gradient_l1.item<double>(), 1e-5);
  EXPECT_NEAR(r.terms.at("mci.ms_ssim_loss"), e.ms_ssim_loss.item<double>(), 1e-5);
  EXPECT_NEAR(e.total.item<double>(),
              0.7 * e.ridge_l1.item<double>() + 0.2 * e.gradient_l1.item<double>() + 0.4 * e.ms_ssim_loss.item<double>(),
              1e-5);
  // Total = task + 0.5 * mci (no PDE terms with all weights 0).
  auto c0 = c;
  c0.pde_loss = {};
  c0.pde_loss.stability = c0.pde_loss.entropy = c0.pde_loss.hessian = c0.pde_loss.scale = c0.pde_loss.attention = 0;
  Trainer t0(c0, 1, 4);
  const auto e0 = expected_mci(t0, b, w);
  const StepResult r0 = t0.train_step(b);
  EXPECT_NEAR(r0.loss, r0.task + 0.5 * e0.total.item<double>(), 1e-5);
}

TEST(PretrainStep, MciLossKeysParseStrictlyAndRoundTrip) {
  const auto c = parse_config("task: pretrain\nmci: {enabled: true, ridge_l1: 2, gradient_l1: 0.5, ms_ssim: 0, ridge_max: 3}\n",
                              "t.yaml");
  EXPECT_DOUBLE_EQ(c.mci.ridge_l1, 2.0);
  EXPECT_DOUBLE_EQ(c.mci.gradient_l1, 0.5);
  EXPECT_DOUBLE_EQ(c.mci.ms_ssim, 0.0);
  EXPECT_DOUBLE_EQ(c.mci.ridge_max, 3.0);
  const auto back = parse_config(to_yaml(c), "back.yaml");
  EXPECT_DOUBLE_EQ(back.mci.ridge_l1, 2.0);
  EXPECT_DOUBLE_EQ(back.mci.ridge_max, 3.0);
  EXPECT_THROW(parse_config("task: pretrain\nmci: {ridge_max: 0.5}\n", "t.yaml"), InputError);
  EXPECT_THROW(parse_config("task: pretrain\nmci: {ms_ssim: -1}\n", "t.yaml"), InputError);
  EXPECT_THROW(parse_config("task: pretrain\nmci: {ridge_l1: yes please}\n", "t.yaml"), InputError);
  EXPECT_THROW(parse_config("task: pretrain\nmci: {ridge_weight: 1}\n", "t.yaml"), InputError);
}

TEST(PretrainValidation, SsimAndRAreOfTheCompositeReconstruction) {
  auto c = tiny_config(Task::kPretrain);
  c.masking.ratios = {0.5};
  Trainer t(c, 1, 4);
  const auto b = synthetic_batch(33, 0, 3, Task::kPretrain);
  Metrics m(Task::kPretrain);
  t.evaluate(b, 7, m);
  const auto names = Metrics::names(Task::kPretrain);
  ASSERT_EQ(names, (std::vector<std::string>{"val_masked_mse", "val_ssim", "val_r"}));

  // By hand: the same masks (validation stream 2^62 + position), the model's
  // output on the masked voxels, the input elsewhere.
  const auto mask = t.pretrain_mask(b, (1ULL << 62) + 7);
  const auto recon = t.reconstruct(b.image, mask);
  EXPECT_TRUE(torch::equal(recon.masked_select(mask.logical_not()), b.image.masked_select(mask.logical_not())))
      << "visible voxels are the input's";
  EXPECT_FALSE(torch::equal(recon, b.image)) << "masked voxels are the model's";
  const double ssim = ssim3d(recon, b.image).item<double>();
  RMetricOptions ro;
  ro.spacing = {1.0, 1.0, 1.0};
  const auto r = r_metric_batch(b.image, recon, ro);
  const double mse = ((recon - b.image).pow(2) * mask.to(torch::kFloat)).sum().item<double>() /
                     mask.sum().item<double>();
  const auto v = m.values();
  EXPECT_NEAR(v.at("val_ssim"), ssim, 1e-5);
  ASSERT_GT(r.defined, 0);
  EXPECT_NEAR(v.at("val_r"), r.r, 1e-6);
  EXPECT_NEAR(v.at("val_masked_mse"), mse, 1e-6);
  EXPECT_GT(v.at("val_ssim"), 0.0);
  EXPECT_LT(v.at("val_ssim"), 1.0);
  // A perfect reconstruction scores SSIM 1 and R 0.
  EXPECT_NEAR(ssim3d(b.image, b.image).item<double>(), 1.0, 1e-6);
  EXPECT_NEAR(r_metric_batch(b.image, b.image, ro).r, 0.0, 1e-12);
}

TEST(PretrainFigures, WritesBothPngsIntoEveryFolder) {
  auto c = tiny_config(Task::kPretrain);
  Trainer t(c, 1, 4);
  const auto b = synthetic_batch(5, 0, 1, Task::kPretrain);
  ::scopemia::testing::TempDir dir;
  const std::string a = dir.file("run"), e = dir.file("extra/figs");
  write_pretraining_figures(t, b.image, {a, e}, 3);
  for (const auto& d : {a, e})
    for (const char* f : {"fig2_masking.png", "fig3_reconstruction.png"}) {
      const auto p = std::filesystem::path(d) / f;
      ASSERT_TRUE(std::filesystem::is_regular_file(p)) << p;
      std::ifstream in(p, std::ios::binary);
      std::string sig(8, '\0');
      in.read(sig.data(), 8);
      EXPECT_EQ(sig, std::string("\x89PNG\r\n\x1a\n", 8)) << p;
    }
  // Same seed, same figures.
  EXPECT_EQ(testing::read_bytes((std::filesystem::path(a) / "fig3_reconstruction.png").string()),
            testing::read_bytes((std::filesystem::path(e) / "fig3_reconstruction.png").string()));
}

}  // namespace
}  // namespace scopemia::train
