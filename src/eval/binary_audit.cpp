#include "eval/binary_audit.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>

#include "core/error.h"
#include "eval/calibration.h"
#include "eval/learners.h"
#include "eval/metrics.h"
#include "eval/plot.h"
#include "eval/stats.h"
#include "eval/table_text.h"
#include "io/csv.h"

namespace scopemia::eval {

namespace fs = std::filesystem;

namespace {

std::vector<double> positive_scores(const CvResult& r) {
  return std::vector<double>(r.oof.col(1).data(), r.oof.col(1).data() + r.oof.rows());
}

// TPR of a ROC curve at false positive rate x (the curve's upper envelope at x).
double tpr_at(const RocCurve& c, double x) {
  double best = 0;
  for (size_t i = 0; i < c.fpr.size(); ++i) {
    if (c.fpr[i] <= x + 1e-12) best = std::max(best, c.tpr[i]);
    if (i + 1 < c.fpr.size() && c.fpr[i] < x && c.fpr[i + 1] > x) {
      const double w = (x - c.fpr[i]) / (c.fpr[i + 1] - c.fpr[i]);
      best = std::max(best, c.tpr[i] + w * (c.tpr[i + 1] - c.tpr[i]));
    }
  }
  return best;
}

// Pointwise percentile band of the ROC curve over bootstrap resamples of
// cases (or of groups: every case of a resampled group comes along).
BandSeries roc_band(const std::string& label, const std::vector<int>& truth, const std::vector<double>& score,
                    const std::vector<std::string>& groups, int resamples, uint64_t seed) {
  BandSeries b;
  const RocCurve full = roc_curve(truth, score);
  b.curve = {label, full.fpr, full.tpr};
  const int grid = 101;
  std::vector<std::vector<double>> at(grid);
  std::vector<std::vector<size_t>> members;
  if (groups.empty()) {
    for (size_t i = 0; i < truth.size(); ++i) members.push_back({i});
  } else {
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < groups.size(); ++i) {
      auto [it, fresh] = index.emplace(groups[i], members.size());
      if (fresh) members.emplace_back();
      members[it->second].push_back(i);
    }
  }
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, members.size() - 1);
  for (int r = 0, tries = 0; r < resamples && tries < resamples * 10; ++tries) {
    std::vector<int> t;
    std::vector<double> s;
    for (size_t k = 0; k < members.size(); ++k)
      for (size_t i : members[pick(rng)]) {
        t.push_back(truth[i]);
        s.push_back(score[i]);
      }
    const auto positives = std::count(t.begin(), t.end(), 1);
    if (positives == 0 || positives == static_cast<long>(t.size())) continue;  // redraw
    const RocCurve c = roc_curve(t, s);
    for (int g = 0; g < grid; ++g) at[g].push_back(tpr_at(c, g / double(grid - 1)));
    ++r;
  }
  for (int g = 0; g < grid; ++g) {
    b.band_x.push_back(g / double(grid - 1));
    b.band_low.push_back(at[g].empty() ? NAN : quantile(at[g], 0.025));
    b.band_high.push_back(at[g].empty() ? NAN : quantile(at[g], 0.975));
  }
  return b;
}

// A column of the labels file (`t`, read from `path`), aligned with `ids`.
std::vector<std::string> labels_column(const io::CsvTable& t, const std::string& path, const std::string& id_column,
                                       const std::string& column, const std::vector<std::string>& ids) {
  const int id = t.column(id_column), c = t.column(column);
  if (c < 0) throw InputError(path, fmt::format("no column '{}' (named by a subgroup/site option)", column));
  std::unordered_map<std::string, std::string> value;
  for (const auto& row : t.rows) value[row[static_cast<size_t>(id)]] = row[static_cast<size_t>(c)];
  std::vector<std::string> out;
  for (const auto& i : ids) out.push_back(value.count(i) ? value[i] : "");
  return out;
}

}  // namespace

std::vector<std::string> age_bins(const std::vector<std::string>& values, const std::vector<double>& cuts) {
  std::vector<double> sorted = cuts;
  std::sort(sorted.begin(), sorted.end());
  auto label = [&](size_t k) {
    if (k == 0) return fmt::format("<{:g}", sorted[0]);
    if (k == sorted.size()) return fmt::format(">={:g}", sorted.back());
    return fmt::format("{:g}-<{:g}", sorted[k - 1], sorted[k]);
  };
  std::vector<std::string> out;
  for (const auto& v : values) {
    char* end = nullptr;
    const double x = std::strtod(v.c_str(), &end);
    if (v.empty() || end != v.c_str() + v.size() || !std::isfinite(x)) {
      out.emplace_back();
      continue;
    }
    size_t k = 0;
    while (k < sorted.size() && x >= sorted[k]) ++k;
    out.push_back(label(k));
  }
  return out;
}

std::vector<SubgroupAuc> subgroup_aucs(const std::string& column, const std::vector<std::string>& values,
                                       const std::vector<int>& truth, const std::vector<double>& score) {
  std::set<std::string> distinct(values.begin(), values.end());
  distinct.erase("");
  std::vector<SubgroupAuc> out;
  for (const auto& v : distinct) {
    SubgroupAuc s;
    s.column = column;
    s.value = v;
    std::vector<int> t;
    std::vector<double> sc;
    for (size_t i = 0; i < values.size(); ++i)
      if (values[i] == v) {
        t.push_back(truth[i]);
        sc.push_back(score[i]);
      }
    s.n = static_cast<int>(t.size());
    s.positives = static_cast<int>(std::count(t.begin(), t.end(), 1));
    s.auc = s.ci_low = s.ci_high = NAN;
    if (s.positives > 0 && s.positives < s.n) s.auc = roc_auc(t, sc);
    if (s.positives >= 2 && s.n - s.positives >= 2) delong_ci(t, sc, &s.ci_low, &s.ci_high);  // DeLong's minimum
    out.push_back(s);
  }
  return out;
}

AuditOutput binary_audit(const std::string& dir, const std::string& target, const std::vector<std::string>& models,
                         const std::vector<ScoredSet>& sets, const AuditOptions& o, const CvOptions& cv) {
  AuditOutput out;
  std::ostringstream md;
  const Dataset& d0 = *sets.at(0).data;
  const std::vector<int> truth = d0.labels();
  const size_t n = truth.size();
  const double prevalence = double(std::count(truth.begin(), truth.end(), 1)) / std::max<size_t>(n, 1);
  // Each learner's out-of-fold probability of the positive class, per set.
  std::vector<std::vector<std::vector<double>>> scores;
  for (const auto& s : sets) {
    scores.emplace_back();
    for (const CvResult* r : s.results) scores.back().push_back(positive_scores(*r));
  }
  auto path = [&](const std::string& name) {
    out.files.push_back((fs::path(dir) / name).string());
    return out.files.back();
  };

  // Calibration and operating points.
  io::CsvTable cal, bins, ops;
  cal.header = {"feature_set", "classifier", "n", "prevalence", "brier", "calibration_slope", "calibration_intercept",
                "calibration_in_the_large"};
  bins.header = {"feature_set", "classifier", "bin", "n", "mean_predicted", "observed"};
  ops.header = {"feature_set", "classifier", "rule", "threshold", "sensitivity", "specificity", "ppv", "npv", "tp",
                "fp", "tn", "fn"};
  md << fmt::format("\n### {}: calibration of the out-of-fold probabilities ({} cases, prevalence {:.1f} %)\n\n"
                    "| Classifier | Feature set | Brier | slope | intercept | calibration-in-the-large |\n"
                    "|---|---|---|---|---|---|\n",
                    target, n, 100 * prevalence);
  std::ostringstream op_md;
  op_md << fmt::format("\n### {}: operating points on the out-of-fold scores\n\n"
                       "| Classifier | Feature set | rule | threshold | sensitivity | specificity | PPV | NPV |\n"
                       "|---|---|---|---|---|---|---|---|\n",
                       target);
  for (size_t k = 0; k < sets.size(); ++k) {
    const ScoredSet& s = sets[k];
    std::vector<Series> reliability;
    for (size_t m = 0; m < models.size(); ++m) {
      const std::vector<double>& score = scores[k][m];
      const Calibration c = calibration(truth, score);
      cal.rows.push_back({s.name, models[m], std::to_string(n), num(prevalence, 6), num(c.brier, 6), num(c.slope, 6),
                          num(c.intercept, 6), num(c.intercept_in_the_large, 6)});
      Series r{display_name(models[m]), {}, {}};
      for (size_t b = 0; b < c.bins.size(); ++b) {
        bins.rows.push_back({s.name, models[m], std::to_string(b), std::to_string(c.bins[b].n),
                             num(c.bins[b].mean_predicted, 6), num(c.bins[b].observed, 6)});
        r.x.push_back(c.bins[b].mean_predicted);
        r.y.push_back(c.bins[b].observed);
      }
      reliability.push_back(r);
      md << fmt::format("| {} | {} | {} | {} | {} | {} |\n", display_name(models[m]), s.name, cell(c.brier), cell(c.slope),
                        cell(c.intercept), cell(c.intercept_in_the_large));
      for (const OperatingPoint& p : {youden_point(truth, score), point_at_sensitivity(truth, score, o.sensitivity)}) {
        ops.rows.push_back({s.name, models[m], p.rule, num(p.threshold, 6), num(p.sensitivity, 6),
                            num(p.specificity, 6), num(p.ppv, 6), num(p.npv, 6), std::to_string(p.tp),
                            std::to_string(p.fp), std::to_string(p.tn), std::to_string(p.fn)});
        op_md << fmt::format("| {} | {} | {} | {:.3f} | {} | {} | {} | {} |\n", display_name(models[m]), s.name, p.rule,
                             p.threshold, cell(p.sensitivity), cell(p.specificity), cell(p.ppv), cell(p.npv));
      }
    }
    if (o.plots)
      if (plot_reliability(path(fmt::format("reliability_{}.png", file_safe(s.name))),
                           fmt::format("{}: {}, calibration\nout-of-fold, n = {}, prevalence {:.1f} %", s.name,
                                       target, n, 100 * prevalence),
                           reliability) == false)
        out.files.pop_back();
  }
  md << "\nBrier = mean squared error of the probabilities; slope and intercept of the logistic recalibration "
        "y ~ a + b·logit(p) (1 and 0 when calibrated; slope < 1: too extreme); calibration-in-the-large = a "
        "with b fixed at 1. Out-of-fold probabilities averaged over repeats; ten equal-count bins in "
        "reliability_<set>.png.\n";
  md << op_md.str();
  md << fmt::format("\nYouden: the threshold maximising sensitivity + specificity − 1; the second rule: the "
                    "largest threshold reaching sensitivity {:.2f}. Thresholds are chosen on the same out-of-fold "
                    "scores they are reported on (optimistic: confirm on held-out cases).\n",
                    o.sensitivity);
  io::write_csv(cal, path("calibration.csv"));
  io::write_csv(bins, path("reliability_bins.csv"));
  io::write_csv(ops, path("operating_points.csv"));

  // The question itself: A against B, per learner, with bootstrap bands.
  if (sets.size() >= 2 && o.plots) {
    for (size_t b = 1; b < sets.size(); ++b)
      for (size_t m = 0; m < models.size(); ++m) {
        if (!o.primary.empty() && models[m] != o.primary) continue;
        std::vector<BandSeries> curves;
        for (size_t k : {size_t(0), b}) {
          const std::vector<double>& score = scores[k][m];
          curves.push_back(roc_band(fmt::format("{} (AUC {:.3f})", sets[k].name, roc_auc(truth, score)), truth, score,
                                    d0.groups, std::min(o.bootstrap, 1000), o.seed));
        }
        const std::string png = path(fmt::format("roc_{}_{}_vs_{}.png", file_safe(models[m]), file_safe(sets[0].name),
                                                  file_safe(sets[b].name)));
        if (!plot_roc_bands(png, fmt::format("{}, {}: {} vs {}\nn = {}, prevalence {:.1f} %, out-of-fold, 95 % bootstrap bands",
                                             target, display_name(models[m]), sets[0].name, sets[b].name, n,
                                             100 * prevalence),
                            curves))
          out.files.pop_back();
      }
  }

  // Subgroups.
  std::vector<std::pair<std::string, std::vector<std::string>>> columns;
  io::CsvTable labels_table;  // read once, when a subgroup or site column is asked for
  if (!o.subgroup_columns.empty() || !o.age_column.empty() || !o.site_column.empty())
    labels_table = io::read_csv(o.labels_path);
  auto labels_of = [&](const std::string& column) {
    return labels_column(labels_table, o.labels_path, o.id_column, column, d0.ids);
  };
  for (const auto& c : o.subgroup_columns) columns.emplace_back(c, labels_of(c));
  if (!o.age_column.empty()) {
    if (o.age_cuts.empty()) throw InputError("--age-column needs --age-bins (cut points, e.g. 68)");
    columns.emplace_back(o.age_column,
                         age_bins(labels_of(o.age_column), o.age_cuts));
  }
  if (!o.site_column.empty() &&
      std::find(o.subgroup_columns.begin(), o.subgroup_columns.end(), o.site_column) == o.subgroup_columns.end())
    columns.emplace_back(o.site_column, labels_of(o.site_column));
  if (!columns.empty()) {
    io::CsvTable sub;
    sub.header = {"feature_set", "classifier", "column", "value", "n", "positives", "auc", "auc_ci_low", "auc_ci_high"};
    md << fmt::format("\n### {}: AUC per subgroup (out-of-fold scores of the whole cross-validation, DeLong 95 % CI)\n\n"
                      "| Classifier | Feature set | subgroup | n (positives) | AUC [95 % CI] |\n|---|---|---|---|---|\n",
                      target);
    for (const auto& [column, values] : columns)
      for (size_t k = 0; k < sets.size(); ++k)
        for (size_t m = 0; m < models.size(); ++m)
          for (const SubgroupAuc& g : subgroup_aucs(column, values, truth, scores[k][m])) {
            const ScoredSet& s = sets[k];
            sub.rows.push_back({s.name, models[m], column, g.value, std::to_string(g.n), std::to_string(g.positives),
                                num(g.auc, 6), num(g.ci_low, 6), num(g.ci_high, 6)});
            md << fmt::format("| {} | {} | {} = {} | {} ({}) | {} |\n", display_name(models[m]), s.name, column, g.value,
                              g.n, g.positives,
                              std::isnan(g.auc) ? "n/a (one class)"
                                                : fmt::format("{:.3f} [{:.3f}, {:.3f}]", g.auc, g.ci_low, g.ci_high));
          }
    md << "\nA subgroup's interval is wide when it is small; differences between subgroups are not tested.\n";
    io::write_csv(sub, path("subgroups.csv"));
  }

  // Leave-one-site-out: each site is predicted by learners fitted on the others.
  if (!o.site_column.empty()) {
    const auto sites = labels_of(o.site_column);
    std::vector<int> keep;
    std::vector<std::string> kept_sites;
    for (size_t i = 0; i < sites.size(); ++i)
      if (!sites[i].empty()) {
        keep.push_back(static_cast<int>(i));
        kept_sites.push_back(sites[i]);
      }
    const std::vector<Split> splits = splits_from_column(kept_sites);
    const std::set<std::string> distinct_sites(kept_sites.begin(), kept_sites.end());
    const std::vector<std::string> site_names(distinct_sites.begin(), distinct_sites.end());  // splits_from_column's order
    io::CsvTable loso;
    loso.header = {"feature_set", "classifier", "held_out_site", "n", "positives", "auc"};
    md << fmt::format("\n### {}: leave-one-site-out validation ({} sites; each site scored by learners fitted on the "
                      "others)\n\n| Classifier | Feature set |",
                      target, splits.size());
    for (const auto& site : site_names) md << " " << site << " |";
    md << " mean |\n|---|---|";
    for (size_t k = 0; k <= site_names.size(); ++k) md << "---|";
    md << "\n";
    for (const auto& s : sets) {
      const Dataset d = subset(*s.data, keep);
      const std::vector<int> site_truth = d.labels();
      for (const auto& model : models) {
        CvOptions c = cv;
        c.on_split_done = nullptr;
        const CvResult r = cross_validate(d, model, splits, c);
        md << "| " << display_name(model) << " | " << s.name << " |";
        double sum = 0;
        int count = 0;
        for (size_t k = 0; k < splits.size(); ++k) {
          const double auc = k < r.validation_scores.size() ? r.validation_scores[k] : NAN;
          int positives = 0;
          for (int i : splits[k].test) positives += site_truth[static_cast<size_t>(i)];
          loso.rows.push_back({s.name, model, site_names[k], std::to_string(splits[k].test.size()),
                               std::to_string(positives), num(auc, 6)});
          md << " " << cell(auc) << " |";
          if (!std::isnan(auc)) {
            sum += auc;
            ++count;
          }
        }
        md << " " << cell(count ? sum / count : NAN) << " |\n";
      }
    }
    io::write_csv(loso, path("site_validation.csv"));
  }
  out.markdown = md.str();
  return out;
}

}  // namespace scopemia::eval
