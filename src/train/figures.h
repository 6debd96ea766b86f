#pragma once
// PNG figures of the masked autoencoder, like the paper's Fig. 2 (the four
// masking strategies on one subvolume slice, a 1 x 4 grid) and Fig. 3 (rows
// for masking ratios; columns ground truth / masked input / reconstruction).
//
// Rendering is plain pixels on an RGB canvas: each voxel of the shown slice
// becomes a `scale` x `scale` block, grey from an intensity window, masked
// voxels drawn in the mask colour (optionally blended); optional labels in a
// built-in 5x7 bitmap font. The canvas and the PNG writer are io/png.h's.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <torch/types.h>

#include "core/random.h"
#include "io/png.h"

namespace scopemia::train {

using io::Rgb;
using io::RgbImage;
using io::write_png;

// Draws `text` (A-Z, 0-9, space, % - / . : ; lower case shown as upper case,
// anything else as a blank) with its top-left corner at (x, y), each font
// pixel a `scale` x `scale` block. Returns the width drawn.
int64_t draw_text(RgbImage& image, int64_t x, int64_t y, const std::string& text, Rgb color, int scale = 2);
int64_t text_width(const std::string& text, int scale = 2);
constexpr int kGlyphHeight = 7;

enum class SlicePlane {
  kAxial,    // a [H, W] slice at depth index `index`
  kCoronal,  // a [D, W] slice at row index `index` (depth runs downwards)
};

struct FigureStyle {
  int scale = 4;   // screen pixels per voxel (nearest neighbour)
  int gap = 8;     // pixels between panels
  int margin = 8;  // pixels around the figure
  Rgb background{255, 255, 255};
  Rgb mask_color{0, 114, 178};  // masked voxels
  double mask_alpha = 1.0;      // 1: masked voxels are exactly mask_color
  // Grey window; NaN = the shown ground-truth slice's [min, max].
  double low = std::numeric_limits<double>::quiet_NaN();
  double high = std::numeric_limits<double>::quiet_NaN();
  bool labels = true;  // panel titles / row labels in the bitmap font
  int label_scale = 2;
  Rgb label_color{0, 0, 0};
  SlicePlane plane = SlicePlane::kAxial;
  int64_t index = -1;  // slice index along the plane's axis; -1 = the middle
  // Fig. 2 only: a second row showing the other plane (coronal under axial,
  // or axial under coronal) through that plane's middle. An axial slice alone
  // cannot tell cubes from tubes and shows a slice mask as all or nothing.
  bool second_plane = false;
};

// Where each panel landed (top-left corner, size in pixels), in grid order
// (row by row). Titles share one scale: label_scale, or 1 when a title is
// wider than its panel at label_scale.
struct PanelRect {
  int64_t x = 0, y = 0, width = 0, height = 0;
};
struct Figure {
  RgbImage image;
  std::vector<PanelRect> panels;
  int64_t slice_index = 0;  // the slice that was drawn
  double low = 0.0, high = 1.0;  // the grey window used
};

// --------------------------------------------------------------- Fig. 2 ----

struct MaskPanel {
  std::string label;   // e.g. "cubes"
  torch::Tensor mask;  // [k,H,W] bool (true = masked), like data::make_mask
};

// The four strategies of data::make_mask (cubes, block, slices, tubes) at one
// ratio and unit, in that order, labelled with their names.
std::vector<MaskPanel> masking_strategy_panels(int64_t k, int64_t height, int64_t width, double ratio,
                                               int64_t unit, Random& rng);

// subvolume: [k,H,W] (leading size-1 dimensions allowed). One panel per mask,
// side by side (panels 0..n-1); with style.second_plane a second row
// (panels n..2n-1) in the other plane.
Figure render_masking_figure(const torch::Tensor& subvolume, const std::vector<MaskPanel>& masks,
                             const FigureStyle& style = {});
void write_masking_figure(const torch::Tensor& subvolume, const std::vector<MaskPanel>& masks,
                          const std::string& path, const FigureStyle& style = {});

// --------------------------------------------------------------- Fig. 3 ----

struct ReconstructionRow {
  std::string label;             // e.g. "25%"
  torch::Tensor mask;            // [k,H,W] bool
  torch::Tensor reconstruction;  // same shape as the ground truth
};

// One row per entry: ground truth, ground truth with the mask drawn over it
// (the encoder's input), reconstruction; all in the ground truth's window.
Figure render_reconstruction_figure(const torch::Tensor& ground_truth, const std::vector<ReconstructionRow>& rows,
                                    const FigureStyle& style = {});
void write_reconstruction_figure(const torch::Tensor& ground_truth, const std::vector<ReconstructionRow>& rows,
                                 const std::string& path, const FigureStyle& style = {});

}  // namespace scopemia::train
