#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "core/error.h"
#include "support/temp_dir.h"
#include "train/config.h"

namespace scopemia::train {
namespace {

std::string error_of(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  try {
    parse_config(yaml, "cfg.yaml", overrides);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TrainConfig, EmptyFileGivesTheDefaults) {
  const TrainConfig c = parse_config("", "cfg.yaml");
  EXPECT_EQ(c.model.backbone, "convnext3d_nano");
  EXPECT_EQ(c.task, Task::kClassification);
  EXPECT_EQ(c.k, 16);
  EXPECT_EQ(c.stride, 8);
  EXPECT_DOUBLE_EQ(c.optimizer.lr, 1e-3);
}

TEST(TrainConfig, ReadsEverySection) {
  const TrainConfig c = parse_config(R"(
task: pretrain
data:
  cases_csv: cases.csv
  group_column: patient_id
  val_fraction: 0.1
  preprocess: {spacing: [0.7, 0.7, 1.25], height: 48, width: 40, intensity: zscore}
model:
  backbone: resnet3d_18
  pde_stages: [2]
  kernel_size: 7
  kernel_mode: separable
  pde: {steps: 2, detail: fft, entropy_adaptation: false}
masking: {strategy: tubes, ratio: [0.25, 0.5, 0.75], unit: 2}
mci: {enabled: true, weight: 0.5}
optimizer: {lr: 3e-4, weight_decay: 0.01, beta2: 0.95}
schedule: {warmup_epochs: 1.5, min_lr: 1e-6}
pde_loss: {hessian: 0, scale: 0}
augmentation: {flip: true, rotate_degrees: 10}
epochs: 3
max_steps: 100
batch_size: 4
k: 8
stride: 4
seed: 7
deterministic: true
)",
                                     "cfg.yaml");
  EXPECT_EQ(c.task, Task::kPretrain);
  EXPECT_EQ(c.data.group_column, "patient_id");
  EXPECT_DOUBLE_EQ(c.data.preprocess.spacing[2], 1.25);
  EXPECT_EQ(c.data.preprocess.height, 48);
  EXPECT_EQ(c.data.preprocess.intensity, data::IntensityMode::kZScore);
  EXPECT_EQ(c.model.backbone, "resnet3d_18");
  EXPECT_EQ(c.model.pde_stages, std::vector<int>{2});
  EXPECT_EQ(c.model.kernel_mode, nn::KernelMode::kSeparable);
  EXPECT_EQ(c.model.pde.steps, 2);
  EXPECT_EQ(c.model.pde.detail, nn::DetailMode::kFft);
  EXPECT_FALSE(c.model.pde.entropy_adaptation);
  EXPECT_EQ(c.masking.strategy, data::MaskStrategy::kTubes);
  EXPECT_EQ(c.masking.ratios, (std::vector<double>{0.25, 0.5, 0.75}));
  EXPECT_TRUE(c.mci.enabled);
  EXPECT_DOUBLE_EQ(c.optimizer.lr, 3e-4);
  EXPECT_DOUBLE_EQ(c.optimizer.beta2, 0.95);
  EXPECT_DOUBLE_EQ(c.schedule.warmup_epochs, 1.5);
  EXPECT_DOUBLE_EQ(c.pde_loss.hessian, 0.0);
  EXPECT_DOUBLE_EQ(c.pde_loss.stability, 0.1);  // untouched default
  EXPECT_TRUE(c.augmentation.flip);
  EXPECT_EQ(c.max_steps, 100);
  EXPECT_EQ(c.seed, 7u);
  EXPECT_TRUE(c.deterministic);
}

TEST(TrainConfig, UnknownKeyNamesTheKeyAndTheFile) {
  const std::string e = error_of("model:\n  backbon: convnext3d_nano\n");
  EXPECT_NE(e.find("cfg.yaml"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key 'model.backbon'"), std::string::npos) << e;
  EXPECT_NE(error_of("epoch: 3\n").find("unknown key 'epoch'"), std::string::npos);
  EXPECT_NE(error_of("data:\n  preprocess:\n    spacng: [1, 1, 1]\n").find("'data.preprocess.spacng'"), std::string::npos);
}

TEST(TrainConfig, BadValuesNameTheKey) {
  std::string e = error_of("batch_size: two\n");
  EXPECT_NE(e.find("cfg.yaml: batch_size: expected an integer, got 'two'"), std::string::npos) << e;
  e = error_of("task: clasification\n");
  EXPECT_NE(e.find("task: unknown value 'clasification'"), std::string::npos) << e;
  e = error_of("masking: {ratio: 1.5}\n");
  EXPECT_NE(e.find("masking.ratio"), std::string::npos) << e;
  e = error_of("k: 8\nstride: 9\n");
  EXPECT_NE(e.find("stride: must be in [1, k]"), std::string::npos) << e;
  e = error_of("model: {kernel_mode: diagonal}\n");
  EXPECT_NE(e.find("model.kernel_mode: unknown value 'diagonal' (full, separable)"), std::string::npos) << e;
  e = error_of("deterministic: maybe\n");
  EXPECT_NE(e.find("deterministic: expected true or false"), std::string::npos) << e;
  e = error_of("data: [1, 2]\n");
  EXPECT_NE(e.find("data: expected a mapping"), std::string::npos) << e;
  e = error_of("model: {pde: {steps: 5}}\n");
  EXPECT_NE(e.find("model.pde.steps"), std::string::npos) << e;
  e = error_of("model: {backbone: resnet3d_18, stem_width: 16}\n");
  EXPECT_NE(e.find("model.stem_width: is a ConvNeXt option (backbone is resnet3d_18)"), std::string::npos) << e;
  e = error_of("model: {stem_width: -2}\n");
  EXPECT_NE(e.find("model.stem_width: must be >= 0"), std::string::npos) << e;
}

TEST(TrainConfig, OverridesApplyOnTop) {
  const TrainConfig c = parse_config("optimizer: {lr: 0.1}\n", "cfg.yaml",
                                     {"optimizer.lr=0.01", "masking.ratio=[0.25, 0.75]", "model.pde.dt=0.05", "epochs=2"});
  EXPECT_DOUBLE_EQ(c.optimizer.lr, 0.01);
  EXPECT_EQ(c.masking.ratios, (std::vector<double>{0.25, 0.75}));
  EXPECT_DOUBLE_EQ(c.model.pde.dt, 0.05);
  EXPECT_EQ(c.epochs, 2);
  EXPECT_NE(error_of("", {"optimizer.lr"}).find("not key.sub=value"), std::string::npos);
  EXPECT_NE(error_of("", {"optimizer.lrr=1"}).find("unknown key 'optimizer.lrr'"), std::string::npos);
}

TEST(TrainConfig, WritesItselfBackExactly) {
  const TrainConfig a = parse_config("task: regression\ndata: {target_column: y, cases_csv: c.csv}\n"
                                     "optimizer: {lr: 0.000123456789}\nmodel: {pde_stages: [0, 3], dropout: 0.1, stem_width: 12}\n"
                                     "loss: {regression: huber, huber_delta: 0.3}\nseed: 18446744073709551615\n",
                                     "cfg.yaml");
  const std::string text = to_yaml(a);
  const TrainConfig b = parse_config(text, "written.yaml");
  EXPECT_EQ(to_yaml(b), text);
  EXPECT_EQ(b.task, Task::kRegression);
  EXPECT_EQ(b.regression_loss, RegressionLoss::kHuber);
  EXPECT_EQ(b.optimizer.lr, 0.000123456789);  // bitwise
  EXPECT_EQ(b.model.pde_stages, (std::vector<int>{0, 3}));
  EXPECT_EQ(b.seed, 18446744073709551615ull);
  EXPECT_EQ(b.model.dropout, 0.1);
  EXPECT_EQ(b.model.stem_width, 12);
  EXPECT_EQ(backbone_options(b.model).stem_width, 12);
}

TEST(TrainConfig, InputChannelsDescriptorsAndEmbeddingRoundTripAndAreChecked) {
  const TrainConfig a = parse_config("task: pretrain\nmodel: {pde_stages: [0, 1], input: {windows: [-1000, 400, -160, 240], roi: true}}\n"
                                     "descriptors: {enabled: true, weight: 0.5, set: radiomics, unmasked_input: true, in_embedding: true}\n"
                                     "embedding: {taps: [pde0, stage2], regions: [roi, shell, global], shell_voxels: 3}\n",
                                     "cfg.yaml");
  ASSERT_EQ(a.model.input.windows.size(), 2u);
  EXPECT_EQ(a.model.input.windows[1][0], -160);
  EXPECT_EQ(a.model.input.windows[1][1], 240);
  EXPECT_EQ(a.model.input.count(), 4);
  EXPECT_EQ(backbone_options(a.model).in_channels, 4);
  const TrainConfig b = parse_config(to_yaml(a), "written.yaml");
  EXPECT_EQ(to_yaml(b), to_yaml(a));
  EXPECT_TRUE(b.descriptors.enabled);
  EXPECT_EQ(b.descriptors.weight, 0.5);
  EXPECT_TRUE(b.descriptors.unmasked_input);
  EXPECT_EQ(b.descriptors.in_embedding, DescriptorColumns::kAppended);  // written as `appended`
  EXPECT_NE(to_yaml(b).find("in_embedding: appended"), std::string::npos);
  EXPECT_EQ(parse_config("task: pretrain\n", "default.yaml").descriptors.in_embedding, DescriptorColumns::kNone);
  const TrainConfig only = parse_config(
      "task: pretrain\ndescriptors: {enabled: true, in_embedding: only}\n", "only.yaml");
  EXPECT_EQ(only.descriptors.in_embedding, DescriptorColumns::kOnly);
  EXPECT_EQ(parse_config(to_yaml(only), "written.yaml").descriptors.in_embedding, DescriptorColumns::kOnly);
  // Checkpoints written before `only` existed say false.
  EXPECT_EQ(parse_config("task: pretrain\ndescriptors: {enabled: true, in_embedding: false}\n", "old.yaml")
                .descriptors.in_embedding,
            DescriptorColumns::kNone);
  EXPECT_EQ(b.descriptors.set, DescriptorSet::kRadiomics);
  EXPECT_EQ(parse_config("task: pretrain\n", "default.yaml").descriptors.set, DescriptorSet::kBasic);
  EXPECT_EQ(b.embedding.taps, (std::vector<std::string>{"pde0", "stage2"}));
  EXPECT_EQ(b.embedding.regions, (std::vector<std::string>{"roi", "shell", "global"}));
  EXPECT_EQ(b.embedding.shell_voxels, 3);

  EXPECT_NE(error_of("model: {input: {windows: [-1000]}}\n").find("model.input.windows"), std::string::npos);
  EXPECT_NE(error_of("model: {input: {windows: [400, -1000]}}\n").find("high > low"), std::string::npos);
  EXPECT_NE(error_of("data: {preprocess: {intensity: zscore}}\nmodel: {input: {windows: [-1000, 400]}}\n").find("intensity: window"),
            std::string::npos);
  EXPECT_NE(error_of("task: segmentation\nmodel: {input: {roi: true}}\n").find("model.input.roi"), std::string::npos);
  EXPECT_NE(error_of("descriptors: {enabled: true}\n").find("descriptors.enabled"), std::string::npos);
  EXPECT_NE(error_of("task: pretrain\ndescriptors: {unmasked_input: true}\n").find("descriptors.unmasked_input"),
            std::string::npos);
  EXPECT_NE(error_of("task: pretrain\ndescriptors: {in_embedding: true}\n").find("descriptors.in_embedding"),
            std::string::npos);
  EXPECT_NE(error_of("task: pretrain\ndescriptors: {in_embedding: only}\n").find("needs descriptors.enabled"),
            std::string::npos);
  EXPECT_NE(error_of("task: pretrain\ndescriptors: {enabled: true, in_embedding: alone}\n").find("unknown value 'alone'"),
            std::string::npos);
  EXPECT_NE(error_of("task: pretrain\ndescriptors: {enabled: true, set: glcm}\n").find("descriptors.set"),
            std::string::npos);
  EXPECT_NE(error_of("task: pretrain\ndata: {preprocess: {intensity: zscore}}\ndescriptors: {enabled: true, set: radiomics}\n")
                .find("intensity: window"),
            std::string::npos);
  EXPECT_NE(error_of("embedding: {taps: [layer4]}\n").find("embedding.taps: 'layer4'"), std::string::npos);
  EXPECT_NE(error_of("embedding: {regions: [edge]}\n").find("embedding.regions: 'edge'"), std::string::npos);
}

TEST(TrainConfig, LoadsAFileAndNamesItInErrors) {
  testing::TempDir dir;
  const std::string path = dir.file("c.yaml");
  std::ofstream(path) << "epochs: 2\nbatch_size: 0\n";
  try {
    load_config(path);
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": batch_size: must be at least 1");
  }
  EXPECT_THROW(load_config(dir.file("missing.yaml")), InputError);
}

// The presets in configs/ parse (found from the source file's path).
TEST(TrainConfig, ShippedPresetsParse) {
  namespace fs = std::filesystem;
  fs::path dir;
  // __FILE__ may be relative to the build folder (ccache base_dir): try the
  // folders above the test binary (build/tests/test_train) and the cwd.
  const fs::path exe = fs::read_symlink("/proc/self/exe");
  for (const fs::path base : {exe.parent_path(), exe.parent_path().parent_path(), fs::current_path(),
                              fs::current_path().parent_path()}) {
    const fs::path candidate = (base / __FILE__).parent_path().parent_path().parent_path() / "configs";
    if (fs::exists(candidate / "cpu-default.yaml")) dir = candidate;
  }
  if (dir.empty()) GTEST_SKIP() << "configs/ not found from " << __FILE__;
  const TrainConfig cpu = load_config((dir / "cpu-default.yaml").string());
  EXPECT_EQ(cpu.model.backbone, "convnext3d_nano");
  EXPECT_EQ(cpu.data.target_column, "heterogeneous");
  const TrainConfig pre = load_config((dir / "lidc-pretrain.yaml").string());
  EXPECT_EQ(pre.task, Task::kPretrain);
  EXPECT_EQ(pre.masking.ratios, (std::vector<double>{0.25, 0.5, 0.75}));
  EXPECT_TRUE(pre.data.cases_csv.empty());  // from the command line
  EXPECT_TRUE(pre.descriptors.enabled);
  EXPECT_EQ(pre.descriptors.in_embedding, DescriptorColumns::kOnly);  // the embedding is the head's columns
  EXPECT_EQ(pre.model.pde_stages, (std::vector<int>{0, 1}));
  const TrainConfig plain = load_config((dir / "bench" / "plain-cnn.yaml").string());
  EXPECT_TRUE(plain.model.pde_stages.empty());
  EXPECT_TRUE(plain.model.input.roi);
  const TrainConfig mal = load_config((dir / "lidc-malignancy.yaml").string());
  EXPECT_EQ(mal.data.target_column, "malignant");
  EXPECT_EQ(mal.data.group_column, "patient_id");
}

}  // namespace
}  // namespace scopemia::train
