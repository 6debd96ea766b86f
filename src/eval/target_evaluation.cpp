// The computing half of one target (target_evaluation.h): nothing here
// writes a file or a line of text.
#include "eval/target_evaluation.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/error.h"
#include "core/progress.h"
#include "eval/learners.h"
#include "eval/metrics.h"

namespace scopemia::eval {
namespace {

// Learners whose results say they did not learn: constant predictions, a
// training AUC below chance.
std::vector<std::string> degenerate_learners(const std::vector<SetResult>& sets, Task task) {
  std::vector<std::string> out;
  for (const auto& sr : sets)
    for (const auto& r : sr.results) {
      const Eigen::Index col = r.oof.cols() > 1 ? 1 : 0;
      const Eigen::VectorXd v = r.oof.col(col);
      const std::string who = fmt::format("{} / {}", sr.name, display_name(r.model, task));
      if (v.size() > 1 && v.maxCoeff() - v.minCoeff() < 1e-12)
        out.push_back(fmt::format("{}: constant out-of-fold predictions ({:.4g} for every case): it learned "
                                  "nothing; its AUC of 0.5 is no result", who, v(0)));
      if (task == Task::Binary)
        if (const auto* tr = find_metric(r, "train", "auc"); tr && tr->mean < 0.5)
          out.push_back(fmt::format("{}: training AUC {:.3f} is below chance (it fits its own training cases "
                                    "worse than a coin): the learner fails on this data, do not report it", who,
                                    tr->mean));
    }
  return out;
}

// Every learner on every feature set, on the first set's splits.
void cross_validate_sets(const EvaluateOptions& o, const Labels& labels, TargetEvaluation& e) {
  std::unique_ptr<Progress> progress;
  for (size_t s = 0; s < e.tables.size(); ++s) {
    SetResult sr;
    sr.name = o.names[s];
    sr.data = join(labels, e.tables[s], e.task, e.classes, &e.ids);
    if (s == 0) {
      e.splits = make_splits(sr.data, o.cv);
      progress = std::make_unique<Progress>(fmt::format("{}: model fits", e.target),
                                            static_cast<int64_t>(e.splits.size() * e.tables.size() * e.models.size()));
    }
    for (const auto& m : e.models) {
      spdlog::debug("{} / {} / {}: {} splits", e.target, sr.name, m, e.splits.size());
      CvOptions cv = o.cv;
      const std::string status = sr.name + " / " + m;
      cv.on_split_done = [&progress, status] { progress->advance(1, status); };
      sr.results.push_back(cross_validate(sr.data, m, e.splits, cv));
    }
    e.sets.push_back(std::move(sr));
  }
  progress->finish();
}

// Binary: DeLong and a (cluster) bootstrap of the first set against each other one.
std::vector<BinaryComparison> binary_comparisons(const EvaluateOptions& o, const TargetEvaluation& e) {
  std::vector<BinaryComparison> rows;
  const std::vector<int> truth = e.sets[0].data.labels();
  const std::vector<std::string>& groups = e.sets[0].data.groups;
  for (size_t b = 1; b < e.sets.size(); ++b)
    for (size_t m = 0; m < e.models.size(); ++m) {
      const auto sa = column(e.sets[0].results[m].oof, 1), sb = column(e.sets[b].results[m].oof, 1);
      BinaryComparison c;
      c.b = b;
      c.m = m;
      c.delong = delong_test(truth, sa, sb);
      c.bootstrap = bootstrap_auc(truth, sa, sb, groups, o.bootstrap, o.cv.seed);
      c.primary = !o.audit.primary.empty() && e.models[m] == o.audit.primary && b == 1;
      rows.push_back(c);
    }
  std::vector<double> p;
  for (const auto& r : rows) p.push_back(r.delong.p);
  const std::vector<double> holm = holm_adjust(p);
  for (size_t k = 0; k < rows.size(); ++k) rows[k].p_holm = holm[k];
  return rows;
}

// Multi-class and regression: paired bootstrap of macro AUC / R².
std::vector<PairedComparison> paired_comparisons(const EvaluateOptions& o, const TargetEvaluation& e) {
  std::vector<PairedComparison> rows;
  const Dataset& d0 = e.sets[0].data;
  const std::vector<double> truth(d0.y.data(), d0.y.data() + d0.y.size());
  const Task task = e.task;
  auto metric_of = [&](const Eigen::MatrixXd& pred) {
    return [&truth, &pred, task](const std::vector<size_t>& idx) {
      std::vector<double> t(idx.size());
      Eigen::MatrixXd p(static_cast<Eigen::Index>(idx.size()), pred.cols());
      for (size_t k = 0; k < idx.size(); ++k) {
        t[k] = truth[idx[k]];
        p.row(static_cast<Eigen::Index>(k)) = pred.row(static_cast<Eigen::Index>(idx[k]));
      }
      return primary_score(task, t, p);
    };
  };
  for (size_t b = 1; b < e.sets.size(); ++b)
    for (size_t m = 0; m < e.models.size(); ++m) {
      const Eigen::MatrixXd& pa = e.sets[0].results[m].oof;
      const Eigen::MatrixXd& pb = e.sets[b].results[m].oof;
      PairedComparison c;
      c.b = b;
      c.m = m;
      c.value_a = primary_score(task, truth, pa);
      c.value_b = primary_score(task, truth, pb);
      c.bootstrap = bootstrap_paired(truth.size(), d0.groups, o.bootstrap, o.cv.seed, metric_of(pa), metric_of(pb));
      rows.push_back(c);
    }
  return rows;
}

// Hold-out test set: fit on all training cases, score the held-out ones.
std::vector<HoldoutScore> holdout_scores(const EvaluateOptions& o, const TargetEvaluation& e) {
  if (o.holdout_labels.empty()) throw InputError("--holdout-features needs --holdout-labels");
  if (o.holdout_features.size() != o.features.size())
    throw InputError("give one --holdout-features file per --features file, in the same order");
  std::vector<HoldoutScore> scores;
  const Labels hl = read_labels(o.holdout_labels, o.id_column, e.target, "", "");
  for (size_t s = 0; s < e.sets.size(); ++s) {
    const Dataset& train = e.sets[s].data;
    const FeatureTable ht = read_features(o.holdout_features[s], o.id_column, hl.header, &o.columns);
    const Dataset test = join(hl, ht, e.task, e.classes, nullptr);
    Eigen::MatrixXd Xt(test.X.rows(), static_cast<Eigen::Index>(train.feature_names.size()));
    std::map<std::string, Eigen::Index> col;
    for (size_t j = 0; j < test.feature_names.size(); ++j) col[test.feature_names[j]] = static_cast<Eigen::Index>(j);
    for (size_t j = 0; j < train.feature_names.size(); ++j) {
      auto it = col.find(train.feature_names[j]);
      if (it == col.end())
        throw InputError(o.holdout_features[s], fmt::format("no feature column '{}'", train.feature_names[j]));
      Xt.col(static_cast<Eigen::Index>(j)) = test.X.col(it->second);
    }
    for (const auto& m : e.models) {
      const Eigen::MatrixXd pred = fit_predict(train, Xt, m, o.cv);
      const std::vector<double> yt(test.y.data(), test.y.data() + test.y.size());
      HoldoutScore h;
      h.s = s;
      h.model = m;
      h.score = primary_score(e.task, yt, pred);
      if (e.task == Task::Binary) delong_ci(test.labels(), column(pred, 1), &h.ci_low, &h.ci_high);
      h.n = static_cast<int>(test.y.size());
      scores.push_back(h);
    }
  }
  return scores;
}

}  // namespace

std::vector<double> column(const Eigen::MatrixXd& m, Eigen::Index c) {
  return std::vector<double>(m.col(c).data(), m.col(c).data() + m.rows());
}

const MetricSummary* find_metric(const CvResult& r, const std::string& split, const std::string& metric) {
  for (const auto& m : r.metrics)
    if (m.split == split && m.metric == metric) return &m;
  return nullptr;
}

TargetEvaluation evaluate_target(const EvaluateOptions& o, const std::string& target, const Labels* given_labels) {
  TargetEvaluation e;
  e.target = target;
  const Labels labels =
      given_labels ? *given_labels : read_labels(o.labels, o.id_column, target, o.group_column, o.fold_column);
  e.labelled_cases = labels.ids.size();
  for (const auto& path : o.features) e.tables.push_back(read_features(path, o.id_column, labels.header, &o.columns));
  std::vector<const FeatureTable*> ptrs;
  for (const auto& t : e.tables) ptrs.push_back(&t);
  e.ids = common_ids(labels, ptrs);
  if (e.ids.size() < 10)
    throw InputError(o.labels, fmt::format("only {} cases with a target and all feature sets", e.ids.size()));
  {
    std::map<std::string, size_t> row;
    for (size_t i = 0; i < labels.ids.size(); ++i) row[labels.ids[i]] = i;
    for (const auto& id : e.ids) e.values.push_back(labels.target[row[id]]);
  }
  e.task = o.task.empty() ? infer_task(e.values) : parse_task(o.task);
  if (e.task != Task::Regression) e.classes = class_order(e.values);
  if (e.task == Task::Binary && e.classes.size() != 2)
    throw InputError(o.labels, fmt::format("target '{}' has {} classes, not 2", target, e.classes.size()));
  if (e.task == Task::Multiclass && e.classes.size() < 3)
    throw InputError(o.labels, fmt::format("target '{}' has {} classes: use --task binary", target, e.classes.size()));
  e.models = o.models.empty() ? default_models(e.task) : o.models;
  for (auto& m : e.models) m = canonical_learner(m, e.task);
  if (!o.audit.primary.empty() && std::find(e.models.begin(), e.models.end(), o.audit.primary) == e.models.end())
    throw InputError(fmt::format("--primary {}: not one of this target's learners", o.audit.primary));

  cross_validate_sets(o, labels, e);
  if (e.sets.size() >= 2 && e.task == Task::Binary) e.binary_comparisons = binary_comparisons(o, e);
  if (e.sets.size() >= 2 && e.task != Task::Binary) e.paired_comparisons = paired_comparisons(o, e);
  if (!o.holdout_features.empty()) e.holdout = holdout_scores(o, e);
  e.warnings = degenerate_learners(e.sets, e.task);
  return e;
}

}  // namespace scopemia::eval
