#include "eval/evaluate.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
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
#include "core/file_contents.h"
#include "eval/binary_audit.h"
#include "eval/learners.h"
#include "eval/metrics.h"
#include "eval/plot.h"
#include "eval/report.h"
#include "eval/stats.h"
#include "eval/table_text.h"
#include "eval/survival.h"
#include "eval/target_evaluation.h"
#include "io/csv.h"

namespace scopemia::eval {

namespace fs = std::filesystem;

namespace {

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
    const TargetEvaluation r = evaluate_target(binary, name, &l);
    text << write_target_report(binary, r, (fs::path(o.output) / file_safe(name)).string()) << "\n";
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
    text = write_target_report(o, evaluate_target(o, o.targets[0]), o.output);
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
    const TargetEvaluation r = evaluate_target(o, target);
    text += write_target_report(o, r, (fs::path(o.output) / file_safe(target)).string()) + "\n";
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
    s.markdown = read_file_contents(dir / table);
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
