// The registry of feature classes: one entry per class. The texture and shape
// classes live on their own branches; each registers itself here as soon as
// its header is in the tree (__has_include), so merging a branch needs no edit.
#include "radiomics/feature_class.h"
#include "radiomics/firstorder.h"

#if __has_include("radiomics/glcm.h") && __has_include("radiomics/glrlm.h") && \
    __has_include("radiomics/glszm.h") && __has_include("radiomics/gldm.h") && __has_include("radiomics/ngtdm.h")
#define SCOPEMIA_HAS_TEXTURE 1
#include "radiomics/glcm.h"
#include "radiomics/gldm.h"
#include "radiomics/glrlm.h"
#include "radiomics/glszm.h"
#include "radiomics/ngtdm.h"
#endif
#if __has_include("radiomics/shape.h")
#define SCOPEMIA_HAS_SHAPE 1
#include "radiomics/shape.h"
#endif

namespace scopemia::radiomics {
namespace {

#ifdef SCOPEMIA_HAS_TEXTURE
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
#endif

#ifdef SCOPEMIA_HAS_SHAPE
FeatureValues shape_class(const ClassInput& in) { return shape_features(mask_view(*in.mask), *in.enabled); }
FeatureValues shape2d_class(const ClassInput& in) {
  return shape2d_features(mask_view(*in.mask), in.settings->force2Ddimension, *in.enabled);
}
#endif

}  // namespace

const std::vector<FeatureClass>& feature_classes() {
  // PyRadiomics's order (its feature-class modules, alphabetical).
  static const std::vector<FeatureClass> classes = {
      {"firstorder", false, firstorder_features},
#ifdef SCOPEMIA_HAS_TEXTURE
      {"glcm", false, glcm_class},
      {"gldm", false, gldm_class},
      {"glrlm", false, glrlm_class},
      {"glszm", false, glszm_class},
      {"ngtdm", false, ngtdm_class},
#endif
#ifdef SCOPEMIA_HAS_SHAPE
      {"shape", true, shape_class},
      {"shape2D", true, shape2d_class},
#endif
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
