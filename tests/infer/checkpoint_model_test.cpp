// infer/checkpoint_model: what each kind of checkpoint runs (the model's own
// outputs, with the preprocessing and window it was trained with), and what
// it refuses, with the checkpoint named.
#include "infer/checkpoint_model.h"

#include <functional>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/error.h"
#include "support/temp_dir.h"
#include "train/batches.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

namespace scopemia::infer {
namespace {

using testing::TempDir;

train::TrainConfig config_for(train::Task task) {
  train::TrainConfig c = testing::tiny_config(task);
  c.stride = 8;
  c.data.preprocess.spacing = {0, 0, 0};
  c.data.preprocess.height = 48;
  c.data.preprocess.width = 32;
  return c;
}

std::string saved_checkpoint(const TempDir& dir, const std::string& name, const train::TrainConfig& c) {
  torch::set_num_threads(1);
  train::Trainer trainer(c, c.task == train::Task::kClassification ? 3 : 1, 1);
  trainer.save(dir.file(name));
  return dir.file(name);
}

// The message of the InputError `run` throws; empty when it throws none.
std::string error_of(const std::function<void()>& run) {
  try {
    run();
  } catch (const InputError& e) {
    return e.what();
  }
  return {};
}

TEST(CheckpointModel, DenseOutputsAreTheModelsOwnWithItsPreprocessingAndWindow) {
  TempDir dir;
  train::TrainConfig c = config_for(train::Task::kPretrain);
  c.mci.enabled = true;
  const std::string path = saved_checkpoint(dir, "pre.pt", c);
  const CheckpointModel m = CheckpointModel::load(path);
  EXPECT_EQ(m.path(), path);
  EXPECT_EQ(m.default_dense_output(), DenseOutput::kReconstruction);

  torch::manual_seed(3);
  const torch::Tensor x = torch::rand({1, 1, 16, 48, 32});
  train::LoadedModel direct = train::load_model_from_checkpoint(path);
  torch::NoGradGuard no_grad;
  const train::ModelOutput expected = direct.model->forward(x);
  EXPECT_TRUE(torch::equal(m.dense_window_model(DenseOutput::kReconstruction)(x), expected.prediction));
  EXPECT_TRUE(torch::equal(m.dense_window_model(DenseOutput::kMci)(x), expected.mci));

  const DenseInferenceOptions d = m.dense_options(DenseOutput::kReconstruction, m.windows());
  EXPECT_TRUE(d.invert_intensity);
  EXPECT_EQ(d.window.tile_h, 48);
  EXPECT_EQ(d.window.tile_w, 32);
  EXPECT_EQ(d.window.windows.k(), 16);
  EXPECT_EQ(d.window.windows.stride(), 8);
  EXPECT_EQ(d.preprocess.window_low, c.data.preprocess.window_low);
  EXPECT_FALSE(m.dense_options(DenseOutput::kMci, m.windows()).invert_intensity);

  // --k/--stride style overrides, checked in one place.
  EXPECT_EQ(m.windows(20, 5).k(), 20);
  EXPECT_EQ(m.windows(20, 5).stride(), 5);
  EXPECT_EQ(m.windows(std::nullopt, 4).k(), 16);
  EXPECT_THROW(m.windows(16, 20), InputError);

  EXPECT_NE(error_of([&] { m.dense_window_model(DenseOutput::kSegmentation); }).find("not a segmentation"),
            std::string::npos);
  EXPECT_EQ(m.embed_options().windows.stride(), 8);
  EXPECT_EQ(m.embed_options().preprocess.width, 32);
}

TEST(CheckpointModel, SegmentationGivesTheProbabilityOnly) {
  TempDir dir;
  const std::string path = saved_checkpoint(dir, "seg.pt", config_for(train::Task::kSegmentation));
  const CheckpointModel m = CheckpointModel::load(path);
  EXPECT_EQ(m.default_dense_output(), DenseOutput::kSegmentation);
  torch::manual_seed(4);
  const torch::Tensor x = torch::rand({1, 1, 16, 48, 32});
  torch::NoGradGuard no_grad;
  const torch::Tensor expected = torch::sigmoid(train::load_model_from_checkpoint(path).model->forward(x).prediction);
  EXPECT_TRUE(torch::equal(m.dense_window_model(DenseOutput::kSegmentation)(x), expected));
  EXPECT_FALSE(m.dense_options(DenseOutput::kSegmentation, m.windows()).invert_intensity);
  const std::string e = error_of([&] { m.dense_window_model(DenseOutput::kReconstruction); });
  EXPECT_NE(e.find("seg.pt"), std::string::npos) << e;
  EXPECT_NE(e.find("segmentation output only"), std::string::npos) << e;
  EXPECT_NE(error_of([&] { m.explain(Volume({32, 48, 16}, Geometry{})); }).find("explains classification"),
            std::string::npos);
}

TEST(CheckpointModel, WhatACheckpointCannotRunIsAnErrorNamingIt) {
  TempDir dir;
  const CheckpointModel cls = CheckpointModel::load(saved_checkpoint(dir, "cls.pt", config_for(train::Task::kClassification)));
  const std::string e = error_of([&] { cls.default_dense_output(); });
  EXPECT_NE(e.find("cls.pt"), std::string::npos) << e;
  EXPECT_NE(e.find("a classification checkpoint"), std::string::npos) << e;
  EXPECT_FALSE(error_of([&] { cls.dense_window_model(DenseOutput::kReconstruction); }).empty());

  const CheckpointModel pre = CheckpointModel::load(saved_checkpoint(dir, "pre.pt", config_for(train::Task::kPretrain)));
  EXPECT_NE(error_of([&] { pre.dense_window_model(DenseOutput::kMci); }).find("no MCI head"), std::string::npos);

  train::TrainConfig roi = config_for(train::Task::kPretrain);
  roi.model.input.roi = true;
  const CheckpointModel with_roi = CheckpointModel::load(saved_checkpoint(dir, "roi.pt", roi));
  EXPECT_NE(error_of([&] { with_roi.dense_window_model(DenseOutput::kReconstruction); })
                .find("ROI mask as an input channel"),
            std::string::npos);

  train::TrainConfig two = config_for(train::Task::kClassification);
  two.model.input.windows = {{-1000, 400}};
  const CheckpointModel two_channels = CheckpointModel::load(saved_checkpoint(dir, "two.pt", two));
  EXPECT_NE(error_of([&] { two_channels.explain(Volume({32, 48, 16}, Geometry{})); }).find("extra input channels"),
            std::string::npos);
  EXPECT_THROW(parse_dense_output("probability"), InputError);
  EXPECT_EQ(parse_dense_output("mci"), DenseOutput::kMci);
}

// Grad-CAM of a classifier explains the class it predicts, with the logit
// the model gives; one map per PDE block and stream.
TEST(CheckpointModel, ExplainsThePredictedClass) {
  TempDir dir;
  const std::string path = saved_checkpoint(dir, "cls.pt", config_for(train::Task::kClassification));
  const CheckpointModel m = CheckpointModel::load(path);
  Volume image({32, 48, 16}, Geometry{});
  for (int64_t i = 0; i < image.voxel_count(); ++i) image[i] = float((i * 7919) % 101) / 101.f;
  const Explanation e = m.explain(image);
  EXPECT_TRUE(e.classification);
  EXPECT_EQ(e.maps.size(), 2 * m.config().model.pde_stages.size());
  torch::NoGradGuard no_grad;
  const torch::Tensor x = torch::from_blob(image.data(), {1, 1, 16, 48, 32}).clone();
  const torch::Tensor logits = train::load_model_from_checkpoint(path).model->forward(x).prediction.reshape({-1});
  EXPECT_EQ(e.predicted_class, logits.argmax().item<int64_t>());
  EXPECT_NEAR(e.score, logits.max().item<double>(), 1e-5);
}

}  // namespace
}  // namespace scopemia::infer
