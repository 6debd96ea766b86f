#include "infer/dense.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/tensor_bridge.h"
#include "io/image_io.h"
#include "support/temp_dir.h"

namespace scopemia::infer {
namespace {
using testing::TempDir;

// A linear ramp in HU (inside the window): linear interpolation reproduces it
// exactly, so any misplacement of the model grid shows as an offset.
Volume ramp(const Size3& size, const Vec3& spacing) {
  Geometry g;
  g.spacing = spacing;
  g.origin = {4.5, -7.0, 12.25};
  Volume v(size, g);
  for (int64_t z = 0; z < size.z; ++z)
    for (int64_t y = 0; y < size.y; ++y)
      for (int64_t x = 0; x < size.x; ++x) {
        const Vec3 p = g.index_to_physical(Index3{x, y, z});
        v.at(x, y, z) = float(2.0 * p[0] - 3.0 * p[1] + 1.5 * p[2]);
      }
  return v;
}

TEST(ModelGrid, IsTheGridTrainingResamplesTo) {
  const Volume v = ramp(Size3{23, 17, 9}, {0.7, 0.9, 2.5});
  data::PreprocessOptions p;
  p.margin_mm = 0;
  p.height = p.width = 0;
  p.spacing = {1.0, 0, 1.6};
  const auto prepared = data::prepare_case(v, LabelMap(v.size(), v.geometry(), 1), p);
  Geometry g;
  Size3 s;
  model_grid(v.geometry(), v.size(), p.spacing, g, s);
  EXPECT_EQ(s, prepared.image.size());
  EXPECT_EQ(g.max_difference(prepared.image.geometry()), 0.0);
}

TEST(IntensityMapping, InvertsTheWindowAndClampsOutsideIt) {
  IntensityMapping m;
  m.low = -100;
  m.high = 300;
  const auto raw = torch::tensor({-500.f, -100.f, 0.f, 123.25f, 300.f, 900.f});
  const auto x = m.apply(raw);
  EXPECT_TRUE(torch::equal(x, torch::tensor({0.f, 0.f, 0.25f, 0.5581250f, 1.f, 1.f})));
  EXPECT_TRUE(torch::allclose(m.invert(x), raw.clamp(-100, 300), 0, 1e-4));
}

// An identity model through the whole pipeline gives the input back (clamped
// to the window): streamed at the model's spacing, and resampled to another
// spacing and back onto exactly the input's grid.
TEST(InferDense, IdentityModelReturnsTheInputOnItsGridWithAndWithoutResampling) {
  TempDir dir;
  const Volume v = ramp(Size3{30, 26, 20}, {0.8, 0.8, 2.0});
  io::write_volume(v, dir.file("in.nii.gz"));
  const Volume in = io::read_volume(dir.file("in.nii.gz"));
  const auto lo = as_tensor(in).min().item<double>(), hi = as_tensor(in).max().item<double>();
  DenseInferenceOptions o;
  o.preprocess.window_low = lo - 1;
  o.preprocess.window_high = hi + 1;
  o.invert_intensity = true;
  o.window.windows = DepthWindows(8, 3);
  const WindowModel identity = [](const torch::Tensor& x) { return x; };
  for (const Vec3& spacing : {Vec3{0, 0, 0}, Vec3{0.8, 0.8, 2.0}, Vec3{1.1, 0.6, 1.3}}) {
    o.preprocess.spacing = spacing;
    const auto report = infer_dense(dir.file("in.nii.gz"), dir.file("out.nrrd"), identity, o);
    EXPECT_EQ(report.resampled, spacing[0] == 1.1);
    const Volume out = io::read_volume(dir.file("out.nrrd"));
    ASSERT_EQ(out.size(), in.size());
    EXPECT_LT(out.geometry().max_difference(in.geometry()), 1e-12);
    const auto diff = (as_tensor(out) - as_tensor(in)).abs();
    if (!report.resampled) {
      EXPECT_LT(diff.max().item<double>(), 1e-3);
    } else {
      // Away from the edges linear interpolation is exact both ways; near
      // them the resampling clamps to the edge voxel (and the output's one
      // replicated voxel), which is off the ramp by a fraction of a voxel.
      const auto inner = diff.narrow(0, 2, 16).narrow(1, 2, 22).narrow(2, 2, 26);
      EXPECT_LT(inner.max().item<double>(), 1e-3);
      EXPECT_LT(diff.max().item<double>(), 3.0);  // < one model voxel's worth of the ramp
    }
  }
}

}  // namespace
}  // namespace scopemia::infer
