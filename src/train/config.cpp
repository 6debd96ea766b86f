#include "train/config.h"

#include <cmath>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/error.h"

namespace scopemia::train {

Task parse_task(const std::string& name) {
  if (name == "classification") return Task::kClassification;
  if (name == "regression") return Task::kRegression;
  if (name == "segmentation") return Task::kSegmentation;
  if (name == "pretrain") return Task::kPretrain;
  throw std::invalid_argument("unknown task '" + name +
                              "' (classification, regression, segmentation, pretrain)");
}

std::string to_string(Task task) {
  switch (task) {
    case Task::kClassification: return "classification";
    case Task::kRegression: return "regression";
    case Task::kSegmentation: return "segmentation";
    case Task::kPretrain: return "pretrain";
  }
  return "?";
}

namespace {

// ---------------------------------------------------------------- enums as text
// Each enum field goes through a pair of functions; a bad name throws
// std::invalid_argument, which the reader turns into "<file>: <key>: ...".
struct EnumText {
  std::function<std::string()> get;
  std::function<void(const std::string&)> set;
};

template <class E>
EnumText enum_text(E& value, const std::vector<std::pair<E, std::string>>& names) {
  return {[&value, names] {
            for (const auto& [e, s] : names)
              if (e == value) return s;
            return std::string("?");
          },
          [&value, names](const std::string& text) {
            std::string known;
            for (const auto& [e, s] : names) {
              if (s == text) {
                value = e;
                return;
              }
              known += (known.empty() ? "" : ", ") + s;
            }
            throw std::invalid_argument("unknown value '" + text + "' (" + known + ")");
          }};
}

EnumText task_text(Task& t) {
  return enum_text<Task>(t, {{Task::kClassification, "classification"},
                             {Task::kRegression, "regression"},
                             {Task::kSegmentation, "segmentation"},
                             {Task::kPretrain, "pretrain"}});
}
EnumText regression_loss_text(RegressionLoss& l) {
  return enum_text<RegressionLoss>(l, {{RegressionLoss::kMse, "mse"}, {RegressionLoss::kHuber, "huber"}});
}
EnumText kernel_mode_text(nn::KernelMode& m) {
  return enum_text<nn::KernelMode>(m, {{nn::KernelMode::kFull, "full"}, {nn::KernelMode::kSeparable, "separable"}});
}
EnumText detail_text(nn::DetailMode& m) {
  return enum_text<nn::DetailMode>(
      m, {{nn::DetailMode::kNone, "none"}, {nn::DetailMode::kGaussian, "gaussian"}, {nn::DetailMode::kFft, "fft"}});
}
EnumText intensity_text(data::IntensityMode& m) {
  return enum_text<data::IntensityMode>(m, {{data::IntensityMode::kWindow, "window"}, {data::IntensityMode::kZScore, "zscore"}});
}
EnumText descriptor_set_text(DescriptorSet& s) {
  return enum_text<DescriptorSet>(s, {{DescriptorSet::kBasic, "basic"}, {DescriptorSet::kRadiomics, "radiomics"}});
}
EnumText descriptor_columns_text(DescriptorColumns& c) {
  // The first name of each value is the one written; false/true are the
  // spellings of configurations and checkpoints from before `only`.
  return enum_text<DescriptorColumns>(c, {{DescriptorColumns::kNone, "none"},
                                          {DescriptorColumns::kAppended, "appended"},
                                          {DescriptorColumns::kOnly, "only"},
                                          {DescriptorColumns::kNone, "false"},
                                          {DescriptorColumns::kAppended, "true"}});
}
EnumText strategy_text(data::MaskStrategy& s) {
  return enum_text<data::MaskStrategy>(s, {{data::MaskStrategy::kRandomCubes, "cubes"},
                                           {data::MaskStrategy::kBlock, "block"},
                                           {data::MaskStrategy::kSlices, "slices"},
                                           {data::MaskStrategy::kTubes, "tubes"}});
}

// ---------------------------------------------------------------- reader
template <class T> const char* type_name() {
  if constexpr (std::is_same_v<T, bool>) return "true or false";
  else if constexpr (std::is_same_v<T, std::string>) return "a string";
  else if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) return "a non-negative integer";
  else if constexpr (std::is_integral_v<T>) return "an integer";
  else return "a number";
}

class Reader {
 public:
  Reader(const YAML::Node& root, std::string source) : source_(std::move(source)) {
    if (root.IsNull() || !root.IsDefined()) {
      stack_.push_back({YAML::Node(YAML::NodeType::Map), "", {}});
    } else {
      if (!root.IsMap()) throw InputError(source_, "the configuration must be a YAML mapping");
      stack_.push_back({root, "", {}});
    }
  }

  void finish() { check_unknown(stack_.back()); }

  template <class F> void section(const std::string& key, F&& body) {
    auto& top = stack_.back();
    top.seen.insert(key);
    const YAML::Node& map = top.node;
    const YAML::Node child = map[key];
    if (!child || child.IsNull()) return;
    if (!child.IsMap()) fail(key, "expected a mapping of keys");
    stack_.push_back({child, top.prefix + key + ".", {}});
    body();
    check_unknown(stack_.back());
    stack_.pop_back();
  }

  template <class T> void operator()(const std::string& key, T& value) {
    const YAML::Node n = lookup(key);
    if (!n) return;
    try {
      if (!n.IsScalar()) throw YAML::Exception(YAML::Mark::null_mark(), "");
      value = n.as<T>();
    } catch (const YAML::Exception&) {
      fail(key, std::string("expected ") + type_name<T>() + ", got " + show(n));
    }
  }

  template <class T> void operator()(const std::string& key, std::vector<T>& value) {
    const YAML::Node n = lookup(key);
    if (!n) return;
    try {
      if (n.IsScalar()) {
        value = {n.as<T>()};
      } else if (n.IsSequence()) {
        std::vector<T> v;
        for (const auto& x : n) v.push_back(x.as<T>());
        value = v;
      } else {
        throw YAML::Exception(YAML::Mark::null_mark(), "");
      }
    } catch (const YAML::Exception&) {
      fail(key, std::string("expected a list of values, each ") + type_name<T>() + ", got " + show(n));
    }
  }

  void operator()(const std::string& key, Vec3& value) {
    std::vector<double> v;
    (*this)(key, v);
    if (v.empty()) return;
    if (v.size() != 3) fail(key, "expected 3 numbers (x y z)");
    value = Vec3{v[0], v[1], v[2]};
  }

  void operator()(const std::string& key, EnumText e) {
    std::string text;
    (*this)(key, text);
    if (!lookup(key)) return;
    try {
      e.set(text);
    } catch (const std::invalid_argument& err) {
      fail(key, err.what());
    }
  }

  [[noreturn]] void fail(const std::string& key, const std::string& why) const {
    throw InputError(source_, stack_.back().prefix + key + ": " + why);
  }

 private:
  struct Level {
    YAML::Node node;
    std::string prefix;
    std::set<std::string> seen;
  };

  YAML::Node lookup(const std::string& key) {
    auto& top = stack_.back();
    top.seen.insert(key);
    const YAML::Node& map = top.node;
    YAML::Node n = map[key];
    if (!n || n.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
    return n;
  }

  static std::string show(const YAML::Node& n) {
    if (n.IsScalar()) return "'" + n.Scalar() + "'";
    if (n.IsSequence()) return "a list";
    if (n.IsMap()) return "a mapping";
    return "nothing";
  }

  void check_unknown(const Level& level) const {
    for (const auto& kv : level.node) {
      // A list or mapping as a key is legal YAML but names no setting (found
      // by fuzz/train_config_fuzz.cpp: as<std::string> threw past the parser).
      if (!kv.first.IsScalar())
        throw InputError(source_, fmt::format("line {}: a key must be a name, not a list or mapping",
                                              kv.first.Mark().line + 1));
      const std::string key = kv.first.Scalar();
      if (!level.seen.count(key))
        throw InputError(source_, "unknown key '" + level.prefix + key + "'");
    }
  }

  std::string source_;
  std::vector<Level> stack_;
};

// ---------------------------------------------------------------- writer
class Writer {
 public:
  Writer() : root_(YAML::NodeType::Map) { stack_.push_back(root_); }
  const YAML::Node& root() const { return root_; }

  template <class F> void section(const std::string& key, F&& body) {
    YAML::Node child(YAML::NodeType::Map);
    stack_.push_back(child);
    body();
    stack_.pop_back();
    stack_.back()[key] = child;
  }
  template <class T> void operator()(const std::string& key, const T& value) {
    stack_.back()[key] = scalar(value);
  }
  template <class T> void operator()(const std::string& key, const std::vector<T>& value) {
    YAML::Node seq(YAML::NodeType::Sequence);
    seq.SetStyle(YAML::EmitterStyle::Flow);
    for (const auto& x : value) seq.push_back(scalar(x));
    stack_.back()[key] = seq;
  }
  void operator()(const std::string& key, const Vec3& value) {
    (*this)(key, std::vector<double>(value.begin(), value.end()));
  }
  void operator()(const std::string& key, EnumText e) { stack_.back()[key] = e.get(); }

 private:
  template <class T> static YAML::Node scalar(const T& v) {
    if constexpr (std::is_same_v<T, bool>) return YAML::Node(v ? "true" : "false");
    else if constexpr (std::is_same_v<T, std::string>) return YAML::Node(v);
    else return YAML::Node(fmt::format("{}", v));  // shortest text that reads back exactly
  }
  YAML::Node root_;
  std::vector<YAML::Node> stack_;
};

// ---------------------------------------------------------------- the keys
// One table of keys for both directions.
template <class V> void visit(V& v, TrainConfig& c) {
  v("task", task_text(c.task));
  v.section("data", [&] {
    v("cases_csv", c.data.cases_csv);
    v("target_column", c.data.target_column);
    v("group_column", c.data.group_column);
    v("cache_dir", c.data.cache_dir);
    v("val_fraction", c.data.val_fraction);
    v("threads", c.data.threads);
    v.section("preprocess", [&] {
      auto& p = c.data.preprocess;
      v("margin_mm", p.margin_mm);
      v("spacing", p.spacing);
      v("height", p.height);
      v("width", p.width);
      v("intensity", intensity_text(p.intensity));
      v("window_low", p.window_low);
      v("window_high", p.window_high);
      v("pad_value", p.pad_value);
    });
  });
  v.section("model", [&] {
    auto& m = c.model;
    v("backbone", m.backbone);
    v("pde_stages", m.pde_stages);
    v("kernel_size", m.kernel_size);
    v("kernel_mode", kernel_mode_text(m.kernel_mode));
    v("stem_width", m.stem_width);
    v("outputs", m.outputs);
    v("dropout", m.dropout);
    v("decoder_width", m.decoder_width);
    v("init_from", m.init_from);
    v.section("input", [&] {
      // Written as a flat list of (low, high) pairs: [-1000, 400, -160, 240].
      std::vector<double> flat;
      for (const auto& w : m.input.windows) flat.insert(flat.end(), {w[0], w[1]});
      v("windows", flat);
      m.input.windows.clear();
      for (size_t i = 0; i < flat.size(); i += 2)  // an odd count leaves a NaN high that validate rejects
        m.input.windows.push_back({flat[i], i + 1 < flat.size() ? flat[i + 1] : std::nan("")});
      v("roi", m.input.roi);
    });
    v.section("pde", [&] {
      auto& p = m.pde;
      v("split_ratio", p.split_ratio);
      v("projection", p.projection);
      v("entropy_adaptation", p.entropy_adaptation);
      v("tau", p.tau);
      v("alpha", p.alpha);
      v("attention", p.attention);
      v("steps", p.steps);
      v("dt", p.dt);
      v("edge_kappa", p.edge_kappa);
      v("d_anatomical_init", p.d_anatomical_init);
      v("textural_diffusion", p.textural_diffusion);
      v("d_textural_fraction", p.d_textural_fraction);
      v("reaction", p.reaction);
      v("detail", detail_text(p.detail));
      v("beta_init", p.beta_init);
      v("detail_sigma", p.detail_sigma);
      v("gate", p.gate);
      v("residual", p.residual);
    });
  });
  v.section("loss", [&] {
    v("regression", regression_loss_text(c.regression_loss));
    v("huber_delta", c.huber_delta);
    v("dice_weight", c.dice_weight);
    v("ce_weight", c.ce_weight);
  });
  v.section("pde_loss", [&] {
    auto& w = c.pde_loss;
    v("stability", w.stability);
    v("entropy", w.entropy);
    v("hessian", w.hessian);
    v("scale", w.scale);
    v("attention", w.attention);
    v("energy_weight", w.energy_weight);
  });
  v.section("masking", [&] {
    v("strategy", strategy_text(c.masking.strategy));
    v("ratio", c.masking.ratios);
    v("unit", c.masking.unit);
  });
  v.section("mci", [&] {
    v("enabled", c.mci.enabled);
    v("weight", c.mci.weight);
    v("sigma_mm", c.mci.sigma_mm);
    v("ridge_l1", c.mci.ridge_l1);
    v("gradient_l1", c.mci.gradient_l1);
    v("ms_ssim", c.mci.ms_ssim);
    v("ridge_max", c.mci.ridge_max);
  });
  v.section("descriptors", [&] {
    v("enabled", c.descriptors.enabled);
    v("weight", c.descriptors.weight);
    v("set", descriptor_set_text(c.descriptors.set));
    v("unmasked_input", c.descriptors.unmasked_input);
    v("in_embedding", descriptor_columns_text(c.descriptors.in_embedding));
  });
  v.section("embedding", [&] {
    v("taps", c.embedding.taps);
    v("regions", c.embedding.regions);
    v("shell_voxels", c.embedding.shell_voxels);
  });
  v.section("optimizer", [&] {
    v("lr", c.optimizer.lr);
    v("weight_decay", c.optimizer.weight_decay);
    v("beta1", c.optimizer.beta1);
    v("beta2", c.optimizer.beta2);
    v("eps", c.optimizer.eps);
  });
  v.section("schedule", [&] {
    v("warmup_steps", c.schedule.warmup_steps);
    v("warmup_epochs", c.schedule.warmup_epochs);
    v("min_lr", c.schedule.min_lr);
  });
  v.section("augmentation", [&] {
    v("flip", c.augmentation.flip);
    v("rotate_degrees", c.augmentation.rotate_degrees);
    v("intensity_scale", c.augmentation.intensity_scale);
    v("intensity_shift", c.augmentation.intensity_shift);
  });
  v("epochs", c.epochs);
  v("max_steps", c.max_steps);
  v("batch_size", c.batch_size);
  v("k", c.k);
  v("stride", c.stride);
  v("workers", c.workers);
  v("grad_clip", c.grad_clip);
  v("seed", c.seed);
  v("deterministic", c.deterministic);
  v("threads", c.threads);
  v("output_dir", c.output_dir);
  v("log_every", c.log_every);
  v("checkpoint_every", c.checkpoint_every);
}

void validate(const TrainConfig& c) {
  auto fail = [&](const std::string& key, const std::string& why) {
    throw InputError(c.source, key + ": " + why);
  };
  if (!(c.data.val_fraction >= 0 && c.data.val_fraction < 1)) fail("data.val_fraction", "must be in [0, 1)");
  if (c.data.threads < 1) fail("data.threads", "must be at least 1");
  if (c.data.preprocess.height < 0 || c.data.preprocess.width < 0) fail("data.preprocess.height", "must not be negative");
  if (!(c.data.preprocess.window_high > c.data.preprocess.window_low))
    fail("data.preprocess.window_high", "must exceed window_low");
  if ((c.task == Task::kClassification || c.task == Task::kRegression) && c.data.target_column.empty() &&
      !c.data.cases_csv.empty())
    fail("data.target_column", "is required for task " + to_string(c.task));
  for (int s : c.model.pde_stages)
    if (s < 0) fail("model.pde_stages", "stages are 0-based, got " + std::to_string(s));
  if (c.model.kernel_size < 0 || (c.model.kernel_size > 0 && c.model.kernel_size % 2 == 0))
    fail("model.kernel_size", "must be odd (or 0 for the preset's)");
  if (c.model.stem_width < 0) fail("model.stem_width", "must be >= 0");
  if (c.model.stem_width > 0 && c.model.backbone.rfind("convnext3d_", 0) != 0)
    fail("model.stem_width", "is a ConvNeXt option (backbone is " + c.model.backbone + ")");
  if (c.model.outputs < 0) fail("model.outputs", "must not be negative");
  if (!(c.model.dropout >= 0 && c.model.dropout < 1)) fail("model.dropout", "must be in [0, 1)");
  if (c.model.pde.steps < 1 || c.model.pde.steps > 3) fail("model.pde.steps", "must be 1, 2 or 3");
  if (!(c.model.pde.split_ratio > 0 && c.model.pde.split_ratio < 1)) fail("model.pde.split_ratio", "must be in (0, 1)");
  if (!(c.model.pde.dt > 0)) fail("model.pde.dt", "must be positive");
  if (c.masking.ratios.empty()) fail("masking.ratio", "needs at least one ratio");
  for (double r : c.masking.ratios)
    if (!(r > 0 && r < 1)) fail("masking.ratio", fmt::format("{} is not in (0, 1)", r));
  if (c.masking.unit < 1) fail("masking.unit", "must be at least 1");
  if (c.mci.enabled && c.task != Task::kPretrain) fail("mci.enabled", "the MCI head belongs to task pretrain");
  if (!(c.mci.weight >= 0)) fail("mci.weight", "must not be negative");
  for (auto [key, value] : {std::pair<const char*, double>{"mci.ridge_l1", c.mci.ridge_l1},
                            {"mci.gradient_l1", c.mci.gradient_l1},
                            {"mci.ms_ssim", c.mci.ms_ssim}})
    if (!(value >= 0)) fail(key, "must not be negative");
  if (!(c.mci.ridge_max >= 1)) fail("mci.ridge_max", "must be at least 1");
  if (!(c.optimizer.lr > 0)) fail("optimizer.lr", "must be positive");
  if (!(c.optimizer.weight_decay >= 0)) fail("optimizer.weight_decay", "must not be negative");
  if (!(c.optimizer.beta1 >= 0 && c.optimizer.beta1 < 1)) fail("optimizer.beta1", "must be in [0, 1)");
  if (!(c.optimizer.beta2 >= 0 && c.optimizer.beta2 < 1)) fail("optimizer.beta2", "must be in [0, 1)");
  if (!(c.optimizer.eps > 0)) fail("optimizer.eps", "must be positive");
  if (c.schedule.warmup_steps < 0) fail("schedule.warmup_steps", "must not be negative");
  if (!(c.schedule.warmup_epochs >= 0)) fail("schedule.warmup_epochs", "must not be negative");
  if (!(c.schedule.min_lr >= 0 && c.schedule.min_lr <= c.optimizer.lr))
    fail("schedule.min_lr", "must be in [0, optimizer.lr]");
  if (c.epochs < 1) fail("epochs", "must be at least 1");
  if (c.max_steps < 0) fail("max_steps", "must not be negative");
  if (c.batch_size < 1) fail("batch_size", "must be at least 1");
  c.windows();  // k and stride
  if (c.workers < 0) fail("workers", "must not be negative");
  if (!(c.grad_clip >= 0)) fail("grad_clip", "must not be negative");
  if (c.threads < 0) fail("threads", "must not be negative");
  if (c.log_every < 1) fail("log_every", "must be at least 1");
  if (c.checkpoint_every < 0) fail("checkpoint_every", "must not be negative");
  if (c.huber_delta <= 0) fail("loss.huber_delta", "must be positive");
  const auto& w = c.pde_loss;
  for (auto [key, value] : {std::pair<const char*, double>{"pde_loss.stability", w.stability},
                            {"pde_loss.entropy", w.entropy},
                            {"pde_loss.hessian", w.hessian},
                            {"pde_loss.scale", w.scale},
                            {"pde_loss.attention", w.attention},
                            {"pde_loss.energy_weight", w.energy_weight}})
    if (!(value >= 0)) fail(key, "must not be negative");
  if (c.output_dir.empty()) fail("output_dir", "must not be empty");
  data::validate(c.model.input, c.data.preprocess, c.source);
  if (c.model.input.roi && c.task == Task::kSegmentation)
    fail("model.input.roi", "a segmentation model cannot take the ROI it predicts as input");
  nn::validate(c.embedding, c.source);
  if (c.descriptors.enabled && c.task != Task::kPretrain)
    fail("descriptors.enabled", "the descriptor head belongs to task pretrain");
  if (!(c.descriptors.weight >= 0)) fail("descriptors.weight", "must not be negative");
  if (c.descriptors.unmasked_input && !c.descriptors.enabled)
    fail("descriptors.unmasked_input", "needs descriptors.enabled");
  if (c.descriptors.in_embedding != DescriptorColumns::kNone && !c.descriptors.enabled)
    fail("descriptors.in_embedding", "needs descriptors.enabled");
  // PyRadiomics's default binWidth (25) is in HU: other intensities would
  // need their own discretisation settings.
  if (c.descriptors.enabled && c.descriptors.set == DescriptorSet::kRadiomics &&
      c.data.preprocess.intensity != data::IntensityMode::kWindow)
    fail("descriptors.set", "radiomics needs data.preprocess.intensity: window (CT in HU)");
}

// "a.b.c=value": sets root[a][b][c] to the value read as YAML.
void apply_override(YAML::Node& root, const std::string& assignment, const std::string& source) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError(source, "override '" + assignment + "' is not key.sub=value");
  const std::string path = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  std::vector<std::string> parts;
  std::stringstream ss(path);
  for (std::string p; std::getline(ss, p, '.');) {
    if (p.empty()) throw InputError(source, "override '" + assignment + "': empty key part");
    parts.push_back(p);
  }
  YAML::Node value;
  try {
    value = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(source, "override '" + assignment + "': invalid YAML value");
  }
  YAML::Node cur;
  cur.reset(root);
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (!cur[parts[i]] || cur[parts[i]].IsNull()) cur[parts[i]] = YAML::Node(YAML::NodeType::Map);
    if (!cur[parts[i]].IsMap()) throw InputError(source, "override '" + assignment + "': '" + parts[i] + "' is not a section");
    YAML::Node next = cur[parts[i]];
    cur.reset(next);
  }
  cur[parts.back()] = value;
}

}  // namespace

TrainConfig parse_config(const std::string& yaml, const std::string& source,
                         const std::vector<std::string>& overrides) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw InputError(source, std::string("invalid YAML: ") + e.msg + " (line " + std::to_string(e.mark.line + 1) + ")");
  }
  if (!root || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap()) throw InputError(source, "the configuration must be a YAML mapping");
  for (const auto& o : overrides) apply_override(root, o, source);
  TrainConfig c;
  c.source = source;
  Reader reader(root, source);
  visit(reader, c);
  reader.finish();
  validate(c);
  return c;
}

TrainConfig load_config(const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream in(path);
  if (!in) throw InputError(path, "cannot read the configuration");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), path, overrides);
}

std::string to_yaml(const TrainConfig& config) {
  TrainConfig copy = config;
  Writer writer;
  visit(writer, copy);
  YAML::Emitter out;
  out << writer.root();
  return std::string(out.c_str()) + "\n";
}

nn::BackboneOptions backbone_options(const ModelConfig& m) {
  nn::BackboneOptions o;
  o.in_channels = m.input.count();
  o.kernel_size = m.kernel_size;
  o.kernel_mode = m.kernel_mode;
  o.stem_width = m.stem_width;
  o.pde_stages = m.pde_stages;
  o.pde = m.pde;
  return o;
}

}  // namespace scopemia::train
