#include "radiomics/extractor.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/crop.h"
#include "core/error.h"
#include "core/version.h"
#include "io/dicom_mask.h"
#include "io/image_io.h"
#include "radiomics/image_types.h"
#include "radiomics/texture_common.h"

namespace scopemia::radiomics {

Extractor::Extractor(Params params) : params_(std::move(params)) {
  for (const FeatureClassConfig& fc : params_.feature_classes) {
    if (!find_feature_class(fc.name))
      spdlog::warn("feature class '{}' is not available in this build; its features are left out", fc.name);
    enabled_.push_back(enabled_features(fc));
  }
}

std::string image_types_repr(const Params& params) {
  PyValue d;
  d.kind = PyValue::Kind::Dict;
  for (const ImageTypeConfig& t : params.image_types) d.dict.emplace_back(t.name, t.custom);
  return py_repr(d);
}

Diagnostics configuration_diagnostics(const Params& params, const Settings& settings) {
  return {{"diagnostics_Versions_scopemia", SCOPEMIA_VERSION},
          {"diagnostics_Configuration_Settings", py_repr(settings.dict)},
          {"diagnostics_Configuration_EnabledImageTypes", image_types_repr(params)}};
}

std::vector<std::string> Extractor::enabled_features(const FeatureClassConfig& config) {
  std::vector<std::string> out;
  if (!config.features.empty()) {
    std::set<std::string> seen;
    for (const std::string& f : config.features)
      if (seen.insert(f).second) out.push_back(f);
    return out;
  }
  for (const auto& [name, deprecated] : pyradiomics_feature_names(config.name))
    if (!deprecated) out.push_back(name);
  std::sort(out.begin(), out.end(),
            [](const std::string& a, const std::string& b) { return feature_sort_key(a) < feature_sort_key(b); });
  return out;
}

namespace {

void add_class_values(const FeatureClass& cls, const std::vector<std::string>& enabled, const ClassInput& input,
                      const std::string& prefix, FeatureValues& out) {
  FeatureValues values;
  try {
    values = cls.compute(input);
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    // PyRadiomics logs the failure and reports NaN for the class's features.
    spdlog::error("{}{}: {}", prefix, cls.name, e.what());
  }
  // Classes return their features in the enabled order as a rule: look
  // where the previous name was found first, then everywhere.
  size_t next = 0;
  std::string full = prefix + cls.name + "_";
  const size_t stem = full.size();
  for (const std::string& name : enabled) {
    double v = NAN;
    if (next < values.size() && values[next].first == name) {
      v = values[next++].second;
    } else {
      for (size_t k = 0; k < values.size(); ++k)
        if (values[k].first == name) {
          v = values[k].second;
          next = k + 1;
          break;
        }
    }
    full.resize(stem);
    full += name;
    out.emplace_back(full, v);
  }
}

}  // namespace

CaseResult Extractor::execute(const Image<double>& image, PixelType pixel_type, const LabelMap& labels,
                              std::optional<int> label) const {
  Settings settings = params_.settings;
  if (label) apply_setting(settings, "label", PyValue::integer(*label), "--label");
  CaseResult result;
  Diagnostics& d = result.diagnostics;
  if (settings.additionalInfo) d = configuration_diagnostics(params_, settings);
  const PreparedCase c = prepare_case(image, pixel_type, labels, settings, settings.additionalInfo ? &d : nullptr);

  // Shape: once, on the original image and the (not resegmented) mask.
  const Image<double> shape_image = crop(c.image, c.bbox);
  const LabelMap shape_mask = crop(c.mask, c.bbox);
  for (size_t k = 0; k < params_.feature_classes.size(); ++k) {
    const FeatureClassConfig& fc = params_.feature_classes[k];
    const FeatureClass* cls = find_feature_class(fc.name);
    if (!cls || !cls->shape) continue;
    if (fc.name == "shape2D" && !settings.force2D) {
      spdlog::warn("parameter force2D must be set to True to enable shape2D extraction");
      continue;
    }
    const std::vector<std::string>& enabled = enabled_[k];
    const ClassInput in{nullptr, &settings, &shape_image, &shape_mask, &enabled};
    add_class_values(*cls, enabled, in, "original_", result.features);
  }

  bool any_gray = false;
  for (const FeatureClassConfig& fc : params_.feature_classes) {
    const FeatureClass* cls = find_feature_class(fc.name);
    any_gray = any_gray || (cls && !cls->shape);
  }
  if (!any_gray) return result;

  int texture_classes = 0;
  for (const FeatureClassConfig& fc : params_.feature_classes)
    texture_classes += is_texture_class(fc.name) && find_feature_class(fc.name);

  // Every derived image is cropped to the same box: crop the mask once.
  const LabelMap cropped_mask = crop(c.roi_mask, c.bbox);
  for (const ImageTypeConfig& type : params_.image_types) {
    Settings ts = type.settings;
    ts.label = settings.label;
    generate_images(type.name, c.image, c.roi_mask, ts, [&](const std::string& name, const Image<double>& derived) {
      const Image<double> cropped = crop(derived, c.bbox);
      DiscretizedRoi roi = discretize(cropped, cropped_mask, ts);
      if (texture_classes > 1) {
        // Gray levels and grid once for all texture classes. A ROI they
        // reject makes each class fail on its own, as before: not shared.
        try {
          share_texture_inputs(roi);
        } catch (const std::invalid_argument&) {
          roi.shared.reset();
        }
      }
      for (size_t k = 0; k < params_.feature_classes.size(); ++k) {
        const FeatureClass* cls = find_feature_class(params_.feature_classes[k].name);
        if (!cls || cls->shape) continue;
        const std::vector<std::string>& enabled = enabled_[k];
        const ClassInput in{&roi, &ts, &cropped, &cropped_mask, &enabled};
        add_class_values(*cls, enabled, in, name + "_", result.features);
      }
    }, c.pixel_type);
  }
  return result;
}

Image<double> read_extraction_image(const std::string& path) { return io::read_volume_widened(path); }

CaseResult Extractor::execute_files(const std::string& image_path, const std::string& mask_path,
                                    std::optional<int> label) const {
  const Image<double> image = read_extraction_image(image_path);
  const LabelMap m = io::read_mask(mask_path, image_path);  // a label map, RTSTRUCT#ROI or SEG#segment
  try {
    return execute(image, image.source_pixel_type(), m, label);
  } catch (const InputError& e) {
    if (!e.file().empty()) throw;
    throw InputError(mask_path, e.cause());
  }
}

}  // namespace scopemia::radiomics
