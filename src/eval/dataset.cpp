#include "eval/dataset.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <regex>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "core/error.h"

namespace scopemia::eval {

Task parse_task(const std::string& name) {
  if (name == "binary") return Task::Binary;
  if (name == "multiclass") return Task::Multiclass;
  if (name == "regression") return Task::Regression;
  throw InputError(fmt::format("--task: '{}' is not binary, multiclass or regression", name));
}

Task infer_task(const std::vector<std::string>& values) {
  const auto classes = class_order(values);
  if (classes.size() == 2) return Task::Binary;
  bool numeric = true;
  for (const auto& c : classes) {
    char* end = nullptr;
    std::strtod(c.c_str(), &end);
    numeric = numeric && end == c.c_str() + c.size();
  }
  if (numeric && classes.size() > 10) return Task::Regression;
  if (classes.size() < 2) throw InputError("the target has fewer than two distinct values");
  if (classes.size() > 20) throw InputError("the target has more than 20 classes: give --task");
  return Task::Multiclass;
}

const char* task_name(Task task) {
  switch (task) {
    case Task::Binary: return "binary";
    case Task::Multiclass: return "multiclass";
    default: return "regression";
  }
}

namespace {

std::string trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

// Parses a number; empty / nan are missing (NaN, true); anything else that is
// not a whole number string returns false.
bool parse_number(const std::string& raw, double* out) {
  const std::string s = trim(raw);
  if (s.empty() || s == "nan" || s == "NaN" || s == "NA" || s == "NAN") {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return false;
  *out = v;
  return true;
}

int require_column(const io::CsvTable& t, const std::string& name, const std::string& source, const char* what) {
  const int c = t.column(name);
  if (c < 0) throw InputError(source, fmt::format("no {} column '{}'", what, name));
  return c;
}

}  // namespace

Labels read_labels(const std::string& path, const std::string& id_column, const std::string& target_column,
                   const std::string& group_column, const std::string& fold_column) {
  const io::CsvTable t = io::read_csv(path);
  Labels l;
  l.source = path;
  l.header = t.header;
  const int id = require_column(t, id_column, path, "id");
  const int target = target_column.empty() ? -1 : require_column(t, target_column, path, "target");
  const int group = group_column.empty() ? -1 : require_column(t, group_column, path, "group");
  const int fold = fold_column.empty() ? -1 : require_column(t, fold_column, path, "fold");
  std::unordered_set<std::string> seen;
  for (const auto& row : t.rows) {
    const std::string case_id = trim(row[id]);
    if (!seen.insert(case_id).second) throw InputError(path, fmt::format("duplicate id '{}'", case_id));
    l.ids.push_back(case_id);
    l.target.push_back(target >= 0 ? trim(row[target]) : "");
    if (group >= 0) {
      // A case without a group value is a group of its own.
      const std::string g = trim(row[group]);
      l.groups.push_back(g.empty() ? "\x01" + case_id : g);
    }
    if (fold >= 0) l.folds.push_back(trim(row[fold]));
  }
  return l;
}

bool written_by_extractor(const std::string& column) {
  // <imageType>_<class>_<Feature>: image types are letters, digits, '-' and
  // '.' (log-sigma-1-0-mm-3D, wavelet-LLH, lbp-3D-m1); classes PyRadiomics's.
  static const std::regex pyradiomics(
      R"(^[A-Za-z][A-Za-z0-9.\-]*_(firstorder|glcm|gldm|glrlm|glszm|ngtdm|shape|shape2D)_[A-Za-z0-9]+$)");
  return column.rfind("scope_", 0) == 0 || column.rfind("hf_share_", 0) == 0 ||
         std::regex_match(column, pyradiomics);
}

FeatureTable features_from_csv(const io::CsvTable& t, const std::string& source, const std::string& id_column,
                               const std::vector<std::string>& excluded, const FeatureColumns* columns) {
  FeatureTable f;
  f.source = source;
  const int id = require_column(t, id_column, source, "id");
  const std::set<std::string> skip(excluded.begin(), excluded.end());
  std::optional<std::regex> extra;
  if (columns && !columns->extra.empty()) {
    try {
      extra.emplace(columns->extra);
    } catch (const std::regex_error& e) {
      throw InputError(fmt::format("--feature-columns '{}': not a regular expression ({})", columns->extra, e.what()));
    }
  }
  auto is_feature = [&](const std::string& name) {
    if (!columns) return true;
    return (columns->provenance && written_by_extractor(name)) || (extra && std::regex_match(name, *extra));
  };
  std::vector<int> cols;
  for (size_t c = 0; c < t.header.size(); ++c) {
    const std::string& name = t.header[c];
    if (static_cast<int>(c) == id || skip.count(name) || name.rfind("diagnostics_", 0) == 0) continue;
    bool numeric = true, any = false;
    for (const auto& row : t.rows) {
      double v;
      if (!parse_number(row[c], &v)) {
        numeric = false;
        break;
      }
      any = any || !std::isnan(v);
    }
    if (!(numeric && any))
      f.dropped_non_numeric.push_back(name);
    else if (!is_feature(name))
      f.carried.push_back(name);
    else
      cols.push_back(static_cast<int>(c));
  }
  for (int c : cols) f.names.push_back(t.header[c]);
  f.values.resize(static_cast<Eigen::Index>(t.rows.size()), static_cast<Eigen::Index>(cols.size()));
  std::unordered_set<std::string> seen;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const std::string case_id = trim(t.rows[r][id]);
    if (!seen.insert(case_id).second) throw InputError(source, fmt::format("duplicate id '{}'", case_id));
    f.ids.push_back(case_id);
    for (size_t j = 0; j < cols.size(); ++j) {
      double v;
      parse_number(t.rows[r][cols[j]], &v);
      if (!std::isfinite(v)) v = std::numeric_limits<double>::quiet_NaN();
      f.values(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(j)) = v;
    }
  }
  if (f.names.empty() && columns && !f.carried.empty())
    throw InputError(source, fmt::format(
        "no feature columns: none of its {} numeric columns was written by an extractor (original_*, wavelet-*, "
        "log-sigma-*, ..., scope_*){}; name them with --feature-columns REGEX",
        f.carried.size(), columns->extra.empty() ? "" : " or matches --feature-columns"));
  if (f.names.empty()) throw InputError(source, "no numeric feature columns");
  return f;
}

FeatureTable read_features(const std::string& path, const std::string& id_column,
                           const std::vector<std::string>& excluded, const FeatureColumns* columns) {
  return features_from_csv(io::read_csv(path), path, id_column, excluded, columns);
}

std::vector<std::string> class_order(const std::vector<std::string>& values) {
  std::set<std::string> distinct;
  for (const auto& v : values)
    if (!v.empty()) distinct.insert(v);
  std::vector<std::string> out(distinct.begin(), distinct.end());
  bool numeric = true;
  for (const auto& v : out) {
    double x;
    numeric = numeric && parse_number(v, &x) && !std::isnan(x);
  }
  if (numeric)
    std::stable_sort(out.begin(), out.end(),
                     [](const std::string& a, const std::string& b) { return std::stod(a) < std::stod(b); });
  return out;
}

std::vector<int> Dataset::labels() const {
  std::vector<int> out(static_cast<size_t>(y.size()));
  for (Eigen::Index i = 0; i < y.size(); ++i) out[static_cast<size_t>(i)] = static_cast<int>(y(i));
  return out;
}

std::vector<std::string> common_ids(const Labels& labels, const std::vector<const FeatureTable*>& tables) {
  std::vector<std::unordered_set<std::string>> sets;
  for (const auto* t : tables) sets.emplace_back(t->ids.begin(), t->ids.end());
  std::vector<std::string> out;
  for (size_t i = 0; i < labels.ids.size(); ++i) {
    if (labels.target[i].empty()) continue;
    bool all = true;
    for (const auto& s : sets) all = all && s.count(labels.ids[i]);
    if (all) out.push_back(labels.ids[i]);
  }
  return out;
}

Dataset join(const Labels& labels, const FeatureTable& features, Task task,
             const std::vector<std::string>& class_names, const std::vector<std::string>* ids) {
  std::unordered_map<std::string, size_t> label_row, feature_row;
  for (size_t i = 0; i < labels.ids.size(); ++i) label_row[labels.ids[i]] = i;
  for (size_t i = 0; i < features.ids.size(); ++i) feature_row[features.ids[i]] = i;
  std::vector<std::string> keep;
  if (ids) {
    keep = *ids;
  } else {
    for (size_t i = 0; i < labels.ids.size(); ++i)
      if (!labels.target[i].empty() && feature_row.count(labels.ids[i])) keep.push_back(labels.ids[i]);
  }
  Dataset d;
  d.task = task;
  d.feature_names = features.names;
  d.X.resize(static_cast<Eigen::Index>(keep.size()), features.values.cols());
  d.y.resize(static_cast<Eigen::Index>(keep.size()));
  if (task != Task::Regression) d.class_names = class_names;
  std::unordered_map<std::string, int> class_index;
  for (size_t k = 0; k < class_names.size(); ++k) class_index[class_names[k]] = static_cast<int>(k);
  for (size_t r = 0; r < keep.size(); ++r) {
    const auto lr = label_row.find(keep[r]);
    const auto fr = feature_row.find(keep[r]);
    if (lr == label_row.end()) throw InputError(labels.source, fmt::format("no case '{}'", keep[r]));
    if (fr == feature_row.end()) throw InputError(features.source, fmt::format("no case '{}'", keep[r]));
    const Eigen::Index i = static_cast<Eigen::Index>(r);
    d.ids.push_back(keep[r]);
    if (!labels.groups.empty()) d.groups.push_back(labels.groups[lr->second]);
    if (!labels.folds.empty()) d.folds.push_back(labels.folds[lr->second]);
    d.X.row(i) = features.values.row(static_cast<Eigen::Index>(fr->second));
    const std::string& t = labels.target[lr->second];
    if (task == Task::Regression) {
      double v;
      if (!parse_number(t, &v) || std::isnan(v))
        throw InputError(labels.source, fmt::format("case '{}': target '{}' is not a number", keep[r], t));
      d.y(i) = v;
    } else {
      const auto c = class_index.find(t);
      if (c == class_index.end())
        throw InputError(labels.source, fmt::format("case '{}': unknown class '{}'", keep[r], t));
      d.y(i) = c->second;
    }
  }
  return d;
}

Dataset subset(const Dataset& data, const std::vector<int>& rows) {
  Dataset s;
  s.task = data.task;
  s.feature_names = data.feature_names;
  s.class_names = data.class_names;
  s.X.resize(Eigen::Index(rows.size()), data.X.cols());
  s.y.resize(Eigen::Index(rows.size()));
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto r = size_t(rows[i]);
    s.ids.push_back(data.ids[r]);
    if (!data.groups.empty()) s.groups.push_back(data.groups[r]);
    if (!data.folds.empty()) s.folds.push_back(data.folds[r]);
    s.X.row(Eigen::Index(i)) = data.X.row(rows[i]);
    s.y(Eigen::Index(i)) = data.y(rows[i]);
  }
  return s;
}

}  // namespace scopemia::eval
