#include "radiomics/preprocess.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "core/crop.h"
#include "core/error.h"
#include "imaging/itk_filters.h"

namespace scopemia::radiomics {

// ---------------------------------------------------------------- helpers

double pairwise_sum(const double* a, size_t n) {
  if (n < 8) {
    double res = 0.;
    for (size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum(a, n2) + pairwise_sum(a + n2, n - n2);
}

std::optional<Region> mask_bounding_box(const LabelMap& mask) {
  const Size3 s = mask.size();
  Index3 lo{s.x, s.y, s.z}, hi{-1, -1, -1};
  for (int64_t z = 0; z < s.z; ++z)
    for (int64_t y = 0; y < s.y; ++y) {
      const uint8_t* row = &mask.at(0, y, z);
      uint8_t any = 0;  // most rows are empty: one vectorised pass says so
      for (int64_t x = 0; x < s.x; ++x) any |= row[x];
      if (!any) continue;
      int64_t first = 0;
      while (first < s.x && !row[first]) ++first;
      if (first == s.x) continue;
      int64_t last = s.x - 1;
      while (!row[last]) --last;
      lo = {std::min(lo.x, first), std::min(lo.y, y), std::min(lo.z, z)};
      hi = {std::max(hi.x, last), std::max(hi.y, y), std::max(hi.z, z)};
    }
  if (hi.x < 0) return std::nullopt;
  return Region{lo, Size3{hi.x - lo.x + 1, hi.y - lo.y + 1, hi.z - lo.z + 1}};
}

std::vector<double> roi_values(const DoubleImage& image, const LabelMap& mask) {
  std::vector<double> v;
  const int64_t n = image.voxel_count();
  for (int64_t i = 0; i < n; ++i)
    if (mask[i]) v.push_back(image[i]);
  return v;
}

Region padded_box(const Region& bbox, int pad, const Size3& size) {
  const Index3 lo{std::max<int64_t>(bbox.start.x - pad, 0), std::max<int64_t>(bbox.start.y - pad, 0),
                  std::max<int64_t>(bbox.start.z - pad, 0)};
  const Index3 hi{std::min<int64_t>(bbox.start.x + bbox.size.x - 1 + pad, size.x - 1),
                  std::min<int64_t>(bbox.start.y + bbox.size.y - 1 + pad, size.y - 1),
                  std::min<int64_t>(bbox.start.z + bbox.size.z - 1 + pad, size.z - 1)};
  return Region{lo, Size3{hi.x - lo.x + 1, hi.y - lo.y + 1, hi.z - lo.z + 1}};
}

double cast_to_pixel_type(double value, PixelType type) {
  if (type == PixelType::Float64) return value;
  if (type == PixelType::Float32) return static_cast<double>(static_cast<float>(value));
  const double lo = lowest_value(type), hi = highest_value(type);
  if (value < lo) return lo;
  if (value > hi) return hi;
  return std::trunc(value);
}

namespace {

std::string tuple3(double a, double b, double c) {
  return "(" + py_float_repr(a) + ", " + py_float_repr(b) + ", " + py_float_repr(c) + ")";
}
std::string tuple3i(int64_t a, int64_t b, int64_t c) { return fmt::format("({}, {}, {})", a, b, c); }

// Connected components of the ROI, face connectivity (ITK's default). Only
// the ROI's bounding box `bb` holds ROI voxels: the search runs in it.
int count_volumes(const LabelMap& mask, const Region& bb) {
  // The box with a one-voxel border of zeros: a neighbour is one of six
  // fixed offsets, with no bounds check and no division per voxel.
  const int64_t sx = bb.size.x + 2, sy = bb.size.y + 2, sz = bb.size.z + 2;
  std::vector<uint8_t> in(static_cast<size_t>(sx * sy * sz), 0);  // ROI and not yet visited
  for (int64_t z = 0; z < bb.size.z; ++z)
    for (int64_t y = 0; y < bb.size.y; ++y) {
      const uint8_t* row = &mask.at(bb.start.x, bb.start.y + y, bb.start.z + z);
      uint8_t* dst = in.data() + ((z + 1) * sy + (y + 1)) * sx + 1;
      for (int64_t x = 0; x < bb.size.x; ++x) dst[x] = row[x] != 0;
    }
  const int64_t step[6] = {-1, 1, -sx, sx, -sx * sy, sx * sy};
  std::vector<int64_t> stack;
  int count = 0;
  for (int64_t i = 0; i < static_cast<int64_t>(in.size()); ++i) {
    if (!in[i]) continue;
    ++count;
    in[i] = 0;
    stack.push_back(i);
    while (!stack.empty()) {
      const int64_t v = stack.back();
      stack.pop_back();
      for (const int64_t d : step)
        if (in[v + d]) {
          in[v + d] = 0;
          stack.push_back(v + d);
        }
    }
  }
  return count;
}

// Minimum and maximum of a[0..n) as the sequential std::min/std::max scan
// gives them (the first of equal values wins, so -0.0 vs 0.0 is kept), with
// four independent chains instead of one long dependency chain.
std::pair<double, double> min_max(const double* a, int64_t n) {
  double lo[4] = {INFINITY, INFINITY, INFINITY, INFINITY}, hi[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int k = 0; k < 4; ++k) {
      lo[k] = a[i + k] < lo[k] ? a[i + k] : lo[k];
      hi[k] = hi[k] < a[i + k] ? a[i + k] : hi[k];
    }
  for (; i < n; ++i) {
    lo[0] = a[i] < lo[0] ? a[i] : lo[0];
    hi[0] = hi[0] < a[i] ? a[i] : hi[0];
  }
  double mn = std::min({lo[0], lo[1], lo[2], lo[3]}), mx = std::max({hi[0], hi[1], hi[2], hi[3]});
  // Only a zero extreme can tell +0.0 from -0.0: take the first zero, as the
  // sequential scan does.
  if (mn == 0 || mx == 0)
    for (int64_t j = 0; j < n; ++j)
      if (a[j] == 0) {
        if (mn == 0) mn = a[j];
        if (mx == 0) mx = a[j];
        break;
      }
  return {mn, mx};
}

void add_image_diagnostics(Diagnostics& d, const std::string& prefix, const DoubleImage& image) {
  const Vec3& sp = image.geometry().spacing;
  const auto [lo, hi] = min_max(image.data(), image.voxel_count());
  const double mean = pairwise_sum(image.data(), size_t(image.voxel_count())) / double(image.voxel_count());
  d.emplace_back("diagnostics_Image-" + prefix + "_Dimensionality", "3D");
  d.emplace_back("diagnostics_Image-" + prefix + "_Spacing", tuple3(sp[0], sp[1], sp[2]));
  d.emplace_back("diagnostics_Image-" + prefix + "_Size", tuple3i(image.size().x, image.size().y, image.size().z));
  d.emplace_back("diagnostics_Image-" + prefix + "_Mean", py_float_repr(mean));
  d.emplace_back("diagnostics_Image-" + prefix + "_Minimum", py_float_repr(lo));
  d.emplace_back("diagnostics_Image-" + prefix + "_Maximum", py_float_repr(hi));
}

void add_mask_diagnostics(Diagnostics& d, const std::string& prefix, const DoubleImage* image,
                          const LabelMap& mask) {
  const std::string p = "diagnostics_Mask-" + prefix + "_";
  const Vec3& sp = mask.geometry().spacing;
  if (!image) {
    d.emplace_back(p + "Spacing", tuple3(sp[0], sp[1], sp[2]));
    d.emplace_back(p + "Size", tuple3i(mask.size().x, mask.size().y, mask.size().z));
  }
  const auto bb = mask_bounding_box(mask);
  if (!bb) return;
  d.emplace_back(p + "BoundingBox", fmt::format("({}, {}, {}, {}, {}, {})", bb->start.x, bb->start.y, bb->start.z,
                                                bb->size.x, bb->size.y, bb->size.z));
  int64_t n = 0;
  double cx = 0, cy = 0, cz = 0;
  // Only the bounding box holds ROI voxels. Sums of integer coordinates are
  // exact in double (far below 2^53), so the summation order is free.
  for (int64_t z = bb->start.z; z < bb->start.z + bb->size.z; ++z)
    for (int64_t y = bb->start.y; y < bb->start.y + bb->size.y; ++y) {
      const uint8_t* row = &mask.at(0, y, z);
      int64_t rn = 0, rx = 0;
      for (int64_t x = bb->start.x; x < bb->start.x + bb->size.x; ++x)
        if (row[x]) {
          ++rn;
          rx += x;
        }
      n += rn;
      cx += double(rx);
      cy += double(rn * y);
      cz += double(rn * z);
    }
  d.emplace_back(p + "VoxelNum", std::to_string(n));
  d.emplace_back(p + "VolumeNum", std::to_string(count_volumes(mask, *bb)));
  const Vec3 ci{cx / double(n), cy / double(n), cz / double(n)};
  const Vec3 cp = mask.geometry().index_to_physical(ci);
  d.emplace_back(p + "CenterOfMassIndex", tuple3(ci[0], ci[1], ci[2]));
  d.emplace_back(p + "CenterOfMass", tuple3(cp[0], cp[1], cp[2]));
  if (image && image->size() == mask.size()) {
    const std::vector<double> v = roi_values(*image, mask);
    double lo = INFINITY, hi = -INFINITY;
    for (double x : v) {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
    d.emplace_back(p + "Mean", py_float_repr(pairwise_sum(v.data(), v.size()) / double(v.size())));
    d.emplace_back(p + "Minimum", py_float_repr(lo));
    d.emplace_back(p + "Maximum", py_float_repr(hi));
  }
}

// ITK's VerifyInputInformation: same size, origin/spacing within
// tolerance * spacing[0], direction within tolerance.
bool same_physical_space(const DoubleImage& image, const LabelMap& mask, const Settings& s) {
  if (image.size() != mask.size()) return false;
  const double tol = s.geometryTolerance.value_or(1e-6);
  const Geometry& a = image.geometry();
  const Geometry& b = mask.geometry();
  const double coord_tol = std::abs(tol * a.spacing[0]);
  for (int i = 0; i < 3; ++i) {
    if (std::abs(a.origin[i] - b.origin[i]) > coord_tol) return false;
    if (std::abs(a.spacing[i] - b.spacing[i]) > coord_tol) return false;
  }
  for (int i = 0; i < 9; ++i)
    if (std::abs(a.direction[i] - b.direction[i]) > tol) return false;
  return true;
}

// _checkROI: the ROI's bounding box (in the mask grid) must lie inside the
// image's physical extent (tolerance 1e-3 voxel).
Region check_roi(const DoubleImage& image, const LabelMap& mask, const Settings& s) {
  const auto bb = mask_bounding_box(mask);
  if (!bb) throw InputError(fmt::format("Label ({}) not present in mask", s.label));
  const Vec3 lo_idx{double(bb->start.x) - 0.5, double(bb->start.y) - 0.5, double(bb->start.z) - 0.5};
  const Vec3 hi_idx{double(bb->start.x + bb->size.x) - 0.5, double(bb->start.y + bb->size.y) - 0.5,
                    double(bb->start.z + bb->size.z) - 0.5};
  const Vec3 a = image.geometry().physical_to_index(mask.geometry().index_to_physical(lo_idx));
  const Vec3 b = image.geometry().physical_to_index(mask.geometry().index_to_physical(hi_idx));
  const double tol = 1e-3;
  const double size[3] = {double(image.size().x), double(image.size().y), double(image.size().z)};
  for (int i = 0; i < 3; ++i) {
    if (std::min(a[i], b[i]) < -0.5 - tol || std::max(a[i], b[i]) > size[i] - 0.5 + tol)
      throw InputError("Bounding box of ROI is larger than image space");
  }
  return *bb;
}

imaging::Interpolator interpolator_of(const std::string& name) {
  if (name == "sitkNearestNeighbor") return imaging::Interpolator::NearestNeighbor;
  if (name == "sitkLinear") return imaging::Interpolator::Linear;
  if (name == "sitkBSpline") return imaging::Interpolator::BSpline;
  throw InputError(fmt::format("interpolator '{}' is not supported (use sitkBSpline, sitkLinear or sitkNearestNeighbor)", name));
}

}  // namespace

// ---------------------------------------------------------------- steps

DoubleImage normalize_image(const DoubleImage& image, const Settings& s, PixelType pixel_type) {
  const bool single = pixel_type == PixelType::Float32;
  const int64_t n = image.voxel_count();
  // ITK StatisticsImageFilter: compensated sums, sample variance.
  long double sum = 0, sum2 = 0;
  for (int64_t i = 0; i < n; ++i) {
    sum += image[i];
    sum2 += static_cast<long double>(image[i]) * image[i];
  }
  const double dsum = double(sum), dsum2 = double(sum2);
  const double mean = dsum / double(n);
  const double variance = (dsum2 - (dsum * dsum / double(n))) / (double(n) - 1.0);
  const double sigma = std::sqrt(variance);
  const double shift = -mean, scale = 1.0 / sigma;
  DoubleImage out(image.size(), image.geometry());
  if (single) {
    const float o = s.removeOutliers ? static_cast<float>(*s.removeOutliers) : 0.f;
    const float factor = static_cast<float>(s.normalizeScale);
    for (int64_t i = 0; i < n; ++i) {
      float v = static_cast<float>((image[i] + shift) * scale);
      if (s.removeOutliers) {
        if (v > o) v = o;
        if (v < -o) v = -o;
      }
      out[i] = static_cast<float>(v * factor);
    }
    return out;
  }
  for (int64_t i = 0; i < n; ++i) {
    double v = (image[i] + shift) * scale;
    if (s.removeOutliers) {
      const double o = *s.removeOutliers;
      if (v > o) v = o;
      if (v < -o) v = -o;
    }
    out[i] = v * s.normalizeScale;
  }
  return out;
}

MaskCheck check_mask(const DoubleImage& image, const LabelMap& mask, const Settings& s) {
  MaskCheck result;
  const LabelMap* m = &mask;
  if (!same_physical_space(image, mask, s)) {
    if (!s.correctMask) {
      if (image.size() != mask.size())
        throw InputError(fmt::format("Image/Mask size mismatch (image {}x{}x{}, mask {}x{}x{}); enable correctMask to resample the mask",
                                     image.size().x, image.size().y, image.size().z, mask.size().x, mask.size().y,
                                     mask.size().z));
      throw InputError(fmt::format(
          "Image/Mask geometry mismatch (image {} vs mask {}); increase geometryTolerance or enable correctMask",
          image.geometry().describe(), mask.geometry().describe()));
    }
    check_roi(image, mask, s);
    result.corrected = imaging::resample_labels(mask, imaging::Grid{image.size(), image.geometry()});
    m = &*result.corrected;
  }
  const auto bb = mask_bounding_box(*m);
  if (!bb) throw InputError(fmt::format("Label ({}) not present in mask", s.label));
  result.bbox = *bb;
  const int ndims = int(bb->size.x > 1) + int(bb->size.y > 1) + int(bb->size.z > 1);
  if (ndims == 0)
    throw InputError("mask only contains 1 segmented voxel! Cannot extract features for a single voxel.");
  if (ndims < s.minimumROIDimensions)
    throw InputError(fmt::format("mask has too few dimensions (number of dimensions {}, minimum required {})", ndims,
                                 s.minimumROIDimensions));
  if (s.minimumROISize) {
    int64_t count = 0;
    for (int64_t i = 0; i < m->voxel_count(); ++i) count += (*m)[i] != 0;
    if (count <= *s.minimumROISize)
      throw InputError(fmt::format("Size of the ROI is too small (minimum size: {}, ROI size: {})", *s.minimumROISize,
                                   count));
  }
  return result;
}

std::pair<DoubleImage, LabelMap> resample_case(const DoubleImage& image, PixelType pixel_type, const LabelMap& mask,
                                               const Settings& s) {
  const Geometry& mg = mask.geometry();
  const Vec3 mask_spacing = mg.spacing;
  const Vec3 image_spacing = image.geometry().spacing;
  Vec3 r{(*s.resampledPixelSpacing)[0], (*s.resampledPixelSpacing)[1], (*s.resampledPixelSpacing)[2]};
  for (int i = 0; i < 3; ++i)
    if (r[i] == 0) r[i] = mask_spacing[i];
  const Region bb = check_roi(image, mask, s);
  const int64_t bb_size[3] = {bb.size.x, bb.size.y, bb.size.z};
  const int64_t bb_start[3] = {bb.start.x, bb.start.y, bb.start.z};
  for (int i = 0; i < 3; ++i)
    if (bb_size[i] == 1) r[i] = mask_spacing[i];

  bool allclose = true;
  for (int i = 0; i < 3; ++i)
    if (!(std::abs(image_spacing[i] - r[i]) <= 1e-8 + 1e-5 * std::abs(r[i]))) allclose = false;
  if (allclose) {
    const LabelMap m = imaging::resample_labels(mask, imaging::Grid{image.size(), image.geometry()});
    const auto nbb = mask_bounding_box(m);
    if (!nbb) throw InputError(fmt::format("Label ({}) not present in mask", s.label));
    const Region box = padded_box(*nbb, s.padDistance, image.size());
    return {crop(image, box), crop(m, box)};
  }

  const int64_t mask_size[3] = {mask.size().x, mask.size().y, mask.size().z};
  Size3 new_size;
  Vec3 origin_index;
  int64_t* ns[3] = {&new_size.x, &new_size.y, &new_size.z};
  for (int i = 0; i < 3; ++i) {
    const double ratio = mask_spacing[i] / r[i];
    double lo = std::floor((double(bb_start[i]) - 0.5) * ratio - s.padDistance);
    double up = std::ceil((double(bb_start[i] + bb_size[i]) - 0.5) * ratio + s.padDistance);
    const double max_up = std::ceil(double(mask_size[i]) * ratio) - 1;
    if (lo < 0) lo = 0;
    if (up > max_up) up = max_up;
    *ns[i] = int64_t(up - lo + 1);
    const double original_lbound = lo / ratio;
    const double new_origin_index = 0.5 * (r[i] - mask_spacing[i]) / mask_spacing[i];
    origin_index[i] = new_origin_index + original_lbound;
  }
  Geometry g;
  g.spacing = r;
  g.direction = mg.direction;
  g.origin = mg.index_to_physical(origin_index);
  const imaging::Grid grid{new_size, g};
  const imaging::Interpolator interp = interpolator_of(*s.interpolator);
  DoubleImage out = imaging::resample(image, grid, interp, 0.0);
  for (int64_t i = 0; i < out.voxel_count(); ++i) out[i] = cast_to_pixel_type(out[i], pixel_type);
  LabelMap m = imaging::resample_labels(mask, grid);
  return {out, m};
}

LabelMap resegment_mask(const DoubleImage& image, const LabelMap& mask, const Settings& s) {
  std::vector<double> th = *s.resegmentRange;
  std::sort(th.begin(), th.end());
  const std::vector<double> v = roi_values(image, mask);
  if (s.resegmentMode == "relative") {
    const double mx = *std::max_element(v.begin(), v.end());
    for (double& t : th) t = mx * t;
  } else if (s.resegmentMode == "sigma") {
    const double mean = pairwise_sum(v.data(), v.size()) / double(v.size());
    std::vector<double> sq(v.size());
    for (size_t i = 0; i < v.size(); ++i) sq[i] = (v[i] - mean) * (v[i] - mean);
    const double sd = std::sqrt(pairwise_sum(sq.data(), sq.size()) / double(v.size()));
    for (double& t : th) t = mean + sd * t;
  }
  LabelMap out(mask.size(), mask.geometry(), 0);
  int64_t kept = 0;
  for (int64_t i = 0; i < mask.voxel_count(); ++i) {
    if (!mask[i]) continue;
    bool in = image[i] >= th[0];
    if (th.size() == 2) in = in && image[i] <= th[1];
    if (in) {
      out[i] = 1;
      ++kept;
    }
  }
  if (kept <= 1)
    throw InputError(fmt::format(
        "Resegmentation excluded too many voxels with label {} (retained {} voxel(s))! Cannot extract features", s.label,
        kept));
  return out;
}

PreparedCase prepare_case(const DoubleImage& image_in, PixelType pixel_type, const LabelMap& labels,
                          const Settings& s, Diagnostics* diag) {
  // getMask
  // Branch-free scans (vectorised): the whole image is read either way.
  const uint8_t* lab = labels.data();
  const int64_t nvox = labels.voxel_count();
  // The ROI mask is built in the same pass (raw pointers and a local label:
  // the byte stores cannot alias them, so the loop vectorises).
  LabelMap mask(labels.size(), labels.geometry(), 0);
  uint8_t any_or = 0, present_or = 0;
  {
    uint8_t* out = mask.data();
    const uint8_t label = static_cast<uint8_t>(s.label);
    const bool label_in_range = s.label >= 0 && s.label <= 255;
    for (int64_t i = 0; i < nvox; ++i) {
      const uint8_t in = label_in_range && lab[i] == label;
      any_or |= lab[i];
      present_or |= in;
      out[i] = in;
    }
  }
  const bool any = any_or != 0, present = present_or != 0;
  if (!any) throw InputError("No labels found in this mask (i.e. nothing is segmented)!");
  if (!present) {
    std::vector<bool> seen(256, false);
    for (int64_t i = 0; i < labels.voxel_count(); ++i) seen[labels[i]] = true;
    std::string choices;
    for (int l = 1; l < 256; ++l)
      if (seen[l]) choices += (choices.empty() ? "" : " ") + std::to_string(l);
    throw InputError(fmt::format("Label ({}) not present in mask. Choose from [{}]", s.label, choices));
  }
  {
    const double* px = image_in.data();
    const int64_t n = image_in.voxel_count();
    int64_t nan = 0;  // an integer or: vectorises, as a bool or does not
    for (int64_t i = 0; i < n; ++i) nan |= px[i] != px[i];
    if (nan) throw InputError("the image holds NaN voxels");
  }

  if (diag) {
    add_image_diagnostics(*diag, "original", image_in);
    add_mask_diagnostics(*diag, "original", nullptr, mask);
  }

  PreparedCase c;
  c.image = image_in;
  c.pixel_type = pixel_type;
  if (s.normalize) {
    c.image = normalize_image(c.image, s, c.pixel_type);
    if (c.pixel_type != PixelType::Float32) c.pixel_type = PixelType::Float64;
  }
  if (s.interpolator && s.resampledPixelSpacing) {
    auto [img, m] = resample_case(c.image, c.pixel_type, mask, s);
    c.image = std::move(img);
    mask = std::move(m);
    if (diag) {
      add_image_diagnostics(*diag, "interpolated", c.image);
      add_mask_diagnostics(*diag, "interpolated", &c.image, mask);
    }
  } else if (s.preCrop) {
    MaskCheck mc = check_mask(c.image, mask, s);
    if (mc.corrected) mask = *mc.corrected;
    const Region box = padded_box(mc.bbox, s.padDistance, c.image.size());
    c.image = crop(c.image, box);
    mask = crop(mask, box);
  }

  MaskCheck mc = check_mask(c.image, mask, s);
  if (mc.corrected) {
    mask = *mc.corrected;
    if (diag) add_mask_diagnostics(*diag, "corrected", &c.image, mask);
  }
  c.bbox = mc.bbox;
  c.mask = mask;
  c.roi_mask = mask;
  if (s.resegmentRange) {
    LabelMap reseg = resegment_mask(c.image, mask, s);
    c.bbox = check_mask(c.image, reseg, s).bbox;
    if (diag) add_mask_diagnostics(*diag, "resegmented", &c.image, reseg);
    c.roi_mask = reseg;
    if (s.resegmentShape) c.mask = reseg;
  }
  return c;
}

// ---------------------------------------------------------------- discretization

std::vector<double> bin_edges(const std::vector<double>& values, const Settings& s) {
  if (values.empty()) throw InputError("the ROI is empty");
  // Python's builtin min/max (first value, replaced by a smaller/larger
  // one): a NaN is skipped unless it comes first (LBP3D's kurtosis image).
  double mn = values.front(), mx = values.front();
  for (double v : values) {
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  std::vector<double> edges;
  // numpy.histogram (binCount) fails on any NaN, numpy.arange (binWidth) on
  // a NaN bound.
  const bool nan_bound = s.binCount ? std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); })
                                    : std::isnan(mn) || std::isnan(mx);
  if (nan_bound) throw InputError("the image has NaN in the ROI: no bin edges (as numpy in PyRadiomics)");
  if (!std::isfinite(mn) || !std::isfinite(mx))
    throw InputError(fmt::format("the image has an infinite value in the ROI (range [{}, {}]): no bin edges", mn, mx));
  if (s.binCount) {
    // numpy.histogram(values, binCount)[1]: linspace over [min, max].
    double first = mn, last = mx;
    if (first == last) {
      first -= 0.5;
      last += 0.5;
    }
    const int n = *s.binCount;
    if (n > kMaxBins) throw InputError(fmt::format("binCount {} is more than the {} gray levels allowed", n, kMaxBins));
    const double step = (last - first) / double(n);
    for (int i = 0; i <= n; ++i) edges.push_back(double(i) * step + first);
    edges.back() = last;
    edges.back() += 1;
    return edges;
  }
  const double w = s.binWidth;
  double rem = std::fmod(mn, w);  // Python's %: sign of the divisor
  if (rem != 0 && ((rem < 0) != (w < 0))) rem += w;
  const double low = mn - rem;
  const double high = mx + 2 * w;
  // numpy.arange(low, high, w): length ceil((high - low) / w), filled as
  // low + i * ((low + w) - low).
  const double len_d = std::ceil((high - low) / w);
  // Checked before allocating: one outlier (a 1e30 voxel, an overflowed
  // float64) would otherwise ask for more bins than memory holds, and every
  // texture class sizes arrays by the highest level.
  if (!(len_d <= double(kMaxBins)))
    throw InputError(fmt::format("binWidth {:g} over the ROI's intensity range [{:g}, {:g}] gives {:.3g} bins (at most {}): "
                                 "check the image for outliers (resegmentRange excludes them), raise binWidth or use binCount",
                                 w, mn, mx, len_d, kMaxBins));
  const int64_t len = len_d > 0 ? int64_t(len_d) : 0;
  const double delta = (low + w) - low;
  for (int64_t i = 0; i < len; ++i) edges.push_back(i == 0 ? low : i == 1 ? low + w : low + double(i) * delta);
  if (edges.size() == 1) edges = {edges[0] - 0.5, edges[0] + 0.5};
  return edges;
}

int32_t digitize(double value, const std::vector<double>& edges) {
  return int32_t(std::upper_bound(edges.begin(), edges.end(), value) - edges.begin());
}

DiscretizedRoi discretize(const DoubleImage& cropped, const LabelMap& cropped_mask, const Settings& s) {
  const std::vector<double> values = roi_values(cropped, cropped_mask);
  const std::vector<double> edges = bin_edges(values, s);
  DiscretizedRoi roi;
  roi.size = cropped.size();
  roi.spacing = cropped.geometry().spacing;
  roi.level.assign(size_t(cropped.voxel_count()), 0);
  roi.mask.assign(size_t(cropped.voxel_count()), 0);
  // digitize() for every ROI voxel, without a binary search: the edges are
  // (close to) evenly spaced, so interpolation guesses the bin and a step or
  // two along the edges makes it exact (the number of edges <= the value,
  // as upper_bound counts them).
  const size_t ne = edges.size();
  const double e0 = edges.front(), span = edges.back() - e0;
  const double scale = span > 0 ? double(ne - 1) / span : 0.0;
  const double* edge = edges.data();
  for (int64_t i = 0; i < cropped.voxel_count(); ++i) {
    if (!cropped_mask[i]) continue;
    roi.mask[i] = 1;
    const double v = cropped[i];
    const double t = (v - e0) * scale;
    size_t g = !(t > 0) ? 0 : t >= double(ne - 1) ? ne : size_t(t) + 1;
    if (std::isnan(v)) g = ne;  // as upper_bound places NaN
    while (g < ne && edge[g] <= v) ++g;
    while (g > 0 && edge[g - 1] > v) --g;
    roi.level[i] = int32_t(g);
    roi.max_level = std::max(roi.max_level, roi.level[i]);
  }
  return roi;
}

}  // namespace scopemia::radiomics
