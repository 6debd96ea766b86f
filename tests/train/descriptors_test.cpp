#include "train/descriptors.h"

#include <cmath>

#include <gtest/gtest.h>

#include "batches.h"
#include "core/image.h"
#include "radiomics/extractor.h"
#include "radiomics/params.h"
#include "train/trainer.h"

namespace scopemia::train {
namespace {

// A 4x4 lesion of 100 HU in one slice of -1000 HU lung, window [-1000, 1000].
TEST(Descriptors, SquareLesionGivesTheHandComputedValues) {
  data::PreprocessOptions p;
  p.window_low = -1000;
  p.window_high = 1000;
  auto image = torch::zeros({2, 1, 3, 12, 12});
  auto roi = torch::zeros({2, 1, 3, 12, 12});
  image[0].narrow(1, 1, 1).narrow(2, 4, 4).narrow(3, 4, 4).fill_(0.55);  // (100 + 1000) / 2000
  roi[0].narrow(1, 1, 1).narrow(2, 4, 4).narrow(3, 4, 4).fill_(1);
  roi[1][0][1][5][5] = roi[1][0][1][5][6] = 1;  // too little lesion to learn from
  const auto t = input_descriptors(image, roi, torch::ones({2, 1, 3, 1, 1}), p);
  ASSERT_EQ(t.values.sizes(), (std::vector<int64_t>{2, int64_t(descriptor_names().size())}));
  const auto v = t.values[0];
  auto at = [&](const std::string& name) {
    const auto& n = descriptor_names();
    return v[std::find(n.begin(), n.end(), name) - n.begin()].item<double>();
  };
  EXPECT_NEAR(at("roi_mean"), 0.1, 1e-5);
  EXPECT_NEAR(at("roi_sd"), 0.0, 1e-3);
  for (const char* q : {"roi_p10", "roi_p25", "roi_p50", "roi_p75", "roi_p90"}) EXPECT_NEAR(at(q), 0.1, 1e-5) << q;
  // In-plane central differences: 8 edge voxels 0.55, 4 corners 0.55 * sqrt 2, 4 inside 0.
  const double edge = 0.55, corner = 0.55 * std::sqrt(2.0);
  EXPECT_NEAR(at("roi_gradient_mean"), (8 * edge + 4 * corner) / 16, 1e-5);
  // |Laplacian|: edges 1.1, corners 2.2, inside 0.
  EXPECT_NEAR(at("roi_laplacian_abs_mean"), (8 * 1.1 + 4 * 2.2) / 16, 1e-5);
  // Band = dilation 6x6 minus erosion 2x2: 16 outer side voxels (0.55), 4
  // outer corners (0), 8 inner edges (0.55), 4 inner corners.
  EXPECT_NEAR(at("shell_gradient_mean"), (24 * edge + 4 * corner) / 32, 1e-5);
  EXPECT_NEAR(at("ring_mean"), -1.0, 1e-5);
  EXPECT_NEAR(at("ring_sd"), 0.0, 1e-3);
  EXPECT_NEAR(at("contrast"), 1.1, 1e-5);
  EXPECT_NEAR(at("log_roi_voxels"), std::log1p(16.0), 1e-5);
  EXPECT_NEAR(at("boundary_fraction"), 12.0 / 16.0, 1e-6);
  EXPECT_EQ(t.weight[0].item<float>(), 1.f);
  EXPECT_EQ(t.weight[1].item<float>(), 0.f);
}

// Set radiomics: PyRadiomics's original features of the window's lesion, each
// as sign(x) log(1 + |x|), on the window's spacing; HU from the window.
TEST(Descriptors, RadiomicsSetIsTheSignedLogOfTheLesionsFeatures) {
  data::PreprocessOptions p;
  p.window_low = -1000;
  p.window_high = 1000;
  p.spacing = {0.8, 0.8, 1.25};
  auto image = torch::zeros({3, 1, 5, 12, 12});
  auto roi = torch::zeros({3, 1, 5, 12, 12});
  // Lesion 0: 4x4x3 voxels of 100 HU; lesion 1: the same at -500 HU, its
  // last slice outside the volume (valid 0); lesion 2: two voxels.
  for (int n = 0; n < 2; ++n) {
    image[n].narrow(1, 1, 3).narrow(2, 4, 4).narrow(3, 4, 4).fill_(n == 0 ? 0.55 : 0.25);
    roi[n].narrow(1, 1, 3).narrow(2, 4, 4).narrow(3, 4, 4).fill_(1);
  }
  roi[2][0][1][5][5] = roi[2][0][1][5][6] = 1;
  auto valid = torch::ones({3, 1, 5, 1, 1});
  valid[1][0][3] = 0;
  const auto t = input_descriptors(image, roi, valid, p, DescriptorSet::kRadiomics);
  const auto& names = descriptor_names(DescriptorSet::kRadiomics);
  ASSERT_EQ(names.size(), 107u);  // PyRadiomics's default original features
  ASSERT_EQ(t.values.sizes(), (std::vector<int64_t>{3, 107}));
  auto at = [&](int n, const std::string& name) {
    const auto it = std::find(names.begin(), names.end(), name);
    EXPECT_NE(it, names.end()) << name;
    return t.values[n][it - names.begin()].item<double>();
  };
  const double voxel = 0.8 * 0.8 * 1.25;
  EXPECT_NEAR(at(0, "original_shape_VoxelVolume"), std::log1p(48 * voxel), 1e-5);
  EXPECT_NEAR(at(1, "original_shape_VoxelVolume"), std::log1p(32 * voxel), 1e-5);
  EXPECT_NEAR(at(0, "original_firstorder_Mean"), std::log1p(100.0), 1e-5);
  EXPECT_NEAR(at(1, "original_firstorder_Mean"), -std::log1p(500.0), 1e-4);
  EXPECT_NEAR(at(0, "original_firstorder_Variance"), 0.0, 1e-6);
  EXPECT_EQ(t.weight[0].item<float>(), 1.f);
  EXPECT_EQ(t.weight[1].item<float>(), 1.f);
  EXPECT_EQ(t.weight[2].item<float>(), 0.f);
  EXPECT_EQ(t.values[2].abs().sum().item<double>(), 0.0);
}

// Every one of the 107 targets, against scopemia's extractor run here on the
// lesion as the test lays it out: x along W, y along H, z along D, spacing
// (x, y, z). The lesion is 4 x 2 x 3 voxels of varying HU in a window that is
// not square, so a swapped axis or spacing changes shape and texture.
TEST(Descriptors, RadiomicsSetEqualsTheExtractorOnTheLesion) {
  data::PreprocessOptions p;
  p.window_low = -1000;
  p.window_high = 1000;
  p.spacing = {0.7, 0.9, 1.5};
  const int64_t D = 5, H = 10, W = 12;
  auto image = torch::zeros({1, 1, D, H, W});
  auto roi = torch::zeros({1, 1, D, H, W});
  Geometry g;
  g.spacing = {0.7, 0.9, 1.5};
  Image<double> hu(Size3{W, H, D}, g, -1000.0);
  LabelMap mask(Size3{W, H, D}, g);
  for (int64_t z = 1; z < 4; ++z)
    for (int64_t y = 3; y < 5; ++y)
      for (int64_t x = 2; x < 6; ++x) {
        const double value = -300.0 + 50.0 * double((x + 2 * y + 3 * z) % 7);
        const float stored = float((value + 1000.0) / 2000.0);  // the window, as the batch holds it
        image[0][0][z][y][x] = stored;
        roi[0][0][z][y][x] = 1;
        hu[(z * H + y) * W + x] = double(stored) * 2000.0 - 1000.0;
        mask[(z * H + y) * W + x] = 1;
      }
  const auto t = input_descriptors(image, roi, torch::ones({1, 1, D, 1, 1}), p, DescriptorSet::kRadiomics);
  ASSERT_EQ(t.weight[0].item<float>(), 1.f);
  radiomics::Params params = radiomics::default_params();
  params.settings.additionalInfo = false;
  const radiomics::FeatureValues expected =
      radiomics::Extractor(params).execute(hu, PixelType::Float32, mask).features;
  const auto& names = descriptor_names(DescriptorSet::kRadiomics);
  ASSERT_EQ(expected.size(), names.size());
  for (size_t f = 0; f < names.size(); ++f) {
    EXPECT_EQ(expected[f].first, names[f]);
    const double v = expected[f].second, target = std::copysign(std::log1p(std::abs(v)), v);
    EXPECT_NEAR(t.values[0][int64_t(f)].item<double>(), target, 1e-6 * std::max(1.0, std::abs(target))) << names[f];
  }
}

TEST(Descriptors, HeadLearnsThemOnAFixedBatch) {
  TrainConfig c = testing::tiny_config(Task::kPretrain);
  c.model.pde_stages = {0, 1};
  c.model.input.roi = true;
  c.model.input.windows = {{-1000, 400}};
  c.descriptors.enabled = true;
  c.embedding.taps = {"pde0", "pde1"};
  c.optimizer.lr = 3e-3;
  for (const DescriptorSet set : {DescriptorSet::kBasic, DescriptorSet::kRadiomics}) {
    c.descriptors.set = set;
    Trainer trainer(c, 1, 40);
    const data::Batch b = testing::synthetic_batch(3, 0, 2, Task::kPretrain);
    std::vector<double> loss;
    for (int i = 0; i < 40; ++i) loss.push_back(trainer.train_step(b).terms.at("descriptors"));
    const double first = (loss[0] + loss[1] + loss[2]) / 3, last = (loss[37] + loss[38] + loss[39]) / 3;
    EXPECT_GT(first, 0) << int(set);
    EXPECT_LT(last, 0.5 * first) << int(set) << ": first " << first << ", last " << last;
  }
}

// descriptors.unmasked_input: the head reads the unmasked pass, so the first
// step's descriptor loss does not depend on how much of the window the MAE
// hides; reading the masked pass (the default), it does.
TEST(Descriptors, UnmaskedInputMakesTheHeadBlindToTheMask) {
  const auto first_loss = [](bool unmasked, double ratio) {
    TrainConfig c = testing::tiny_config(Task::kPretrain);
    c.model.pde_stages = {0};
    c.model.input.roi = true;
    c.descriptors.enabled = true;
    c.descriptors.unmasked_input = unmasked;
    c.embedding.taps = {"pde0"};
    c.masking.ratios = {ratio};
    Trainer trainer(c, 1, 4);
    const data::Batch b = testing::synthetic_batch(3, 0, 2, Task::kPretrain);
    return trainer.train_step(b).terms.at("descriptors");
  };
  EXPECT_EQ(first_loss(true, 0.25), first_loss(true, 0.75));
  EXPECT_NE(first_loss(false, 0.25), first_loss(false, 0.75));
}

}  // namespace
}  // namespace scopemia::train
