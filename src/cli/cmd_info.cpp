// scopemia info FILE... [--mask MASK [--label N]] [--json]
#include <algorithm>
#include <cmath>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "core/error.h"
#include "core/label_map.h"
#include "io/image_io.h"

namespace scopemia::cli {
namespace {

struct InfoOptions {
  std::vector<std::string> files;
  std::string mask;
  int label = 1;
  std::string series;
  bool json = false;
  double tolerance = kDefaultGeometryTolerance;
};

// Integer images with few small non-negative values are segmentations.
bool looks_like_labels(const io::ImageInfo& info, const Volume& v) {
  if (!is_integer(info.pixel_type)) return false;
  int distinct = 0;
  bool seen[256] = {};
  for (int64_t i = 0; i < v.voxel_count(); ++i) {
    const float x = v[i];
    if (x < 0 || x > 255) return false;
    if (!seen[int(x)]) {
      seen[int(x)] = true;
      if (++distinct > 32) return false;
    }
  }
  return true;
}

nlohmann::json describe(const std::string& path, const InfoOptions& o) {
  const io::ImageInfo info = io::read_info(path, {o.series});
  const Volume v = io::read_volume(path, {o.series});
  const Geometry& g = info.geometry;
  nlohmann::json j;
  j["file"] = path;
  j["format"] = info.format;
  j["size"] = {info.size.x, info.size.y, info.size.z};
  j["spacing"] = {g.spacing[0], g.spacing[1], g.spacing[2]};
  j["origin"] = {g.origin[0], g.origin[1], g.origin[2]};
  j["direction"] = g.direction;
  j["pixel_type"] = to_string(info.pixel_type);
  if (!info.series_uid.empty()) {
    j["series_uid"] = info.series_uid;
    j["series_in_folder"] = info.series_count;
  }
  double lo = INFINITY, hi = -INFINITY, sum = 0;
  for (int64_t i = 0; i < v.voxel_count(); ++i) {
    lo = std::min<double>(lo, v[i]);
    hi = std::max<double>(hi, v[i]);
    sum += v[i];
  }
  j["min"] = lo;
  j["max"] = hi;
  j["mean"] = v.voxel_count() ? sum / v.voxel_count() : 0.0;
  if (looks_like_labels(info, v)) {
    nlohmann::json labels = nlohmann::json::object();
    LabelMap lm(v.size(), v.geometry());
    for (int64_t i = 0; i < v.voxel_count(); ++i) lm[i] = static_cast<uint8_t>(v[i]);
    for (const auto& [value, count] : label_counts(lm)) labels[std::to_string(value)] = count;
    j["labels"] = labels;
  }
  if (!o.mask.empty()) {
    const LabelMap mask = io::read_label_map(o.mask);
    check_mask(v, mask, o.label, o.mask, o.tolerance);
    const auto box = bounding_box(mask, o.label);
    int64_t n = 0;
    double roi_sum = 0, roi_min = INFINITY, roi_max = -INFINITY;
    for (int64_t i = 0; i < v.voxel_count(); ++i)
      if (mask[i] == o.label) {
        ++n;
        roi_sum += v[i];
        roi_min = std::min<double>(roi_min, v[i]);
        roi_max = std::max<double>(roi_max, v[i]);
      }
    j["roi"] = {{"mask", o.mask},
                {"label", o.label},
                {"voxels", n},
                {"volume_mm3", n * g.spacing[0] * g.spacing[1] * g.spacing[2]},
                {"bounding_box_start", {box->start.x, box->start.y, box->start.z}},
                {"bounding_box_size", {box->size.x, box->size.y, box->size.z}},
                {"min", roi_min},
                {"max", roi_max},
                {"mean", roi_sum / n}};
  }
  return j;
}

std::string numbers(const nlohmann::json& a) {
  std::string s;
  for (const auto& x : a) s += (s.empty() ? "" : " ") + fmt::format("{:.6g}", x.get<double>() + 0.0);
  return s;
}

void print_text(std::ostream& out, const nlohmann::json& j) {
  out << j["file"].get<std::string>() << "\n";
  out << fmt::format("  format      {}\n", j["format"].get<std::string>());
  if (j.contains("series_uid"))
    out << fmt::format("  series      {} ({} series in folder)\n", j["series_uid"].get<std::string>(),
                       j["series_in_folder"].get<int>());
  out << fmt::format("  size        {}x{}x{} (x y z)\n", j["size"][0].get<int64_t>(), j["size"][1].get<int64_t>(),
                     j["size"][2].get<int64_t>());
  out << "  spacing     " << numbers(j["spacing"]) << " mm\n";
  out << "  origin      " << numbers(j["origin"]) << " mm\n";
  out << "  direction   " << numbers(j["direction"]) << "\n";
  out << "  pixel type  " << j["pixel_type"].get<std::string>() << "\n";
  out << fmt::format("  min/max/mean  {:.6g} / {:.6g} / {:.6g}\n", j["min"].get<double>(), j["max"].get<double>(),
                     j["mean"].get<double>());
  if (j.contains("labels")) {
    out << "  labels     ";
    for (const auto& [label, count] : j["labels"].items()) out << " " << label << ": " << count.get<int64_t>() << ";";
    out << "\n";
  }
  if (j.contains("roi")) {
    const auto& r = j["roi"];
    out << fmt::format("  roi         label {} of {}: {} voxels, {:.6g} mm3, bbox start {} size {}\n",
                       r["label"].get<int>(), r["mask"].get<std::string>(), r["voxels"].get<int64_t>(),
                       r["volume_mm3"].get<double>(), numbers(r["bounding_box_start"]), numbers(r["bounding_box_size"]));
    out << fmt::format("  roi min/max/mean  {:.6g} / {:.6g} / {:.6g}\n", r["min"].get<double>(), r["max"].get<double>(),
                       r["mean"].get<double>());
  }
}

}  // namespace

Command add_info_command(CLI::App& parent) {
  auto o = std::make_shared<InfoOptions>();
  CLI::App* app = parent.add_subcommand("info", "Size, geometry, pixel type and statistics of images (and a mask's ROI)");
  app->add_option("files", o->files, "Image files or DICOM series folders")->required();
  app->add_option("--mask", o->mask, "A mask for the (single) image: check it and report its ROI");
  app->add_option("--label", o->label, "Label of the ROI in --mask")->check(CLI::Range(1, 255));
  app->add_option("--series", o->series, "SeriesInstanceUID to read from a DICOM folder (default: most slices)");
  app->add_option("--geometry-tolerance", o->tolerance, "Largest image/mask geometry difference accepted (mm)");
  app->add_flag("--json", o->json, "One JSON object per file");
  return {app, [o](Context& ctx) {
            if (!o->mask.empty() && o->files.size() != 1)
              throw InputError("--mask needs exactly one image");
            for (const auto& f : o->files) {
              const auto j = describe(f, *o);
              if (o->json) ctx.out << j.dump() << "\n";
              else print_text(ctx.out, j);
            }
            return 0;
          }};
}

}  // namespace scopemia::cli
