#include "train/figures.h"

#include <torch/torch.h>

#include <cmath>

#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkPNGImageIO.h>
#include <itkRGBPixel.h>

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace scopemia::train {
namespace {

// Decodes a PNG with ITK's PNG reader (libpng), independent of our encoder.
RgbImage read_png(const std::string& path) {
  using Image = itk::Image<itk::RGBPixel<unsigned char>, 2>;
  auto reader = itk::ImageFileReader<Image>::New();
  reader->SetImageIO(itk::PNGImageIO::New());
  reader->SetFileName(path);
  reader->Update();
  const auto* image = reader->GetOutput();
  const auto size = image->GetLargestPossibleRegion().GetSize();
  RgbImage out{int64_t(size[0]), int64_t(size[1])};
  const auto* p = image->GetBufferPointer();
  for (int64_t y = 0; y < out.height; ++y)
    for (int64_t x = 0; x < out.width; ++x) {
      const auto& q = p[y * out.width + x];
      out.set(x, y, Rgb{q.GetRed(), q.GetGreen(), q.GetBlue()});
    }
  return out;
}

torch::Tensor test_volume(int64_t k = 16, int64_t H = 24, int64_t W = 20) {
  const auto z = torch::arange(k, torch::kFloat32).view({k, 1, 1});
  const auto y = torch::arange(H, torch::kFloat32).view({1, H, 1});
  const auto x = torch::arange(W, torch::kFloat32).view({1, 1, W});
  return 100 + 50 * torch::sin(z / 3) * torch::cos(y / 4) + 30 * torch::sin(x / 2);
}

uint8_t expected_grey(double v, double low, double high) {
  return uint8_t(std::lround(255 * std::clamp((v - low) / (high - low), 0.0, 1.0)));
}

// Every voxel of the panel's slice: the block has the mask colour where the
// mask is set and the grey level of `values` elsewhere.
void expect_panel(const Figure& fig, const PanelRect& rect, const torch::Tensor& values,
                  const torch::Tensor* mask, const FigureStyle& style) {
  const auto v = values.to(torch::kFloat64).contiguous();
  ASSERT_EQ(rect.width, v.size(1) * style.scale);
  ASSERT_EQ(rect.height, v.size(0) * style.scale);
  int masked = 0;
  for (int64_t r = 0; r < v.size(0); ++r)
    for (int64_t c = 0; c < v.size(1); ++c) {
      const uint8_t g = expected_grey(v[r][c].item<double>(), fig.low, fig.high);
      const bool is_masked = mask && (*mask)[r][c].item<bool>();
      masked += is_masked;
      const Rgb want = is_masked ? style.mask_color : Rgb{g, g, g};
      for (int dy = 0; dy < style.scale; ++dy)
        for (int dx = 0; dx < style.scale; ++dx)
          ASSERT_EQ(fig.image.at(rect.x + c * style.scale + dx, rect.y + r * style.scale + dy), want)
              << "r=" << r << " c=" << c;
    }
  if (mask) EXPECT_EQ(masked, mask->sum().item<int64_t>());
}

TEST(Figures, MaskingFigureShowsTheFourStrategiesAndDecodes) {
  const auto volume = test_volume();
  Random rng(5);
  const auto masks = masking_strategy_panels(16, 24, 20, 0.5, 4, rng);
  ASSERT_EQ(masks.size(), 4u);
  EXPECT_EQ(masks[0].label, "cubes");
  EXPECT_EQ(masks[3].label, "tubes");
  FigureStyle style;
  style.scale = 3;
  style.index = 5;
  const auto fig = render_masking_figure(volume, masks, style);
  ASSERT_EQ(fig.panels.size(), 4u);
  EXPECT_EQ(fig.image.width, 2 * 8 + 4 * 20 * 3 + 3 * 8);
  // "slices" (70 px at label scale 2) is wider than a 60 px panel: titles at scale 1.
  EXPECT_EQ(fig.image.height, 2 * 8 + (7 * 1 + 8) + 24 * 3);
  EXPECT_NEAR(fig.low, volume[5].min().item<double>(), 1e-4);
  EXPECT_NEAR(fig.high, volume[5].max().item<double>(), 1e-4);
  for (size_t i = 0; i < 4; ++i) {
    const auto m = masks[i].mask[5];
    expect_panel(fig, fig.panels[i], volume[5], &m, style);
  }
  // Title pixels above the panels.
  int ink = 0;
  for (int64_t y = 0; y < fig.panels[0].y; ++y)
    for (int64_t x = 0; x < fig.image.width; ++x) ink += fig.image.at(x, y) == style.label_color;
  EXPECT_GT(ink, 50);

  testing::TempDir dir;
  const auto path = dir.file("fig2.png");
  write_masking_figure(volume, masks, path, style);
  const auto decoded = read_png(path);
  EXPECT_EQ(decoded.width, fig.image.width);
  EXPECT_EQ(decoded.height, fig.image.height);
  EXPECT_EQ(decoded.pixels, fig.image.pixels);
  EXPECT_EQ(testing::list_files(dir.path()), std::vector<std::string>{"fig2.png"});  // no temporaries left
}

TEST(Figures, ReconstructionFigureHasRowsPerRatioAndDecodes) {
  const auto truth = test_volume(8, 16, 16);
  torch::manual_seed(3);
  std::vector<ReconstructionRow> rows;
  Random rng(6);
  for (double ratio : {0.25, 0.5, 0.75}) {
    const auto mask = masking_strategy_panels(8, 16, 16, ratio, 4, rng)[0].mask;  // random cubes
    rows.push_back(ReconstructionRow{std::to_string(int(ratio * 100)) + "%", mask,
                                     truth + 20 * torch::randn_like(truth)});
  }
  FigureStyle style;
  style.scale = 2;
  const auto fig = render_reconstruction_figure(truth.view({1, 1, 8, 16, 16}), rows, style);
  EXPECT_EQ(fig.slice_index, 4);  // the middle slice
  ASSERT_EQ(fig.panels.size(), 9u);
  const int64_t left = text_width("25%", 2) + 8, pw = 32;
  EXPECT_EQ(fig.image.width, 2 * 8 + left + 3 * pw + 2 * 8);
  EXPECT_EQ(fig.image.height, 2 * 8 + (7 + 8) + 3 * 32 + 2 * 8);  // titles at scale 1 over 32 px panels
  for (size_t r = 0; r < 3; ++r) {
    const auto m = rows[r].mask[4];
    expect_panel(fig, fig.panels[3 * r + 0], truth[4], nullptr, style);
    expect_panel(fig, fig.panels[3 * r + 1], truth[4], &m, style);
    expect_panel(fig, fig.panels[3 * r + 2], rows[r].reconstruction[4], nullptr, style);
  }
  testing::TempDir dir;
  const auto path = dir.file("fig3.png");
  write_reconstruction_figure(truth, rows, path, style);
  const auto decoded = read_png(path);
  EXPECT_EQ(decoded.width, fig.image.width);
  EXPECT_EQ(decoded.height, fig.image.height);
  EXPECT_EQ(decoded.pixels, fig.image.pixels);
}

TEST(Figures, SecondPlaneRowShowsTheCoronalSliceThroughTheMiddle) {
  const auto volume = test_volume(8, 12, 10);
  Random rng(7);
  const auto masks = masking_strategy_panels(8, 12, 10, 0.5, 2, rng);
  FigureStyle style;
  style.scale = 2;
  style.labels = false;
  style.second_plane = true;
  const auto fig = render_masking_figure(volume, masks, style);
  ASSERT_EQ(fig.panels.size(), 8u);
  EXPECT_EQ(fig.image.height, 2 * 8 + 12 * 2 + 8 + 8 * 2);
  for (size_t i = 0; i < 4; ++i) {
    const auto axial = masks[i].mask[4];
    expect_panel(fig, fig.panels[i], volume[4], &axial, style);
    const auto coronal = masks[i].mask.select(1, 6);
    expect_panel(fig, fig.panels[4 + i], volume.select(1, 6), &coronal, style);
  }
}

TEST(Figures, BlendedMaskAndCoronalPlane) {
  const auto volume = test_volume(8, 12, 10);
  auto mask = torch::zeros({8, 12, 10}, torch::kBool);
  mask.slice(0, 2, 4).fill_(true);  // two whole slices: stripes in a coronal view
  FigureStyle style;
  style.scale = 1;
  style.labels = false;
  style.plane = SlicePlane::kCoronal;
  style.index = 6;
  style.mask_alpha = 0.5;
  style.low = 50;
  style.high = 200;
  const auto fig = render_masking_figure(volume, {MaskPanel{"slices", mask}}, style);
  ASSERT_EQ(fig.panels.size(), 1u);
  EXPECT_EQ(fig.panels[0].height, 8);  // depth runs downwards
  EXPECT_EQ(fig.panels[0].width, 10);
  EXPECT_EQ(fig.panels[0].y, 8);  // no title row
  for (int64_t z = 0; z < 8; ++z)
    for (int64_t x = 0; x < 10; ++x) {
      const uint8_t g = expected_grey(volume[z][6][x].item<double>(), 50, 200);
      const Rgb got = fig.image.at(8 + x, 8 + z);
      if (z == 2 || z == 3) {
        EXPECT_EQ(got, (Rgb{uint8_t(std::lround(0.5 * g)), uint8_t(std::lround(0.5 * g + 57)),
                            uint8_t(std::lround(0.5 * g + 89))}));
      } else {
        EXPECT_EQ(got, (Rgb{g, g, g}));
      }
    }
}

TEST(Figures, PngOfAKnownImageDecodesExactly) {
  RgbImage image(3, 2, Rgb{1, 2, 3});
  image.set(0, 0, Rgb{255, 0, 0});
  image.set(2, 1, Rgb{0, 0, 255});
  testing::TempDir dir;
  write_png(image, dir.file("tiny.png"));
  const auto decoded = read_png(dir.file("tiny.png"));
  EXPECT_EQ(decoded.width, 3);
  EXPECT_EQ(decoded.height, 2);
  EXPECT_EQ(decoded.at(0, 0), (Rgb{255, 0, 0}));
  EXPECT_EQ(decoded.at(1, 0), (Rgb{1, 2, 3}));
  EXPECT_EQ(decoded.at(2, 1), (Rgb{0, 0, 255}));
}

TEST(Figures, RejectsMismatchedShapes) {
  const auto volume = test_volume(8, 12, 10);
  EXPECT_THROW(render_masking_figure(volume, {MaskPanel{"x", torch::zeros({8, 12, 9}, torch::kBool)}}),
               std::invalid_argument);
  FigureStyle style;
  style.index = 8;
  EXPECT_THROW(render_masking_figure(volume, {MaskPanel{"x", torch::zeros({8, 12, 10}, torch::kBool)}}, style),
               std::invalid_argument);
}

}  // namespace
}  // namespace scopemia::train
