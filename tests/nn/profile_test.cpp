// The profiler behind `scopemia profile`: FLOPs counted per operator from
// shapes against per-layer formulas, the peak tensor-memory tracker on known
// allocations, the PDE blocks' overhead, and the command line's JSON.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/error.h"
#include "nn/pde_block.h"
#include "nn/profile.h"
#include "support/run_cli.h"

namespace scopemia::nn {
namespace {

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
  // convnext3d_nano (depths 2-2-2-2, dims 32-64-128-256, 3^3 depthwise, depth
  // strides 2-2-2-2) on 16x32x32: stem (2,4,4) patchify -> 8x8x8 voxels,
  // then 4x4x4, 2x2x2, 1x1x1; (2,2,2) downsampling; every 1x1x1 conv is a
  // linear layer; the profiler's head is a linear layer to 2 outputs.
  ProfileOptions o;
  o.model = "convnext3d_nano";
  o.input = {16, 32, 32};
  o.timing = false;
  const auto r = profile_model(o);
  const std::vector<double> depths{2, 2, 2, 2}, dims{32, 64, 128, 256}, voxels{512, 64, 8, 1};
  double conv = 2.0 * 32 * dims[0] * voxels[0];
  double linear = 2.0 * 256 * 2;
  for (size_t i = 0; i < 4; ++i) {
    if (i > 0) conv += 2.0 * dims[i - 1] * 8 * dims[i] * voxels[i];
    conv += depths[i] * 2.0 * 27 * dims[i] * voxels[i];
    linear += depths[i] * 2.0 * (8 * dims[i] * dims[i]) * voxels[i];
  }
  EXPECT_DOUBLE_EQ(r.flops.conv, conv);
  EXPECT_DOUBLE_EQ(r.flops.linear, linear);
}

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

TEST(Profile, PdeOverheadAndConsistentCounts) {
  ProfileOptions o;
  o.model = "convnext3d_nano";
  o.input = {16, 32, 32};
  o.timing = false;
  const auto a = profile_model(o);
  o.pde = true;  // blocks after stages 1 and 2
  const auto b = profile_model(o);
  EXPECT_EQ(a.pde_params, 0);
  EXPECT_GT(b.pde_params, 0);
  EXPECT_EQ(b.params, a.params + b.pde_params);
  // The blocks' 1x1x1 convs (nano on 16x32x32: C = 64 on 64 voxels after
  // stage 1, C = 128 on 8 after stage 2): fuse and gate C^2, attention C, the
  // reactions C_A^2 + C_T^2 once per right-hand-side evaluation.
  const PdeBlockConfig defaults;
  const double rhs_evals = defaults.steps + (defaults.compute_next_rhs ? 1 : 0);
  auto block_conv = [&](double C, double V) { return 2 * V * (2 * C * C + C + rhs_evals * (C * C / 2)); };
  EXPECT_DOUBLE_EQ(b.flops.conv - a.flops.conv, block_conv(64, 64) + block_conv(128, 8));
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
  const auto r = run_cli({"--threads", "1", "profile", "--model", "convnext3d_nano", "--pde", "--input", "16x32x32",
                          "--repeats", "1", "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"params", "flops", "peak_memory_bytes", "forward_ms", "train_step_ms"})
    ASSERT_TRUE(j.contains(key)) << key;
  ProfileOptions o;
  o.model = "convnext3d_nano";
  o.pde = true;
  o.input = {16, 32, 32};
  o.timing = false;
  const auto p = profile_model(o);
  EXPECT_EQ(j["params"].get<int64_t>(), p.params);
  EXPECT_DOUBLE_EQ(j["flops"].get<double>(), p.flops.total());
  EXPECT_GT(j["peak_memory_bytes"].get<int64_t>(), 0);
  EXPECT_GT(j["forward_ms"].get<double>(), 0);
  EXPECT_GT(j["train_step_ms"].get<double>(), 0);

  const auto t = run_cli({"--threads", "1", "profile", "--table", "--models", "resnet3d_18,vgg3d_11", "--input",
                          "16x32x32", "--batch", "2", "--no-timing", "--format", "json"});
  ASSERT_EQ(t.code, 0) << t.err;
  const auto rows = nlohmann::json::parse(t.out);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1]["model"], "vgg3d_11");
  EXPECT_GT(rows[0]["params_pde"].get<int64_t>(), rows[0]["params"].get<int64_t>());

  EXPECT_EQ(run_cli({"profile", "--model", "convnext3d_nano", "--input", "16x128"}).code, 2);
  EXPECT_EQ(run_cli({"profile", "--model", "nonet", "--input", "16x32x32"}).code, 2);
}

}  // namespace
}  // namespace scopemia::nn
