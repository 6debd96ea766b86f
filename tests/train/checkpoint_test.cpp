#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "core/error.h"
#include "data/preprocess.h"
#include "support/temp_dir.h"
#include "train/batches.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

namespace scopemia::train {
namespace {

namespace fs = std::filesystem;
using testing::list_files;
using testing::read_bytes;
using testing::synthetic_batch;
using testing::tiny_config;
using testing::TempDir;

std::vector<torch::Tensor> snapshot_head(ScopeModelImpl& m) {
  std::vector<torch::Tensor> v;
  for (const auto& p : m.named_parameters())
    if (p.key().rfind("backbone.", 0) != 0) v.push_back(p.value().detach().clone());
  return v;
}

TEST(Checkpoint, AFailedWriteLeavesThePreviousCheckpointIntactAndNoTemporary) {
  auto c = tiny_config(Task::kClassification);
  Trainer t(c, 2, 4);
  TempDir dir;
  const std::string path = dir.file("checkpoint.pt");

  // A failure during the very first write leaves nothing at all.
  EXPECT_THROW(t.save(path, [](const std::string&) { throw std::runtime_error("disk full"); }), std::runtime_error);
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(list_files(dir.path()).empty());

  t.save(path);
  const std::string good = read_bytes(path);
  ASSERT_FALSE(good.empty());
  t.train_step(synthetic_batch(1, 0, 2, c.task));
  std::string temp_seen;
  EXPECT_THROW(t.save(path,
                      [&](const std::string& temp) {
                        temp_seen = temp;
                        ASSERT_TRUE(fs::exists(temp));  // complete, beside the target, not yet renamed
                        EXPECT_GT(fs::file_size(temp), 0u);
                        throw std::runtime_error("killed before the rename");
                      }),
               std::runtime_error);
  EXPECT_FALSE(temp_seen.empty());
  EXPECT_FALSE(fs::exists(temp_seen));
  EXPECT_EQ(read_bytes(path), good);  // the old checkpoint, byte for byte
  EXPECT_EQ(list_files(dir.path()), std::vector<std::string>{"checkpoint.pt"});
  EXPECT_EQ(read_checkpoint_info(path).progress.global_step, 0);

  t.save(path);
  EXPECT_NE(read_bytes(path), good);
  EXPECT_EQ(read_checkpoint_info(path).progress.global_step, 1);
}

TEST(Checkpoint, LoadModelFromCheckpointReproducesOutputsExactly) {
  for (Task task : {Task::kClassification, Task::kPretrain}) {
    auto c = tiny_config(task);
    c.data.preprocess.spacing = Vec3{0.7, 0.7, 1.25};
    c.data.preprocess.height = 40;
    c.model.pde.steps = 2;
    c.mci.enabled = task == Task::kPretrain;
    Trainer t(c, task == Task::kClassification ? 3 : 1, 4);
    auto b = synthetic_batch(3, 0, 2, task);
    if (c.mci.enabled) b.mci = b.image * 2;
    if (task == Task::kClassification) b.target = torch::tensor({2, 0}, torch::kLong);
    t.train_step(b);
    t.train_step(b);
    TempDir dir;
    t.save(dir.file("checkpoint.pt"));

    LoadedModel loaded = load_model_from_checkpoint(dir.path().string());
    EXPECT_EQ(to_yaml(loaded.config), to_yaml(c));
    EXPECT_EQ(loaded.info.preprocess, data::describe(c.data.preprocess));
    EXPECT_EQ(loaded.info.outputs, t.outputs());
    EXPECT_EQ(loaded.info.progress.global_step, 2);
    EXPECT_FALSE(loaded.model->is_training());

    torch::NoGradGuard no_grad;
    t.model()->eval();
    const auto x = synthetic_batch(8, 10, 2, task).image;
    const auto a = t.model()->forward(x), l = loaded.model->forward(x);
    EXPECT_TRUE(torch::equal(a.prediction, l.prediction)) << to_string(task);
    if (c.mci.enabled) EXPECT_TRUE(torch::equal(a.mci, l.mci));
    ASSERT_EQ(a.backbone.pde_states.size(), l.backbone.pde_states.size());
    for (size_t i = 0; i < a.backbone.pde_states.size(); ++i)
      EXPECT_TRUE(torch::equal(a.backbone.pde_states[i].f_T_new, l.backbone.pde_states[i].f_T_new));
  }
}

TEST(Checkpoint, FineTuningStartsFromThePretrainedBackbone) {
  auto pre = tiny_config(Task::kPretrain);
  Trainer p(pre, 1, 2);
  p.train_step(synthetic_batch(1, 0, 2, pre.task));
  TempDir dir;
  p.save(dir.file("pre.pt"));

  auto cls = tiny_config(Task::kClassification);
  cls.seed = 99;  // another initialisation, so a copy is visible
  Trainer t(cls, 2, 2);
  const auto head_before = snapshot_head(*t.model());
  const int64_t n = t.init_backbone_from(dir.file("pre.pt"));
  const auto to = t.model()->backbone().named_parameters(), from = p.model()->backbone().named_parameters();
  EXPECT_EQ(n, int64_t(to.size() + t.model()->backbone().named_buffers().size()));
  for (const auto& item : to) EXPECT_TRUE(torch::equal(item.value(), from[item.key()])) << item.key();
  const auto head_after = snapshot_head(*t.model());
  for (size_t i = 0; i < head_before.size(); ++i) EXPECT_TRUE(torch::equal(head_before[i], head_after[i]));
  t.train_step(synthetic_batch(1, 0, 2, cls.task));  // and it trains on

  auto other = tiny_config(Task::kClassification);
  other.model.pde_stages = {2};
  Trainer u(other, 2, 2);
  try {
    u.init_backbone_from(dir.file("pre.pt"));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("convnext3d_nano with PDE stages [1, 2]"), std::string::npos) << e.what();
  }
}

TEST(Checkpoint, BadFilesAreInputErrors) {
  TempDir dir;
  EXPECT_THROW(load_model_from_checkpoint(dir.path().string()), InputError);  // no checkpoint.pt
  EXPECT_THROW(load_model_from_checkpoint(dir.file("none.pt")), InputError);
  std::ofstream(dir.file("junk.pt")) << "not a checkpoint";
  try {
    read_checkpoint_info(dir.file("junk.pt"));
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("junk.pt"), std::string::npos);
  }
  // A checkpoint of another model does not load into this one.
  auto c = tiny_config(Task::kClassification);
  Trainer t(c, 2, 1);
  t.save(dir.file("cls.pt"));
  auto other = tiny_config(Task::kClassification);
  other.model.pde_stages = {2};
  Trainer u(other, 2, 1);
  try {
    u.resume(dir.file("cls.pt"));
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'backbone.pde1'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace scopemia::train
