#pragma once
// The plug-in interface of feature classes. The extractor prepares, per image
// type, the cropped image, its mask and the discretized ROI, and calls each
// enabled class's function once; the class returns (feature name, value)
// pairs. Names are PyRadiomics's (no prefix); the extractor adds
// `<imageType>_<class>_`, keeps the enabled ones and orders them as
// PyRadiomics does. Register a class with one line in feature_registry.cpp.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/image.h"
#include "radiomics/discretized_roi.h"
#include "radiomics/params.h"

namespace scopemia::radiomics {

struct ClassInput {
  // Gray-level classes: the ROI discretized with the image type's settings.
  // Shape classes: nullptr (shape works on the mask only).
  const DiscretizedRoi* roi = nullptr;
  const Settings* settings = nullptr;     // the image type's settings
  const Image<double>* image = nullptr;   // cropped to the ROI bounding box (no padding)
  const LabelMap* mask = nullptr;         // same box, 1 = ROI
  const std::vector<std::string>* enabled = nullptr;  // the features wanted (a class may compute more)
};

using FeatureValues = std::vector<std::pair<std::string, double>>;
using FeatureFn = std::function<FeatureValues(const ClassInput&)>;

struct FeatureClass {
  std::string name;        // "firstorder", "glcm", "shape", ...
  bool shape = false;      // computed once on the original image (PyRadiomics computeShape)
  FeatureFn compute;
};

// Every registered class, in PyRadiomics's order.
const std::vector<FeatureClass>& feature_classes();
const FeatureClass* find_feature_class(const std::string& name);

// PyRadiomics orders a class's features as Python sorts the method names
// `get<Name>FeatureValue`: this is that order's key.
std::string feature_sort_key(const std::string& name);

}  // namespace scopemia::radiomics
