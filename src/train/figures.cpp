#include "train/figures.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>

#include <torch/torch.h>

#include "data/masking.h"

namespace scopemia::train {

// ---------------------------------------------------------------- Text ----

namespace {

// 5x7 glyphs, rows top to bottom, '1' = ink.
const char* glyph(char c) {
  switch (c) {
    case 'A': return "01110100011000111111100011000110001";
    case 'B': return "11110100011000111110100011000111110";
    case 'C': return "01110100011000010000100001000101110";
    case 'D': return "11110100011000110001100011000111110";
    case 'E': return "11111100001000011110100001000011111";
    case 'F': return "11111100001000011110100001000010000";
    case 'G': return "01110100011000010111100011000101111";
    case 'H': return "10001100011000111111100011000110001";
    case 'I': return "01110001000010000100001000010001110";
    case 'J': return "00111000100001000010000101001001100";
    case 'K': return "10001100101010011000101001001010001";
    case 'L': return "10000100001000010000100001000011111";
    case 'M': return "10001110111010110101100011000110001";
    case 'N': return "10001100011100110101100111000110001";
    case 'O': return "01110100011000110001100011000101110";
    case 'P': return "11110100011000111110100001000010000";
    case 'Q': return "01110100011000110001101011001001101";
    case 'R': return "11110100011000111110101001001010001";
    case 'S': return "01111100001000001110000010000111110";
    case 'T': return "11111001000010000100001000010000100";
    case 'U': return "10001100011000110001100011000101110";
    case 'V': return "10001100011000110001100010101000100";
    case 'W': return "10001100011000110101101011010101010";
    case 'X': return "10001100010101000100010101000110001";
    case 'Y': return "10001100011000101010001000010000100";
    case 'Z': return "11111000010001000100010001000011111";
    case '0': return "01110100011001110101110011000101110";
    case '1': return "00100011000010000100001000010001110";
    case '2': return "01110100010000100010001000100011111";
    case '3': return "11111000100010000010000011000101110";
    case '4': return "00010001100101010010111110001000010";
    case '5': return "11111100001111000001000011000101110";
    case '6': return "00110010001000011110100011000101110";
    case '7': return "11111000010001000100010000100001000";
    case '8': return "01110100011000101110100011000101110";
    case '9': return "01110100011000101111000010001001100";
    case '%': return "11000110010001000100010001001100011";
    case '-': return "00000000000000011111000000000000000";
    case '/': return "00000000010001000100010001000000000";
    case '.': return "00000000000000000000000000110001100";
    case ':': return "00000011000110000000011000110000000";
    case ';': return "00000011000110000000011000010001000";
    default: return nullptr;
  }
}

}  // namespace

int64_t text_width(const std::string& text, int scale) {
  return text.empty() ? 0 : int64_t(text.size()) * 6 * scale - scale;  // 5 columns + 1 spacing
}

int64_t draw_text(RgbImage& image, int64_t x, int64_t y, const std::string& text, Rgb color, int scale) {
  int64_t cx = x;
  for (char raw : text) {
    const char* g = glyph(char(std::toupper(static_cast<unsigned char>(raw))));
    if (g)
      for (int r = 0; r < 7; ++r)
        for (int c = 0; c < 5; ++c)
          if (g[r * 5 + c] == '1') image.fill_rect(cx + c * scale, y + r * scale, scale, scale, color);
    cx += 6 * scale;
  }
  return text_width(text, scale);
}

// -------------------------------------------------------------- Panels ----

namespace {

torch::Tensor as_volume(const torch::Tensor& t, const char* what) {
  if (!t.defined()) throw std::invalid_argument(std::string(what) + ": tensor not given");
  auto u = t;
  while (u.dim() > 3 && u.size(0) == 1) u = u.squeeze(0);
  if (u.dim() != 3) throw std::invalid_argument(std::string(what) + ": expected a [k,H,W] volume");
  return u;
}

// A 2D slice as doubles, row-major, with its size.
struct Plane2D {
  int64_t rows = 0, cols = 0;
  std::vector<double> values;
  double operator()(int64_t r, int64_t c) const { return values[size_t(r * cols + c)]; }
};

int64_t resolve_index(const torch::Tensor& volume, const FigureStyle& style) {
  const int64_t n = style.plane == SlicePlane::kAxial ? volume.size(0) : volume.size(1);
  const int64_t index = style.index < 0 ? n / 2 : style.index;
  if (index >= n) throw std::invalid_argument("figure: slice index outside the volume");
  return index;
}

Plane2D take_slice(const torch::Tensor& t, const FigureStyle& style, int64_t index, const char* what) {
  const auto v = as_volume(t, what);
  const auto s = (style.plane == SlicePlane::kAxial ? v.select(0, index) : v.select(1, index))
                     .detach()
                     .to(torch::kCPU, torch::kFloat64)
                     .contiguous();
  Plane2D p;
  p.rows = s.size(0);
  p.cols = s.size(1);
  p.values.assign(s.data_ptr<double>(), s.data_ptr<double>() + s.numel());
  return p;
}

uint8_t grey_level(double v, double low, double high) {
  const double t = std::clamp((v - low) / (high - low), 0.0, 1.0);
  return uint8_t(std::lround(255.0 * (std::isnan(t) ? 0.0 : t)));
}

uint8_t blend(uint8_t a, uint8_t b, double alpha) { return uint8_t(std::lround((1 - alpha) * a + alpha * b)); }

void draw_panel(RgbImage& image, const PanelRect& rect, const Plane2D& values, const Plane2D* mask, double low,
                double high, const FigureStyle& style) {
  const int s = style.scale;
  for (int64_t r = 0; r < values.rows; ++r)
    for (int64_t c = 0; c < values.cols; ++c) {
      const uint8_t g = grey_level(values(r, c), low, high);
      Rgb color{g, g, g};
      if (mask && (*mask)(r, c) > 0.5)
        color = Rgb{blend(g, style.mask_color.r, style.mask_alpha), blend(g, style.mask_color.g, style.mask_alpha),
                    blend(g, style.mask_color.b, style.mask_alpha)};
      image.fill_rect(rect.x + c * s, rect.y + r * s, s, s, color);
    }
}

void window_of(const Plane2D& p, const FigureStyle& style, double& low, double& high) {
  low = style.low;
  high = style.high;
  if (std::isnan(low) || std::isnan(high)) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (double v : p.values)
      if (std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    if (!std::isfinite(lo)) lo = 0, hi = 1;
    if (std::isnan(low)) low = lo;
    if (std::isnan(high)) high = hi;
  }
  if (!(high > low)) high = low + 1.0;
}

// The scale of a figure's titles: label_scale, or 1 when one is wider than
// its panel.
int title_scale(const std::vector<std::string>& titles, int64_t panel_width, const FigureStyle& style) {
  for (const auto& t : titles)
    if (text_width(t, style.label_scale) > panel_width) return 1;
  return style.label_scale;
}

// A label centred over a panel.
void draw_title(RgbImage& image, const PanelRect& rect, int64_t y, const std::string& text, int scale,
                const FigureStyle& style) {
  const int64_t x = rect.x + std::max<int64_t>(0, (rect.width - text_width(text, scale)) / 2);
  draw_text(image, x, y, text, style.label_color, scale);
}

void check_style(const FigureStyle& style) {
  if (style.scale < 1 || style.gap < 0 || style.margin < 0 || style.label_scale < 1)
    throw std::invalid_argument("figure: scale and label scale must be >= 1, gap and margin >= 0");
  if (!(style.mask_alpha >= 0 && style.mask_alpha <= 1)) throw std::invalid_argument("figure: mask_alpha in [0, 1]");
}

void check_same_shape(const torch::Tensor& a, const torch::Tensor& b, const char* what) {
  if (as_volume(a, what).sizes() != as_volume(b, what).sizes())
    throw std::invalid_argument(std::string(what) + ": shape differs from the image's");
}

}  // namespace

// --------------------------------------------------------------- Fig. 2 ----

std::vector<MaskPanel> masking_strategy_panels(int64_t k, int64_t height, int64_t width, double ratio, int64_t unit,
                                               Random& rng) {
  std::vector<MaskPanel> panels;
  for (auto strategy : {data::MaskStrategy::kRandomCubes, data::MaskStrategy::kBlock, data::MaskStrategy::kSlices,
                        data::MaskStrategy::kTubes}) {
    data::MaskOptions options;
    options.strategy = strategy;
    options.ratio = ratio;
    options.unit = unit;
    panels.push_back(MaskPanel{data::to_string(strategy), data::make_mask(k, height, width, options, rng)});
  }
  return panels;
}

Figure render_masking_figure(const torch::Tensor& subvolume, const std::vector<MaskPanel>& masks,
                             const FigureStyle& style) {
  check_style(style);
  if (masks.empty()) throw std::invalid_argument("masking figure: no masks");
  const auto volume = as_volume(subvolume, "masking figure");
  for (const auto& m : masks) check_same_shape(m.mask, volume, "masking figure mask");
  Figure fig;
  fig.slice_index = resolve_index(volume, style);
  const auto image = take_slice(volume, style, fig.slice_index, "masking figure");
  window_of(image, style, fig.low, fig.high);
  // The optional second row: the other plane through its middle.
  FigureStyle other = style;
  other.plane = style.plane == SlicePlane::kAxial ? SlicePlane::kCoronal : SlicePlane::kAxial;
  other.index = -1;
  const int64_t other_index = resolve_index(volume, other);
  Plane2D other_image;
  if (style.second_plane) other_image = take_slice(volume, other, other_index, "masking figure");

  const int64_t n = int64_t(masks.size());
  const int64_t pw = image.cols * style.scale, ph = image.rows * style.scale;
  const int64_t ph2 = style.second_plane ? other_image.rows * style.scale : 0;
  std::vector<std::string> titles;
  for (const auto& m : masks) titles.push_back(m.label);
  const int scale = title_scale(titles, pw, style);
  const int64_t title = style.labels ? kGlyphHeight * scale + style.gap : 0;
  fig.image = RgbImage(2 * style.margin + n * pw + (n - 1) * style.gap,
                       2 * style.margin + title + ph + (style.second_plane ? style.gap + ph2 : 0), style.background);
  for (int64_t i = 0; i < n; ++i) {
    const auto mask = take_slice(masks[i].mask, style, fig.slice_index, "masking figure mask");
    const PanelRect rect{style.margin + i * (pw + style.gap), style.margin + title, pw, ph};
    draw_panel(fig.image, rect, image, &mask, fig.low, fig.high, style);
    if (style.labels) draw_title(fig.image, rect, style.margin, masks[i].label, scale, style);
    fig.panels.push_back(rect);
  }
  if (style.second_plane)
    for (int64_t i = 0; i < n; ++i) {
      const auto mask = take_slice(masks[i].mask, other, other_index, "masking figure mask");
      const PanelRect rect{style.margin + i * (pw + style.gap), style.margin + title + ph + style.gap,
                           other_image.cols * style.scale, ph2};
      draw_panel(fig.image, rect, other_image, &mask, fig.low, fig.high, style);
      fig.panels.push_back(rect);
    }
  return fig;
}

void write_masking_figure(const torch::Tensor& subvolume, const std::vector<MaskPanel>& masks,
                          const std::string& path, const FigureStyle& style) {
  write_png(render_masking_figure(subvolume, masks, style).image, path);
}

// --------------------------------------------------------------- Fig. 3 ----

Figure render_reconstruction_figure(const torch::Tensor& ground_truth, const std::vector<ReconstructionRow>& rows,
                                    const FigureStyle& style) {
  check_style(style);
  if (rows.empty()) throw std::invalid_argument("reconstruction figure: no rows");
  const auto volume = as_volume(ground_truth, "reconstruction figure");
  Figure fig;
  fig.slice_index = resolve_index(volume, style);
  const auto truth = take_slice(volume, style, fig.slice_index, "reconstruction figure");
  window_of(truth, style, fig.low, fig.high);
  const int64_t pw = truth.cols * style.scale, ph = truth.rows * style.scale;
  const std::vector<std::string> titles{"ground truth", "masked input", "reconstruction"};
  const int scale = title_scale(titles, pw, style);
  const int64_t title = style.labels ? kGlyphHeight * scale + style.gap : 0;
  int64_t left = 0;
  if (style.labels) {
    for (const auto& row : rows) left = std::max(left, text_width(row.label, style.label_scale));
    if (left > 0) left += style.gap;
  }
  const int64_t n = int64_t(rows.size());
  fig.image = RgbImage(2 * style.margin + left + 3 * pw + 2 * style.gap,
                       2 * style.margin + title + n * ph + (n - 1) * style.gap, style.background);
  for (int64_t r = 0; r < n; ++r) {
    check_same_shape(rows[r].mask, volume, "reconstruction figure mask");
    check_same_shape(rows[r].reconstruction, volume, "reconstruction figure reconstruction");
    const auto mask = take_slice(rows[r].mask, style, fig.slice_index, "reconstruction figure mask");
    const auto recon = take_slice(rows[r].reconstruction, style, fig.slice_index, "reconstruction figure");
    const int64_t y = style.margin + title + r * (ph + style.gap);
    for (int c = 0; c < 3; ++c) {
      const PanelRect rect{style.margin + left + c * (pw + style.gap), y, pw, ph};
      draw_panel(fig.image, rect, c == 2 ? recon : truth, c == 1 ? &mask : nullptr, fig.low, fig.high, style);
      if (style.labels && r == 0) draw_title(fig.image, rect, style.margin, titles[c], scale, style);
      fig.panels.push_back(rect);
    }
    if (style.labels)
      draw_text(fig.image, style.margin, y + (ph - kGlyphHeight * style.label_scale) / 2, rows[r].label,
                style.label_color, style.label_scale);
  }
  return fig;
}

void write_reconstruction_figure(const torch::Tensor& ground_truth, const std::vector<ReconstructionRow>& rows,
                                 const std::string& path, const FigureStyle& style) {
  write_png(render_reconstruction_figure(ground_truth, rows, style).image, path);
}

}  // namespace scopemia::train
