#include "radiomics/params.h"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/error.h"

namespace scopemia::radiomics {

const PyValue* PyValue::get(const std::string& key) const {
  for (const auto& [k, v] : dict)
    if (k == key) return &v;
  return nullptr;
}

// ---------------------------------------------------------------- reprs

std::string py_float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  // Shortest digits that round-trip (Python's repr), in scientific form.
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf - 1, v, std::chars_format::scientific);
  *res.ptr = '\0';
  // buf = "d.ddde[+-]XX": split digits and exponent.
  std::string s(buf);
  const size_t e = s.find('e');
  const int exponent = std::atoi(s.c_str() + e + 1);
  std::string digits;
  bool negative = false;
  for (size_t k = 0; k < e; ++k) {
    if (s[k] == '-') negative = true;
    else if (std::isdigit(static_cast<unsigned char>(s[k]))) digits += s[k];
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    out += fmt::format("e{}{:02d}", exponent < 0 ? '-' : '+', std::abs(exponent));
    return out;
  }
  if (exponent < 0) {
    out += "0." + std::string(-exponent - 1, '0') + digits;
  } else if (int(digits.size()) <= exponent + 1) {
    out += digits + std::string(exponent + 1 - digits.size(), '0') + ".0";
  } else {
    out += digits.substr(0, exponent + 1) + "." + digits.substr(exponent + 1);
  }
  return out;
}

namespace {
std::string py_str_repr(const std::string& s) {
  const bool has_single = s.find('\'') != std::string::npos;
  const bool has_double = s.find('"') != std::string::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == quote) out += std::string("\\") + quote;
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else out += c;
  }
  return out + quote;
}
}  // namespace

std::string py_repr(const PyValue& v) {
  switch (v.kind) {
    case PyValue::Kind::None: return "None";
    case PyValue::Kind::Bool: return v.b ? "True" : "False";
    case PyValue::Kind::Int: return std::to_string(v.i);
    case PyValue::Kind::Float: return py_float_repr(v.f);
    case PyValue::Kind::Str: return py_str_repr(v.s);
    case PyValue::Kind::List: {
      std::string out = "[";
      for (size_t k = 0; k < v.list.size(); ++k) out += (k ? ", " : "") + py_repr(v.list[k]);
      return out + "]";
    }
    case PyValue::Kind::Dict: {
      std::string out = "{";
      for (size_t k = 0; k < v.dict.size(); ++k)
        out += (k ? ", " : "") + py_str_repr(v.dict[k].first) + ": " + py_repr(v.dict[k].second);
      return out + "}";
    }
  }
  return "None";
}

// ---------------------------------------------------------------- literal parser

namespace {

class LiteralParser {
 public:
  LiteralParser(const std::string& text, const std::string& source) : t_(text), source_(source) {}

  PyValue parse() {
    PyValue v = value();
    skip();
    if (p_ != t_.size()) fail("unexpected text");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw InputError(source_, fmt::format("cannot parse Python literal at character {}: {}", p_, why));
  }
  void skip() {
    while (p_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[p_]))) ++p_;
  }
  bool eat(char c) {
    skip();
    if (p_ < t_.size() && t_[p_] == c) {
      ++p_;
      return true;
    }
    return false;
  }
  PyValue value() {
    skip();
    if (p_ >= t_.size()) fail("unexpected end");
    const char c = t_[p_];
    if (c == '{') return dict();
    if (c == '[' || c == '(') return list(c == '[' ? ']' : ')');
    if (c == '\'' || c == '"') return PyValue::str(string());
    if (t_.compare(p_, 4, "None") == 0) { p_ += 4; return PyValue::none(); }
    if (t_.compare(p_, 4, "True") == 0) { p_ += 4; return PyValue::boolean(true); }
    if (t_.compare(p_, 5, "False") == 0) { p_ += 5; return PyValue::boolean(false); }
    return number();
  }
  PyValue dict() {
    PyValue v;
    v.kind = PyValue::Kind::Dict;
    eat('{');
    if (eat('}')) return v;
    while (true) {
      skip();
      PyValue key = value();
      if (key.kind != PyValue::Kind::Str) fail("dict keys must be strings");
      if (!eat(':')) fail("expected ':'");
      v.dict.emplace_back(key.s, value());
      if (eat('}')) return v;
      if (!eat(',')) fail("expected ',' or '}'");
      if (eat('}')) return v;
    }
  }
  PyValue list(char close) {
    PyValue v;
    v.kind = PyValue::Kind::List;
    ++p_;
    if (eat(close)) return v;
    while (true) {
      v.list.push_back(value());
      if (eat(close)) return v;
      if (!eat(',')) fail("expected ','");
      if (eat(close)) return v;
    }
  }
  std::string string() {
    const char quote = t_[p_++];
    std::string out;
    while (p_ < t_.size() && t_[p_] != quote) {
      if (t_[p_] == '\\' && p_ + 1 < t_.size()) {
        ++p_;
        const char e = t_[p_];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      } else {
        out += t_[p_];
      }
      ++p_;
    }
    if (p_ >= t_.size()) fail("unterminated string");
    ++p_;
    return out;
  }
  PyValue number() {
    const size_t start = p_;
    if (p_ < t_.size() && (t_[p_] == '-' || t_[p_] == '+')) ++p_;
    bool is_float = false;
    while (p_ < t_.size()) {
      const char c = t_[p_];
      if (std::isdigit(static_cast<unsigned char>(c))) {
        ++p_;
      } else if (c == '.' || c == 'e' || c == 'E') {
        is_float = true;
        ++p_;
        if ((c == 'e' || c == 'E') && p_ < t_.size() && (t_[p_] == '-' || t_[p_] == '+')) ++p_;
      } else {
        break;
      }
    }
    const std::string text = t_.substr(start, p_ - start);
    if (text.empty() || text == "-" || text == "+") fail("expected a value");
    if (is_float) return PyValue::real(std::strtod(text.c_str(), nullptr));
    return PyValue::integer(std::strtoll(text.c_str(), nullptr, 10));
  }

  const std::string& t_;
  const std::string& source_;
  size_t p_ = 0;
};

}  // namespace

PyValue parse_py_literal(const std::string& text, const std::string& source) {
  return LiteralParser(text, source).parse();
}

// ---------------------------------------------------------------- settings

PyValue Settings::default_dict() {
  PyValue d;
  d.kind = PyValue::Kind::Dict;
  PyValue distances;
  distances.kind = PyValue::Kind::List;
  distances.list.push_back(PyValue::integer(1));
  d.dict = {{"minimumROIDimensions", PyValue::integer(2)},
            {"minimumROISize", PyValue::none()},
            {"normalize", PyValue::boolean(false)},
            {"normalizeScale", PyValue::integer(1)},
            {"removeOutliers", PyValue::none()},
            {"resampledPixelSpacing", PyValue::none()},
            {"interpolator", PyValue::str("sitkBSpline")},
            {"preCrop", PyValue::boolean(false)},
            {"padDistance", PyValue::integer(5)},
            {"distances", distances},
            {"force2D", PyValue::boolean(false)},
            {"force2Ddimension", PyValue::integer(0)},
            {"resegmentRange", PyValue::none()},
            {"label", PyValue::integer(1)},
            {"additionalInfo", PyValue::boolean(true)}};
  return d;
}

namespace {

struct Checker {
  const std::string& key;
  const PyValue& v;
  const std::string& source;

  [[noreturn]] void fail(const std::string& why) const {
    throw InputError(source, fmt::format("setting '{}': {} (got {})", key, why, py_repr(v)));
  }
  bool boolean() const {
    if (v.kind != PyValue::Kind::Bool) fail("expected true or false");
    return v.b;
  }
  int integer(std::optional<int64_t> min_inclusive = std::nullopt,
              std::optional<int64_t> max_inclusive = std::nullopt) const {
    if (v.kind != PyValue::Kind::Int) fail("expected an integer");
    if (min_inclusive && v.i < *min_inclusive) fail(fmt::format("must be >= {}", *min_inclusive));
    if (max_inclusive && v.i > *max_inclusive) fail(fmt::format("must be <= {}", *max_inclusive));
    return int(v.i);
  }
  double real_of(const PyValue& x) const {
    if (x.is_number()) return x.number();
    // PyYAML reads `nan`/`inf` as strings; accept them where a float is due.
    if (x.kind == PyValue::Kind::Str) {
      std::string s = x.s;
      std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
      if (s == "nan" || s == ".nan") return NAN;
      if (s == "inf" || s == ".inf") return INFINITY;
      if (s == "-inf" || s == "-.inf") return -INFINITY;
    }
    fail("expected a number");
  }
  double positive() const {
    const double x = real_of(v);
    if (!(x > 0)) fail("must be > 0");
    return x;
  }
  std::vector<double> reals(bool non_negative, bool positive_only) const {
    if (v.kind != PyValue::Kind::List) fail("expected a list of numbers");
    std::vector<double> out;
    for (const PyValue& x : v.list) {
      const double d = real_of(x);
      if (non_negative && d < 0) fail("values must be >= 0");
      if (positive_only && !(d > 0)) fail("values must be > 0");
      out.push_back(d);
    }
    return out;
  }
  std::string str() const {
    if (v.kind != PyValue::Kind::Str) fail("expected a string");
    return v.s;
  }
  std::string one_of(const std::vector<std::string>& choices) const {
    const std::string s = str();
    if (std::find(choices.begin(), choices.end(), s) == choices.end()) {
      std::string list;
      for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
      fail("must be one of " + list);
    }
    return s;
  }
};

const std::vector<std::string>& known_wavelets() {
  static const std::vector<std::string> k = [] {
    std::vector<std::string> w = {"haar", "dmey"};
    for (int n = 1; n <= 20; ++n) w.push_back("db" + std::to_string(n));
    for (int n = 2; n <= 20; ++n) w.push_back("sym" + std::to_string(n));
    for (int n = 1; n <= 17; ++n) w.push_back("coif" + std::to_string(n));
    for (const char* b : {"1.1", "1.3", "1.5", "2.2", "2.4", "2.6", "2.8", "3.1", "3.3", "3.5", "3.7", "3.9",
                          "4.4", "5.5", "6.8"}) {
      w.push_back(std::string("bior") + b);
      w.push_back(std::string("rbio") + b);
    }
    return w;
  }();
  return k;
}

void set_dict(Settings& s, const std::string& key, const PyValue& value) {
  for (auto& [k, v] : s.dict.dict)
    if (k == key) {
      v = value;
      return;
    }
  s.dict.dict.emplace_back(key, value);
}

}  // namespace

void apply_setting(Settings& s, const std::string& key, const PyValue& v, const std::string& source) {
  const Checker c{key, v, source};
  const bool none = v.is_none();
  if (key == "minimumROIDimensions") s.minimumROIDimensions = c.integer(1, 3);
  else if (key == "minimumROISize") s.minimumROISize = none ? std::nullopt : std::optional<int>(c.integer(1));
  else if (key == "geometryTolerance") s.geometryTolerance = none ? std::nullopt : std::optional<double>(c.positive());
  else if (key == "correctMask") s.correctMask = c.boolean();
  else if (key == "additionalInfo") s.additionalInfo = c.boolean();
  else if (key == "label") s.label = c.integer(1);
  else if (key == "label_channel") s.label_channel = c.integer(0);
  else if (key == "binWidth") s.binWidth = none ? 25.0 : c.positive();
  else if (key == "binCount") s.binCount = none ? std::nullopt : std::optional<int>(c.integer(1));
  else if (key == "normalize") s.normalize = c.boolean();
  else if (key == "normalizeScale") s.normalizeScale = c.positive();
  else if (key == "removeOutliers") s.removeOutliers = none ? std::nullopt : std::optional<double>(c.positive());
  else if (key == "resampledPixelSpacing") {
    if (none) {
      s.resampledPixelSpacing.reset();
    } else {
      auto sp = c.reals(true, false);
      if (sp.size() != 3) c.fail("expected 3 spacings (x, y, z)");
      s.resampledPixelSpacing = sp;
    }
  } else if (key == "interpolator") {
    if (none) {
      s.interpolator.reset();
    } else if (v.kind == PyValue::Kind::Int) {
      static const char* names[] = {"", "sitkNearestNeighbor", "sitkLinear", "sitkBSpline", "sitkGaussian",
                                    "sitkLabelGaussian", "sitkHammingWindowedSinc", "sitkCosineWindowedSinc",
                                    "sitkWelchWindowedSinc", "sitkLanczosWindowedSinc",
                                    "sitkBlackmanWindowedSinc"};
      s.interpolator = names[c.integer(1, 10)];
    } else {
      s.interpolator = c.one_of({"sitkNearestNeighbor", "sitkLinear", "sitkBSpline", "sitkGaussian",
                                 "sitkLabelGaussian", "sitkHammingWindowedSinc", "sitkCosineWindowedSinc",
                                 "sitkWelchWindowedSinc", "sitkLanczosWindowedSinc",
                                 "sitkBlackmanWindowedSinc"});
    }
  } else if (key == "padDistance") s.padDistance = c.integer(0);
  else if (key == "distances") {
    if (v.kind != PyValue::Kind::List || v.list.empty()) c.fail("expected a list of integers > 0");
    s.distances.clear();
    for (const PyValue& x : v.list) {
      if (x.kind != PyValue::Kind::Int || x.i <= 0) c.fail("expected a list of integers > 0");
      s.distances.push_back(int(x.i));
    }
  } else if (key == "force2D") s.force2D = c.boolean();
  else if (key == "force2Ddimension") s.force2Ddimension = c.integer(0, 2);
  else if (key == "resegmentRange") {
    if (none) {
      s.resegmentRange.reset();
    } else {
      auto r = c.reals(false, false);
      if (r.empty() || r.size() > 2) c.fail("expected 1 or 2 thresholds");
      s.resegmentRange = r;
    }
  } else if (key == "resegmentMode") s.resegmentMode = c.one_of({"absolute", "relative", "sigma"});
  else if (key == "resegmentShape") s.resegmentShape = c.boolean();
  else if (key == "preCrop") s.preCrop = c.boolean();
  else if (key == "sigma") {
    s.sigma = c.reals(false, true);
    s.sigma_names.clear();
    for (const PyValue& x : v.list)
      s.sigma_names.push_back(x.kind == PyValue::Kind::Int ? std::to_string(x.i) : py_float_repr(c.real_of(x)));
  } else if (key == "start_level") s.start_level = c.integer(0);
  else if (key == "level") s.level = c.integer(1);
  else if (key == "wavelet") s.wavelet = c.one_of(known_wavelets());
  else if (key == "gradientUseSpacing") s.gradientUseSpacing = c.boolean();
  else if (key == "lbp2DRadius") s.lbp2DRadius = c.positive();
  else if (key == "lbp2DSamples") s.lbp2DSamples = c.integer(1);
  else if (key == "lbp2DMethod") s.lbp2DMethod = c.one_of({"default", "ror", "uniform", "var"});
  else if (key == "lbp3DLevels") s.lbp3DLevels = c.integer(1);
  else if (key == "lbp3DIcosphereRadius") s.lbp3DIcosphereRadius = c.positive();
  else if (key == "lbp3DIcosphereSubdivision") s.lbp3DIcosphereSubdivision = c.integer(0);
  else if (key == "voxelArrayShift") s.voxelArrayShift = c.integer();
  else if (key == "symmetricalGLCM") s.symmetricalGLCM = c.boolean();
  else if (key == "weightingNorm") {
    if (none) s.weightingNorm.reset();
    else s.weightingNorm = c.one_of({"euclidean", "manhattan", "infinity", "no_weighting"});
  } else if (key == "gldm_a") s.gldm_a = c.integer(0);
  else if (key == "kernelRadius") s.kernelRadius = c.integer(1);
  else if (key == "maskedKernel") s.maskedKernel = c.boolean();
  else if (key == "initValue") s.initValue = c.real_of(v);
  else if (key == "voxelBatch") s.voxelBatch = c.integer();
  else if (key == "voxelBased" || key == "verbose") {
    // Internal PyRadiomics keys that appear in reported settings; no effect here.
  } else {
    throw InputError(source, fmt::format("unknown setting '{}'", key));
  }
  set_dict(s, key, v);
}

// ---------------------------------------------------------------- names

const std::vector<std::string>& known_image_types() {
  static const std::vector<std::string> k = {"Exponential", "Gradient", "LBP2D",      "LBP3D",   "LoG",
                                             "Logarithm",   "Original", "SquareRoot", "Square",  "Wavelet"};
  return k;
}

const std::vector<std::string>& known_feature_classes() {
  static const std::vector<std::string> k = {"firstorder", "glcm", "gldm", "glrlm", "glszm", "ngtdm", "shape",
                                             "shape2D"};
  return k;
}

const std::vector<std::pair<std::string, bool>>& pyradiomics_feature_names(const std::string& cls) {
  using L = std::vector<std::pair<std::string, bool>>;
  static const std::map<std::string, L> table = {
      {"firstorder",
       {{"Energy", false}, {"TotalEnergy", false}, {"Entropy", false}, {"Minimum", false},
        {"10Percentile", false}, {"90Percentile", false}, {"Maximum", false}, {"Mean", false},
        {"Median", false}, {"InterquartileRange", false}, {"Range", false}, {"MeanAbsoluteDeviation", false},
        {"RobustMeanAbsoluteDeviation", false}, {"RootMeanSquared", false}, {"StandardDeviation", true},
        {"Skewness", false}, {"Kurtosis", false}, {"Variance", false}, {"Uniformity", false}}},
      {"glcm",
       {{"Autocorrelation", false}, {"JointAverage", false}, {"ClusterProminence", false},
        {"ClusterShade", false}, {"ClusterTendency", false}, {"Contrast", false}, {"Correlation", false},
        {"DifferenceAverage", false}, {"DifferenceEntropy", false}, {"DifferenceVariance", false},
        {"JointEnergy", false}, {"JointEntropy", false}, {"Imc1", false}, {"Imc2", false}, {"Idm", false},
        {"MCC", false}, {"Idmn", false}, {"Id", false}, {"Idn", false}, {"InverseVariance", false},
        {"MaximumProbability", false}, {"SumAverage", false}, {"SumEntropy", false}, {"SumSquares", false},
        {"Dissimilarity", true}, {"Homogeneity1", true}, {"Homogeneity2", true}}},
      {"glrlm",
       {{"ShortRunEmphasis", false}, {"LongRunEmphasis", false}, {"GrayLevelNonUniformity", false},
        {"GrayLevelNonUniformityNormalized", false}, {"RunLengthNonUniformity", false},
        {"RunLengthNonUniformityNormalized", false}, {"RunPercentage", false}, {"GrayLevelVariance", false},
        {"RunVariance", false}, {"RunEntropy", false}, {"LowGrayLevelRunEmphasis", false},
        {"HighGrayLevelRunEmphasis", false}, {"ShortRunLowGrayLevelEmphasis", false},
        {"ShortRunHighGrayLevelEmphasis", false}, {"LongRunLowGrayLevelEmphasis", false},
        {"LongRunHighGrayLevelEmphasis", false}}},
      {"glszm",
       {{"SmallAreaEmphasis", false}, {"LargeAreaEmphasis", false}, {"GrayLevelNonUniformity", false},
        {"GrayLevelNonUniformityNormalized", false}, {"SizeZoneNonUniformity", false},
        {"SizeZoneNonUniformityNormalized", false}, {"ZonePercentage", false}, {"GrayLevelVariance", false},
        {"ZoneVariance", false}, {"ZoneEntropy", false}, {"LowGrayLevelZoneEmphasis", false},
        {"HighGrayLevelZoneEmphasis", false}, {"SmallAreaLowGrayLevelEmphasis", false},
        {"SmallAreaHighGrayLevelEmphasis", false}, {"LargeAreaLowGrayLevelEmphasis", false},
        {"LargeAreaHighGrayLevelEmphasis", false}}},
      {"gldm",
       {{"SmallDependenceEmphasis", false}, {"LargeDependenceEmphasis", false},
        {"GrayLevelNonUniformity", false}, {"GrayLevelNonUniformityNormalized", true},
        {"DependenceNonUniformity", false}, {"DependenceNonUniformityNormalized", false},
        {"GrayLevelVariance", false}, {"DependenceVariance", false}, {"DependenceEntropy", false},
        {"DependencePercentage", true}, {"LowGrayLevelEmphasis", false}, {"HighGrayLevelEmphasis", false},
        {"SmallDependenceLowGrayLevelEmphasis", false}, {"SmallDependenceHighGrayLevelEmphasis", false},
        {"LargeDependenceLowGrayLevelEmphasis", false}, {"LargeDependenceHighGrayLevelEmphasis", false}}},
      {"ngtdm",
       {{"Coarseness", false}, {"Contrast", false}, {"Busyness", false}, {"Complexity", false},
        {"Strength", false}}},
      {"shape",
       {{"MeshVolume", false}, {"VoxelVolume", false}, {"SurfaceArea", false}, {"SurfaceVolumeRatio", false},
        {"Sphericity", false}, {"Compactness1", true}, {"Compactness2", true},
        {"SphericalDisproportion", true}, {"Maximum3DDiameter", false}, {"Maximum2DDiameterSlice", false},
        {"Maximum2DDiameterColumn", false}, {"Maximum2DDiameterRow", false}, {"MajorAxisLength", false},
        {"MinorAxisLength", false}, {"LeastAxisLength", false}, {"Elongation", false}, {"Flatness", false}}},
      {"shape2D",
       {{"MeshSurface", false}, {"PixelSurface", false}, {"Perimeter", false},
        {"PerimeterSurfaceRatio", false}, {"Sphericity", false}, {"SphericalDisproportion", true},
        {"MaximumDiameter", false}, {"MajorAxisLength", false}, {"MinorAxisLength", false},
        {"Elongation", false}}},
  };
  static const L empty;
  const auto it = table.find(cls);
  return it == table.end() ? empty : it->second;
}

// ---------------------------------------------------------------- YAML

namespace {

bool matches_int(const std::string& s) {
  size_t k = 0;
  if (k < s.size() && (s[k] == '-' || s[k] == '+')) ++k;
  if (k >= s.size()) return false;
  for (; k < s.size(); ++k)
    if (!std::isdigit(static_cast<unsigned char>(s[k])) && s[k] != '_') return false;
  return true;
}

// PyYAML (YAML 1.1) float: digits with a '.', optional exponent; .inf/.nan.
bool matches_float(const std::string& s) {
  if (s == ".inf" || s == "+.inf" || s == "-.inf" || s == ".Inf" || s == "-.Inf" || s == ".INF" ||
      s == ".nan" || s == ".NaN" || s == ".NAN")
    return true;
  size_t k = 0;
  if (k < s.size() && (s[k] == '-' || s[k] == '+')) ++k;
  bool digits = false, dot = false;
  for (; k < s.size(); ++k) {
    const char c = s[k];
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '_') digits = true;
    else if (c == '.' && !dot) dot = true;
    else break;
  }
  if (!digits && !dot) return false;
  if (!dot && k < s.size()) return false;  // "1e3" is a string in YAML 1.1
  if (k == s.size()) return dot && (digits || s.size() > 1);
  if (s[k] != 'e' && s[k] != 'E') return false;
  ++k;
  if (k < s.size() && (s[k] == '-' || s[k] == '+')) ++k;
  if (k >= s.size()) return false;
  for (; k < s.size(); ++k)
    if (!std::isdigit(static_cast<unsigned char>(s[k]))) return false;
  return true;
}

PyValue from_yaml(const YAML::Node& n, const std::string& source) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return PyValue::none();
    case YAML::NodeType::Sequence: {
      PyValue v;
      v.kind = PyValue::Kind::List;
      for (const auto& x : n) v.list.push_back(from_yaml(x, source));
      return v;
    }
    case YAML::NodeType::Map: {
      PyValue v;
      v.kind = PyValue::Kind::Dict;
      for (const auto& kv : n) {
        // PyRadiomics's keys are names; a list or mapping as a key (legal
        // YAML) has no setting to name.
        if (!kv.first.IsScalar())
          throw InputError(source, fmt::format("line {}: a key must be a name, not a list or mapping",
                                               kv.first.Mark().line + 1));
        v.dict.emplace_back(kv.first.Scalar(), from_yaml(kv.second, source));
      }
      return v;
    }
    case YAML::NodeType::Scalar: {
      const std::string s = n.Scalar();
      if (n.Tag() == "!") return PyValue::str(s);  // quoted
      if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return PyValue::none();
      for (const char* t : {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"})
        if (s == t) return PyValue::boolean(true);
      for (const char* f : {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"})
        if (s == f) return PyValue::boolean(false);
      std::string clean;
      for (char c : s)
        if (c != '_') clean += c;
      if (matches_int(s)) return PyValue::integer(std::strtoll(clean.c_str(), nullptr, 10));
      if (matches_float(s)) {
        std::string lower = clean;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        if (lower.find("nan") != std::string::npos) return PyValue::real(NAN);
        if (lower.find("inf") != std::string::npos) return PyValue::real(lower[0] == '-' ? -INFINITY : INFINITY);
        return PyValue::real(std::strtod(clean.c_str(), nullptr));
      }
      return PyValue::str(s);
    }
  }
  return PyValue::none();
}

void apply_image_types(Params& p, const PyValue& types) {
  if (types.is_none()) return;
  if (types.kind != PyValue::Kind::Dict) throw InputError(p.source, "'imageType' must be a mapping");
  p.image_types.clear();
  for (const auto& [name, custom] : types.dict) {
    const auto& known = known_image_types();
    if (std::find(known.begin(), known.end(), name) == known.end())
      throw InputError(p.source, fmt::format("imageType '{}': unknown image type", name));
    if (!custom.is_none() && custom.kind != PyValue::Kind::Dict)
      throw InputError(p.source, fmt::format("imageType '{}': settings must be a mapping", name));
    ImageTypeConfig t;
    t.name = name;
    t.custom = custom;
    t.custom.kind = PyValue::Kind::Dict;
    p.image_types.push_back(t);
  }
}

void finish_image_types(Params& p) {
  if (p.image_types.empty()) {
    ImageTypeConfig t;
    t.name = "Original";
    t.custom.kind = PyValue::Kind::Dict;
    p.image_types.push_back(t);
  }
  for (ImageTypeConfig& t : p.image_types) {
    t.settings = p.settings;
    for (const auto& [k, v] : t.custom.dict) apply_setting(t.settings, k, v, p.source + ": imageType " + t.name);
  }
}

void default_classes(Params& p) {
  p.feature_classes.clear();
  for (const std::string& c : known_feature_classes())
    if (c != "shape2D") p.feature_classes.push_back({c, {}});
}

}  // namespace

PyValue parse_setting_text(const std::string& key, const std::string& text) {
  const PyValue defaults = Settings::default_dict();
  const PyValue* known = defaults.get(key);
  static const std::vector<std::string> list_keys = {"resampledPixelSpacing", "distances", "sigma", "resegmentRange"};
  auto scalar = [&](const std::string& t) {
    if (known && known->kind == PyValue::Kind::Bool) {
      std::string lower = t;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      return PyValue::boolean(lower == "1" || lower == "true");
    }
    if (matches_int(t)) return PyValue::integer(std::strtoll(t.c_str(), nullptr, 10));
    char* end = nullptr;
    const double v = std::strtod(t.c_str(), &end);
    if (!t.empty() && end == t.c_str() + t.size()) return PyValue::real(v);
    if (t == "None" || t == "null") return PyValue::none();
    return PyValue::str(t);
  };
  if (std::find(list_keys.begin(), list_keys.end(), key) != list_keys.end()) {
    PyValue list;
    list.kind = PyValue::Kind::List;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) list.list.push_back(scalar(item));
    return list;
  }
  return scalar(text);
}

void apply_setting_overrides(Params& p, const std::vector<std::pair<std::string, PyValue>>& overrides,
                             const std::string& source) {
  for (const auto& [key, value] : overrides) apply_setting(p.settings, key, value, source);
  finish_image_types(p);
}

Params default_params() {
  Params p;
  p.source = "(defaults)";
  default_classes(p);
  finish_image_types(p);
  return p;
}

Params parse_params_yaml(const std::string& text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(source, std::string("invalid YAML: ") + e.what());
  }
  if (root.IsNull()) {
    Params p = default_params();
    p.source = source;
    return p;
  }
  if (!root.IsMap()) throw InputError(source, "a parameter file must be a mapping");
  return params_from_dict(from_yaml(root, source), source);
}

Params params_from_dict(const PyValue& top, const std::string& source) {
  if (top.kind != PyValue::Kind::Dict) throw InputError(source, "parameters must be a mapping");
  Params p;
  p.source = source;
  PyValue settings, voxel, types, classes;
  for (const auto& [key, value] : top.dict) {
    if (key == "setting") settings = value;
    else if (key == "voxelSetting") voxel = value;
    else if (key == "imageType") types = value;
    else if (key == "featureClass") classes = value;
    else throw InputError(source, fmt::format("unknown section '{}' (expected setting, imageType, featureClass, voxelSetting)", key));
  }
  for (const PyValue* section : {&settings, &voxel}) {
    if (section->is_none()) continue;
    if (section->kind != PyValue::Kind::Dict) throw InputError(source, "'setting' and 'voxelSetting' must be mappings");
    for (const auto& [k, v] : section->dict) apply_setting(p.settings, k, v, source);
  }
  p.has_voxel_settings = !voxel.is_none();
  apply_image_types(p, types);
  if (classes.is_none() || (classes.kind == PyValue::Kind::Dict && classes.dict.empty())) {
    default_classes(p);
  } else {
    if (classes.kind != PyValue::Kind::Dict) throw InputError(source, "'featureClass' must be a mapping");
    for (const auto& [name, features] : classes.dict) {
      const auto& names = pyradiomics_feature_names(name);
      if (names.empty()) throw InputError(source, fmt::format("featureClass '{}': unknown feature class", name));
      FeatureClassConfig fc{name, {}};
      if (!features.is_none()) {
        if (features.kind != PyValue::Kind::List)
          throw InputError(source, fmt::format("featureClass '{}': expected a list of feature names", name));
        for (const PyValue& f : features.list) {
          if (f.kind != PyValue::Kind::Str ||
              std::none_of(names.begin(), names.end(), [&](const auto& n) { return n.first == f.s; }))
            throw InputError(source, fmt::format("featureClass '{}': unknown feature {}", name, py_repr(f)));
          fc.features.push_back(f.s);
        }
      }
      p.feature_classes.push_back(fc);
    }
  }
  finish_image_types(p);
  return p;
}

Params load_params(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "cannot read the parameter file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_params_yaml(ss.str(), path);
}

Params params_from_diagnostics(const std::string& settings_repr, const std::string& image_types_repr,
                               const std::string& source) {
  Params p;
  p.source = source;
  const PyValue s = parse_py_literal(settings_repr, source);
  if (s.kind != PyValue::Kind::Dict) throw InputError(source, "settings repr is not a dict");
  for (const auto& [k, v] : s.dict) apply_setting(p.settings, k, v, source);
  apply_image_types(p, parse_py_literal(image_types_repr, source));
  default_classes(p);
  finish_image_types(p);
  return p;
}

}  // namespace scopemia::radiomics
