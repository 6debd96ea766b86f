#include "infer/embed.h"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/crop.h"
#include "core/error.h"
#include "io/case_manifest.h"
#include "io/csv.h"
#include "io/dicom_mask.h"
#include "io/image_io.h"
#include "support/refdata.h"
#include "support/run_cli.h"
#include "support/temp_dir.h"
#include "synth/phantom.h"
#include "train/config.h"
#include "train/descriptors.h"
#include "train/batches.h"
#include "train/trainer.h"

namespace scopemia::infer {
namespace {
using testing::TempDir;

TEST(Embed, SameCaseWithMoreSurroundingGivesTheSameEmbedding) {
  // The lesion is cropped with a margin before the network sees it: padding
  // the scan far from the lesion must not change its embedding.
  synth::PhantomOptions p;
  const synth::PhantomCase c = synth::make_phantom_case(p, 0);
  const Volume padded = pad(c.image, Size3{7, 5, 3}, Size3{2, 9, 4}, -1000.f);
  const LabelMap padded_mask = pad(c.mask, Size3{7, 5, 3}, Size3{2, 9, 4}, uint8_t(0));
  EmbedOptions o;
  o.preprocess.spacing = {0, 0, 0};  // no resampling: the grids align exactly
  o.preprocess.height = o.preprocess.width = 32;
  const Embedder embedder(o);
  const auto a = embedder.embed(c.image, c.mask), b = embedder.embed(padded, padded_mask);
  ASSERT_EQ(a.size(), embedder.names().size());
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << embedder.names()[i];
  // ... while another lesion gives another embedding.
  const synth::PhantomCase other = synth::make_phantom_case(p, 1);
  EXPECT_NE(embedder.embed(other.image, other.mask), a);
}

TEST(Embed, NamesFollowTapsStreamsRegionsAndStatistics) {
  synth::PhantomOptions p;
  const synth::PhantomCase c = synth::make_phantom_case(p, 2);
  EmbedOptions o;
  o.preprocess.height = o.preprocess.width = 32;
  o.pooling.taps = {"pde0", "stage1"};
  o.pooling.regions = {"roi", "global"};
  const Embedder embedder(o);
  const auto& names = embedder.names();
  // nano: stage 0 has 32 channels (16 + 16 in the PDE streams), stage 1 64.
  ASSERT_EQ(names.size(), size_t(2 * 2 * (16 + 16) + 2 * 2 * 64));
  EXPECT_EQ(names[0], "scope_pde0A_roi_mean_0");
  EXPECT_EQ(names[16], "scope_pde0A_roi_sd_0");
  EXPECT_EQ(names[32], "scope_pde0A_global_mean_0");
  EXPECT_EQ(names[64], "scope_pde0T_roi_mean_0");
  EXPECT_EQ(names[128], "scope_stage1_roi_mean_0");
  const auto v = embedder.embed(c.image, c.mask);
  ASSERT_EQ(v.size(), names.size());
  for (size_t i = 0; i < v.size(); ++i) {
    EXPECT_TRUE(std::isfinite(v[i])) << names[i];
    if (names[i].find("_sd_") != std::string::npos) EXPECT_GE(v[i], 0.f) << names[i];
  }
  // The lesion and the whole crop are different populations.
  EXPECT_NE(std::vector<float>(v.begin(), v.begin() + 16), std::vector<float>(v.begin() + 32, v.begin() + 48));
}

TEST(Embed, ExtraInputChannelsChangeTheNetworkAndItsEmbedding) {
  synth::PhantomOptions p;
  const synth::PhantomCase c = synth::make_phantom_case(p, 3);
  EmbedOptions o;
  o.preprocess.height = o.preprocess.width = 32;
  const auto plain = Embedder(o).embed(c.image, c.mask);
  o.input.windows = {{-1000, 400}};
  o.input.roi = true;
  const Embedder with_channels(o);
  const auto v = with_channels.embed(c.image, c.mask);
  ASSERT_EQ(v.size(), plain.size());  // the same taps and regions
  EXPECT_NE(v, plain);
  EXPECT_EQ(with_channels.embed(c.image, c.mask), v);  // and deterministic
  o.preprocess.intensity = data::IntensityMode::kZScore;  // windows need HU
  EXPECT_THROW(Embedder{o}, InputError);
}

// A pretraining configuration of the nano network with PDE blocks after
// stages 0 and 1 and the ROI as an input channel, on the phantom's grid
// (no resampling) at 32x32 in-plane.
train::TrainConfig pretrain_config(uint64_t seed) {
  train::TrainConfig c;
  c.task = train::Task::kPretrain;
  c.seed = seed;
  c.model.pde_stages = {0, 1};
  c.model.input.roi = true;
  c.data.preprocess.height = c.data.preprocess.width = 32;
  c.data.preprocess.spacing = {0, 0, 0};
  return c;
}

TEST(Embed, RandomWeightsOfAConfigAreTheWeightsItsTrainingStartsFrom) {
  // `embed --config C --seed S` is the baseline "same network, random
  // weights": it must be exactly the model a pretraining run of C starts with.
  train::TrainConfig c = pretrain_config(/*seed=*/9);
  EmbedOptions o = embed_options(c);
  EXPECT_EQ(o.seed, 9u);
  EXPECT_EQ(o.backbone.in_channels, 2);
  const Embedder random(o);
  torch::set_num_threads(1);
  train::Trainer trainer(c, 1, 10);
  const Embedder start(o, trainer.model().ptr(), trainer.model()->backbone());
  const synth::PhantomCase p = synth::make_phantom_case(synth::PhantomOptions{}, 4);
  EXPECT_EQ(random.embed(p.image, p.mask), start.embed(p.image, p.mask));
  o.seed = 10;
  EXPECT_NE(Embedder(o).embed(p.image, p.mask), start.embed(p.image, p.mask));
}

TEST(Embed, DescriptorColumnsAreTheHeadOfTheRunOnThePooledColumns) {
  // descriptors.in_embedding: `embed --config` appends the descriptor head a
  // pretraining run of that configuration starts with, applied to exactly the
  // pooled columns before it; the pooled columns stay the random baseline's.
  train::TrainConfig c = pretrain_config(/*seed=*/3);
  c.descriptors.enabled = true;
  c.descriptors.in_embedding = train::DescriptorColumns::kAppended;
  c.embedding.taps = {"pde0"};
  torch::set_num_threads(1);
  const EmbedOptions o = embed_options(c);
  ASSERT_EQ(o.descriptor_columns, train::DescriptorColumns::kAppended);
  const auto with_head = initial_embedder(c, o);
  const auto& names = with_head->names();
  const size_t D = train::descriptor_names(c.descriptors.set).size();
  EmbedOptions plain_options = o;
  plain_options.descriptor_columns = train::DescriptorColumns::kNone;
  const auto plain = initial_embedder(c, plain_options);
  const size_t F = plain->names().size();
  ASSERT_EQ(names.size(), F + D);
  EXPECT_EQ(names[F], "scope_head_" + train::descriptor_names(c.descriptors.set)[0]);
  EXPECT_EQ(names.back(), "scope_head_" + train::descriptor_names(c.descriptors.set).back());

  const synth::PhantomCase p = synth::make_phantom_case(synth::PhantomOptions{}, 6);
  const auto row = with_head->embed(p.image, p.mask);
  ASSERT_EQ(row.size(), F + D);
  EXPECT_EQ(std::vector<float>(row.begin(), row.begin() + long(F)), plain->embed(p.image, p.mask));
  train::Trainer trainer(c, 1, 10);
  const auto pooled = torch::tensor(std::vector<float>(row.begin(), row.begin() + long(F))).unsqueeze(0);
  // The head's own weights on the pooled columns, not the code path embed uses.
  const auto parameters = trainer.model()->named_parameters();
  const auto expected = torch::addmm(parameters["descriptor_head.bias"], pooled, parameters["descriptor_head.weight"].t())
                            .detach()
                            .squeeze(0)
                            .contiguous();
  ASSERT_EQ(expected.numel(), int64_t(D));
  for (size_t d = 0; d < D; ++d) EXPECT_NEAR(row[F + d], expected[int64_t(d)].item<float>(), 1e-6) << names[F + d];
  // descriptors.in_embedding: only -- the same head columns, nothing before them.
  EmbedOptions only_options = o;
  only_options.descriptor_columns = train::DescriptorColumns::kOnly;
  const auto only = initial_embedder(c, only_options);
  EXPECT_EQ(only->names(), std::vector<std::string>(names.begin() + long(F), names.end()));
  EXPECT_EQ(only->embed(p.image, p.mask), std::vector<float>(row.begin() + long(F), row.end()));
  // A trained head would give other values; an untrained one differs by seed.
  EmbedOptions other_seed = o;
  other_seed.seed = 4;
  EXPECT_NE(initial_embedder(c, other_seed)->embed(p.image, p.mask), row);

  // The head reads the pooling it was trained on, and only a model with one has it.
  EmbedOptions other_pooling = o;
  other_pooling.pooling.taps = {"pde1"};
  EXPECT_THROW(initial_embedder(c, other_pooling), InputError);
  other_pooling.descriptor_columns = train::DescriptorColumns::kOnly;
  EXPECT_THROW(initial_embedder(c, other_pooling), InputError);
  train::TrainConfig without_head = c;
  without_head.descriptors.enabled = false;
  torch::manual_seed(0);
  train::ScopeModel model(without_head, 1);
  EXPECT_THROW(descriptor_columns(model, without_head, o), InputError);
}

TEST(Embed, AfterTrainingTheTexturalStreamKeepsMoreFineScaleEnergy) {
  // The disentanglement claim on a trained model: in every PDE block the
  // textural stream's share of in-plane energy above half Nyquist exceeds
  // the anatomical stream's (docs/results/lidc/embeddings measures it on LIDC).
  train::TrainConfig c = testing::tiny_config(train::Task::kPretrain);
  c.model.pde_stages = {0, 1};
  torch::set_num_threads(1);
  train::Trainer trainer(c, 1, 30);
  for (int step = 0; step < 30; ++step) trainer.train_step(testing::synthetic_batch(3, 2 * (step % 4), 2, train::Task::kPretrain));
  EmbedOptions o = embed_options(c);
  o.preprocess.spacing = {0, 0, 0};
  o.preprocess.height = o.preprocess.width = 32;
  const Embedder embedder(o, trainer.model().ptr(), trainer.model()->backbone());
  const synth::PhantomCase p = synth::make_phantom_case(synth::PhantomOptions{}, 5);
  const auto spectra = embedder.stream_spectra(p.image, p.mask);
  ASSERT_EQ(spectra.size(), 2u);
  for (size_t b = 0; b < spectra.size(); ++b) {
    EXPECT_GT(spectra[b].textural, spectra[b].anatomical) << "block " << b;
    EXPECT_GT(spectra[b].anatomical, 0.0);
    EXPECT_LT(spectra[b].textural, 1.0);
  }
}

// `scopemia phantom --cases 2 --seed S` into dir/cohort; its cases.csv.
std::string write_two_phantom_cases(const TempDir& dir, int seed) {
  EXPECT_EQ(testing::run_binary({"phantom", "-o", dir.file("cohort"), "--cases", "2", "--seed", std::to_string(seed)})
                .code,
            0);
  return dir.file("cohort/cases.csv");
}

// A small pretraining configuration (32x32 in-plane, three input channels,
// PDE blocks after stages 0 and 1, pde0 pooled over ROI and band, seed 4),
// `extra` YAML lines added; dir/c.yaml.
std::string write_small_config(const TempDir& dir, const std::string& extra) {
  const std::string config = dir.file("c.yaml");
  std::ofstream(config) << "task: pretrain\ndata: {preprocess: {spacing: [0, 0, 0], height: 32, width: 32}}\n"
                           "model: {pde_stages: [0, 1], input: {windows: [-1000, 400], roi: true}}\n"
                        << extra << "embedding: {taps: [pde0], regions: [roi, shell]}\nseed: 4\n";
  return config;
}

TEST(EmbedCli, ConfigGivesItsUntrainedNetworkAndSpectraGiveOneShareAStream) {
  TempDir dir;
  const std::string cases = write_two_phantom_cases(dir, 3), config = write_small_config(dir, "");
  const auto r = testing::run_binary({"--threads", "1", "embed", "--config", config, "--seed", "6", "--cases", cases,
                                      "-o", dir.file("e.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  // The same as the in-memory embedder of that configuration, seed 6.
  EmbedOptions o = embed_options(train::load_config(config));
  o.seed = 6;
  torch::set_num_threads(1);
  const Embedder embedder(o);
  const io::CsvTable e = io::read_csv(dir.file("e.csv"));
  const io::CaseManifest m = io::read_case_manifest(cases);
  ASSERT_EQ(e.rows.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const auto row = embedder.embed(io::read_volume(m.cases[i].image), io::read_mask(m.cases[i].mask_spec(), m.cases[i].image));
    ASSERT_EQ(row.size(), embedder.names().size());
    for (size_t j = 0; j < row.size(); ++j)
      ASSERT_EQ(e.rows[i][e.column(embedder.names()[j])], fmt::format("{:.9g}", row[j])) << embedder.names()[j];
  }
  // A configuration fixes the network and its preprocessing.
  const auto bad = testing::run_binary({"embed", "--config", config, "--size", "64", "64", "--cases", cases});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--size cannot be combined with --config"), std::string::npos) << bad.err;

  const auto s = testing::run_binary({"embed", "--config", config, "--spectra", "--cases", cases, "-o", dir.file("s.csv")});
  ASSERT_EQ(s.code, 0) << s.err;
  const io::CsvTable t = io::read_csv(dir.file("s.csv"));
  for (const char* column : {"hf_share_pde0A", "hf_share_pde0T", "hf_share_pde1A", "hf_share_pde1T"}) {
    const double v = std::stod(t.rows[0][t.column(column)]);
    EXPECT_GT(v, 0.0) << column;
    EXPECT_LT(v, 1.0) << column;
  }
}

TEST(EmbedCli, DescriptorColumnsOnlyAreTheAppendedHeadColumnsAlone) {
  TempDir dir;
  const std::string cases = write_two_phantom_cases(dir, 5),
                    config = write_small_config(dir, "descriptors: {enabled: true, in_embedding: appended}\n");
  const auto appended = testing::run_binary({"--threads", "1", "embed", "--config", config, "--cases", cases, "-o",
                                             dir.file("appended.csv")});
  ASSERT_EQ(appended.code, 0) << appended.err;
  const auto only = testing::run_binary({"--threads", "1", "embed", "--config", config, "--descriptor-columns-only",
                                         "--cases", cases, "-o", dir.file("only.csv")});
  ASSERT_EQ(only.code, 0) << only.err;
  const io::CsvTable a = io::read_csv(dir.file("appended.csv")), o = io::read_csv(dir.file("only.csv"));
  const auto scope_columns = [](const io::CsvTable& t) {
    std::vector<std::string> names;
    for (const auto& h : t.header)
      if (h.rfind("scope_", 0) == 0) names.push_back(h);
    return names;
  };
  const auto head = scope_columns(o);
  const size_t D = train::descriptor_names(train::DescriptorSet::kBasic).size();
  ASSERT_EQ(head.size(), D);
  const auto all = scope_columns(a);
  ASSERT_GT(all.size(), D);
  EXPECT_EQ(head, std::vector<std::string>(all.end() - long(D), all.end()));
  ASSERT_EQ(o.rows.size(), 2u);
  for (size_t i = 0; i < 2; ++i)
    for (const auto& name : head) EXPECT_EQ(o.rows[i][o.column(name)], a.rows[i][a.column(name)]) << name;

  const auto both = testing::run_binary(
      {"embed", "--config", config, "--descriptor-columns-only", "--no-descriptor-columns", "--cases", cases});
  EXPECT_EQ(both.code, 2);
  EXPECT_NE(both.err.find("excludes"), std::string::npos) << both.err;
}

TEST(EmbedCli, LidcRowsJoinRadiomicsByIdAndRepeatByteForByte) {
  SCOPEMIA_REFDATA(cases, "lidc/cases.csv");
  TempDir dir;
  for (const char* name : {"a.csv", "b.csv"})
    ASSERT_EQ(testing::run_binary({"embed", "--cases", cases, "--shard", "3/40", "-j", "2", "-o", dir.file(name)}).code, 0);
  EXPECT_EQ(testing::read_bytes(dir.file("a.csv")), testing::read_bytes(dir.file("b.csv")));
  ASSERT_EQ(testing::run_binary({"radiomics", "--batch", cases, "--shard", "3/40", "-o", dir.file("r.csv")}).code, 0);
  const io::CsvTable e = io::read_csv(dir.file("a.csv")), r = io::read_csv(dir.file("r.csv"));
  ASSERT_EQ(e.rows.size(), 15u);  // 601 cases: rows 3, 43, ..., 563
  ASSERT_EQ(e.rows.size(), r.rows.size());
  for (size_t i = 0; i < e.rows.size(); ++i) EXPECT_EQ(e.rows[i][e.column("ID")], r.rows[i][r.column("ID")]);
  EXPECT_GE(e.column("scope_pde0T_roi_mean_0"), 0);
}

}  // namespace
}  // namespace scopemia::infer
