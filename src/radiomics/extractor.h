#pragma once
// The PyRadiomics feature extractor (featureextractor.execute): prepares the
// case, computes shape classes once on the original image, then every
// enabled gray-level class on every enabled image type. Output names are
// `<imageType>_<class>_<Feature>`; `diagnostics_*` entries come first.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/image.h"
#include "core/pixel_type.h"
#include "radiomics/feature_class.h"
#include "radiomics/params.h"
#include "radiomics/preprocess.h"

namespace scopemia::radiomics {

struct CaseResult {
  Diagnostics diagnostics;  // diagnostics_* name -> text
  FeatureValues features;   // full names, in PyRadiomics's order
};

class Extractor {
 public:
  explicit Extractor(Params params);
  const Params& params() const { return params_; }

  // `label` overrides the settings' label.
  CaseResult execute(const Image<double>& image, PixelType pixel_type, const LabelMap& labels,
                     std::optional<int> label = std::nullopt) const;
  // Reads the files (ITK) first.
  CaseResult execute_files(const std::string& image_path, const std::string& mask_path,
                           std::optional<int> label = std::nullopt) const;

  // The features enabled for a class (its list, else every non-deprecated one
  // in PyRadiomics's order).
  static std::vector<std::string> enabled_features(const FeatureClassConfig& config);

 private:
  Params params_;
  // enabled_features() of each params_.feature_classes entry, computed once
  // (sorting names by PyRadiomics's key is not free per case).
  std::vector<std::vector<std::string>> enabled_;
};

// An image file or DICOM series as execute_files reads it: ITK's float32
// voxels widened to float64, the stored pixel type kept (source_pixel_type).
Image<double> read_extraction_image(const std::string& path);

// Python's repr of the enabled image types dict ({'Original': {}}).
std::string image_types_repr(const Params& params);

// The diagnostics_Versions_* and diagnostics_Configuration_* entries.
Diagnostics configuration_diagnostics(const Params& params, const Settings& settings);

}  // namespace scopemia::radiomics
