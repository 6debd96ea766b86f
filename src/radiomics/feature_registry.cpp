// The registry of feature classes: one entry per class, each adapting the
// extractor's settings to the class's own settings struct.
#include "radiomics/feature_class.h"
#include "radiomics/firstorder.h"
#include "radiomics/glcm.h"
#include "radiomics/gldm.h"
#include "radiomics/glrlm.h"
#include "radiomics/glszm.h"
#include "radiomics/ngtdm.h"
#include "radiomics/shape.h"

namespace scopemia::radiomics {
namespace {

FeatureValues glcm_class(const ClassInput& in) {
  GlcmSettings s;
  s.distances = in.settings->distances;
  s.symmetrical = in.settings->symmetricalGLCM;
  s.weighting_norm = in.settings->weightingNorm.value_or("");
  s.force2d = in.settings->force2D;
  s.force2d_dimension = in.settings->force2Ddimension;
  return glcm_features(*in.roi, s);
}
FeatureValues glrlm_class(const ClassInput& in) {
  GlrlmSettings s;
  s.weighting_norm = in.settings->weightingNorm.value_or("");
  s.force2d = in.settings->force2D;
  s.force2d_dimension = in.settings->force2Ddimension;
  return glrlm_features(*in.roi, s);
}
FeatureValues glszm_class(const ClassInput& in) {
  GlszmSettings s;
  s.force2d = in.settings->force2D;
  s.force2d_dimension = in.settings->force2Ddimension;
  return glszm_features(*in.roi, s);
}
FeatureValues gldm_class(const ClassInput& in) {
  GldmSettings s;
  s.distances = in.settings->distances;
  s.alpha = in.settings->gldm_a;
  s.force2d = in.settings->force2D;
  s.force2d_dimension = in.settings->force2Ddimension;
  return gldm_features(*in.roi, s);
}
FeatureValues ngtdm_class(const ClassInput& in) {
  NgtdmSettings s;
  s.distances = in.settings->distances;
  s.force2d = in.settings->force2D;
  s.force2d_dimension = in.settings->force2Ddimension;
  return ngtdm_features(*in.roi, s);
}

FeatureValues shape_class(const ClassInput& in) { return shape_features(mask_view(*in.mask), *in.enabled); }
FeatureValues shape2d_class(const ClassInput& in) {
  return shape2d_features(mask_view(*in.mask), in.settings->force2Ddimension, *in.enabled);
}

}  // namespace

const std::vector<FeatureClass>& feature_classes() {
  // PyRadiomics's order (its feature-class modules, alphabetical).
  static const std::vector<FeatureClass> classes = {
      {"firstorder", false, firstorder_features},
      {"glcm", false, glcm_class},
      {"gldm", false, gldm_class},
      {"glrlm", false, glrlm_class},
      {"glszm", false, glszm_class},
      {"ngtdm", false, ngtdm_class},
      {"shape", true, shape_class},
      {"shape2D", true, shape2d_class},
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
