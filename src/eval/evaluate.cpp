#include "eval/evaluate.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <cstring>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "eval/binary_audit.h"
#include "eval/learners.h"
#include "eval/metrics.h"
#include "eval/plot.h"
#include "eval/report.h"
#include "eval/stats.h"
#include "eval/table_text.h"
#include "eval/survival.h"
#include "io/csv.h"

namespace scopemia::eval {

namespace fs = std::filesystem;

namespace {

struct Row {
  std::string feature_set, classifier, split, metric;
  double mean, std;
  int n;
};

const MetricSummary* find_metric(const CvResult& r, const std::string& split, const std::string& metric) {
  for (const auto& m : r.metrics)
    if (m.split == split && m.metric == metric) return &m;
  return nullptr;
}

std::vector<double> column(const Eigen::MatrixXd& m, Eigen::Index c) {
  return std::vector<double>(m.col(c).data(), m.col(c).data() + m.rows());
}

// Macro-average ROC curve: the class curves interpolated on a common FPR grid.
RocCurve macro_curve(const std::vector<int>& labels, const Eigen::MatrixXd& P) {
  std::set<double> grid_set;
  std::vector<RocCurve> curves;
  for (Eigen::Index k = 0; k < P.cols(); ++k) {
    std::vector<int> t(labels.size());
    for (size_t i = 0; i < labels.size(); ++i) t[i] = labels[i] == k;
    if (std::count(t.begin(), t.end(), 1) == 0 || std::count(t.begin(), t.end(), 0) == 0) continue;
    curves.push_back(roc_curve(t, column(P, k)));
    grid_set.insert(curves.back().fpr.begin(), curves.back().fpr.end());
  }
  RocCurve out;
  for (double x : grid_set) {
    double sum = 0;
    for (const auto& c : curves) {
      // Largest TPR at this FPR (step interpolation from the right end of ties).
      size_t j = std::upper_bound(c.fpr.begin(), c.fpr.end(), x) - c.fpr.begin();
      j = j == 0 ? 0 : j - 1;
      if (j + 1 < c.fpr.size() && c.fpr[j + 1] > c.fpr[j] && x > c.fpr[j]) {
        const double w = (x - c.fpr[j]) / (c.fpr[j + 1] - c.fpr[j]);
        sum += c.tpr[j] + w * (c.tpr[j + 1] - c.tpr[j]);
      } else {
        sum += c.tpr[j];
      }
    }
    out.fpr.push_back(x);
    out.tpr.push_back(curves.empty() ? 0 : sum / curves.size());
  }
  return out;
}

RocCurve micro_curve(const std::vector<int>& labels, const Eigen::MatrixXd& P) {
  std::vector<int> t;
  std::vector<double> s;
  for (size_t i = 0; i < labels.size(); ++i)
    for (Eigen::Index k = 0; k < P.cols(); ++k) {
      t.push_back(labels[i] == k);
      s.push_back(P(static_cast<Eigen::Index>(i), k));
    }
  return roc_curve(t, s);
}

struct SetResult {
  std::string name;
  Dataset data;
  std::vector<CvResult> results;  // one per model
};

struct TargetOutcome {
  std::string target;
  Task task;
  std::vector<std::string> models;
  std::vector<SetResult> sets;
  std::string text;
};

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

TargetOutcome evaluate_target(const EvaluateOptions& o, const std::string& target, const std::string& dir,
                              const Labels* given_labels = nullptr) {
  fs::create_directories(dir);
  TargetOutcome out;
  out.target = target;
  const Labels labels =
      given_labels ? *given_labels : read_labels(o.labels, o.id_column, target, o.group_column, o.fold_column);
  std::vector<FeatureTable> tables;
  for (const auto& path : o.features) tables.push_back(read_features(path, o.id_column, labels.header, &o.columns));
  std::vector<const FeatureTable*> ptrs;
  for (const auto& t : tables) ptrs.push_back(&t);
  const std::vector<std::string> ids = common_ids(labels, ptrs);
  if (ids.size() < 10) throw InputError(o.labels, fmt::format("only {} cases with a target and all feature sets", ids.size()));
  std::vector<std::string> values;
  {
    std::map<std::string, size_t> row;
    for (size_t i = 0; i < labels.ids.size(); ++i) row[labels.ids[i]] = i;
    for (const auto& id : ids) values.push_back(labels.target[row[id]]);
  }
  const Task task = o.task.empty() ? infer_task(values) : parse_task(o.task);
  out.task = task;
  const std::vector<std::string> classes = task == Task::Regression ? std::vector<std::string>{} : class_order(values);
  if (task == Task::Binary && classes.size() != 2)
    throw InputError(o.labels, fmt::format("target '{}' has {} classes, not 2", target, classes.size()));
  if (task == Task::Multiclass && classes.size() < 3)
    throw InputError(o.labels, fmt::format("target '{}' has {} classes: use --task binary", target, classes.size()));
  out.models = o.models.empty() ? default_models(task) : o.models;
  for (auto& m : out.models) m = canonical_learner(m, task);
  if (!o.audit.primary.empty() && std::find(out.models.begin(), out.models.end(), o.audit.primary) == out.models.end())
    throw InputError(fmt::format("--primary {}: not one of this target's learners", o.audit.primary));

  std::ostringstream text;
  text << fmt::format("target '{}' ({}): {} cases", target, task_name(task), ids.size());
  if (task != Task::Regression) {
    std::map<std::string, int> counts;
    for (const auto& v : values) counts[v]++;
    text << " (";
    for (size_t k = 0; k < classes.size(); ++k) text << (k ? ", " : "") << classes[k] << ": " << counts[classes[k]];
    text << ")";
  }
  text << "\n";
  io::CsvTable used;  // every column of every feature set and what it was used as
  used.header = {"feature_set", "column", "role"};
  for (size_t s = 0; s < tables.size(); ++s) {
    const FeatureTable& t = tables[s];
    text << fmt::format("  {}: {} features", o.names[s], t.names.size());
    if (!t.carried.empty()) {
      std::string list;
      for (size_t k = 0; k < t.carried.size() && k < 8; ++k) list += (k ? ", " : "") + t.carried[k];
      if (t.carried.size() > 8) list += fmt::format(", ... ({} more)", t.carried.size() - 8);
      text << fmt::format("; {} numeric columns carried, not features (no extractor wrote them; "
                          "--feature-columns names columns to use): {}", t.carried.size(), list);
    }
    if (!t.dropped_non_numeric.empty())
      text << fmt::format("; {} non-numeric columns ignored", t.dropped_non_numeric.size());
    text << "\n";
    for (const auto& n : t.names) used.rows.push_back({o.names[s], n, "feature"});
    for (const auto& n : t.carried) used.rows.push_back({o.names[s], n, "carried"});
    for (const auto& n : t.dropped_non_numeric) used.rows.push_back({o.names[s], n, "non-numeric"});
  }
  io::write_csv(used, (fs::path(dir) / "feature_columns.csv").string());
  if (labels.ids.size() != ids.size())
    text << fmt::format("  {} labelled cases without a target or absent from a feature set were left out\n",
                        labels.ids.size() - ids.size());

  std::vector<Split> splits;
  std::unique_ptr<Progress> progress;
  for (size_t s = 0; s < tables.size(); ++s) {
    SetResult sr;
    sr.name = o.names[s];
    sr.data = join(labels, tables[s], task, classes, &ids);
    if (s == 0) {
      splits = make_splits(sr.data, o.cv);
      progress = std::make_unique<Progress>(fmt::format("{}: model fits", target),
                                            static_cast<int64_t>(splits.size() * tables.size() * out.models.size()));
    }
    for (const auto& m : out.models) {
      spdlog::debug("{} / {} / {}: {} splits", target, sr.name, m, splits.size());
      CvOptions cv = o.cv;
      const std::string status = sr.name + " / " + m;
      cv.on_split_done = [&progress, status] { progress->advance(1, status); };
      sr.results.push_back(cross_validate(sr.data, m, splits, cv));
    }
    out.sets.push_back(std::move(sr));
  }
  progress->finish();
  const std::string primary = primary_metric(task);

  // results.csv
  io::CsvTable csv;
  csv.header = {"feature_set", "classifier", "split", "metric", "mean", "std", "n"};
  for (const auto& sr : out.sets)
    for (const auto& r : sr.results)
      for (const auto& m : r.metrics)
        csv.rows.push_back({sr.name, r.model, m.split, m.metric, num(m.mean, 6), num(m.std, 6), std::to_string(m.n)});

  // Out-of-fold predictions (averaged over repeats).
  // The fold of each case in each repeat ("2;0;4": repeat 0 fold 2, ...).
  std::vector<std::string> fold_of(ids.size());
  for (const Split& sp : splits)
    for (int i : sp.test) {
      std::string& f = fold_of[static_cast<size_t>(i)];
      f += (f.empty() ? "" : ";") + std::to_string(sp.fold);
    }
  io::CsvTable oof;
  oof.header = {"feature_set", "classifier", o.id_column, "fold", "truth"};
  if (task == Task::Regression) oof.header.push_back("prediction");
  else
    for (const auto& c : classes) oof.header.push_back("p_" + c);
  for (const auto& sr : out.sets)
    for (const auto& r : sr.results)
      for (Eigen::Index i = 0; i < r.oof.rows(); ++i) {
        std::vector<std::string> row{sr.name, r.model, sr.data.ids[static_cast<size_t>(i)],
                                     fold_of[static_cast<size_t>(i)],
                                     task == Task::Regression ? num(sr.data.y(i), 6)
                                                              : classes[static_cast<size_t>(sr.data.y(i))]};
        for (Eigen::Index k = 0; k < r.oof.cols(); ++k) row.push_back(num(r.oof(i, k), 6));
        oof.rows.push_back(std::move(row));
      }
  io::write_csv(oof, (fs::path(dir) / "oof_predictions.csv").string());
  if (o.cv.tune) {
    io::CsvTable tuned;
    tuned.header = {"feature_set", "classifier", "repeat", "fold", "parameters"};
    for (const auto& sr : out.sets)
      for (const auto& r : sr.results)
        for (size_t s = 0; s < r.chosen.size(); ++s)
          tuned.rows.push_back({sr.name, r.model, std::to_string(splits[s].repeat), std::to_string(splits[s].fold),
                                r.chosen[s]});
    io::write_csv(tuned, (fs::path(dir) / "tuned_parameters.csv").string());
  }

  // Table 2: train and validation score per model and feature set.
  const std::string metric_label = task == Task::Regression ? "R²" : task == Task::Binary ? "AUC" : "macro AUC";
  std::ostringstream md;
  md << fmt::format("### {}: {} ({}-fold CV", target, metric_label, splits.size() / std::max(1, o.fold_column.empty() ? o.cv.repeats : 1));
  md << (o.fold_column.empty() ? fmt::format(" x {} repeats, seed {}", o.cv.repeats, o.cv.seed) : ", given folds");
  md << (o.group_column.empty() ? "" : fmt::format(", grouped by {}", o.group_column));
  md << (o.cv.tune ? fmt::format(", hyperparameters tuned by inner {}-fold CV", o.cv.tune_folds) : ", default hyperparameters");
  md << ", mean ± sd over splits)\n\n| Classifier |";
  for (const auto& sr : out.sets) md << " " << sr.name << " train | " << sr.name << " validation |";
  md << "\n|---|";
  for (size_t s = 0; s < out.sets.size(); ++s) md << "---|---|";
  md << "\n";
  for (size_t m = 0; m < out.models.size(); ++m) {
    md << "| " << display_name(out.models[m], task) << " |";
    for (const auto& sr : out.sets) {
      const auto* tr = find_metric(sr.results[m], "train", primary);
      const auto* va = find_metric(sr.results[m], "validation", primary);
      md << " " << pm(tr ? tr->mean : NAN, tr ? tr->std : NAN) << " | " << pm(va ? va->mean : NAN, va ? va->std : NAN)
         << " |";
    }
    md << "\n";
  }
  if (task == Task::Multiclass) {
    md << "\nMicro-averaged validation AUC:\n\n| Classifier |";
    for (const auto& sr : out.sets) md << " " << sr.name << " |";
    md << "\n|---|";
    for (size_t s = 0; s < out.sets.size(); ++s) md << "---|";
    md << "\n";
    for (size_t m = 0; m < out.models.size(); ++m) {
      md << "| " << display_name(out.models[m], task) << " |";
      for (const auto& sr : out.sets) {
        const auto* va = find_metric(sr.results[m], "validation", "auc_micro");
        md << " " << pm(va ? va->mean : NAN, va ? va->std : NAN) << " |";
      }
      md << "\n";
    }
  }

  // Paired comparison of the first feature set with each other one.
  if (out.sets.size() >= 2 && task == Task::Binary) {
    io::CsvTable cmp;
    cmp.header = {"classifier", "set_a", "set_b", "auc_a", "auc_b", "diff", "delong_se", "delong_z", "delong_p",
                  "delong_p_holm", "primary", "delong_ci_low", "delong_ci_high", "bootstrap_ci_low",
                  "bootstrap_ci_high", "bootstrap_p", "bootstrap_resamples", "auc_a_ci_low", "auc_a_ci_high",
                  "auc_b_ci_low", "auc_b_ci_high"};
    struct Comparison {
      size_t b, m;
      DeLongTest t;
      BootstrapResult bs;
    };
    std::vector<Comparison> rows;
    const std::vector<int> truth = out.sets[0].data.labels();
    const std::vector<std::string> groups = out.sets[0].data.groups;
    for (size_t b = 1; b < out.sets.size(); ++b)
      for (size_t m = 0; m < out.models.size(); ++m) {
        const auto sa = column(out.sets[0].results[m].oof, 1), sb = column(out.sets[b].results[m].oof, 1);
        rows.push_back({b, m, delong_test(truth, sa, sb), bootstrap_auc(truth, sa, sb, groups, o.bootstrap, o.cv.seed)});
      }
    std::vector<double> p;
    for (const auto& r : rows) p.push_back(r.t.p);
    const std::vector<double> holm = holm_adjust(p);
    md << fmt::format(
        "\n### {}: paired comparison on out-of-fold scores (averaged over repeats), {} cases\n\n"
        "| Classifier | A | B | AUC A [95 % CI] | AUC B [95 % CI] | ΔAUC | DeLong 95 % CI | DeLong p | Holm p "
        "| bootstrap 95 % CI | bootstrap p |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
        target, ids.size());
    for (size_t k = 0; k < rows.size(); ++k) {
      const Comparison& c = rows[k];
      const DeLongTest& t = c.t;
      const BootstrapResult& bs = c.bs;
      const bool primary = !o.audit.primary.empty() && out.models[c.m] == o.audit.primary && c.b == 1;
      cmp.rows.push_back({out.models[c.m], out.sets[0].name, out.sets[c.b].name, num(t.auc_a, 6), num(t.auc_b, 6),
                          num(t.diff, 6), num(t.se, 6), num(t.z, 4), fmt::format("{:.6g}", t.p),
                          fmt::format("{:.6g}", holm[k]), primary ? "yes" : "", num(t.ci_low, 6), num(t.ci_high, 6),
                          num(bs.diff_low, 6), num(bs.diff_high, 6), fmt::format("{:.6g}", bs.p_two_sided),
                          std::to_string(bs.resamples), num(bs.auc_a_low, 6), num(bs.auc_a_high, 6),
                          num(bs.auc_b_low, 6), num(bs.auc_b_high, 6)});
      md << fmt::format("| {}{} | {} | {} | {:.3f} [{:.3f}, {:.3f}] | {:.3f} [{:.3f}, {:.3f}] | {:+.3f} | [{:+.3f}, {:+.3f}] | {} | {} | "
                        "[{:+.3f}, {:+.3f}] | {} |\n",
                        display_name(out.models[c.m], task), primary ? " (primary)" : "", out.sets[0].name,
                        out.sets[c.b].name, t.auc_a, bs.auc_a_low, bs.auc_a_high, t.auc_b, bs.auc_b_low, bs.auc_b_high,
                        t.diff, t.ci_low, t.ci_high, p_value(t.p), primary ? "–" : p_value(holm[k]), bs.diff_low,
                        bs.diff_high, p_value(bs.p_two_sided));
    }
    md << fmt::format("\nBootstrap: {} resamples{}, seed {}, percentile intervals.\n", o.bootstrap,
                      groups.empty() ? " of cases" : fmt::format(" of {} groups (cluster bootstrap)", o.group_column),
                      o.cv.seed);
    if (!o.audit.primary.empty())
      md << fmt::format("Multiplicity: the pre-declared comparison is {} ({} vs {}), its p as is; the other {} "
                        "comparisons are exploratory, their Holm-adjusted p (over all {}) beside the raw one.\n",
                        display_name(o.audit.primary, task), out.sets[0].name, out.sets[1].name, rows.size() - 1, rows.size());
    else if (rows.size() > 1)
      md << fmt::format("Multiplicity: {} comparisons; no primary learner was declared (--primary), so read the "
                        "Holm-adjusted p (family-wise error over all {}) rather than the raw one.\n",
                        rows.size(), rows.size());
    io::write_csv(cmp, (fs::path(dir) / "comparison.csv").string());
  }

  std::vector<std::string> figures;
  if (task == Task::Binary) {
    std::vector<ScoredSet> scored;
    for (const auto& sr : out.sets) {
      ScoredSet s{sr.name, &sr.data, {}};
      for (const auto& r : sr.results) s.results.push_back(&r);
      scored.push_back(s);
    }
    AuditOptions a = o.audit;
    a.labels_path = o.labels;
    a.id_column = o.id_column;
    a.bootstrap = o.bootstrap;
    a.seed = o.cv.seed;
    a.plots = o.plots && gnuplot_available();
    const AuditOutput audit = binary_audit(dir, target, out.models, scored, a, o.cv);
    md << audit.markdown;
    for (const auto& f : audit.files)
      if (f.size() > 4 && f.compare(f.size() - 4, 4, ".png") == 0) figures.push_back(f);
  }
  const std::vector<std::string> warnings = degenerate_learners(out.sets, task);
  if (!warnings.empty()) {
    md << fmt::format("\n### {}: warnings\n\n", target);
    for (const auto& w : warnings) md << "- " << w << "\n";
  }

  // Multi-class and regression: paired bootstrap of macro AUC / R².
  if (out.sets.size() >= 2 && task != Task::Binary) {
    io::CsvTable cmp;
    cmp.header = {"classifier", "set_a", "set_b", "metric", "value_a", "value_b", "diff", "bootstrap_ci_low",
                  "bootstrap_ci_high", "bootstrap_p", "bootstrap_resamples", "value_a_ci_low", "value_a_ci_high",
                  "value_b_ci_low", "value_b_ci_high"};
    md << fmt::format(
        "\n### {}: paired comparison of {} on out-of-fold predictions (averaged over repeats), {} cases\n\n"
        "| Classifier | A | B | A [95 % CI] | B [95 % CI] | Δ | bootstrap 95 % CI | bootstrap p |\n"
        "|---|---|---|---|---|---|---|---|\n",
        target, metric_label, ids.size());
    const Dataset& d0 = out.sets[0].data;
    const std::vector<double> truth(d0.y.data(), d0.y.data() + d0.y.size());
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
    for (size_t b = 1; b < out.sets.size(); ++b)
      for (size_t m = 0; m < out.models.size(); ++m) {
        const Eigen::MatrixXd& pa = out.sets[0].results[m].oof;
        const Eigen::MatrixXd& pb = out.sets[b].results[m].oof;
        const double va = primary_score(task, truth, pa), vb = primary_score(task, truth, pb);
        const BootstrapResult bs =
            bootstrap_paired(truth.size(), d0.groups, o.bootstrap, o.cv.seed, metric_of(pa), metric_of(pb));
        cmp.rows.push_back({out.models[m], out.sets[0].name, out.sets[b].name, primary, num(va, 6), num(vb, 6),
                            num(va - vb, 6), num(bs.diff_low, 6), num(bs.diff_high, 6),
                            fmt::format("{:.6g}", bs.p_two_sided), std::to_string(bs.resamples), num(bs.auc_a_low, 6),
                            num(bs.auc_a_high, 6), num(bs.auc_b_low, 6), num(bs.auc_b_high, 6)});
        md << fmt::format("| {} | {} | {} | {:.3f} [{:.3f}, {:.3f}] | {:.3f} [{:.3f}, {:.3f}] | {:+.3f} | [{:+.3f}, {:+.3f}] | {} |\n",
                          display_name(out.models[m], task), out.sets[0].name, out.sets[b].name, va, bs.auc_a_low,
                          bs.auc_a_high, vb, bs.auc_b_low, bs.auc_b_high, va - vb, bs.diff_low, bs.diff_high,
                          p_value(bs.p_two_sided));
      }
    md << fmt::format("\nBootstrap: {} resamples{}, seed {}, percentile intervals (DeLong applies to binary AUCs only).\n",
                      o.bootstrap,
                      d0.groups.empty() ? " of cases" : fmt::format(" of {} groups (cluster bootstrap)", o.group_column),
                      o.cv.seed);
    io::write_csv(cmp, (fs::path(dir) / "comparison.csv").string());
  }

  // Hold-out test set: fit on all training cases, score the held-out ones.
  if (!o.holdout_features.empty()) {
    if (o.holdout_labels.empty()) throw InputError("--holdout-features needs --holdout-labels");
    if (o.holdout_features.size() != o.features.size())
      throw InputError("give one --holdout-features file per --features file, in the same order");
    const Labels hl = read_labels(o.holdout_labels, o.id_column, target, "", "");
    md << fmt::format("\n### {}: hold-out test ({})\n\n| Classifier | Feature set | test {} [95 % CI] | n |\n|---|---|---|---|\n",
                      target, o.holdout_labels, metric_label);
    for (size_t s = 0; s < out.sets.size(); ++s) {
      const FeatureTable ht = read_features(o.holdout_features[s], o.id_column, hl.header, &o.columns);
      const Dataset test = join(hl, ht, task, classes, nullptr);
      Eigen::MatrixXd Xt(test.X.rows(), static_cast<Eigen::Index>(out.sets[s].data.feature_names.size()));
      std::map<std::string, Eigen::Index> col;
      for (size_t j = 0; j < test.feature_names.size(); ++j) col[test.feature_names[j]] = static_cast<Eigen::Index>(j);
      for (size_t j = 0; j < out.sets[s].data.feature_names.size(); ++j) {
        auto it = col.find(out.sets[s].data.feature_names[j]);
        if (it == col.end())
          throw InputError(o.holdout_features[s], fmt::format("no feature column '{}'", out.sets[s].data.feature_names[j]));
        Xt.col(static_cast<Eigen::Index>(j)) = test.X.col(it->second);
      }
      for (const auto& m : out.models) {
        const Eigen::MatrixXd pred = fit_predict(out.sets[s].data, Xt, m, o.cv);
        const std::vector<double> yt(test.y.data(), test.y.data() + test.y.size());
        const double score = primary_score(task, yt, pred);
        double lo = NAN, hi = NAN;
        if (task == Task::Binary) {
          delong_ci(test.labels(), column(pred, 1), &lo, &hi);
        }
        const int n = static_cast<int>(test.y.size());
        csv.rows.push_back({out.sets[s].name, m, "test", primary, num(score, 6), "", std::to_string(n)});
        if (!std::isnan(lo)) {
          csv.rows.push_back({out.sets[s].name, m, "test", primary + "_ci95_low", num(lo, 6), "", std::to_string(n)});
          csv.rows.push_back({out.sets[s].name, m, "test", primary + "_ci95_high", num(hi, 6), "", std::to_string(n)});
        }
        md << fmt::format("| {} | {} | {:.3f}{} | {} |\n", display_name(m, task), out.sets[s].name, score,
                          std::isnan(lo) ? "" : fmt::format(" [{:.3f}, {:.3f}]", lo, hi), n);
      }
    }
    if (task == Task::Binary) md << "\nTest AUC intervals: DeLong variance, normal approximation.\n";
  }
  io::write_csv(csv, (fs::path(dir) / "results.csv").string());
  write_file_atomically((fs::path(dir) / "table.md").string(), md.str());

  // Figures.
  if (o.plots) {
    if (!gnuplot_available()) {
      spdlog::warn("gnuplot not found: figures skipped (install gnuplot-nox)");
    } else {
      for (const auto& sr : out.sets) {
        const auto labels_int = task == Task::Regression ? std::vector<int>{} : sr.data.labels();
        if (task == Task::Binary) {
          std::vector<Series> curves;
          for (const auto& r : sr.results) {
            const RocCurve c = roc_curve(labels_int, column(r.oof, 1));
            curves.push_back({fmt::format("{} (AUC {:.3f})", display_name(r.model, task), roc_auc(labels_int, column(r.oof, 1))),
                              c.fpr, c.tpr});
          }
          const std::string png = (fs::path(dir) / ("roc_" + file_safe(sr.name) + ".png")).string();
          if (plot_roc(png, fmt::format("{}: {} (out-of-fold)", sr.name, target), curves)) figures.push_back(png);
        } else if (task == Task::Multiclass) {
          for (const char* avg : {"micro", "macro"}) {
            std::vector<Series> curves;
            for (const auto& r : sr.results) {
              const RocCurve c = std::string(avg) == "micro" ? micro_curve(labels_int, r.oof) : macro_curve(labels_int, r.oof);
              const double a = std::string(avg) == "micro" ? roc_auc_micro(labels_int, r.oof) : roc_auc_macro(labels_int, r.oof);
              curves.push_back({fmt::format("{} (AUC {:.3f})", display_name(r.model, task), a), c.fpr, c.tpr});
            }
            const std::string png =
                (fs::path(dir) / fmt::format("roc_{}_{}.png", file_safe(sr.name), avg)).string();
            if (plot_roc(png, fmt::format("{}: {} ({}-average, out-of-fold)", sr.name, target, avg), curves))
              figures.push_back(png);
          }
        } else {
          for (const auto& r : sr.results) {
            const std::vector<double> truth(sr.data.y.data(), sr.data.y.data() + sr.data.y.size());
            const auto pred = column(r.oof, 0);
            const std::string png =
                (fs::path(dir) / fmt::format("scatter_{}_{}.png", file_safe(sr.name), r.model)).string();
            if (plot_scatter(png, fmt::format("{}: {} with {}", sr.name, target, display_name(r.model, task)),
                             "actual " + target, "predicted (out-of-fold)",
                             {fmt::format("R² = {:.3f}", r2_score(truth, pred)), truth, pred}))
              figures.push_back(png);
          }
        }
      }
    }
  }
  for (const auto& w : warnings) text << "warning: " << w << "\n";
  text << "\n" << md.str();
  text << fmt::format("\nwritten to {}: results.csv, table.md, oof_predictions.csv{}{}\n", dir,
                      out.sets.size() >= 2 ? ", comparison.csv" : "",
                      figures.empty() ? "" : fmt::format(", {} figure(s)", figures.size()));
  out.text = text.str();
  return out;
}

// Time-to-event endpoint: per horizon a binary endpoint (cases censored
// before it left out), and per feature set Harrell's C of the out-of-fold
// risk of a ridge-penalised Cox model (imputation and standardisation fitted
// on each training part), with a cluster-bootstrap CI and paired ΔC.
std::string evaluate_survival(const EvaluateOptions& o) {
  if (o.event_column.empty()) throw InputError("--time-column needs --event-column");
  if (o.horizons.empty()) throw InputError("--time-column needs --horizons (e.g. 3,6,12)");
  const io::CsvTable table = io::read_csv(o.labels);
  const int id_col = table.column(o.id_column), t_col = table.column(o.time_column), e_col = table.column(o.event_column);
  if (id_col < 0) throw InputError(o.labels, fmt::format("no id column '{}'", o.id_column));
  if (t_col < 0) throw InputError(o.labels, fmt::format("no time column '{}'", o.time_column));
  if (e_col < 0) throw InputError(o.labels, fmt::format("no event column '{}'", o.event_column));
  std::map<std::string, std::pair<double, int>> follow_up;  // id -> (time, event)
  for (const auto& row : table.rows) {
    const std::string& t = row[static_cast<size_t>(t_col)];
    const std::string& e = row[static_cast<size_t>(e_col)];
    if (t.empty() || e.empty()) continue;  // no follow-up: left out
    char* end = nullptr;
    const double time = std::strtod(t.c_str(), &end);
    if (end != t.c_str() + t.size() || !std::isfinite(time) || time < 0)
      throw InputError(o.labels, fmt::format("{} '{}' of case {} is not a time >= 0", o.time_column, t,
                                             row[static_cast<size_t>(id_col)]));
    if (e != "0" && e != "1")
      throw InputError(o.labels, fmt::format("{} '{}' of case {} is not 0 (censored) or 1 (event)", o.event_column,
                                             e, row[static_cast<size_t>(id_col)]));
    follow_up[row[static_cast<size_t>(id_col)]] = {time, e == "1"};
  }

  std::ostringstream text, md;
  EvaluateOptions binary = o;
  binary.task = "binary";
  md << fmt::format("### Survival endpoint: {} (event {}), time in {}\n\n"
                    "| horizon | event by it | followed beyond it | censored before it (left out) |\n|---|---|---|---|\n",
                    o.time_column, o.event_column, o.time_unit);
  std::vector<std::string> horizon_targets;
  for (double h : o.horizons) {
    Labels l = read_labels(o.labels, o.id_column, "", o.group_column, o.fold_column);
    int events = 0, free = 0, excluded = 0;
    for (size_t i = 0; i < l.ids.size(); ++i) {
      auto it = follow_up.find(l.ids[i]);
      if (it == follow_up.end()) continue;
      const int label = horizon_labels({it->second.first}, {it->second.second}, h)[0];
      l.target[i] = label == 1 ? "1" : label == 0 ? "0" : "";
      (label == 1 ? events : label == 0 ? free : excluded)++;
    }
    const std::string name = fmt::format("event_by_{:g}_{}", h, o.time_unit);
    horizon_targets.push_back(name);
    md << fmt::format("| {:g} {} | {} | {} | {} |\n", h, o.time_unit, events, free, excluded);
    text << fmt::format("horizon {:g} {}: {} events by it, {} followed beyond it, {} censored before it and left out "
                        "(never counted as event-free)\n", h, o.time_unit, events, free, excluded);
    const TargetOutcome r = evaluate_target(binary, name, (fs::path(o.output) / file_safe(name)).string(), &l);
    text << r.text << "\n";
  }

  // Harrell's C of a penalised Cox model per feature set.
  Labels base = read_labels(o.labels, o.id_column, "", o.group_column, o.fold_column);
  for (size_t i = 0; i < base.ids.size(); ++i)
    if (follow_up.count(base.ids[i])) base.target[i] = follow_up[base.ids[i]].second ? "1" : "0";
  std::vector<FeatureTable> tables;
  for (const auto& path : o.features) tables.push_back(read_features(path, o.id_column, base.header, &o.columns));
  std::vector<const FeatureTable*> ptrs;
  for (const auto& t : tables) ptrs.push_back(&t);
  const std::vector<std::string> ids = common_ids(base, ptrs);
  if (ids.size() < 10) throw InputError(o.labels, fmt::format("only {} cases with follow-up and all feature sets", ids.size()));
  std::vector<double> time;
  std::vector<int> event;
  for (const auto& id : ids) {
    time.push_back(follow_up[id].first);
    event.push_back(follow_up[id].second);
  }
  std::vector<Split> splits;
  std::vector<std::string> groups;  // of the cases in `ids`: the bootstrap's clusters
  std::vector<std::vector<double>> risks;
  const fs::path dir = fs::path(o.output) / "survival";
  fs::create_directories(dir);
  for (size_t s = 0; s < tables.size(); ++s) {
    const Dataset d = join(base, tables[s], Task::Binary, {"0", "1"}, &ids);  // y = event: folds stratified by it
    if (s == 0) {
      splits = make_splits(d, o.cv);
      groups = d.groups;
    }
    std::vector<double> sum(ids.size(), 0.0);
    std::vector<int> hits(ids.size(), 0);
    for (const Split& sp : splits) {
      Preprocessor pre;
      const Eigen::MatrixXd Xtrain = d.X(sp.train, Eigen::placeholders::all);
      pre.fit(Xtrain, d.y(sp.train), 2);
      std::vector<double> tt;
      std::vector<int> et;
      for (int i : sp.train) {
        tt.push_back(time[static_cast<size_t>(i)]);
        et.push_back(event[static_cast<size_t>(i)]);
      }
      const CoxModel m = fit_cox(pre.transform(Xtrain), tt, et, o.cox_penalty);
      const Eigen::VectorXd r = m.risk(pre.transform(d.X(sp.test, Eigen::placeholders::all)));
      for (size_t k = 0; k < sp.test.size(); ++k) {
        sum[static_cast<size_t>(sp.test[k])] += r(static_cast<Eigen::Index>(k));
        hits[static_cast<size_t>(sp.test[k])]++;
      }
    }
    std::vector<double> risk(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) risk[i] = hits[i] ? sum[i] / hits[i] : NAN;
    risks.push_back(risk);
  }
  auto c_of = [&](const std::vector<double>& risk) {
    return [&time, &event, &risk](const std::vector<size_t>& idx) {
      std::vector<double> t, r;
      std::vector<int> e;
      for (size_t i : idx) {
        t.push_back(time[i]);
        e.push_back(event[i]);
        r.push_back(risk[i]);
      }
      return harrell_c(t, e, r).c;
    };
  };
  io::CsvTable cidx;
  cidx.header = {"feature_set", "model", "c_index", "ci_low", "ci_high", "comparable_pairs", "n", "events",
                 "diff_vs_first", "diff_ci_low", "diff_ci_high", "bootstrap_p"};
  const int n_events = static_cast<int>(std::count(event.begin(), event.end(), 1));
  md << fmt::format("\n### Harrell's C of the out-of-fold Cox risk ({} cases, {} events; ridge-penalised Cox, "
                    "lambda {:g} on standardised features; {} folds x {} repeats{})\n\n"
                    "| Feature set | C [95 % CI] | comparable pairs | ΔC vs {} [95 % CI] | bootstrap p |\n|---|---|---|---|---|\n",
                    ids.size(), n_events, o.cox_penalty, o.cv.folds, o.fold_column.empty() ? o.cv.repeats : 1,
                    o.group_column.empty() ? "" : ", grouped by " + o.group_column, o.names[0]);
  const double c_first = harrell_c(time, event, risks[0]).c;
  for (size_t s = 0; s < tables.size(); ++s) {
    const Concordance c = harrell_c(time, event, risks[s]);
    const BootstrapResult bs = bootstrap_paired(ids.size(), groups, o.bootstrap, o.cv.seed, c_of(risks[s]), c_of(risks[0]));
    const bool first = s == 0;
    cidx.rows.push_back({o.names[s], "cox", num(c.c, 6), num(bs.auc_a_low, 6), num(bs.auc_a_high, 6),
                         std::to_string(c.comparable()), std::to_string(ids.size()), std::to_string(n_events),
                         first ? "" : num(c.c - c_first, 6), first ? "" : num(bs.diff_low, 6),
                         first ? "" : num(bs.diff_high, 6), first ? "" : fmt::format("{:.6g}", bs.p_two_sided)});
    md << fmt::format("| {} | {:.3f} [{:.3f}, {:.3f}] | {} | {} | {} |\n", o.names[s], c.c, bs.auc_a_low,
                      bs.auc_a_high, c.comparable(),
                      first ? "–" : fmt::format("{:+.3f} [{:+.3f}, {:+.3f}]", c.c - c_first,
                                                bs.diff_low, bs.diff_high),
                      first ? "–" : p_value(bs.p_two_sided));
  }
  md << fmt::format("\nC: Harrell's concordance (R's survival::concordance convention: a censored case tied "
                    "with an event at the same time counts as surviving longer; risk ties count 1/2). CIs: {} "
                    "bootstrap resamples{}, seed {}, percentile.\n",
                    o.bootstrap, groups.empty() ? " of cases" : " of " + o.group_column + " groups", o.cv.seed);
  io::write_csv(cidx, (dir / "c_index.csv").string());
  write_file_atomically((dir / "table.md").string(), md.str());
  text << md.str();
  return text.str();
}

}  // namespace

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

namespace {
std::string evaluate_targets(const EvaluateOptions& o);
void write_evaluation_report(const EvaluateOptions& o, const std::string& text);
}  // namespace

std::string run_evaluation(const EvaluateOptions& in) {
  EvaluateOptions o = in;
  if (o.features.empty()) throw InputError("give at least one --features file");
  if (o.targets.empty() && o.time_column.empty()) throw InputError("give --target (or --time-column with --event-column)");
  if (o.output.empty()) throw InputError("give -o DIR");
  if (o.names.empty())
    for (const auto& f : o.features) {
      std::string stem = fs::path(f).filename().string();
      for (const char* ext : {".gz", ".csv"})
        if (stem.size() > std::strlen(ext) && stem.compare(stem.size() - std::strlen(ext), std::string::npos, ext) == 0)
          stem.resize(stem.size() - std::strlen(ext));
      o.names.push_back(stem);
    }
  if (o.names.size() != o.features.size()) throw InputError("give one --name per --features file");
  if (std::set<std::string>(o.names.begin(), o.names.end()).size() != o.names.size())
    throw InputError("feature-set names must differ (use --name)");
  fs::create_directories(o.output);
  std::string text;
  if (!o.time_column.empty()) {
    if (!o.targets.empty()) throw InputError("give either --target or --time-column, not both");
    text = evaluate_survival(o);
  } else if (o.targets.size() == 1) {
    text = evaluate_target(o, o.targets[0], o.output).text;
  } else {
    text = evaluate_targets(o);
  }
  if (o.report) {
    write_evaluation_report(o, text);
    text += fmt::format("report: {}\n", (fs::path(o.output) / "report.html").string());
  }
  return text;
}

namespace {

// Several targets: one subfolder each and a Table 3 of validation scores.
std::string evaluate_targets(const EvaluateOptions& o) {

  std::string text;
  std::ostringstream t3;
  bool header = false;
  for (const auto& target : o.targets) {
    const TargetOutcome r = evaluate_target(o, target, (fs::path(o.output) / file_safe(target)).string());
    text += r.text + "\n";
    if (!header) {
      t3 << "### Validation score per target (mean ± sd over splits; AUC, macro AUC or R²)\n\n| Target | Classifier |";
      for (const auto& s : r.sets) t3 << " " << s.name << " |";
      t3 << "\n|---|---|";
      for (size_t s = 0; s < r.sets.size(); ++s) t3 << "---|";
      t3 << "\n";
      header = true;
    }
    for (size_t m = 0; m < r.models.size(); ++m) {
      t3 << "| " << target << " | " << display_name(r.models[m], r.task) << " |";
      for (const auto& s : r.sets) {
        const auto* va = find_metric(s.results[m], "validation", primary_metric(r.task));
        t3 << " " << pm(va ? va->mean : NAN, va ? va->std : NAN) << " |";
      }
      t3 << "\n";
    }
  }
  write_file_atomically((fs::path(o.output) / "table3.md").string(), t3.str());
  return text + t3.str();
}

// report.html from what the run wrote: every table.md (and table3.md) with
// the figures beside it, the settings, the inputs' hashes, the command.
void write_evaluation_report(const EvaluateOptions& o, const std::string& text) {
  ReportInput r;
  auto join_list = [](const auto& v) { return fmt::format("{}", fmt::join(v, ", ")); };
  // (o.output is the staging folder here: its name is not the result's.)
  r.title = "scopemia evaluate: " + join_list(o.names) + " on " +
            (o.time_column.empty() ? join_list(o.targets) : "time to " + o.event_column);
  r.command = o.command.empty() ? "(library call)" : o.command;
  for (size_t s = 0; s < o.features.size(); ++s) r.settings.push_back({"feature set " + o.names[s], o.features[s]});
  r.settings.push_back({"labels", o.labels});
  if (!o.targets.empty()) r.settings.push_back({"targets", join_list(o.targets)});
  if (!o.time_column.empty()) {
    r.settings.push_back({"survival", fmt::format("time {} ({}), event {}, horizons {}, Cox ridge penalty {:g}",
                                                  o.time_column, o.time_unit, o.event_column, join_list(o.horizons),
                                                  o.cox_penalty)});
  }
  r.settings.push_back({"validation", o.fold_column.empty()
                                          ? fmt::format("{}-fold CV x {} repeats, stratified{}, seed {}", o.cv.folds,
                                                        o.cv.repeats,
                                                        o.group_column.empty() ? "" : ", grouped by " + o.group_column,
                                                        o.cv.seed)
                                          : "folds of column " + o.fold_column});
  r.settings.push_back({"classifiers", o.models.empty() ? "the task's defaults" : join_list(o.models)});
  r.settings.push_back({"hyperparameters", o.cv.tune ? fmt::format("tuned by inner {}-fold CV", o.cv.tune_folds)
                                                     : "defaults (scikit-learn's)"});
  r.settings.push_back({"features", o.columns.extra.empty() ? "columns written by an extractor (provenance)"
                                                            : "written by an extractor, or matching /" + o.columns.extra + "/"});
  r.settings.push_back({"bootstrap", fmt::format("{} resamples", o.bootstrap)});
  if (!o.audit.primary.empty()) r.settings.push_back({"primary learner", o.audit.primary});
  if (!o.audit.subgroup_columns.empty()) r.settings.push_back({"subgroups", join_list(o.audit.subgroup_columns)});
  if (!o.audit.site_column.empty()) r.settings.push_back({"site (leave-one-out)", o.audit.site_column});
  r.input_files = o.features;
  r.input_files.push_back(o.labels);
  for (const auto& f : o.holdout_features) r.input_files.push_back(f);
  if (!o.holdout_labels.empty()) r.input_files.push_back(o.holdout_labels);
  {
    std::stringstream ss(text);
    std::string line;
    while (std::getline(ss, line))
      if (line.rfind("warning: ", 0) == 0) r.notes.push_back(line);
  }
  auto section = [](const fs::path& dir, const std::string& title, const std::string& table) {
    ReportSection s;
    s.title = title;
    std::ifstream in(dir / table);
    s.markdown.assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file() && e.path().extension() == ".png") s.figures.push_back(e.path().string());
    std::sort(s.figures.begin(), s.figures.end());
    return s;
  };
  const fs::path out(o.output);
  if (fs::exists(out / "table3.md")) r.sections.push_back(section(out, "All targets", "table3.md"));
  if (fs::exists(out / "table.md")) r.sections.push_back(section(out, o.targets.empty() ? "" : o.targets[0], "table.md"));
  std::vector<fs::path> subdirs;
  for (const auto& e : fs::directory_iterator(out))
    if (e.is_directory() && fs::exists(e.path() / "table.md")) subdirs.push_back(e.path());
  std::sort(subdirs.begin(), subdirs.end());
  for (const auto& d : subdirs) r.sections.push_back(section(d, d.filename().string(), "table.md"));
  write_report((out / "report.html").string(), r);
}

}  // namespace

std::string run_predict_features(const PredictFeaturesOptions& o) {
  if (o.output.empty()) throw InputError("give -o DIR");
  fs::create_directories(o.output);
  Labels labels;
  std::vector<std::string> label_columns;
  if (!o.labels.empty()) {
    labels = read_labels(o.labels, o.id_column, "", o.group_column, "");
    label_columns = labels.header;
  }
  const FeatureTable predictors = read_features(o.features, o.id_column, label_columns, &o.columns);
  const FeatureTable targets = read_features(o.predict_features, o.id_column, label_columns, &o.columns);
  if (o.labels.empty()) {
    labels.source = o.predict_features;
    labels.ids = targets.ids;
    labels.target.assign(targets.ids.size(), "0");
  } else {
    for (auto& t : labels.target) t = "0";
  }
  const std::vector<std::string> ids = common_ids(labels, {&predictors, &targets});
  if (ids.size() < 10) throw InputError(o.features, fmt::format("only {} cases shared by both tables", ids.size()));
  Dataset base = join(labels, predictors, Task::Regression, {}, &ids);
  std::map<std::string, Eigen::Index> trow;
  for (size_t i = 0; i < targets.ids.size(); ++i) trow[targets.ids[i]] = static_cast<Eigen::Index>(i);

  struct FeatureScore {
    std::string name;
    double mean, sd, oof;
  };
  std::vector<FeatureScore> scores;
  for (size_t f = 0; f < targets.names.size(); ++f) {
    Dataset d = base;
    std::vector<int> keep;
    for (size_t i = 0; i < ids.size(); ++i)
      if (!std::isnan(targets.values(trow[ids[i]], static_cast<Eigen::Index>(f)))) keep.push_back(static_cast<int>(i));
    if (keep.size() < 10) continue;
    Dataset dk;
    dk.task = Task::Regression;
    dk.X.resize(static_cast<Eigen::Index>(keep.size()), base.X.cols());
    dk.y.resize(static_cast<Eigen::Index>(keep.size()));
    for (size_t r = 0; r < keep.size(); ++r) {
      dk.X.row(static_cast<Eigen::Index>(r)) = base.X.row(keep[r]);
      dk.y(static_cast<Eigen::Index>(r)) = targets.values(trow[ids[static_cast<size_t>(keep[r])]], static_cast<Eigen::Index>(f));
      dk.ids.push_back(ids[static_cast<size_t>(keep[r])]);
      if (!base.groups.empty()) dk.groups.push_back(base.groups[static_cast<size_t>(keep[r])]);
    }
    const CvResult r = cross_validate(dk, o.model, make_splits(dk, o.cv), o.cv);
    const auto* va = find_metric(r, "validation", "r2");
    const auto* oof = find_metric(r, "validation", "r2_oof");
    scores.push_back({targets.names[f], va ? va->mean : NAN, va ? va->std : NAN, oof ? oof->mean : NAN});
  }
  std::stable_sort(scores.begin(), scores.end(), [](const FeatureScore& a, const FeatureScore& b) {
    const double x = std::isnan(a.mean) ? -1e300 : a.mean, y = std::isnan(b.mean) ? -1e300 : b.mean;
    return x > y;
  });
  io::CsvTable csv;
  csv.header = {"feature", "r2_mean", "r2_std", "r2_oof"};
  std::vector<double> sorted;
  int above[3] = {0, 0, 0};
  const double thresholds[3] = {0.5, 0.3, 0.2};
  for (const auto& s : scores) {
    csv.rows.push_back({s.name, num(s.mean, 6), num(s.sd, 6), num(s.oof, 6)});
    sorted.push_back(s.mean);
    for (int k = 0; k < 3; ++k) above[k] += s.mean > thresholds[k];
  }
  io::write_csv(csv, (fs::path(o.output) / "r2_per_feature.csv").string());
  std::ostringstream md;
  md << fmt::format("### Predicting {} features of {} from {} ({} regressor, cross-validated R²)\n\n", scores.size(),
                    o.predict_features, o.features, display_name(o.model, Task::Regression));
  md << "| R² above | features | share |\n|---|---|---|\n";
  for (int k = 0; k < 3; ++k)
    md << fmt::format("| {} | {} | {:.1f} % |\n", thresholds[k], above[k],
                      scores.empty() ? 0.0 : 100.0 * above[k] / scores.size());
  md << "\n| Feature | R² (mean ± sd over splits) |\n|---|---|\n";
  for (const auto& s : scores) md << "| " << s.name << " | " << pm(s.mean, s.sd) << " |\n";
  write_file_atomically((fs::path(o.output) / "predict_features.md").string(), md.str());
  if (o.plots && gnuplot_available())
    plot_sorted((fs::path(o.output) / "r2_sorted.png").string(), "Cross-validated R² per predicted feature, sorted",
                "R²", sorted, {0.5, 0.3, 0.2});
  std::string text = fmt::format("{} features predicted from {} ({} cases): R² > 0.5: {}, > 0.3: {}, > 0.2: {}\n",
                                 scores.size(), o.features, ids.size(), above[0], above[1], above[2]);
  return text + fmt::format("written to {}: r2_per_feature.csv, predict_features.md, r2_sorted.png\n", o.output);
}

}  // namespace scopemia::eval
