// scopemia evaluate: classical learners on feature tables with honest
// cross-validation (docs/eval.md).
#include <algorithm>
#include <memory>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "cli/command.h"
#include "cli/command_plugins.h"
#include "core/error.h"
#include "core/staged_folder.h"
#include "eval/evaluate.h"
#include "eval/learners.h"

namespace scopemia::cli {

namespace {
// The report names where its files are once published, not the staging folder.
std::string name_final_folder(std::string text, const StagedFolder& staged) {
  const std::string from = staged.path().string(), to = staged.folder().string();
  for (size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size()) text.replace(at, from.size(), to);
  return text;
}
}  // namespace

Command add_evaluate_command(CLI::App& parent) {
  struct Options {
    eval::EvaluateOptions e;
    std::string predict_features;
    std::string lda_shrinkage;
    bool no_plots = false;
    bool no_report = false;
  };
  auto o = std::make_shared<Options>();
  auto& e = o->e;
  CLI::App* app = parent.add_subcommand(
      "evaluate", "Cross-validate classifiers/regressors on feature tables; AUC/R² tables, ROC plots, DeLong tests");
  app->add_option("--features", e.features, "Feature CSV, one per feature set (repeat the option)")->required();
  app->add_option("--name", e.names, "Display name of each feature set, in order (default: file name)");
  app->add_option("--labels", e.labels, "Labels CSV: id, target(s), optional group / fold columns");
  app->add_option("--target", e.targets, "Target column (repeat for several targets: one subfolder each + table3.md)");
  app->add_option("--id-column", e.id_column, "Case-id column shared by all tables")->capture_default_str();
  app->add_option("--group-column", e.group_column, "Group column (e.g. patient_id): a group never straddles folds");
  app->add_option("--feature-columns", e.columns.extra,
                  "Regex (whole column name) of columns to use as features besides those an extractor wrote "
                  "(original_*, wavelet-*, ..., scope_*); other columns are carried along, never features. "
                  "'.*' = every numeric column");
  app->add_option("--task", e.task, "binary | multiclass | regression (default: from the target)")
      ->check(CLI::IsMember({"binary", "multiclass", "regression"}));
  app->add_option("--folds", e.cv.folds, "Folds")->capture_default_str()->check(CLI::Range(2, 100));
  app->add_option("--repeats", e.cv.repeats, "Repeats of K-fold")->capture_default_str()->check(CLI::Range(1, 1000));
  app->add_option("--seed", e.cv.seed, "Seed of the folds, the models and the bootstrap")->capture_default_str();
  app->add_option("--fold-column", e.fold_column, "Use the folds given in this labels column");
  app->add_option("--holdout-features", e.holdout_features, "Held-out feature CSV per feature set (same order)");
  app->add_option("--holdout-labels", e.holdout_labels, "Held-out labels CSV");
  app->add_option("--classifiers", e.models, "Comma-separated: rf,svm,knn,gb,gp,lda,logreg (regression: ridge,rf,gb,svr,gp)")
      ->delimiter(',');
  app->add_option("--filter-variance", e.cv.preprocess.variance_threshold,
                  "Drop features whose training-fold variance is <= T");
  app->add_option("--filter-correlation", e.cv.preprocess.max_correlation,
                  "Drop a feature whose |r| with an earlier kept one exceeds R (training fold)")
      ->check(CLI::Range(0.0, 1.0));
  app->add_option("--select-k", e.cv.preprocess.select_k, "Keep the K features with the largest univariate F (training fold)")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--lda-shrinkage", o->lda_shrinkage, "LDA shrinkage: a value in [0,1] or 'auto' (Ledoit-Wolf); default none (solver svd)");
  app->add_option("--gp-length-scale", e.cv.model.gp_length_scale, "GP RBF length scale (sklearn default 1)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app->add_option("--bootstrap", e.bootstrap, "Bootstrap resamples for the comparison")->capture_default_str()->check(CLI::Range(100, 1000000));
  app->add_option("--predict-features", o->predict_features,
                  "S3 mode: predict each column of this CSV from --features (cross-validated regressor)");
  app->add_flag("--tune", e.cv.tune, "Tune hyperparameters by nested CV (inner folds on each training part)");
  app->add_option("--tune-folds", e.cv.tune_folds, "Inner folds for --tune")->capture_default_str()->check(CLI::Range(2, 20));
  app->add_option("--subgroup-column", e.audit.subgroup_columns,
                  "Labels column whose values are subgroups (repeat: sex, site, ...): AUC per subgroup with CI and n");
  app->add_option("--age-column", e.audit.age_column, "Numeric labels column binned by --age-bins into subgroups");
  app->add_option("--age-bins", e.audit.age_cuts, "Cut points of --age-column, e.g. 68 (-> <68, >=68)")->delimiter(',');
  app->add_option("--site-column", e.audit.site_column,
                  "Labels column of the acquisition site: subgroup AUCs and leave-one-site-out validation");
  app->add_option("--sensitivity", e.audit.sensitivity, "Sensitivity of the fixed-sensitivity operating point")
      ->capture_default_str()->check(CLI::Range(0.01, 1.0));
  app->add_option("--primary", e.audit.primary,
                  "The pre-declared learner of the primary comparison (first two feature sets); other comparisons "
                  "are reported as exploratory with Holm-adjusted p");
  app->add_option("--time-column", e.time_column, "Survival: follow-up time column of the labels file");
  app->add_option("--event-column", e.event_column, "Survival: event column (1 event, 0 censored)");
  app->add_option("--horizons", e.horizons, "Survival: horizons in time units, e.g. 3,6,12 (one binary endpoint each)")
      ->delimiter(',');
  app->add_option("--time-unit", e.time_unit, "Survival: the unit of --time-column, for the tables")->capture_default_str();
  app->add_option("--cox-penalty", e.cox_penalty, "Survival: ridge penalty of the Cox model on standardised features")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app->add_flag("--no-plots", o->no_plots, "Skip the PNG figures");
  app->add_flag("--no-report", o->no_report, "Skip report.html");
  app->add_option("-o,--output", e.output, "Output folder")->required();
  return {app, [o](Context& ctx) {
            auto& e = o->e;
            e.plots = !o->no_plots;
            e.report = !o->no_report;
            e.command = ctx.command_line;
            e.cv.model.seed = e.cv.seed;
            e.cv.threads = ctx.threads > 0 ? ctx.threads : std::max(1u, std::thread::hardware_concurrency());
            if (!o->lda_shrinkage.empty()) {
              if (o->lda_shrinkage == "auto") {
                e.cv.model.lda_shrinkage = 2.0;
              } else {
                try {
                  e.cv.model.lda_shrinkage = std::stod(o->lda_shrinkage);
                } catch (...) {
                  throw InputError("--lda-shrinkage: a number in [0,1] or 'auto'");
                }
                if (e.cv.model.lda_shrinkage < 0 || e.cv.model.lda_shrinkage > 1)
                  throw InputError("--lda-shrinkage: a number in [0,1] or 'auto'");
              }
            }
            if (!o->predict_features.empty()) {
              if (e.features.size() != 1) throw InputError("--predict-features takes exactly one --features file");
              eval::PredictFeaturesOptions p;
              p.predict_features = o->predict_features;
              p.features = e.features[0];
              p.labels = e.labels;
              p.id_column = e.id_column;
              p.group_column = e.group_column;
              p.columns = e.columns;
              if (!e.models.empty()) p.model = eval::canonical_learner(e.models[0], eval::Task::Regression);
              p.cv = e.cv;
              p.plots = e.plots;
              StagedFolder staged(e.output);
              p.output = staged.path().string();
              const std::string text = eval::run_predict_features(p);
              staged.commit();
              ctx.out << name_final_folder(text, staged);
              return 0;
            }
            if (e.labels.empty()) throw InputError("give --labels");
            // Every table and figure is published together, or none (a full
            // disk or a late error leaves the folder as it was).
            StagedFolder staged(e.output);
            e.output = staged.path().string();
            const std::string text = eval::run_evaluation(e);
            staged.commit();
            ctx.out << name_final_folder(text, staged);
            return 0;
          }};
}

}  // namespace scopemia::cli

extern "C" void scopemia_add_evaluate_command(CLI::App& app, std::vector<scopemia::cli::Command>& commands) {
  commands.push_back(scopemia::cli::add_evaluate_command(app));
}
