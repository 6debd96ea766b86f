// The writing half of one target (target_evaluation.h): the files and the
// console text of what evaluate_target computed; nothing is fitted here.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/atomic_file.h"
#include "eval/binary_audit.h"
#include "eval/learners.h"
#include "eval/metrics.h"
#include "eval/plot.h"
#include "eval/table_text.h"
#include "eval/target_evaluation.h"
#include "io/csv.h"

namespace scopemia::eval {

namespace fs = std::filesystem;

namespace {

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

// One row per learner; per feature set one "mean ± sd" cell per column.
struct MetricColumn {
  std::string split, metric, suffix;  // suffix: after the set's name in the header
};
void learner_by_set_table(std::ostringstream& md, const TargetEvaluation& e, const std::vector<MetricColumn>& columns) {
  md << "| Classifier |";
  for (const auto& sr : e.sets)
    for (const auto& c : columns) md << " " << sr.name << c.suffix << " |";
  md << "\n|---|";
  for (size_t k = 0; k < e.sets.size() * columns.size(); ++k) md << "---|";
  md << "\n";
  for (size_t m = 0; m < e.models.size(); ++m) {
    md << "| " << display_name(e.models[m], e.task) << " |";
    for (const auto& sr : e.sets)
      for (const auto& c : columns) {
        const auto* v = find_metric(sr.results[m], c.split, c.metric);
        md << " " << pm(v ? v->mean : NAN, v ? v->std : NAN) << " |";
      }
    md << "\n";
  }
}

// The first lines of the console text (cases, classes, each feature set's
// columns), and feature_columns.csv: what every column was used as.
std::string describe_inputs(const EvaluateOptions& o, const TargetEvaluation& e, const std::string& dir) {
  const std::string& target = e.target;
  const Task task = e.task;
  const std::vector<std::string>& classes = e.classes;
  const std::vector<std::string>& ids = e.ids;
  const std::vector<std::string>& values = e.values;
  const std::vector<FeatureTable>& tables = e.tables;
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
  if (e.labelled_cases != ids.size())
    text << fmt::format("  {} labelled cases without a target or absent from a feature set were left out\n",
                        e.labelled_cases - ids.size());

  return text.str();
}

// oof_predictions.csv (and tuned_parameters.csv with --tune).
void write_out_of_fold(const EvaluateOptions& o, const TargetEvaluation& e, const std::string& dir) {
  const Task task = e.task;
  const std::vector<std::string>& classes = e.classes;
  const std::vector<std::string>& ids = e.ids;
  const std::vector<Split>& splits = e.splits;
  // Averaged over repeats.
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
  for (const auto& sr : e.sets)
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
    for (const auto& sr : e.sets)
      for (const auto& r : sr.results)
        for (size_t s = 0; s < r.chosen.size(); ++s)
          tuned.rows.push_back({sr.name, r.model, std::to_string(splits[s].repeat), std::to_string(splits[s].fold),
                                r.chosen[s]});
    io::write_csv(tuned, (fs::path(dir) / "tuned_parameters.csv").string());
  }

}

// Binary, two sets or more: the DeLong / bootstrap comparison section of table.md and comparison.csv.
void write_binary_comparisons(const EvaluateOptions& o, const TargetEvaluation& e, const std::string& dir,
                              std::ostringstream& md) {
  const std::string& target = e.target;
  const Task task = e.task;
  const std::vector<std::string>& ids = e.ids;
  // Paired comparison of the first feature set with each other one.
  if (!e.binary_comparisons.empty()) {
    io::CsvTable cmp;
    cmp.header = {"classifier", "set_a", "set_b", "auc_a", "auc_b", "diff", "delong_se", "delong_z", "delong_p",
                  "delong_p_holm", "primary", "delong_ci_low", "delong_ci_high", "bootstrap_ci_low",
                  "bootstrap_ci_high", "bootstrap_p", "bootstrap_resamples", "auc_a_ci_low", "auc_a_ci_high",
                  "auc_b_ci_low", "auc_b_ci_high"};
    const std::vector<BinaryComparison>& rows = e.binary_comparisons;
    const std::vector<std::string>& groups = e.sets[0].data.groups;
    md << fmt::format(
        "\n### {}: paired comparison on out-of-fold scores (averaged over repeats), {} cases\n\n"
        "| Classifier | A | B | AUC A [95 % CI] | AUC B [95 % CI] | ΔAUC | DeLong 95 % CI | DeLong p | Holm p "
        "| bootstrap 95 % CI | bootstrap p |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
        target, ids.size());
    for (size_t k = 0; k < rows.size(); ++k) {
      const BinaryComparison& c = rows[k];
      const DeLongTest& t = c.delong;
      const BootstrapResult& bs = c.bootstrap;
      const bool primary = c.primary;
      cmp.rows.push_back({e.models[c.m], e.sets[0].name, e.sets[c.b].name, num(t.auc_a, 6), num(t.auc_b, 6),
                          num(t.diff, 6), num(t.se, 6), num(t.z, 4), fmt::format("{:.6g}", t.p),
                          fmt::format("{:.6g}", c.p_holm), primary ? "yes" : "", num(t.ci_low, 6), num(t.ci_high, 6),
                          num(bs.diff_low, 6), num(bs.diff_high, 6), fmt::format("{:.6g}", bs.p_two_sided),
                          std::to_string(bs.resamples), num(bs.auc_a_low, 6), num(bs.auc_a_high, 6),
                          num(bs.auc_b_low, 6), num(bs.auc_b_high, 6)});
      md << fmt::format("| {}{} | {} | {} | {:.3f} [{:.3f}, {:.3f}] | {:.3f} [{:.3f}, {:.3f}] | {:+.3f} | [{:+.3f}, {:+.3f}] | {} | {} | "
                        "[{:+.3f}, {:+.3f}] | {} |\n",
                        display_name(e.models[c.m], task), primary ? " (primary)" : "", e.sets[0].name,
                        e.sets[c.b].name, t.auc_a, bs.auc_a_low, bs.auc_a_high, t.auc_b, bs.auc_b_low, bs.auc_b_high,
                        t.diff, t.ci_low, t.ci_high, p_value(t.p), primary ? "–" : p_value(c.p_holm), bs.diff_low,
                        bs.diff_high, p_value(bs.p_two_sided));
    }
    md << fmt::format("\nBootstrap: {} resamples{}, seed {}, percentile intervals.\n", o.bootstrap,
                      groups.empty() ? " of cases" : fmt::format(" of {} groups (cluster bootstrap)", o.group_column),
                      o.cv.seed);
    if (!o.audit.primary.empty())
      md << fmt::format("Multiplicity: the pre-declared comparison is {} ({} vs {}), its p as is; the other {} "
                        "comparisons are exploratory, their Holm-adjusted p (over all {}) beside the raw one.\n",
                        display_name(o.audit.primary, task), e.sets[0].name, e.sets[1].name, rows.size() - 1, rows.size());
    else if (rows.size() > 1)
      md << fmt::format("Multiplicity: {} comparisons; no primary learner was declared (--primary), so read the "
                        "Holm-adjusted p (family-wise error over all {}) rather than the raw one.\n",
                        rows.size(), rows.size());
    io::write_csv(cmp, (fs::path(dir) / "comparison.csv").string());
  }
}

// Multi-class and regression, two sets or more: the paired bootstrap section of table.md and comparison.csv.
void write_paired_comparisons(const EvaluateOptions& o, const TargetEvaluation& e, const std::string& dir,
                              const std::string& metric_label, std::ostringstream& md) {
  const std::string& target = e.target;
  const Task task = e.task;
  const std::vector<std::string>& ids = e.ids;
  const std::string primary = primary_metric(task);
  // Multi-class and regression: paired bootstrap of macro AUC / R².
  if (!e.paired_comparisons.empty()) {
    io::CsvTable cmp;
    cmp.header = {"classifier", "set_a", "set_b", "metric", "value_a", "value_b", "diff", "bootstrap_ci_low",
                  "bootstrap_ci_high", "bootstrap_p", "bootstrap_resamples", "value_a_ci_low", "value_a_ci_high",
                  "value_b_ci_low", "value_b_ci_high"};
    md << fmt::format(
        "\n### {}: paired comparison of {} on out-of-fold predictions (averaged over repeats), {} cases\n\n"
        "| Classifier | A | B | A [95 % CI] | B [95 % CI] | Δ | bootstrap 95 % CI | bootstrap p |\n"
        "|---|---|---|---|---|---|---|---|\n",
        target, metric_label, ids.size());
    const Dataset& d0 = e.sets[0].data;
    for (const PairedComparison& c : e.paired_comparisons) {
      const double va = c.value_a, vb = c.value_b;
      const BootstrapResult& bs = c.bootstrap;
      const std::string& model = e.models[c.m];
      const std::string& set_b = e.sets[c.b].name;
      cmp.rows.push_back({model, e.sets[0].name, set_b, primary, num(va, 6), num(vb, 6), num(va - vb, 6),
                          num(bs.diff_low, 6), num(bs.diff_high, 6), fmt::format("{:.6g}", bs.p_two_sided),
                          std::to_string(bs.resamples), num(bs.auc_a_low, 6), num(bs.auc_a_high, 6),
                          num(bs.auc_b_low, 6), num(bs.auc_b_high, 6)});
      md << fmt::format("| {} | {} | {} | {:.3f} [{:.3f}, {:.3f}] | {:.3f} [{:.3f}, {:.3f}] | {:+.3f} | [{:+.3f}, {:+.3f}] | {} |\n",
                        display_name(model, task), e.sets[0].name, set_b, va, bs.auc_a_low, bs.auc_a_high, vb,
                        bs.auc_b_low, bs.auc_b_high, va - vb, bs.diff_low, bs.diff_high, p_value(bs.p_two_sided));
    }
    md << fmt::format("\nBootstrap: {} resamples{}, seed {}, percentile intervals (DeLong applies to binary AUCs only).\n",
                      o.bootstrap,
                      d0.groups.empty() ? " of cases" : fmt::format(" of {} groups (cluster bootstrap)", o.group_column),
                      o.cv.seed);
    io::write_csv(cmp, (fs::path(dir) / "comparison.csv").string());
  }
}

// With o.plots: ROC curves (binary, multi-class) or prediction scatter plots
// (regression); the files written.
std::vector<std::string> write_figures(const EvaluateOptions& o, const TargetEvaluation& e, const std::string& dir) {
  const std::string& target = e.target;
  const Task task = e.task;
  std::vector<std::string> figures;
  if (o.plots) {
    if (!gnuplot_available()) {
      spdlog::warn("gnuplot not found: figures skipped (install gnuplot-nox)");
    } else {
      for (const auto& sr : e.sets) {
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
  return figures;
}

}  // namespace

std::string write_target_report(const EvaluateOptions& o, const TargetEvaluation& e, const std::string& dir) {
  fs::create_directories(dir);
  const std::string& target = e.target;
  const Task task = e.task;
  const std::vector<Split>& splits = e.splits;
  std::ostringstream text;
  text << describe_inputs(o, e, dir);
  const std::string primary = primary_metric(task);

  // results.csv
  io::CsvTable csv;
  csv.header = {"feature_set", "classifier", "split", "metric", "mean", "std", "n"};
  for (const auto& sr : e.sets)
    for (const auto& r : sr.results)
      for (const auto& m : r.metrics)
        csv.rows.push_back({sr.name, r.model, m.split, m.metric, num(m.mean, 6), num(m.std, 6), std::to_string(m.n)});

  write_out_of_fold(o, e, dir);

  // Table 2: train and validation score per model and feature set.
  const std::string metric_label = task == Task::Regression ? "R²" : task == Task::Binary ? "AUC" : "macro AUC";
  std::ostringstream md;
  md << fmt::format("### {}: {} ({}-fold CV", target, metric_label, splits.size() / std::max(1, o.fold_column.empty() ? o.cv.repeats : 1));
  md << (o.fold_column.empty() ? fmt::format(" x {} repeats, seed {}", o.cv.repeats, o.cv.seed) : ", given folds");
  md << (o.group_column.empty() ? "" : fmt::format(", grouped by {}", o.group_column));
  md << (o.cv.tune ? fmt::format(", hyperparameters tuned by inner {}-fold CV", o.cv.tune_folds) : ", default hyperparameters");
  md << ", mean ± sd over splits)\n\n";
  learner_by_set_table(md, e, {{"train", primary, " train"}, {"validation", primary, " validation"}});
  if (task == Task::Multiclass) {
    md << "\nMicro-averaged validation AUC:\n\n";
    learner_by_set_table(md, e, {{"validation", "auc_micro", ""}});
  }

  write_binary_comparisons(o, e, dir, md);

  std::vector<std::string> figures;
  if (task == Task::Binary) {
    std::vector<ScoredSet> scored;
    for (const auto& sr : e.sets) {
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
    const AuditOutput audit = binary_audit(dir, target, e.models, scored, a, o.cv);
    md << audit.markdown;
    for (const auto& f : audit.files)
      if (f.size() > 4 && f.compare(f.size() - 4, 4, ".png") == 0) figures.push_back(f);
  }
  const std::vector<std::string>& warnings = e.warnings;
  if (!warnings.empty()) {
    md << fmt::format("\n### {}: warnings\n\n", target);
    for (const auto& w : warnings) md << "- " << w << "\n";
  }

  write_paired_comparisons(o, e, dir, metric_label, md);

  // Hold-out test set: each learner fitted on all training cases, scored on the held-out ones.
  if (!o.holdout_features.empty()) {
    md << fmt::format("\n### {}: hold-out test ({})\n\n| Classifier | Feature set | test {} [95 % CI] | n |\n|---|---|---|---|\n",
                      target, o.holdout_labels, metric_label);
    for (const HoldoutScore& h : e.holdout) {
      const std::string& set = e.sets[h.s].name;
      const std::string n = std::to_string(h.n);
      csv.rows.push_back({set, h.model, "test", primary, num(h.score, 6), "", n});
      if (!std::isnan(h.ci_low)) {
        csv.rows.push_back({set, h.model, "test", primary + "_ci95_low", num(h.ci_low, 6), "", n});
        csv.rows.push_back({set, h.model, "test", primary + "_ci95_high", num(h.ci_high, 6), "", n});
      }
      md << fmt::format("| {} | {} | {:.3f}{} | {} |\n", display_name(h.model, task), set, h.score,
                        std::isnan(h.ci_low) ? "" : fmt::format(" [{:.3f}, {:.3f}]", h.ci_low, h.ci_high), h.n);
    }
    if (task == Task::Binary) md << "\nTest AUC intervals: DeLong variance, normal approximation.\n";
  }
  io::write_csv(csv, (fs::path(dir) / "results.csv").string());
  write_file_atomically((fs::path(dir) / "table.md").string(), md.str());

  const std::vector<std::string> plotted = write_figures(o, e, dir);
  figures.insert(figures.end(), plotted.begin(), plotted.end());
  for (const auto& w : warnings) text << "warning: " << w << "\n";
  text << "\n" << md.str();
  text << fmt::format("\nwritten to {}: results.csv, table.md, oof_predictions.csv{}{}\n", dir,
                      e.sets.size() >= 2 ? ", comparison.csv" : "",
                      figures.empty() ? "" : fmt::format(", {} figure(s)", figures.size()));
  return text.str();
}

}  // namespace scopemia::eval
