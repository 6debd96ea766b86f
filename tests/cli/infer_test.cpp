// Checkpoints in inference: `scopemia infer` (dense models), `embed
// --checkpoint` and `explain --checkpoint`, against tiny models trained
// in-process with the train API.
#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fmt/format.h>

#include "core/tensor_bridge.h"
#include "data/preprocess.h"
#include "imaging/itk_filters.h"
#include "infer/embed.h"
#include "infer/gradcam.h"
#include "infer/sliding_window.h"
#include "io/csv.h"
#include "io/image_io.h"
#include "support/run_cli.h"
#include "support/temp_dir.h"
#include "synth/phantom.h"
#include "train/batches.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

namespace scopemia {
namespace {

namespace fs = std::filesystem;
using testing::run_binary;
using testing::run_cli;
using testing::TempDir;

// The trainer tests' tiny config (train/batches.h) with overlapping
// windows, no resampling, a CT-like window and the default schedule.
train::TrainConfig tiny_config(train::Task task) {
  train::TrainConfig c = testing::tiny_config(task);
  c.stride = 8;
  c.seed = 5;
  c.schedule = train::ScheduleConfig{};
  c.data.preprocess.spacing = {0, 0, 0};
  c.data.preprocess.height = c.data.preprocess.width = 32;
  c.data.preprocess.window_low = -100;
  c.data.preprocess.window_high = 300;
  return c;
}

// One optimizer step on a random batch, then the checkpoint.
std::string trained_checkpoint(const TempDir& dir, const std::string& name, train::TrainConfig c) {
  torch::set_num_threads(1);
  const int64_t outputs = c.task == train::Task::kClassification ? 2 : 1;
  train::Trainer trainer(c, outputs, 2);
  torch::manual_seed(77);
  data::Batch b;
  b.image = torch::rand({2, 1, c.k, 32, 32});
  b.mask = (b.image > 0.7).to(torch::kFloat32);
  b.valid = torch::ones({2, 1, c.k, 1, 1});
  if (c.mci.enabled) b.mci = b.image * 2 - 1;
  if (c.task == train::Task::kClassification) b.target = torch::tensor({0, 1}, torch::kLong);
  if (c.task == train::Task::kRegression) b.target = torch::tensor({1.f, 3.f});
  b.refs = {{0, 0, c.k}, {1, 0, c.k}};
  trainer.train_step(b);
  const std::string path = dir.file(name);
  trainer.save(path);
  return path;
}

// A CT-like volume (HU) with an anisotropic, rotated geometry.
Volume test_image(const Vec3& spacing = {0.8, 0.8, 2.0}) {
  Geometry g;
  g.spacing = spacing;
  g.origin = {-20.5, 11.0, 37.25};
  const double c = std::cos(0.3), s = std::sin(0.3);
  g.direction = {c, -s, 0, s, c, 0, 0, 0, 1};
  Volume v(Size3{40, 36, 30}, g);
  for (int64_t z = 0; z < 30; ++z)
    for (int64_t y = 0; y < 36; ++y)
      for (int64_t x = 0; x < 40; ++x) {
        const double r = std::hypot(x - 22.0, y - 15.0, 2.0 * (z - 14.0));
        v.at(x, y, z) = float(r < 8 ? 60.0 + 40.0 * std::sin(0.9 * x) : -80.0 + 3.0 * ((x * 7 + y * 13 + z * 5) % 11));
      }
  return v;
}

// The network input of a whole volume as training prepares it (a full mask,
// no margin, no resampling, no in-plane crop): [1, D, H, W].
torch::Tensor prepared_input(const Volume& image, const train::TrainConfig& c) {
  data::PreprocessOptions p = c.data.preprocess;
  p.margin_mm = 0;
  p.spacing = {0, 0, 0};
  p.height = p.width = 0;
  return as_tensor(data::prepare_case(image, LabelMap(image.size(), image.geometry(), 1), p).image).unsqueeze(0);
}

int line_count(const std::string& s) { return int(std::count(s.begin(), s.end(), '\n')); }

TEST(InferCli, ReconstructionAndMciEqualTheInMemorySlidingWindowWithTheInputsGeometry) {
  TempDir dir;
  auto c = tiny_config(train::Task::kPretrain);
  c.mci.enabled = true;
  const std::string ck = trained_checkpoint(dir, "pretrain.pt", c);
  const std::string image_path = dir.file("ct.nii.gz");
  io::write_volume(test_image(), image_path);
  const Volume image = io::read_volume(image_path);

  const auto r = run_cli({"--threads", "1", "infer", "--checkpoint", ck, image_path, "-o", dir.file("recon.nii.gz"),
                          "--k", "16", "--stride", "5", "--fusion", "gaussian", "--sw-batch", "3"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto m = run_cli({"--threads", "1", "infer", "--checkpoint", ck, image_path, "-o", dir.file("mci.nii.gz"),
                          "--stride", "5", "--output", "mci"});
  ASSERT_EQ(m.code, 0) << m.err;

  // The same model on the same preprocessed input, in memory.
  torch::set_num_threads(1);
  train::LoadedModel loaded = train::load_model_from_checkpoint(ck);
  infer::SlidingWindowOptions w;
  w.windows = DepthWindows(16, 5);
  w.tile_h = w.tile_w = 32;  // the checkpoint's in-plane size is the default tile
  w.fusion = infer::Fusion::kGaussian;
  w.batch = 3;
  const torch::Tensor x = prepared_input(image, c);
  const auto recon = infer::sliding_window(x, [&](const torch::Tensor& t) { return loaded.model->forward(t).prediction; }, w)[0];
  // Reconstructions are written in the input's units: HU = low + value * (high - low).
  const auto recon_hu = (recon.to(torch::kFloat64) * 400.0 - 100.0).to(torch::kFloat32);
  w.fusion = infer::Fusion::kMean;
  w.batch = 1;
  const auto mci = infer::sliding_window(x, [&](const torch::Tensor& t) { return loaded.model->forward(t).mci; }, w)[0];

  for (const auto& [file, expected] : {std::make_pair("recon.nii.gz", recon_hu), std::make_pair("mci.nii.gz", mci)}) {
    const Volume out = io::read_volume(dir.file(file));
    EXPECT_EQ(out.size(), image.size()) << file;
    // NIfTI keeps a rotated direction to float precision (a quaternion of
    // floats), so a second write/read moves it by ~1e-8; NRRD below is exact.
    EXPECT_LT(out.geometry().max_difference(image.geometry()), 1e-7) << file;
    EXPECT_TRUE(torch::equal(as_tensor(out), expected)) << file << ": max |diff| "
                                                        << (as_tensor(out) - expected).abs().max().item<double>();
  }
  EXPECT_FALSE(torch::equal(recon_hu, mci));
}

TEST(InferCli, SegmentationIsTheFusedProbabilityAndResamplesBackWhenTheSpacingDiffers) {
  TempDir dir;
  auto c = tiny_config(train::Task::kSegmentation);
  c.data.preprocess.spacing = {0.8, 0.8, 2.0};  // the test image's own spacing: no resampling
  const std::string ck = trained_checkpoint(dir, "seg.pt", c);
  io::write_volume(test_image(), dir.file("ct.nrrd"));
  const Volume image = io::read_volume(dir.file("ct.nrrd"));
  const auto r = run_cli({"--threads", "1", "infer", "--checkpoint", ck, dir.file("ct.nrrd"), "-o",
                          dir.file("p.nrrd"), "--tile", "32x36"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;  // no resampling note

  torch::set_num_threads(1);
  train::LoadedModel loaded = train::load_model_from_checkpoint(ck);
  infer::SlidingWindowOptions w;
  w.windows = DepthWindows(16, 8);  // the checkpoint's
  w.tile_h = 32;
  w.tile_w = 36;
  const auto expected = infer::sliding_window(
      prepared_input(image, c), [&](const torch::Tensor& t) { return torch::sigmoid(loaded.model->forward(t).prediction); },
      w)[0];
  const Volume p = io::read_volume(dir.file("p.nrrd"));
  EXPECT_EQ(p.geometry().max_difference(image.geometry()), 0.0);
  EXPECT_TRUE(torch::equal(as_tensor(p), expected));

  // The same voxels at another spacing: resampled to the model's and back,
  // onto exactly the input's grid; still probabilities.
  io::write_volume(test_image({1.0, 0.9, 3.0}), dir.file("coarse.nrrd"));
  const Volume coarse = io::read_volume(dir.file("coarse.nrrd"));
  const auto s = run_cli({"--threads", "1", "infer", "--checkpoint", ck, dir.file("coarse.nrrd"), "-o",
                          dir.file("q.nrrd"), "--output", "segmentation"});
  ASSERT_EQ(s.code, 0) << s.err;
  EXPECT_NE(s.err.find("resampled to the model's spacing (0.8, 0.8, 2)"), std::string::npos) << s.err;
  const Volume q = io::read_volume(dir.file("q.nrrd"));
  EXPECT_EQ(q.size(), coarse.size());
  // (NRRD stores direction x spacing: reading splits it again, to 1 ulp)
  EXPECT_LT(q.geometry().max_difference(coarse.geometry()), 1e-12);
  const auto qt = as_tensor(q);
  EXPECT_GT(qt.min().item<float>(), 0.f);
  EXPECT_LT(qt.max().item<float>(), 1.f);
  EXPECT_GT((qt - qt.mean()).abs().max().item<float>(), 0.f);  // not a constant (edges interpolated too)

  // A pretrain-only output of a segmentation model is refused.
  EXPECT_EQ(run_cli({"infer", "--checkpoint", ck, dir.file("ct.nrrd"), "-o", dir.file("m.nii.gz"), "--output", "mci"}).code, 2);
}

TEST(InferCli, ZScoreUsesTheWholeVolumesStatisticsAsTrainingWouldForAWholeVolumeCrop) {
  // Two streamed passes (statistics, then windows) give what prepare_case
  // gives for a crop that is the whole volume.
  TempDir dir;
  auto c = tiny_config(train::Task::kSegmentation);
  c.data.preprocess.intensity = data::IntensityMode::kZScore;
  const std::string ck = trained_checkpoint(dir, "seg_z.pt", c);
  io::write_volume(test_image(), dir.file("mr.nii.gz"));
  const Volume image = io::read_volume(dir.file("mr.nii.gz"));
  const auto r = run_cli({"--threads", "1", "infer", "--checkpoint", ck, dir.file("mr.nii.gz"), "-o", dir.file("p.nii")});
  ASSERT_EQ(r.code, 0) << r.err;
  torch::set_num_threads(1);
  train::LoadedModel loaded = train::load_model_from_checkpoint(ck);
  infer::SlidingWindowOptions w;
  w.tile_h = w.tile_w = 32;
  const torch::Tensor x = prepared_input(image, c);
  EXPECT_NEAR(x.mean().item<double>(), 0.0, 1e-5);  // z-scored indeed
  const auto expected = infer::sliding_window(
      x, [&](const torch::Tensor& t) { return torch::sigmoid(loaded.model->forward(t).prediction); }, w)[0];
  EXPECT_TRUE(torch::equal(as_tensor(io::read_volume(dir.file("p.nii"))), expected));
}

TEST(InferCli, WrongTaskAndMissingCheckpointAreOneLineErrors) {
  TempDir dir;
  const std::string ck = trained_checkpoint(dir, "cls.pt", tiny_config(train::Task::kClassification));
  io::write_volume(test_image(), dir.file("ct.nii.gz"));
  const auto r = run_cli({"infer", "--checkpoint", ck, dir.file("ct.nii.gz"), "-o", dir.file("out.nii.gz")});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(line_count(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("a classification checkpoint: `scopemia infer` runs dense models"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir.file("out.nii.gz")));

  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"infer", "--checkpoint", dir.file("none.pt"), dir.file("ct.nii.gz"), "-o", dir.file("out.nii.gz")},
        std::vector<std::string>{"embed", "--checkpoint", dir.file("none.pt"), "--cases", dir.file("cases.csv")},
        std::vector<std::string>{"explain", "--checkpoint", dir.file("none.pt"), dir.file("ct.nii.gz"), "-o", dir.file("x")}}) {
    const auto e = run_binary(args);
    EXPECT_EQ(e.code, 2) << args[0];
    EXPECT_EQ(line_count(e.err), 1) << e.err;
    EXPECT_NE(e.err.find("none.pt: no such checkpoint"), std::string::npos) << e.err;
  }
  EXPECT_FALSE(fs::exists(dir.file("out.nii.gz")));
  EXPECT_FALSE(fs::exists(dir.file("x")));

  // A dense checkpoint has no prediction to explain; a checkpoint fixes the model.
  const std::string seg = trained_checkpoint(dir, "seg.pt", tiny_config(train::Task::kSegmentation));
  const auto x = run_cli({"explain", "--checkpoint", seg, dir.file("ct.nii.gz"), "-o", dir.file("x")});
  EXPECT_EQ(x.code, 2);
  EXPECT_NE(x.err.find("a segmentation checkpoint: `scopemia explain` explains classification or regression"),
            std::string::npos)
      << x.err;
  const auto y = run_cli({"explain", "--checkpoint", ck, "--seed", "3", dir.file("ct.nii.gz"), "-o", dir.file("x")});
  EXPECT_EQ(y.code, 2);
  EXPECT_NE(y.err.find("--seed cannot be combined with --checkpoint"), std::string::npos) << y.err;
}

// Two phantom cases on disk and their cases CSV.
std::string write_cases(const TempDir& dir) {
  synth::PhantomOptions p;
  p.size = Size3{56, 56, 24};
  std::ofstream csv(dir.file("cases.csv"));
  csv << "ID,Image,Mask\n";
  for (int i = 0; i < 2; ++i) {
    const synth::PhantomCase c = synth::make_phantom_case(p, i);
    io::write_volume(c.image, dir.file(fmt::format("img{}.nii.gz", i)));
    io::write_label_map(c.mask, dir.file(fmt::format("mask{}.nii.gz", i)));
    csv << "case" << i << ",img" << i << ".nii.gz,mask" << i << ".nii.gz\n";
  }
  return dir.file("cases.csv");
}

TEST(EmbedCli, CheckpointEmbeddingsAreTheLoadedWeightsOnesRepeatAndDifferFromRandomInit) {
  TempDir dir;
  const auto c = tiny_config(train::Task::kClassification);
  const std::string ck = trained_checkpoint(dir, "cls.pt", c);
  const std::string cases = write_cases(dir);
  for (const char* name : {"a.csv", "b.csv"}) {
    const auto r = run_cli({"--threads", "1", "embed", "--checkpoint", ck, "--cases", cases, "-o", dir.file(name)});
    ASSERT_EQ(r.code, 0) << r.err;
  }
  EXPECT_EQ(testing::read_bytes(dir.file("a.csv")), testing::read_bytes(dir.file("b.csv")));
  const io::CsvTable a = io::read_csv(dir.file("a.csv"));
  ASSERT_EQ(a.rows.size(), 2u);

  // Directly from the loaded weights, with the checkpoint's preprocessing and windows.
  torch::set_num_threads(1);
  train::LoadedModel loaded = train::load_model_from_checkpoint(ck);
  infer::EmbedOptions o;
  o.preprocess = loaded.config.data.preprocess;
  o.windows = loaded.config.windows();
  const infer::Embedder embedder(o, loaded.model.ptr(), loaded.model->backbone());
  const auto& names = embedder.names();
  for (int i = 0; i < 2; ++i) {
    const auto row = embedder.embed(io::read_volume(dir.file(fmt::format("img{}.nii.gz", i))),
                                    io::read_label_map(dir.file(fmt::format("mask{}.nii.gz", i))));
    ASSERT_EQ(row.size(), names.size());
    EXPECT_EQ(a.rows[i][a.column("ID")], "case" + std::to_string(i));
    for (size_t j = 0; j < row.size(); ++j)
      ASSERT_EQ(a.rows[i][a.column(names[j])], fmt::format("{:.9g}", row[j])) << names[j];
  }

  // The randomly initialised model of the same seed and preprocessing differs.
  const auto r = run_cli({"--threads", "1", "embed", "--model", "convnext3d_nano", "--seed", std::to_string(c.seed),
                          "--pde-stages", "1,2", "--spacing", "0", "0", "0", "--size", "32", "32", "--window", "-100",
                          "300", "--k", "16", "--stride", "8", "--cases", cases, "-o", dir.file("random.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  const io::CsvTable rnd = io::read_csv(dir.file("random.csv"));
  ASSERT_EQ(rnd.header, a.header);
  int differing = 0;
  for (const auto& name : names) differing += rnd.rows[0][rnd.column(name)] != a.rows[0][a.column(name)];
  EXPECT_GT(differing, int(names.size()) / 2);

  // A checkpoint fixes the model and its preprocessing.
  const auto bad = run_cli({"embed", "--checkpoint", ck, "--spacing", "1", "1", "1", "--cases", cases});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--spacing cannot be combined with --checkpoint"), std::string::npos) << bad.err;
}

// The checkpoint's model seen as a backbone, keeping its prediction.
class WholeModel : public nn::BackboneImpl {
 public:
  explicit WholeModel(train::ScopeModel m) : m_(std::move(m)) {}
  nn::BackboneOutput forward(const torch::Tensor& x) override {
    auto out = m_->forward(x);
    prediction = out.prediction;
    return out.backbone;
  }
  int64_t out_channels() const override { return 0; }
  std::vector<int64_t> stage_channels() const override { return {}; }
  std::vector<nn::PdeBlock>& pde_blocks() override { return m_->backbone().pde_blocks(); }
  torch::Tensor prediction;

 private:
  train::ScopeModel m_;
};

TEST(ExplainCli, ClassificationCheckpointExplainsThePredictedClassLogit) {
  TempDir dir;
  const std::string ck = trained_checkpoint(dir, "cls.pt", tiny_config(train::Task::kClassification));
  io::write_volume(test_image(), dir.file("ct.nii.gz"));
  const Volume input = io::read_volume(dir.file("ct.nii.gz"));
  const auto r = run_cli({"--threads", "1", "explain", "--checkpoint", ck, dir.file("ct.nii.gz"), "-o", dir.file("e")});
  ASSERT_EQ(r.code, 0) << r.err;
  const Volume cli = io::read_volume((fs::path(dir.file("e")) / "gradcam_pde1_textural.nii.gz").string());

  // Directly: the whole image prepared with the checkpoint's preprocessing,
  // Grad-CAM of each class's logit, brought to the input grid.
  torch::set_num_threads(1);
  train::LoadedModel loaded = train::load_model_from_checkpoint(ck);
  data::PreprocessOptions p = loaded.config.data.preprocess;
  p.margin_mm = 0;
  p.height = p.width = 0;
  const Volume prepared = data::prepare_case(input, LabelMap(input.size(), input.geometry(), 1), p).image;
  WholeModel model(loaded.model);
  std::vector<Volume> per_class;
  int64_t predicted = -1;
  for (int64_t c = 0; c < 2; ++c) {
    const auto maps = infer::grad_cam(model, prepared, [&](const nn::BackboneOutput&) { return model.prediction[0][c]; });
    predicted = model.prediction.detach()[0].argmax().item<int64_t>();
    ASSERT_EQ(maps.size(), 4u);
    Image<double> m(maps[3].map.size(), maps[3].map.geometry());
    for (int64_t i = 0; i < m.voxel_count(); ++i) m[i] = maps[3].map[i];
    const Image<double> back =
        imaging::resample(m, imaging::Grid{input.size(), input.geometry()}, imaging::Interpolator::Linear, 0.0);
    Volume v(back.size(), back.geometry());
    for (int64_t i = 0; i < v.voxel_count(); ++i) v[i] = float(back[i]);
    per_class.push_back(v);
  }
  EXPECT_NE(r.err.find("explaining class " + std::to_string(predicted)), std::string::npos) << r.err;
  EXPECT_TRUE(torch::equal(as_tensor(cli), as_tensor(per_class[predicted])));
  EXPECT_FALSE(torch::equal(as_tensor(cli), as_tensor(per_class[1 - predicted])));
}

TEST(ExplainCli, CheckpointMapsCarryTheInputsGeometryAndRepeat) {
  TempDir dir;
  const std::string cls = trained_checkpoint(dir, "cls.pt", tiny_config(train::Task::kClassification));
  const std::string reg = trained_checkpoint(dir, "reg.pt", tiny_config(train::Task::kRegression));
  const Volume image = test_image();
  io::write_volume(image, dir.file("ct.nii.gz"));
  LabelMap mask(image.size(), image.geometry(), 0);
  for (int64_t z = 6; z < 15; ++z)
    for (int64_t y = 9; y < 22; ++y)
      for (int64_t x = 15; x < 30; ++x) mask.at(x, y, z) = 1;
  io::write_label_map(mask, dir.file("roi.nii.gz"));
  const Volume input = io::read_volume(dir.file("ct.nii.gz"));

  for (const auto& [ck, says] : {std::make_pair(cls, "explaining class "), std::make_pair(reg, "explaining the predicted value")}) {
    std::vector<torch::Tensor> first;
    for (const char* out : {"e1", "e2"}) {
      const auto r = run_cli({"--threads", "1", "explain", "--checkpoint", ck, dir.file("ct.nii.gz"), dir.file("roi.nii.gz"),
                              "-o", dir.file(out)});
      ASSERT_EQ(r.code, 0) << r.err;
      EXPECT_NE(r.err.find(says), std::string::npos) << r.err;
      int maps = 0;
      for (const char* stream : {"pde0_anatomical", "pde0_textural", "pde1_anatomical", "pde1_textural"}) {
        const std::string file = (fs::path(dir.file(out)) / (std::string("gradcam_") + stream + ".nii.gz")).string();
        ASSERT_TRUE(fs::exists(file)) << file;
        const Volume m = io::read_volume(file);
        EXPECT_EQ(m.size(), input.size()) << file;
        // (a rotated direction survives a NIfTI round trip to float precision)
        EXPECT_LT(m.geometry().max_difference(input.geometry()), 1e-6) << file;
        const auto t = as_tensor(m);
        EXPECT_GE(t.min().item<float>(), 0.f);
        EXPECT_LE(t.max().item<float>(), 1.f + 1e-6f);
        if (std::string(out) == "e1") first.push_back(t.clone());
        else EXPECT_TRUE(torch::equal(t, first[maps])) << file;  // deterministic
        ++maps;
      }
      EXPECT_TRUE(fs::exists(fs::path(dir.file(out)) / "gradcam_pde1_textural_slice010.png"));
    }
    fs::remove_all(dir.file("e1"));
    fs::remove_all(dir.file("e2"));
  }

  // Without a mask the whole image is explained, still on its grid.
  const auto r = run_cli({"--threads", "1", "explain", "--checkpoint", cls, dir.file("ct.nii.gz"), "-o", dir.file("whole")});
  ASSERT_EQ(r.code, 0) << r.err;
  const Volume m = io::read_volume((fs::path(dir.file("whole")) / "gradcam_pde1_textural.nii.gz").string());
  EXPECT_EQ(m.size(), input.size());
  EXPECT_LT(m.geometry().max_difference(input.geometry()), 1e-6);
}

}  // namespace
}  // namespace scopemia
