// The backbone registry: every registered model, with and without PDE blocks,
// runs forward and backward on a small input; parameter counts against
// closed-form counts and the paper; FLOP counting against per-layer formulas.
#include <cmath>
#include <string>
#include <tuple>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/error.h"
#include "nn/decoder.h"
#include "nn/profile.h"
#include "nn/registry.h"
#include "support/run_cli.h"

namespace scopemia::nn {
namespace {

bool all_finite(const torch::Tensor& t) { return torch::isfinite(t).all().item<bool>(); }

// ------------------------------------------------------------ all models ----

class EveryModel : public ::testing::TestWithParam<std::tuple<std::string, bool>> {};

// The smallest input every family accepts with max_depth_stride = 4: the
// in-plane stride is 32 for all four families. Large variants (ConvNeXt-L:
// 0.2 G parameters) also run forward and backward here: at 8x32x32 the
// deepest stage is 2x1x1 voxels, so even they take well under a second.
TEST_P(EveryModel, ForwardBackwardShapesFiniteGradientsToFirstLayer) {
  const auto& [name, with_pde] = GetParam();
  torch::manual_seed(7);
  ModelConfig cfg;
  cfg.head = HeadKind::kClassification;
  cfg.num_outputs = 3;
  if (with_pde) {
    // PDE blocks after the first and the last stage, and the U-Net decoder.
    cfg.pde_stages = {0, -1};
    cfg.decoder.out_channels = 1;
  }
  Model model = create(name, cfg);
  model->train();
  const auto& info = model->stage_info();
  ASSERT_GE(info.size(), 4u);

  const int64_t D = 8, H = 32, W = 32;
  auto x = torch::randn({1, 1, D, H, W});
  auto out = model->forward(x);

  ASSERT_EQ(out.output.sizes(), (std::vector<int64_t>{1, 3}));
  ASSERT_EQ(out.stages.size(), info.size());
  for (size_t s = 0; s < info.size(); ++s) {
    const auto& st = info[s];
    EXPECT_EQ(out.stages[s].sizes(),
              (std::vector<int64_t>{1, st.channels, D / st.stride[0], H / st.stride[1], W / st.stride[2]}))
        << "stage " << s;
    EXPECT_TRUE(all_finite(out.stages[s])) << "stage " << s;
  }
  EXPECT_EQ(info.back().stride, (std::array<int64_t, 3>{4, 32, 32}));
  EXPECT_TRUE(all_finite(out.output));
  EXPECT_TRUE(out.features.is_same(out.stages.back()));

  auto loss = (out.output * torch::randn({1, 3})).sum();
  if (with_pde) {
    ASSERT_EQ(out.pde.size(), 2u);
    EXPECT_EQ(out.pde[0].stage, 0);
    EXPECT_EQ(out.pde[1].stage, static_cast<int>(info.size()) - 1);
    for (const auto& p : out.pde) {
      EXPECT_EQ(p.states.f_A_new.size(1) + p.states.f_T_new.size(1), info[p.stage].channels);
      EXPECT_EQ(p.states.f_A_new.sizes().slice(2), out.stages[p.stage].sizes().slice(2));
    }
    ASSERT_TRUE(out.dense.defined());
    EXPECT_EQ(out.dense.sizes(), (std::vector<int64_t>{1, 1, D, H, W}));
    EXPECT_TRUE(all_finite(out.dense));
    loss = loss + (out.dense * torch::randn_like(out.dense)).mean();
  } else {
    EXPECT_TRUE(out.pde.empty());
    EXPECT_FALSE(out.dense.defined());
  }
  loss.backward();

  const auto g = model->first_layer_weight().grad();
  ASSERT_TRUE(g.defined()) << "no gradient at the first layer";
  EXPECT_TRUE(all_finite(g));
  EXPECT_GT(g.abs().sum().item<double>(), 0.0);
  for (const auto& p : model->named_parameters()) {
    if (!p.value().grad().defined()) continue;
    ASSERT_TRUE(all_finite(p.value().grad())) << p.key();
  }
  if (with_pde) {
    EXPECT_EQ(model->config().pde_stages, (std::vector<int>{0, static_cast<int>(info.size()) - 1}));
    for (int s : model->config().pde_stages) {
      auto* block = model->pde_block(s);
      ASSERT_NE(block, nullptr);
      const auto fuse_grad = block->named_parameters()["fuse.weight"].grad();
      ASSERT_TRUE(fuse_grad.defined()) << "stage " << s;
      EXPECT_GT(fuse_grad.abs().sum().item<double>(), 0.0) << "stage " << s;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryModel, ::testing::Combine(::testing::ValuesIn(list_models()), ::testing::Bool()),
                         [](const auto& info) {
                           return std::get<0>(info.param) + (std::get<1>(info.param) ? "_pde" : "");
                         });

// ------------------------------------------------------------- registry ----

TEST(Registry, ListsTheFourFamiliesAndRejectsUnknownNames) {
  const auto names = list_models();
  ASSERT_EQ(names.size(), 16u);
  int per_family[4] = {0, 0, 0, 0};
  const char* families[4] = {"convnext3d", "resnet3d", "vgg3d", "densenet3d"};
  for (const auto& n : names)
    for (int f = 0; f < 4; ++f) per_family[f] += model_family(n) == families[f];
  for (int f = 0; f < 4; ++f) EXPECT_EQ(per_family[f], 4) << families[f];
  EXPECT_THROW(create("convnext3d_huge"), InputError);
  ModelConfig bad;
  bad.pde_stages = {4};
  EXPECT_THROW(create("resnet3d_18", bad), InputError);
  bad.pde_stages = {-5};
  EXPECT_THROW(create("resnet3d_18", bad), InputError);
  bad.pde_stages = {-1, 3, 3};  // the same stage three times: one block
  EXPECT_EQ(create("resnet3d_18", bad)->config().pde_stages, std::vector<int>{3});
  EXPECT_THROW(create("resnet3d_18")->forward(torch::zeros({1, 1, 2, 32, 32})), InputError);  // D < depth stride 4
}

TEST(Registry, StridePlannerCapsTheDepthStride) {
  StridePlanner plan(4);
  EXPECT_EQ(plan.next(4), (std::array<int64_t, 3>{4, 4, 4}));
  EXPECT_EQ(plan.next(2), (std::array<int64_t, 3>{1, 2, 2}));
  StridePlanner two(2);
  EXPECT_EQ(two.next(4), (std::array<int64_t, 3>{2, 4, 4}));
  EXPECT_EQ(two.next(2), (std::array<int64_t, 3>{1, 2, 2}));
  EXPECT_EQ(two.total(), (std::array<int64_t, 3>{2, 8, 8}));
  EXPECT_THROW(StridePlanner(3), InputError);
}

// ------------------------------------------------------- config variants ----

TEST(Variants, ConvNeXtDepthwiseKernels) {
  torch::manual_seed(5);
  const auto x = torch::randn({1, 1, 4, 32, 32});
  for (auto kind : {DepthwiseKind::kCube, DepthwiseKind::kSeparable}) {
    ModelConfig cfg;
    cfg.dw_kernel = 7;
    cfg.dw_kind = kind;
    auto model = create("convnext3d_nano", cfg);
    std::vector<std::vector<int64_t>> dw_shapes;
    for (const auto& p : model->named_parameters())
      if (p.key().find("stage0.0.dwconv") != std::string::npos && p.key().find("weight") != std::string::npos)
        dw_shapes.push_back(p.value().sizes().vec());
    if (kind == DepthwiseKind::kCube) {
      EXPECT_EQ(dw_shapes, (std::vector<std::vector<int64_t>>{{80, 1, 7, 7, 7}}));
    } else {
      EXPECT_EQ(dw_shapes,
                (std::vector<std::vector<int64_t>>{{80, 1, 7, 1, 1}, {80, 1, 1, 7, 1}, {80, 1, 1, 1, 7}}));
    }
    auto out = model->forward(x);
    out.output.sum().backward();
    EXPECT_TRUE(all_finite(out.output));
    EXPECT_GT(model->first_layer_weight().grad().abs().sum().item<double>(), 0.0);
  }
  ModelConfig even;
  even.dw_kernel = 4;
  EXPECT_THROW(create("convnext3d_nano", even), InputError);
}

TEST(Variants, NormalisationsAndFullyThreeDimensionalStrides) {
  torch::manual_seed(6);
  // 4x32x32, batch 1: the last ResNet stage is 1x1x1, where BatchNorm cannot
  // train (one value per channel); GroupNorm can.
  const auto x = torch::randn({1, 1, 4, 32, 32});
  ModelConfig cfg;
  cfg.norm = Norm::kGroup;
  auto model = create("resnet3d_18", cfg);
  model->train();
  auto out = model->forward(x);
  EXPECT_EQ(out.features.sizes(), (std::vector<int64_t>{1, 512, 1, 1, 1}));
  out.output.sum().backward();
  EXPECT_GT(model->first_layer_weight().grad().abs().sum().item<double>(), 0.0);
  cfg.norm = Norm::kBatch;
  EXPECT_ANY_THROW(create("resnet3d_18", cfg)->forward(x));
  // Fully 3D downsampling: depth shrinks 32x like height and width.
  cfg.max_depth_stride = 32;
  auto cube = create("densenet3d_121", cfg);
  EXPECT_EQ(cube->stage_info().back().stride, (std::array<int64_t, 3>{32, 32, 32}));
  cube->eval();
  torch::NoGradGuard no_grad;
  EXPECT_EQ(cube->forward(torch::randn({1, 1, 32, 32, 32})).features.sizes(),
            (std::vector<int64_t>{1, 1024, 1, 1, 1}));
}

// --------------------------------------------------------------- heads ----

TEST(Heads, RegressionEmbeddingAndFeatures) {
  torch::manual_seed(1);
  const auto x = torch::randn({2, 1, 8, 32, 32});
  ModelConfig cfg;
  cfg.head = HeadKind::kEmbedding;
  cfg.num_outputs = 16;
  auto emb = create("resnet3d_18", cfg)->forward(x).output;
  ASSERT_EQ(emb.sizes(), (std::vector<int64_t>{2, 16}));
  EXPECT_NEAR(emb.norm(2, 1).sub(1).abs().max().item<double>(), 0.0, 1e-5);
  cfg.head = HeadKind::kRegression;
  cfg.num_outputs = 2;
  EXPECT_EQ(create("resnet3d_18", cfg)->forward(x).output.sizes(), (std::vector<int64_t>{2, 2}));
  // No head: the output is the global average of the final feature map.
  cfg.head = HeadKind::kNone;
  auto model = create("resnet3d_18", cfg);
  auto out = model->forward(x);
  ASSERT_EQ(out.output.sizes(), (std::vector<int64_t>{2, 512}));
  EXPECT_TRUE(torch::allclose(out.output, out.features.mean({2, 3, 4})));
}

// ----------------------------------------------------- parameter counts ----

// Closed-form ConvNeXt count: stem k_s-voxel patchify conv + LN, per block
// dw (C*k + C) + LN 2C + 4C^2+4C + 4C^2+C + gamma C, downsample LN + conv,
// final LN of the head.
int64_t convnext_params(std::vector<int64_t> depths, std::vector<int64_t> dims, int64_t dw_taps, int64_t stem_voxels,
                        std::vector<int64_t> down_voxels) {
  int64_t p = stem_voxels * dims[0] + dims[0] + 2 * dims[0];
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t C = dims[i];
    if (i > 0) p += 2 * dims[i - 1] + dims[i - 1] * C * down_voxels[i - 1] + C;
    p += depths[i] * (8 * C * C + C * dw_taps + 9 * C);
  }
  return p + 2 * dims.back();
}

TEST(ParameterCounts, ConvNeXt3dSmallAgainstThePaper) {
  ModelConfig cfg;
  cfg.head = HeadKind::kClassification;
  cfg.num_outputs = 2;
  const std::vector<int64_t> depths{3, 3, 27, 3}, dims{96, 192, 384, 768};
  const int64_t head_fc = 768 * 2 + 2;
  // The default (CPU preset): 3x3x3 depthwise, depth stride capped at 4 (stem
  // 4x4x4, downsamplings 1x2x2).
  auto m = create("convnext3d_small", cfg);
  const int64_t n = count_parameters(*m) - head_fc;
  EXPECT_EQ(n, convnext_params(depths, dims, 27, 64, {4, 4, 4}));
  EXPECT_LT(std::abs(static_cast<double>(n) - 48.4e6) / 48.4e6, 0.05) << n;  // 49.16 M: +1.6 %
  // The paper's 7x7x7 depthwise kernel: 53.4 M (+10.4 %), fully 3D
  // downsampling 55.0 M: see docs/networks.md for why 48.4 M is out of reach.
  cfg.dw_kernel = 7;
  EXPECT_EQ(count_parameters(*create("convnext3d_small", cfg)) - head_fc,
            convnext_params(depths, dims, 343, 64, {4, 4, 4}));
  cfg.max_depth_stride = 32;
  EXPECT_EQ(count_parameters(*create("convnext3d_small", cfg)) - head_fc,
            convnext_params(depths, dims, 343, 64, {8, 8, 8}));
  // Separable 7-tap: 21 taps + one bias per channel.
  cfg.max_depth_stride = 4;
  cfg.dw_kind = DepthwiseKind::kSeparable;
  EXPECT_EQ(count_parameters(*create("convnext3d_small", cfg)) - head_fc,
            convnext_params(depths, dims, 21, 64, {4, 4, 4}));
}

TEST(ParameterCounts, PdeBlocksAddTheirOwnParametersOnly) {
  ModelConfig cfg;
  const int64_t base = count_parameters(*create("convnext3d_small", cfg));
  cfg.pde_stages = {1, 2};
  auto m = create("convnext3d_small", cfg);
  const int64_t pde = count_parameters(*m->pde_block(1)) + count_parameters(*m->pde_block(2));
  EXPECT_EQ(count_parameters(*m), base + pde);
  // Default block (no projection): attention C, reactions C_A^2+C_A + C_T^2+C_T,
  // fuse and gate 2(C^2+C), d_A C_A, d_T C_T, beta 1.
  auto block_params = [](int64_t C) {
    const int64_t a = C / 2, t = C - a;
    return C + a * a + a + t * t + t + 2 * (C * C + C) + a + t + 1;
  };
  EXPECT_EQ(pde, block_params(192) + block_params(384));
  EXPECT_LT(static_cast<double>(pde) / static_cast<double>(base), 0.06);  // the goal: <= 6 %
}

// ------------------------------------------------------------- decoder ----

TEST(Decoder, RestoresTheInputSizeFromAnyStageSizes) {
  torch::manual_seed(3);
  DecoderConfig dc;
  dc.out_channels = 2;
  DecoderImpl dec({8, 16, 32}, 1, dc);
  // Skips deepest first: min(C, 32 * 2^depth) (16, 8), then 16 at the input.
  EXPECT_EQ(dec.level_channels(), (std::vector<int64_t>{16, 8, 16}));
  const auto x = torch::randn({1, 1, 6, 20, 20});
  // Odd sizes: the skips are not exact halves; the decoder resizes to each skip.
  std::vector<torch::Tensor> stages{torch::randn({1, 8, 3, 10, 10}), torch::randn({1, 16, 2, 5, 5}),
                                    torch::randn({1, 32, 1, 3, 3}, torch::requires_grad())};
  auto y = dec.forward(stages, x);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{1, 2, 6, 20, 20}));
  y.sum().backward();
  EXPECT_GT(stages[2].grad().abs().sum().item<double>(), 0.0);
}

// --------------------------------------------------------------- FLOPs ----

TEST(Flops, ConvLinearNormCountedFromShapes) {
  torch::NoGradGuard no_grad;
  // Grouped, strided conv: 2 * Cin/groups * k^3 * Cout * Dout*Hout*Wout.
  torch::nn::Conv3d conv(torch::nn::Conv3dOptions(8, 12, 3).stride(2).padding(1).groups(4));
  const auto x = torch::randn({2, 8, 6, 10, 10});
  {
    FlopCounter c;
    conv->forward(x);
    const auto r = c.result();
    EXPECT_DOUBLE_EQ(r.conv, 2.0 * (8 / 4) * 27 * 12 * (2 * 3 * 5 * 5));
    EXPECT_DOUBLE_EQ(r.total(), r.conv);  // the bias add inside the conv is not counted separately
  }
  torch::nn::Linear fc(10, 7);
  torch::nn::LayerNorm ln(torch::nn::LayerNormOptions({10}));
  const auto v = torch::randn({3, 5, 10});
  {
    FlopCounter c;
    auto y = torch::gelu(fc->forward(ln->forward(v)));
    const auto r = c.result();
    EXPECT_DOUBLE_EQ(r.linear, 2.0 * 15 * 10 * 7);
    EXPECT_DOUBLE_EQ(r.norm, 5.0 * 150);
    // gelu: one per output element; libtorch's Linear on a 3-D input adds its
    // bias as a separate add_ (elementwise, one per output element too).
    EXPECT_DOUBLE_EQ(r.elementwise, 15 * 7 + 15 * 7);
  }
  // Outside a counter nothing is recorded, and counters do not accumulate.
  conv->forward(x);
  FlopCounter c;
  EXPECT_DOUBLE_EQ(c.result().total(), 0.0);
}

TEST(Flops, ConvNeXtNanoConvAndLinearMatchTheLayerByLayerSum) {
  // convnext3d_nano on 8x32x32 with depth stride 4: stem 4x4x4 -> 2x8x8, then
  // 2x4x4, 2x2x2, 2x1x1 voxels; dw 3x3x3; every 1x1x1 conv is a linear layer.
  ModelConfig cfg;
  cfg.num_outputs = 2;
  auto model = create("convnext3d_nano", cfg);
  model->eval();
  const std::vector<int64_t> depths{2, 2, 8, 2}, dims{80, 160, 320, 640}, voxels{128, 32, 8, 2};
  double conv = 2.0 * 64 * dims[0] * voxels[0];
  double linear = 2.0 * 640 * 2;  // head
  for (size_t i = 0; i < 4; ++i) {
    const double C = static_cast<double>(dims[i]), V = static_cast<double>(voxels[i]);
    if (i > 0) conv += 2.0 * static_cast<double>(dims[i - 1]) * 4 * C * V;
    conv += depths[i] * 2.0 * 27 * C * V;
    linear += depths[i] * 2.0 * (2 * 4 * C * C) * V;
  }
  FlopCounter c;
  {
    torch::NoGradGuard no_grad;
    model->forward(torch::randn({1, 1, 8, 32, 32}));
  }
  EXPECT_DOUBLE_EQ(c.result().conv, conv);
  EXPECT_DOUBLE_EQ(c.result().linear, linear);
}

// -------------------------------------------------------------- memory ----

TEST(PeakMemory, TracksTensorAllocationsAboveTheStartLevel) {
  const auto keep = torch::randn({1 << 20});  // allocated before: not counted
  PeakMemoryTracker t;
  {
    auto a = torch::empty({1 << 20});  // 4 MiB
    auto b = torch::empty({1 << 19});  // 2 MiB
    EXPECT_EQ(t.current_bytes(), 6 << 20);
  }
  auto c = torch::empty({1 << 18});  // 1 MiB, after the others are freed
  EXPECT_EQ(t.current_bytes(), 1 << 20);
  EXPECT_EQ(t.peak_bytes(), 6 << 20);
}

// ------------------------------------------------------------- profile ----

TEST(Profile, PdeOverheadAndConsistentCounts) {
  ProfileOptions o;
  o.model = "convnext3d_nano";
  o.input = {8, 32, 32};
  o.timing = false;
  const auto a = profile_model(o);
  o.pde = true;
  const auto b = profile_model(o);
  EXPECT_EQ(a.pde_params, 0);
  EXPECT_EQ(b.params, a.params + b.pde_params);
  EXPECT_GT(b.pde_params, 0);
  // The blocks' 1x1x1 convs (stages 1 and 2 of nano on 8x32x32: C = 160 on
  // 32 voxels, C = 320 on 8): fuse and gate C^2, attention C, the reactions
  // C_A^2 + C_T^2 once per right-hand-side evaluation.
  const PdeBlockConfig defaults;
  const double rhs_evals = defaults.steps + (defaults.compute_next_rhs ? 1 : 0);
  auto block_conv = [&](double C, double V) { return 2 * V * (2 * C * C + C + rhs_evals * (C * C / 2)); };
  EXPECT_DOUBLE_EQ(b.flops.conv - a.flops.conv, block_conv(160, 32) + block_conv(320, 8));
  EXPECT_GT(b.flops.elementwise, a.flops.elementwise);
  EXPECT_GT(a.peak_memory_bytes, a.params * 4);
  EXPECT_GT(b.peak_memory_bytes, a.peak_memory_bytes);
  o.timing = true;
  o.repeats = 2;
  const auto t = profile_model(o);
  EXPECT_GT(t.forward_ms, 0);
  EXPECT_GT(t.train_step_ms, t.forward_ms);
  o.device = "tpu";
  EXPECT_THROW(profile_model(o), InputError);
}

TEST(Profile, CommandLineJsonAndTable) {
  using scopemia::testing::run_cli;
  const auto r = run_cli({"--threads", "1", "profile", "--model", "convnext3d_nano", "--pde", "--input", "4x32x32",
                          "--repeats", "1", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"params", "flops", "peak_memory_bytes", "forward_ms", "train_step_ms"})
    ASSERT_TRUE(j.contains(key)) << key;
  ModelConfig cfg;
  cfg.pde_stages = {1, 2};
  EXPECT_EQ(j["params"].get<int64_t>(), count_parameters(*create("convnext3d_nano", cfg)));
  ProfileOptions o;
  o.model = "convnext3d_nano";
  o.pde = true;
  o.input = {4, 32, 32};
  o.timing = false;
  EXPECT_DOUBLE_EQ(j["flops"].get<double>(), profile_model(o).flops.total());
  EXPECT_GT(j["peak_memory_bytes"].get<int64_t>(), 0);
  EXPECT_GT(j["forward_ms"].get<double>(), 0);
  EXPECT_GT(j["train_step_ms"].get<double>(), 0);

  const auto t = run_cli({"--threads", "1", "profile", "--table", "--models", "resnet3d_18,vgg3d_11", "--input",
                          "8x32x32", "--no-timing", "--format", "json"});
  ASSERT_EQ(t.code, 0) << t.err;
  const auto rows = nlohmann::json::parse(t.out);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1]["model"], "vgg3d_11");
  EXPECT_GT(rows[0]["params_pde"].get<int64_t>(), rows[0]["params"].get<int64_t>());

  EXPECT_EQ(run_cli({"profile", "--model", "convnext3d_nano", "--input", "16x128"}).code, 2);
  EXPECT_EQ(run_cli({"profile", "--model", "convnext3d_nano", "--input", "2x32x32"}).code, 2);  // below the stride
  EXPECT_EQ(run_cli({"profile", "--model", "nonet", "--input", "4x32x32"}).code, 2);
}

}  // namespace
}  // namespace scopemia::nn
