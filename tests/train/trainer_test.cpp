#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <thread>

#include <gtest/gtest.h>

#include "core/stop_signal.h"
#include "io/csv.h"
#include "support/temp_dir.h"
#include "synth/phantom.h"
#include "train/batches.h"
#include "train/trainer.h"

namespace scopemia::train {
namespace {

namespace fs = std::filesystem;
using testing::synthetic_batch;
using testing::tiny_config;

std::vector<torch::Tensor> snapshot(ScopeModelImpl& m) {
  std::vector<torch::Tensor> v;
  for (const auto& p : m.parameters()) v.push_back(p.detach().clone());
  for (const auto& b : m.buffers()) v.push_back(b.detach().clone());
  return v;
}

// Every parameter, buffer and AdamW state tensor of a and b, bitwise.
void expect_identical(Trainer& a, Trainer& b) {
  const auto pa = a.model()->named_parameters(), pb = b.model()->named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (size_t i = 0; i < pa.size(); ++i)
    EXPECT_TRUE(torch::equal(pa[i].value(), pb[i].value())) << "parameter " << pa[i].key();
  const auto ba = a.model()->named_buffers(), bb = b.model()->named_buffers();
  for (size_t i = 0; i < ba.size(); ++i)
    EXPECT_TRUE(torch::equal(ba[i].value(), bb[i].value())) << "buffer " << ba[i].key();
  auto& sa = a.optimizer().state();
  auto& sb = b.optimizer().state();
  const auto& ga = a.optimizer().param_groups();
  const auto& gb = b.optimizer().param_groups();
  ASSERT_EQ(ga.size(), gb.size());
  int64_t compared = 0;
  for (size_t g = 0; g < ga.size(); ++g) {
    ASSERT_EQ(ga[g].params().size(), gb[g].params().size());
    EXPECT_EQ(static_cast<const torch::optim::AdamWOptions&>(ga[g].options()).lr(),
              static_cast<const torch::optim::AdamWOptions&>(gb[g].options()).lr());
    for (size_t i = 0; i < ga[g].params().size(); ++i) {
      const auto ka = c10::guts::to_string(ga[g].params()[i].unsafeGetTensorImpl());
      const auto kb = c10::guts::to_string(gb[g].params()[i].unsafeGetTensorImpl());
      ASSERT_EQ(sa.count(ka), sb.count(kb));
      if (!sa.count(ka)) continue;
      const auto& xa = static_cast<const torch::optim::AdamWParamState&>(*sa.at(ka));
      const auto& xb = static_cast<const torch::optim::AdamWParamState&>(*sb.at(kb));
      EXPECT_EQ(xa.step(), xb.step());
      EXPECT_TRUE(torch::equal(xa.exp_avg(), xb.exp_avg())) << "exp_avg of group " << g << " param " << i;
      EXPECT_TRUE(torch::equal(xa.exp_avg_sq(), xb.exp_avg_sq())) << "exp_avg_sq of group " << g << " param " << i;
      ++compared;
    }
  }
  EXPECT_GT(compared, 0);
}

// Must show: N steps, checkpoint, resume, N steps == 2N uninterrupted steps,
// bitwise (parameters, buffers, AdamW moments and step counts), on CPU with
// a fixed thread count. Dropout makes the torch generator's state matter.
void check_resume_is_bitwise(TrainConfig c, int64_t outputs) {
  const int64_t N = 3;
  std::vector<data::Batch> batches;
  for (int64_t i = 0; i < 2 * N; ++i) batches.push_back(synthetic_batch(5, 2 * i, 2, c.task, 16, 32, 32, i % 3 == 2 ? 4 : 0));
  testing::TempDir dir;
  const std::string ck = dir.file("run/checkpoint.pt");
  {
    Trainer first(c, outputs, 2 * N);
    for (int64_t i = 0; i < N; ++i) first.train_step(batches[i]);
    first.progress().position = N;
    first.save(ck);
  }
  Trainer resumed(c, outputs, 2 * N);
  resumed.resume(dir.file("run"));  // a run folder resolves to its checkpoint.pt
  EXPECT_EQ(resumed.progress().global_step, N);
  EXPECT_EQ(resumed.progress().position, N);
  for (int64_t i = N; i < 2 * N; ++i) resumed.train_step(batches[i]);

  Trainer straight(c, outputs, 2 * N);
  std::vector<double> losses;
  for (int64_t i = 0; i < 2 * N; ++i) losses.push_back(straight.train_step(batches[i]).loss);
  EXPECT_EQ(straight.progress().global_step, 2 * N);
  expect_identical(resumed, straight);
  // And the run did move: the weights differ from a fresh model's.
  Trainer fresh(c, outputs, 2 * N);
  EXPECT_FALSE(torch::equal(fresh.model()->parameters()[0], straight.model()->parameters()[0]));
}

TEST(Trainer, ResumeIsBitwiseIdenticalToAnUninterruptedRunClassification) {
  auto c = tiny_config(Task::kClassification);
  c.model.dropout = 0.3;
  check_resume_is_bitwise(c, 2);
}

TEST(Trainer, ResumeIsBitwiseIdenticalToAnUninterruptedRunPretrainWithMci) {
  auto c = tiny_config(Task::kPretrain);
  c.mci.enabled = true;
  c.masking.ratios = {0.25, 0.5, 0.75};
  c.masking.strategy = data::MaskStrategy::kTubes;
  // MCI maps: a fixed function of the image here (the dataset computes the real ones).
  auto with_mci = c;
  (void)with_mci;
  const int64_t N = 2;
  std::vector<data::Batch> batches;
  for (int64_t i = 0; i < 2 * N; ++i) {
    auto b = synthetic_batch(9, 2 * i, 2, c.task);
    b.mci = b.image.pow(2);
    batches.push_back(b);
  }
  testing::TempDir dir;
  {
    Trainer first(c, 1, 2 * N);
    for (int64_t i = 0; i < N; ++i) first.train_step(batches[i]);
    first.save(dir.file("checkpoint.pt"));
  }
  Trainer resumed(c, 1, 2 * N);
  resumed.resume(dir.file("checkpoint.pt"));
  for (int64_t i = N; i < 2 * N; ++i) resumed.train_step(batches[i]);
  Trainer straight(c, 1, 2 * N);
  for (int64_t i = 0; i < 2 * N; ++i) straight.train_step(batches[i]);
  expect_identical(resumed, straight);
}

TEST(Trainer, NanGuardStopsBeforeTheUpdateNamingStepAndTerm) {
  auto c = tiny_config(Task::kClassification);
  Trainer t(c, 2, 10);
  t.train_step(synthetic_batch(1, 0, 2, c.task));
  auto bad = synthetic_batch(1, 2, 2, c.task);
  bad.image[1][0][3][4][5] = std::numeric_limits<float>::quiet_NaN();
  const auto before = snapshot(*t.model());
  try {
    t.train_step(bad);
    FAIL() << "expected TrainingDiverged";
  } catch (const TrainingDiverged& e) {
    EXPECT_EQ(std::string(e.what()), "step 1: loss term 'task' is nan");
  }
  const auto after = snapshot(*t.model());
  for (size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(torch::equal(before[i], after[i])) << i;
  EXPECT_EQ(t.progress().global_step, 1);

  // An infinite regression target: also the task term.
  auto r = tiny_config(Task::kRegression);
  Trainer tr(r, 1, 10);
  auto inf = synthetic_batch(1, 0, 2, r.task);
  inf.target[0] = std::numeric_limits<float>::infinity();
  try {
    tr.train_step(inf);
    FAIL() << "expected TrainingDiverged";
  } catch (const TrainingDiverged& e) {
    EXPECT_EQ(std::string(e.what()), "step 0: loss term 'task' is inf");
  }
}

TEST(Trainer, LearnsASeparableClassificationProblem) {
  auto c = tiny_config(Task::kClassification);
  c.optimizer.lr = 1e-3;
  c.schedule.warmup_steps = 3;
  const int64_t steps = 40;
  Trainer t(c, 2, steps);
  Metrics before(Task::kClassification), after(Task::kClassification);
  std::vector<data::Batch> validation;
  for (int64_t i = 0; i < 8; ++i) validation.push_back(synthetic_batch(777, 4 * i, 4, c.task));
  for (size_t i = 0; i < validation.size(); ++i) t.evaluate(validation[i], int64_t(i), before);
  for (int64_t s = 0; s < steps; ++s) {
    const auto r = t.train_step(synthetic_batch(3, 2 * (s % 20), 2, c.task));  // 40 training samples
    EXPECT_DOUBLE_EQ(r.lr, t.schedule().lr(s));
  }
  for (size_t i = 0; i < validation.size(); ++i) t.evaluate(validation[i], int64_t(i), after);
  const auto a = after.values();
  std::printf("validation before: loss %.3f acc %.3f auc %.3f; after: loss %.3f acc %.3f auc %.3f\n",
              before.values()["val_loss"], before.values()["val_accuracy"], before.values()["val_auc"], a.at("val_loss"),
              a.at("val_accuracy"), a.at("val_auc"));
  EXPECT_EQ(after.samples(), 32);
  EXPECT_GT(a.at("val_accuracy"), 0.9);
  EXPECT_GT(a.at("val_auc"), 0.95);
  EXPECT_LT(a.at("val_loss"), before.values().at("val_loss"));
}

TEST(Trainer, PretrainingHalvesTheMaskedMse) {
  auto c = tiny_config(Task::kPretrain);
  c.optimizer.lr = 2e-3;
  c.masking.strategy = data::MaskStrategy::kRandomCubes;
  c.masking.ratios = {0.5};
  const int64_t steps = 40;
  Trainer t(c, 1, steps);
  std::vector<data::Batch> validation;
  for (int64_t i = 0; i < 4; ++i) validation.push_back(synthetic_batch(555, 4 * i, 4, c.task));
  Metrics before(Task::kPretrain), after(Task::kPretrain);
  for (size_t i = 0; i < validation.size(); ++i) t.evaluate(validation[i], int64_t(i), before);
  double first = 0, last = 0;
  for (int64_t s = 0; s < steps; ++s) {
    const auto r = t.train_step(synthetic_batch(4, 2 * (s % 16), 2, c.task, 16, 32, 32, s % 4 == 3 ? 5 : 0));
    if (s == 0) first = r.task;
    last = r.task;
  }
  for (size_t i = 0; i < validation.size(); ++i) t.evaluate(validation[i], int64_t(i), after);
  const double b = before.values().at("val_masked_mse"), a = after.values().at("val_masked_mse");
  std::printf("masked MSE: validation %.5f -> %.5f, training step 0 %.5f -> step %lld %.5f\n", b, a, first,
              (long long)steps - 1, last);
  EXPECT_LE(a, 0.5 * b);
}

TEST(Trainer, PretrainMasksAreReproducibleAndSkipPadding) {
  auto c = tiny_config(Task::kPretrain);
  c.masking.strategy = data::MaskStrategy::kSlices;
  c.masking.ratios = {0.5};
  Trainer t(c, 1, 1);
  const auto b = synthetic_batch(1, 0, 3, c.task, 16, 32, 32, 6);
  const auto m1 = t.pretrain_mask(b, 42), m2 = t.pretrain_mask(b, 42), m3 = t.pretrain_mask(b, 43);
  EXPECT_TRUE(torch::equal(m1, m2));
  EXPECT_FALSE(torch::equal(m1, m3));
  EXPECT_EQ(m1.narrow(2, 10, 6).sum().item<int64_t>(), 0);  // padding never masked
  // Whole slices: per sample 8 of 16 slices drawn, minus those in the padding.
  for (int64_t i = 0; i < 3; ++i) {
    const auto per_slice = m1[i][0].flatten(1).all(1).to(torch::kLong);
    const auto any = m1[i][0].flatten(1).any(1).to(torch::kLong);
    EXPECT_TRUE(torch::equal(per_slice, any)) << "slices are all or nothing";
    EXPECT_LE(per_slice.sum().item<int64_t>(), 8);
  }
}

TEST(Trainer, SegmentationAndRegressionLossesTrainDown) {
  for (Task task : {Task::kSegmentation, Task::kRegression}) {
    auto c = tiny_config(task);
    c.optimizer.lr = task == Task::kSegmentation ? 5e-3 : 1e-3;
    c.pde_loss.attention = 0.5;
    const int steps = 50;
    Trainer t(c, 1, steps);
    const auto b = synthetic_batch(2, 0, 4, task, 16, 32, 32, 3);
    const double first = t.train_step(b).task;
    double last = first;
    for (int s = 1; s < steps; ++s) last = t.train_step(b).task;
    std::printf("%s: task loss %.4f -> %.4f\n", to_string(task).c_str(), first, last);
    EXPECT_LT(last, 0.5 * first) << to_string(task);
    Metrics m(task);
    t.evaluate(b, 0, m);
    std::printf("  %s %.4f\n", Metrics::names(task).back().c_str(), m.values().at(Metrics::names(task).back()));
    if (task == Task::kSegmentation) {
      EXPECT_GT(m.values().at("val_dice"), 0.5);
    } else {
      EXPECT_LT(m.values().at("val_mae"), 0.5);
    }
  }
}

TEST(Trainer, StepReportsEveryWeightedPdeTerm) {
  auto c = tiny_config(Task::kClassification);
  c.pde_loss.hessian = 0;  // off: not computed into the total, not reported
  Trainer t(c, 2, 10);
  const auto r = t.train_step(synthetic_batch(1, 0, 2, c.task));
  for (const char* name : {"task", "pde.stability[block 0]", "pde.entropy[block 1]", "pde.attention[block 1]"})
    EXPECT_EQ(r.terms.count(name), 1u) << name;
  EXPECT_EQ(r.terms.count("pde.hessian[block 0]"), 0u);
  double pde = 0;
  for (const auto& [name, v] : r.terms) {
    if (name.rfind("pde.stability", 0) == 0) pde += c.pde_loss.stability * v / 2;
    if (name.rfind("pde.entropy", 0) == 0) pde += c.pde_loss.entropy * v / 2;
    if (name.rfind("pde.attention", 0) == 0) pde += c.pde_loss.attention * v / 2;
  }
  EXPECT_NEAR(r.pde, pde, 1e-6 * std::max(1.0, pde));
  EXPECT_NEAR(r.loss, r.task + r.pde, 1e-5);
  EXPECT_GT(r.grad_norm, 0);
}

// The whole loop (files, cohort, loader with workers and augmentation,
// validation, checkpoints): a run interrupted mid-epoch and resumed ends
// bitwise where the uninterrupted run ends.
// A six-case phantom cohort written into `dir` and a tiny classification
// run on it through files, with a validation split and two loader workers.
TrainConfig phantom_run_config(const testing::TempDir& dir) {
  synth::PhantomOptions p;
  p.cases = 6;
  p.size = Size3{48, 48, 16};
  p.spacing = Vec3{1.0, 1.0, 1.5};
  p.threads = 1;
  auto c = tiny_config(Task::kClassification);
  c.data.cases_csv = synth::write_phantom_cohort(dir.file("cohort"), p).csv_path;
  c.data.target_column = "heterogeneous";
  c.data.group_column = "patient_id";
  c.data.val_fraction = 0.34;
  c.data.preprocess.spacing = Vec3{1, 1, 1};
  c.data.preprocess.height = c.data.preprocess.width = 32;
  c.data.preprocess.margin_mm = 5;
  c.stride = 8;
  c.workers = 2;
  return c;
}

TEST(RunTraining, ResumedMidEpochEqualsUninterrupted) {
  testing::TempDir dir;
  auto c = phantom_run_config(dir);
  c.epochs = 2;
  c.model.dropout = 0.2;
  c.augmentation.flip = true;
  c.augmentation.intensity_scale = 0.1;

  RunOptions quiet;
  quiet.progress_bar = false;
  c.output_dir = dir.file("straight");
  const RunSummary straight = run_training(c, quiet);
  const io::CsvTable log = io::read_csv(dir.file("straight/metrics.csv"));
  ASSERT_EQ(log.rows.size(), 2u);
  const int64_t per_epoch = std::stoll(log.rows[0][1]);
  ASSERT_GE(per_epoch, 2);
  EXPECT_EQ(straight.steps, 2 * per_epoch);
  EXPECT_EQ(straight.epochs_completed, 2);

  c.output_dir = dir.file("interrupted");
  RunOptions stop = quiet;
  stop.stop_at_step = per_epoch + 1;  // one batch into the second epoch
  EXPECT_EQ(run_training(c, stop).steps, per_epoch + 1);
  const auto info = read_checkpoint_info(dir.file("interrupted/checkpoint.pt"));
  EXPECT_EQ(info.progress.epoch, 1);
  EXPECT_EQ(info.progress.position, 1);
  RunOptions resume = quiet;
  resume.resume = dir.file("interrupted");
  EXPECT_EQ(run_training(c, resume).steps, 2 * per_epoch);

  Trainer a(c, 2, 1), b(c, 2, 1);
  a.resume(dir.file("straight/model.pt"));
  b.resume(dir.file("interrupted/model.pt"));
  expect_identical(a, b);
  // The log of the interrupted run: epoch 1, the partial epoch 2, then its end.
  const io::CsvTable log2 = io::read_csv(dir.file("interrupted/metrics.csv"));
  ASSERT_EQ(log2.rows.size(), 3u);
  EXPECT_EQ(log2.rows[2][1], log.rows[1][1]);
}

// SIGTERM (a cluster's time limit) mid-run: the run stops between steps
// with a checkpoint and throws Stopped; resumed, it ends bitwise where the
// uninterrupted run ends.
TEST(RunTraining, StopSignalLeavesACheckpointThatResumesToTheUninterruptedEnd) {
  testing::TempDir dir;
  auto c = phantom_run_config(dir);
  c.epochs = 4;
  c.checkpoint_every = 1;
  RunOptions quiet;
  quiet.progress_bar = false;
  c.output_dir = dir.file("straight");
  const RunSummary straight = run_training(c, quiet);

  // Were the signal to come after the run, the process would ignore it.
  struct sigaction ignore {}, before {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGTERM, &ignore, &before);
  c.output_dir = dir.file("stopped");
  int stopped_by = 0;
  std::string message;
  std::thread run([&] {
    try {
      run_training(c, quiet);
    } catch (const Stopped& e) {
      stopped_by = e.signal();
      message = e.what();
    }
  });
  const fs::path checkpoint = fs::path(dir.file("stopped")) / "checkpoint.pt";
  while (!fs::exists(checkpoint)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  kill(getpid(), SIGTERM);
  run.join();
  sigaction(SIGTERM, &before, nullptr);
  ASSERT_EQ(stopped_by, SIGTERM) << "the run ended before the signal";
  EXPECT_NE(message.find("stopped by SIGTERM at step"), std::string::npos) << message;
  const int64_t at = read_checkpoint_info(checkpoint.string()).progress.global_step;
  EXPECT_GE(at, 1);
  EXPECT_LT(at, straight.steps);
  EXPECT_FALSE(fs::exists(fs::path(dir.file("stopped")) / "model.pt")) << "a stopped run has no final model";

  RunOptions resume = quiet;
  resume.resume = dir.file("stopped");
  EXPECT_EQ(run_training(c, resume).steps, straight.steps);
  Trainer a(c, 2, 1), b(c, 2, 1);
  a.resume(dir.file("straight/model.pt"));
  b.resume(dir.file("stopped/model.pt"));
  expect_identical(a, b);
}

}  // namespace
}  // namespace scopemia::train
