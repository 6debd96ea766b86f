// The registry of feature classes: one line per class.
#include "radiomics/feature_class.h"
#include "radiomics/firstorder.h"

namespace scopemia::radiomics {

const std::vector<FeatureClass>& feature_classes() {
  static const std::vector<FeatureClass> classes = {
      {"firstorder", false, firstorder_features},
      // {"glcm", false, glcm_features},
      // {"gldm", false, gldm_features},
      // {"glrlm", false, glrlm_features},
      // {"glszm", false, glszm_features},
      // {"ngtdm", false, ngtdm_features},
      // {"shape", true, shape_features},
      // {"shape2D", true, shape2d_features},
  };
  return classes;
}

const FeatureClass* find_feature_class(const std::string& name) {
  for (const FeatureClass& c : feature_classes())
    if (c.name == name) return &c;
  return nullptr;
}

std::string feature_sort_key(const std::string& name) { return "get" + name + "FeatureValue"; }

}  // namespace scopemia::radiomics
