#include "core/label_map.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/error.h"

namespace scopemia {

std::map<int, int64_t> label_counts(const LabelMap& labels) {
  int64_t histogram[256] = {};
  const uint8_t* p = labels.data();
  for (int64_t i = 0, n = labels.voxel_count(); i < n; ++i) ++histogram[p[i]];
  std::map<int, int64_t> counts;
  for (int v = 0; v < 256; ++v)
    if (histogram[v] > 0) counts[v] = histogram[v];
  return counts;
}

LabelMap select_label(const LabelMap& labels, int label) {
  LabelMap out(labels.size(), labels.geometry());
  const uint8_t* in = labels.data();
  uint8_t* o = out.data();
  for (int64_t i = 0, n = labels.voxel_count(); i < n; ++i) o[i] = in[i] == label ? 1 : 0;
  return out;
}

std::optional<Region> bounding_box(const LabelMap& labels, int label) {
  const Size3& s = labels.size();
  Index3 lo{s.x, s.y, s.z}, hi{-1, -1, -1};
  for (int64_t z = 0; z < s.z; ++z)
    for (int64_t y = 0; y < s.y; ++y) {
      const uint8_t* row = &labels.at(0, y, z);
      for (int64_t x = 0; x < s.x; ++x) {
        const bool in = label < 0 ? row[x] != 0 : row[x] == label;
        if (!in) continue;
        lo = Index3{std::min(lo.x, x), std::min(lo.y, y), std::min(lo.z, z)};
        hi = Index3{std::max(hi.x, x), std::max(hi.y, y), std::max(hi.z, z)};
      }
    }
  if (hi.x < 0) return std::nullopt;
  return Region{lo, Size3{hi.x - lo.x + 1, hi.y - lo.y + 1, hi.z - lo.z + 1}};
}

void check_same_grid(const Volume& image, const LabelMap& mask, const std::string& mask_path, double tolerance) {
  const auto fail = [&](const std::string& cause) {
    if (mask_path.empty()) throw InputError(cause);
    throw InputError(mask_path, cause);
  };
  if (image.size() != mask.size())
    fail(fmt::format("mask size {}x{}x{} differs from image size {}x{}x{}", mask.size().x, mask.size().y,
                     mask.size().z, image.size().x, image.size().y, image.size().z));
  const double diff = mask.geometry().max_difference(image.geometry());
  if (diff > tolerance)
    fail(fmt::format("mask geometry differs from the image by {:.3g} (tolerance {:.3g}): mask {} vs image {}", diff,
                     tolerance, mask.geometry().describe(), image.geometry().describe()));
}

void check_mask(const Volume& image, const LabelMap& mask, int label, const std::string& mask_path,
                double tolerance) {
  check_same_grid(image, mask, mask_path, tolerance);
  const auto counts = label_counts(mask);
  int64_t foreground = 0;
  for (const auto& [value, n] : counts)
    if (value != 0) foreground += n;
  if (foreground == 0) throw InputError(mask_path, "mask is empty (no non-zero voxel)");
  if (!counts.count(label)) {
    std::string present;
    for (const auto& [value, n] : counts)
      if (value != 0) present += (present.empty() ? "" : ", ") + std::to_string(value);
    throw InputError(mask_path, fmt::format("label {} is absent from the mask (labels present: {})",
                                            label, present));
  }
}

}  // namespace scopemia
