#include "radiomics/voxel_maps.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <unordered_map>

#include "core/crop.h"
#include "core/error.h"
#include "core/runtime.h"
#include "radiomics/extractor.h"
#include "radiomics/image_types.h"
#include "radiomics/texture_common.h"

namespace scopemia::radiomics {
namespace {

// One enabled gray-level class and where its features go.
struct ClassMaps {
  const FeatureClass* cls = nullptr;
  const std::vector<std::string>* enabled = nullptr;
  std::unordered_map<std::string, size_t> slot;  // feature name -> index in VoxelResult::maps
};

// The class's output (name, value) pairs -> map indices, cached per thread:
// a class returns its features in the same order every call.
struct SlotCache {
  std::vector<std::string> names;
  std::vector<size_t> slots;  // SIZE_MAX: not enabled
};

void store(const FeatureValues& values, const ClassMaps& cm, SlotCache& cache, int64_t voxel,
           std::vector<VoxelMap>& maps) {
  bool same = cache.names.size() == values.size();
  for (size_t i = 0; same && i < values.size(); ++i) same = cache.names[i] == values[i].first;
  if (!same) {
    cache.names.clear();
    cache.slots.clear();
    for (const auto& [name, value] : values) {
      const auto it = cm.slot.find(name);
      cache.names.push_back(name);
      cache.slots.push_back(it == cm.slot.end() ? SIZE_MAX : it->second);
    }
  }
  for (size_t i = 0; i < values.size(); ++i)
    if (cache.slots[i] != SIZE_MAX) maps[cache.slots[i]].map[voxel] = values[i].second;
}

}  // namespace

Region kernel_region(const Size3& size, int64_t x, int64_t y, int64_t z, int radius, bool force2d,
                     int force2d_dimension) {
  const int64_t rz = force2d && force2d_dimension == 0 ? 0 : radius;
  const int64_t ry = force2d && force2d_dimension == 1 ? 0 : radius;
  const int64_t rx = force2d && force2d_dimension == 2 ? 0 : radius;
  const int64_t x0 = std::max<int64_t>(x - rx, 0), x1 = std::min<int64_t>(x + rx, size.x - 1);
  const int64_t y0 = std::max<int64_t>(y - ry, 0), y1 = std::min<int64_t>(y + ry, size.y - 1);
  const int64_t z0 = std::max<int64_t>(z - rz, 0), z1 = std::min<int64_t>(z + rz, size.z - 1);
  return Region{Index3{x0, y0, z0}, Size3{x1 - x0 + 1, y1 - y0 + 1, z1 - z0 + 1}};
}

VoxelResult extract_voxel_maps(const Params& params, const Image<double>& image, PixelType pixel_type,
                               const LabelMap& labels, std::optional<int> label, int threads) {
  Settings settings = params.settings;
  if (label) apply_setting(settings, "label", PyValue::integer(*label), "--label");
  const int radius = settings.kernelRadius;
  if (radius < 0) throw InputError("kernelRadius must be >= 0, got " + std::to_string(radius));
  if (settings.force2D && (settings.force2Ddimension < 0 || settings.force2Ddimension > 2))
    throw InputError("force2Ddimension must be 0, 1 or 2");

  VoxelResult result;
  if (settings.additionalInfo) result.diagnostics = configuration_diagnostics(params, settings);
  const PreparedCase c =
      prepare_case(image, pixel_type, labels, settings, settings.additionalInfo ? &result.diagnostics : nullptr);
  result.image_size = c.image.size();
  result.image_geometry = c.image.geometry();
  const Region box = padded_box(c.bbox, radius, c.image.size());
  result.box = box;
  const LabelMap roi = crop(c.roi_mask, box);
  // What the discretization (bin edges, gray levels, Ng) and the kernels see:
  // the ROI, or with maskedKernel false the whole box.
  const LabelMap kernel_mask = settings.maskedKernel ? roi : LabelMap(box.size, roi.geometry(), 1);

  std::vector<int64_t> centres;
  for (int64_t i = 0; i < roi.voxel_count(); ++i)
    if (roi[i]) centres.push_back(i);
  result.kernels = static_cast<int64_t>(centres.size());

  std::vector<ClassMaps> classes;
  std::vector<std::vector<std::string>> enabled_lists;
  enabled_lists.reserve(params.feature_classes.size());
  for (const FeatureClassConfig& fc : params.feature_classes) {
    const FeatureClass* cls = find_feature_class(fc.name);
    if (!cls || cls->shape) continue;  // PyRadiomics: shape is not available voxel-based
    enabled_lists.push_back(Extractor::enabled_features(fc));
    classes.push_back(ClassMaps{cls, &enabled_lists.back(), {}});
  }
  int texture_classes = 0;
  for (const ClassMaps& cm : classes) texture_classes += is_texture_class(cm.cls->name);

  for (const ImageTypeConfig& type : params.image_types) {
    Settings ts = type.settings;
    ts.label = settings.label;
    generate_images(type.name, c.image, c.roi_mask, ts, [&](const std::string& name, const Image<double>& derived) {
      const Image<double> cropped = crop(derived, box);
      const DiscretizedRoi levels = discretize(cropped, kernel_mask, ts);
      for (ClassMaps& cm : classes) {
        cm.slot.clear();
        for (const std::string& feature : *cm.enabled) {
          cm.slot[feature] = result.maps.size();
          result.maps.push_back(
              VoxelMap{name + "_" + cm.cls->name + "_" + feature, Image<double>(box.size, cropped.geometry(), settings.initValue)});
        }
      }
      std::atomic<size_t> next{0};
      constexpr size_t kChunk = 16;
      auto worker = [&] {
        std::vector<SlotCache> caches(classes.size());
        for (;;) {
          const size_t begin = next.fetch_add(kChunk);
          if (begin >= centres.size()) break;
          const size_t end = std::min(centres.size(), begin + kChunk);
          for (size_t k = begin; k < end; ++k) {
            const int64_t v = centres[k];
            const int64_t x = v % box.size.x, y = (v / box.size.x) % box.size.y, z = v / (box.size.x * box.size.y);
            const Region kr = kernel_region(box.size, x, y, z, radius, ts.force2D, ts.force2Ddimension);
            const Image<double> kimage = crop(cropped, kr);
            const LabelMap kmask = crop(kernel_mask, kr);
            DiscretizedRoi kroi;
            kroi.size = kr.size;
            kroi.spacing = levels.spacing;
            kroi.max_level = levels.max_level;
            kroi.mask.assign(kmask.data(), kmask.data() + kmask.voxel_count());
            kroi.level.resize(kroi.mask.size());
            size_t i = 0;
            for (int64_t kz = kr.start.z; kz < kr.start.z + kr.size.z; ++kz)
              for (int64_t ky = kr.start.y; ky < kr.start.y + kr.size.y; ++ky) {
                const int32_t* row = levels.level.data() + levels.offset(kr.start.x, ky, kz);
                for (int64_t kx = 0; kx < kr.size.x; ++kx) kroi.level[i++] = row[kx];
              }
            if (texture_classes > 1) {
              try {
                share_texture_inputs(kroi);
              } catch (const std::invalid_argument&) {
                kroi.shared.reset();
              }
            }
            for (size_t ci = 0; ci < classes.size(); ++ci) {
              const ClassInput in{&kroi, &ts, &kimage, &kmask, classes[ci].enabled};
              try {
                store(classes[ci].cls->compute(in), classes[ci], caches[ci], v, result.maps);
              } catch (const std::exception&) {
                // PyRadiomics keeps initValue where a feature fails.
              }
            }
          }
        }
      };
      run_workers(std::max(1, std::min<int>(threads, int(centres.size() / kChunk) + 1)), worker);
    }, c.pixel_type);
  }
  return result;
}

}  // namespace scopemia::radiomics
