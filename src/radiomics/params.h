#pragma once
// PyRadiomics parameter files (YAML: `setting`, `imageType`, `featureClass`,
// `voxelSetting`) and the Python dict reprs PyRadiomics writes into its
// `diagnostics_Configuration_*` columns, parsed into typed settings with
// PyRadiomics 3.1's defaults. Validation follows PyRadiomics's schema
// (radiomics/schemas/paramSchema.yaml): an unknown key or a bad value is an
// InputError naming the file and the key.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace scopemia::radiomics {

// A value as Python holds it after yaml.safe_load or ast.literal_eval:
// None, bool, int, float, str, list or (ordered) dict. Kept so settings can be
// written back exactly as PyRadiomics reports them (dict reprs).
struct PyValue {
  enum class Kind { None, Bool, Int, Float, Str, List, Dict };
  Kind kind = Kind::None;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;
  std::vector<PyValue> list;
  std::vector<std::pair<std::string, PyValue>> dict;

  static PyValue none() { return {}; }
  static PyValue boolean(bool v) { PyValue p; p.kind = Kind::Bool; p.b = v; return p; }
  static PyValue integer(int64_t v) { PyValue p; p.kind = Kind::Int; p.i = v; return p; }
  static PyValue real(double v) { PyValue p; p.kind = Kind::Float; p.f = v; return p; }
  static PyValue str(std::string v) { PyValue p; p.kind = Kind::Str; p.s = std::move(v); return p; }

  bool is_none() const { return kind == Kind::None; }
  bool is_number() const { return kind == Kind::Int || kind == Kind::Float; }
  double number() const { return kind == Kind::Int ? double(i) : f; }
  const PyValue* get(const std::string& key) const;  // dict lookup, nullptr when absent
};

// Python's repr() of the value: "{'binWidth': 25, 'interpolator': 'sitkBSpline'}".
std::string py_repr(const PyValue& v);
// Python's str()/repr() of a float: shortest round-trip digits, "1.0", "0.5", "1e-05".
std::string py_float_repr(double v);
// Parses a Python literal (dict/list/str/number/True/False/None) as
// ast.literal_eval does for the reprs PyRadiomics writes. `source` names the
// text in errors.
PyValue parse_py_literal(const std::string& text, const std::string& source);

// Everything PyRadiomics reads from `setting` (and `voxelSetting`), with its
// defaults (featureextractor._getDefaultSettings plus each consumer's
// kwargs.get default).
struct Settings {
  // Mask checks
  int minimumROIDimensions = 2;
  std::optional<int> minimumROISize;
  std::optional<double> geometryTolerance;
  bool correctMask = false;
  bool additionalInfo = true;
  int label = 1;
  int label_channel = 0;
  // Discretization
  double binWidth = 25;
  std::optional<int> binCount;
  // Normalization
  bool normalize = false;
  double normalizeScale = 1;
  std::optional<double> removeOutliers;
  // Resampling
  std::optional<std::vector<double>> resampledPixelSpacing;
  std::optional<std::string> interpolator = std::string("sitkBSpline");
  int padDistance = 5;
  bool preCrop = false;
  // Resegmentation
  std::optional<std::vector<double>> resegmentRange;
  std::string resegmentMode = "absolute";
  bool resegmentShape = false;
  // 2D / texture
  std::vector<int> distances{1};
  bool force2D = false;
  int force2Ddimension = 0;
  bool symmetricalGLCM = true;
  std::optional<std::string> weightingNorm;
  int gldm_a = 0;
  int voxelArrayShift = 0;
  // Image type settings
  std::vector<double> sigma;             // LoG
  std::vector<std::string> sigma_names;  // Python str() of each sigma as given ("1.0", "2")
  int start_level = 0;
  int level = 1;
  std::string wavelet = "coif1";
  bool gradientUseSpacing = true;
  double lbp2DRadius = 1;
  int lbp2DSamples = 8;  // getLBP2DImage's kwargs default (its docstring says 9)
  std::string lbp2DMethod = "uniform";
  int lbp3DLevels = 2;
  double lbp3DIcosphereRadius = 1;
  int lbp3DIcosphereSubdivision = 1;
  // voxelSetting
  int kernelRadius = 1;
  bool maskedKernel = true;
  double initValue = 0;
  int voxelBatch = -1;

  // The settings as PyRadiomics's settings dict: its defaults in its order,
  // then every key set, in the order set. py_repr(dict) is what
  // diagnostics_Configuration_Settings shows.
  PyValue dict = default_dict();

  static PyValue default_dict();
};

// Sets one key from a Python value, validated as PyRadiomics's schema does.
// Throws InputError(source, "setting 'key': why").
void apply_setting(Settings& settings, const std::string& key, const PyValue& value,
                   const std::string& source);

// One enabled image type with its settings (the global settings overlaid
// with the type's own keys, as PyRadiomics's `args.update(customKwargs)`).
struct ImageTypeConfig {
  std::string name;  // "Original", "LoG", "Wavelet", ...
  PyValue custom;    // the type's own keys (a dict)
  Settings settings;
};

// One enabled feature class; `features` empty = all non-deprecated features.
struct FeatureClassConfig {
  std::string name;
  std::vector<std::string> features;
};

struct Params {
  Settings settings;
  std::vector<ImageTypeConfig> image_types;        // in file order; default {Original}
  std::vector<FeatureClassConfig> feature_classes;  // in file order; default all but shape2D
  std::string source;                              // the file, for messages
  bool has_voxel_settings = false;                 // the file has a voxelSetting section
};

// A `--setting key:value` of PyRadiomics's command line as a typed value:
// list settings (resampledPixelSpacing, distances, sigma, resegmentRange)
// split at commas, booleans from 1/0/true/false, numbers as numbers, else
// text. The key and value are checked when applied (apply_setting).
PyValue parse_setting_text(const std::string& key, const std::string& text);
// Applies settings over loaded parameters as PyRadiomics's
// RadiomicsFeatureExtractor(params, **overrides) does: over the global
// settings, each image type's own keys still winning.
void apply_setting_overrides(Params& params, const std::vector<std::pair<std::string, PyValue>>& overrides,
                             const std::string& source);

// PyRadiomics's defaults: Original image, every class but shape2D.
Params default_params();
// Parses a PyRadiomics YAML parameter file.
Params load_params(const std::string& path);
Params parse_params_yaml(const std::string& text, const std::string& source);
// The same from the mapping itself ({'setting': {...}, 'imageType': {...},
// 'featureClass': {...}, 'voxelSetting': {...}}), as PyRadiomics's extractor
// takes a params dict: what the Python package passes.
Params params_from_dict(const PyValue& params, const std::string& source);
// Configures from the two diagnostics rows PyRadiomics writes (Python dict
// reprs of its settings and enabled image types); classes default to all.
Params params_from_diagnostics(const std::string& settings_repr, const std::string& image_types_repr,
                               const std::string& source);

// The image types PyRadiomics knows, and the features of each class
// (deprecated ones flagged) for validating `featureClass`.
const std::vector<std::string>& known_image_types();
const std::vector<std::string>& known_feature_classes();
// name -> deprecated; empty when the class is unknown.
const std::vector<std::pair<std::string, bool>>& pyradiomics_feature_names(const std::string& feature_class);

}  // namespace scopemia::radiomics
