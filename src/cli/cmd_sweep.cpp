// scopemia sweep --config C.yaml --cases cases.csv --labels L.csv --target T --grid key=v1,v2 ... -o DIR
//
// Nested, patient-grouped search over pretraining hyperparameters (tau,
// alpha, PDE-loss weights, anything a --set can change): for every outer
// fold, every grid point is pretrained on that fold's training cases only,
// the cases are embedded, and the grid point is scored by an inner grouped
// CV on the training cases; the best one is refitted on the training cases
// and scored on the fold's test cases (eval/nested_selection.h). The
// reported score never comes from cases its choice saw. Labels are used only
// by the classifier on the embeddings, never by pretraining.
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/command.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "eval/cross_validate.h"
#include "eval/dataset.h"
#include "eval/nested_selection.h"
#include "eval/plot.h"
#include "infer/embed.h"
#include "io/case_manifest.h"
#include "io/csv.h"
#include "io/dicom_mask.h"
#include "io/image_io.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/trainer.h"

namespace scopemia::cli {
namespace {

namespace fs = std::filesystem;

struct SweepOptions {
  std::string config, cases, labels, target, group_column, id_column = "ID", output;
  std::vector<std::string> grid, overrides;
  std::string classifier = "logreg";
  int outer_folds = 3, inner_folds = 3;
  uint64_t seed = 0;
  int64_t max_steps = -1;
};

struct GridAxis {
  std::string key;
  std::vector<std::string> values;
};

std::vector<GridAxis> parse_grid(const std::vector<std::string>& specs) {
  std::vector<GridAxis> axes;
  for (const auto& spec : specs) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      throw InputError("--grid '" + spec + "': expected key=v1,v2,... (e.g. model.pde.tau=0.3,0.5,0.7)");
    GridAxis a;
    a.key = spec.substr(0, eq);
    std::stringstream ss(spec.substr(eq + 1));
    for (std::string v; std::getline(ss, v, ',');) {
      if (v.empty()) throw InputError("--grid '" + spec + "': empty value");
      a.values.push_back(v);
    }
    axes.push_back(a);
  }
  if (axes.empty()) throw InputError("sweep: give at least one --grid key=v1,v2,...");
  return axes;
}

// Every combination, the first axis varying slowest: value index per axis.
std::vector<std::vector<size_t>> grid_points(const std::vector<GridAxis>& axes) {
  std::vector<std::vector<size_t>> points{{}};
  for (const auto& a : axes) {
    std::vector<std::vector<size_t>> next;
    for (const auto& p : points)
      for (size_t i = 0; i < a.values.size(); ++i) {
        auto q = p;
        q.push_back(i);
        next.push_back(q);
      }
    points = next;
  }
  return points;
}

class Sweep {
 public:
  Sweep(const SweepOptions& o, int threads) : o_(o), threads_(threads) {
    axes_ = parse_grid(o.grid);
    points_ = grid_points(axes_);
    manifest_ = io::read_case_manifest(o.cases);
    const eval::Labels labels = eval::read_labels(o.labels, o.id_column, o.target, o.group_column, "");
    std::map<std::string, size_t> by_id;
    for (size_t i = 0; i < manifest_.cases.size(); ++i) by_id[manifest_.cases[i].id] = i;
    const auto classes = eval::class_order(labels.target);
    if (classes.size() != 2)
      throw InputError(o.labels, "sweep: --target " + o.target + " must be binary (found " +
                                     std::to_string(classes.size()) + " classes)");
    base_.task = eval::Task::Binary;
    base_.class_names = classes;
    std::vector<double> y;
    for (size_t i = 0; i < labels.ids.size(); ++i) {
      if (labels.target[i].empty() || !by_id.count(labels.ids[i])) continue;
      case_of_row_.push_back(by_id[labels.ids[i]]);
      base_.ids.push_back(labels.ids[i]);
      if (!labels.groups.empty()) base_.groups.push_back(labels.groups[i]);
      y.push_back(labels.target[i] == classes[1] ? 1.0 : 0.0);
    }
    if (base_.ids.size() < 10) throw InputError(o.labels, "sweep: fewer than 10 cases with a label and an image");
    base_.y = Eigen::Map<Eigen::VectorXd>(y.data(), Eigen::Index(y.size()));
    fs::create_directories(fs::path(o.output) / "runs");
  }

  int candidates() const { return int(points_.size()); }
  std::string describe(int c) const {
    std::string s;
    for (size_t a = 0; a < axes_.size(); ++a)
      s += (a ? " " : "") + axes_[a].key + "=" + axes_[a].values[points_[c][a]];
    return s;
  }
  const std::vector<GridAxis>& axes() const { return axes_; }
  const std::vector<std::vector<size_t>>& points() const { return points_; }
  const eval::Dataset& base() const { return base_; }

  std::vector<int> strata() const {
    std::vector<int> s;
    for (Eigen::Index i = 0; i < base_.y.size(); ++i) s.push_back(int(base_.y(i)));
    return s;
  }

  // Embeddings of every row by the model pretrained on `train` rows with
  // grid point c (trained once per fold and point; reused on a rerun).
  const eval::Dataset& embedded(int fold, const std::vector<int>& train, int c) {
    const auto key = std::make_pair(fold, c);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    const fs::path run = fs::path(o_.output) / "runs" / fmt::format("fold{}-c{}", fold, c);
    fs::create_directories(run);
    if (!fs::exists(run / "model.pt")) pretrain(run, train, c);
    spdlog::info("sweep: fold {} candidate {} ({}): embedding {} cases", fold, c, describe(c), base_.ids.size());
    train::LoadedModel loaded = train::load_model_from_checkpoint(run.string());
    const infer::EmbedOptions options = infer::embed_options(loaded.config);
    const infer::Embedder embedder(options, loaded.model.ptr(), loaded.model->backbone(),
                                   infer::descriptor_columns(loaded.model, loaded.config, options));
    eval::Dataset d = base_;
    d.feature_names = embedder.names();
    d.X.resize(Eigen::Index(d.ids.size()), Eigen::Index(d.feature_names.size()));
    for (size_t r = 0; r < d.ids.size(); ++r) {
      const io::Case& cs = manifest_.cases[case_of_row_[r]];
      const auto v = embedder.embed(io::read_volume(cs.image), io::read_mask(cs.mask_spec(), cs.image));
      for (size_t j = 0; j < v.size(); ++j) d.X(Eigen::Index(r), Eigen::Index(j)) = v[j];
    }
    return cache_.emplace(key, std::move(d)).first->second;
  }

  eval::CvOptions cv_options(int folds) const {
    eval::CvOptions cv;
    cv.folds = folds;
    cv.repeats = 1;
    cv.seed = o_.seed;
    return cv;
  }

 private:
  void pretrain(const fs::path& run, const std::vector<int>& train, int c) {
    // The training cases only, with resolved paths, as a cases CSV.
    io::CsvTable subset;
    subset.header = manifest_.header;
    const int image_col = subset.column("Image"), mask_col = subset.column("Mask");
    for (int r : train) {
      const io::Case& cs = manifest_.cases[case_of_row_[r]];
      std::vector<std::string> row;
      for (const auto& [name, value] : cs.columns) row.push_back(value);
      row[image_col] = cs.image;
      row[mask_col] = cs.mask;
      subset.rows.push_back(row);
    }
    const std::string cases = (run / "cases.csv").string();
    io::write_csv(subset, cases);
    std::vector<std::string> overrides{"task=pretrain"};
    overrides.insert(overrides.end(), o_.overrides.begin(), o_.overrides.end());
    for (size_t a = 0; a < axes_.size(); ++a) overrides.push_back(axes_[a].key + "=" + axes_[a].values[points_[c][a]]);
    train::TrainConfig config = train::load_config(o_.config, overrides);
    config.data.cases_csv = cases;
    config.output_dir = run.string();
    if (o_.max_steps >= 0) config.max_steps = o_.max_steps;
    if (config.threads == 0 && threads_ > 0) config.threads = threads_;
    spdlog::info("sweep: {} ({}): pretraining on {} cases", run.filename().string(), describe(c), train.size());
    train::RunOptions ro;
    ro.figures = false;
    ro.progress_bar = false;
    train::run_training(config, ro);
  }

  SweepOptions o_;
  int threads_;
  std::vector<GridAxis> axes_;
  std::vector<std::vector<size_t>> points_;
  io::CaseManifest manifest_;
  std::vector<size_t> case_of_row_;
  eval::Dataset base_;
  std::map<std::pair<int, int>, eval::Dataset> cache_;
};

void write_report(const SweepOptions& o, const Sweep& sweep, const eval::NestedSelection& r) {
  const fs::path out(o.output);
  io::CsvTable table;
  table.header = {"fold", "candidate"};
  for (const auto& a : sweep.axes()) table.header.push_back(a.key);
  table.header.insert(table.header.end(), {"selection_auc", "chosen", "test_auc"});
  for (const auto& f : r.folds)
    for (int c = 0; c < sweep.candidates(); ++c) {
      std::vector<std::string> row{std::to_string(f.fold), std::to_string(c)};
      for (size_t a = 0; a < sweep.axes().size(); ++a) row.push_back(sweep.axes()[a].values[sweep.points()[c][a]]);
      row.push_back(fmt::format("{:.6f}", f.selection_scores[c]));
      row.push_back(c == f.chosen ? "1" : "0");
      row.push_back(c == f.chosen ? fmt::format("{:.6f}", f.reported) : "");
      table.rows.push_back(row);
    }
  io::write_csv(table, (out / "sweep.csv").string());

  std::string md = fmt::format(
      "# Sweep: {} ({} outer folds, {} inner folds, grouped by {}, seed {}, classifier {})\n\n"
      "Reported AUC (test folds, each scored with the grid point chosen on its training folds only): "
      "**{:.3f} ± {:.3f}** (mean ± sd over outer folds)\n\n",
      o.target, o.outer_folds, o.inner_folds, o.group_column.empty() ? "case" : o.group_column, o.seed, o.classifier,
      r.mean, r.sd);
  md += "| fold | chosen | test AUC |\n|---|---|---|\n";
  for (const auto& f : r.folds) md += fmt::format("| {} | {} | {:.3f} |\n", f.fold, sweep.describe(f.chosen), f.reported);
  md += "\n## Sensitivity: inner-CV AUC of every grid point (training folds only)\n\n| grid point |";
  for (const auto& f : r.folds) md += fmt::format(" fold {} |", f.fold);
  md += " mean |\n|---|";
  for (size_t i = 0; i <= r.folds.size(); ++i) md += "---|";
  md += "\n";
  for (int c = 0; c < sweep.candidates(); ++c) {
    md += "| " + sweep.describe(c) + " |";
    double sum = 0;
    for (const auto& f : r.folds) {
      md += fmt::format(" {:.3f} |", f.selection_scores[c]);
      sum += f.selection_scores[c];
    }
    md += fmt::format(" {:.3f} |\n", sum / double(r.folds.size()));
  }

  // One figure per grid key: the inner-CV AUC against the key's value,
  // averaged over folds and the other keys (error bars: sd over folds).
  md += "\n";
  for (size_t a = 0; a < sweep.axes().size(); ++a) {
    const auto& axis = sweep.axes()[a];
    eval::Series s;
    s.label = "inner-CV AUC";
    std::vector<double> err;
    for (size_t v = 0; v < axis.values.size(); ++v) {
      std::vector<double> per_fold;
      for (const auto& f : r.folds) {
        double sum = 0;
        int n = 0;
        for (int c = 0; c < sweep.candidates(); ++c)
          if (sweep.points()[c][a] == v) sum += f.selection_scores[c], ++n;
        per_fold.push_back(sum / n);
      }
      double m = 0, sq = 0;
      for (double x : per_fold) m += x;
      m /= double(per_fold.size());
      for (double x : per_fold) sq += (x - m) * (x - m);
      double x = double(v);
      try {
        x = std::stod(axis.values[v]);
      } catch (const std::exception&) {
      }
      s.x.push_back(x);
      s.y.push_back(m);
      err.push_back(per_fold.size() > 1 ? std::sqrt(sq / double(per_fold.size() - 1)) : 0.0);
    }
    const std::string png = "sensitivity_" + axis.key + ".png";
    if (eval::plot_lines((out / png).string(), "Sweep sensitivity: " + o.target, axis.key, "inner-CV AUC", {s}, {err}))
      md += fmt::format("![{}]({})\n", axis.key, png);
  }
  write_file_atomically(out / "summary.md", md);
}

int run_sweep(const SweepOptions& o, Context& ctx) {
  Sweep sweep(o, ctx.threads);
  const auto inner = [&](int fold, const std::vector<int>& train, int c) {
    const eval::Dataset part = eval::subset(sweep.embedded(fold, train, c), train);
    const auto cv = sweep.cv_options(o.inner_folds);
    const eval::CvResult res = eval::cross_validate(part, o.classifier, eval::make_splits(part, cv), cv);
    double sum = 0;
    for (double s : res.validation_scores) sum += s;
    const double score = sum / double(res.validation_scores.size());
    spdlog::info("sweep: fold {} candidate {} ({}): inner-CV AUC {:.4f}", fold, c, sweep.describe(c), score);
    return score;
  };
  const auto outer = [&](int fold, const std::vector<int>& train, const std::vector<int>& test, int c) {
    const eval::Dataset& all = sweep.embedded(fold, train, c);
    const eval::Dataset tr = eval::subset(all, train), te = eval::subset(all, test);
    const Eigen::MatrixXd pred = eval::fit_predict(tr, te.X, o.classifier, sweep.cv_options(o.inner_folds));
    std::vector<double> y(te.y.data(), te.y.data() + te.y.size());
    const double score = eval::primary_score(eval::Task::Binary, y, pred);
    spdlog::info("sweep: fold {} chose {} ({}): test AUC {:.4f}", fold, c, sweep.describe(c), score);
    return score;
  };
  const eval::NestedSelection r = eval::nested_selection(sweep.strata(), sweep.base().groups, sweep.candidates(),
                                                         o.outer_folds, o.seed, inner, outer);
  write_report(o, sweep, r);
  ctx.out << fmt::format("{}: test AUC {:.4f} ± {:.4f} over {} outer folds ({}/summary.md)\n", o.target, r.mean, r.sd,
                         r.folds.size(), o.output);
  return kExitOk;
}

}  // namespace

Command add_sweep_command(CLI::App& parent) {
  auto o = std::make_shared<SweepOptions>();
  CLI::App* app = parent.add_subcommand(
      "sweep",
      "Nested, patient-grouped grid search over pretraining hyperparameters (tau, alpha, PDE-loss weights): "
      "each grid point pretrained on the outer training folds only, scored by inner CV of the embeddings; the "
      "reported AUC comes from test folds the choice never saw");
  app->add_option("--config", o->config, "Pretraining configuration (YAML)")->required()->check(CLI::ExistingFile);
  app->add_option("--cases", o->cases, "Cases CSV (Image, Mask, ID, group column)")->required();
  app->add_option("--labels", o->labels, "Labels CSV: ID, the binary target, the group column")->required();
  app->add_option("--target", o->target, "Binary target column of the labels")->required();
  app->add_option("--group-column", o->group_column, "Patients: a group never straddles folds (e.g. patient_id)");
  app->add_option("--id-column", o->id_column, "Case-id column")->capture_default_str();
  app->add_option("--grid", o->grid, "key=v1,v2,... (repeat for more keys), e.g. model.pde.tau=0.3,0.5,0.7")
      ->required();
  app->add_option("--set", o->overrides, "Override a config key for every grid point (repeatable)");
  app->add_option("--max-steps", o->max_steps, "Pretraining steps per grid point (overrides max_steps)");
  app->add_option("--classifier", o->classifier, "Learner on the embeddings: logreg, rf, svm, knn, gb, lda, gp")
      ->capture_default_str();
  app->add_option("--outer-folds", o->outer_folds, "Outer folds (reported)")->capture_default_str()->check(CLI::Range(2, 20));
  app->add_option("--inner-folds", o->inner_folds, "Inner folds (selection)")->capture_default_str()->check(CLI::Range(2, 20));
  app->add_option("--seed", o->seed, "Seed of the folds")->capture_default_str();
  app->add_option("-o,--output", o->output, "Output folder: summary.md, sweep.csv, sensitivity_<key>.png, runs/")
      ->required();
  return {app, [o](Context& ctx) { return run_sweep(*o, ctx); }};
}

}  // namespace scopemia::cli
