#include "core/runtime.h"
#include "eval/cross_validate.h"

#include <atomic>
#include <cmath>
#include <exception>
#include <map>
#include <mutex>

#include "eval/learners.h"
#include "eval/metrics.h"

namespace scopemia::eval {

std::vector<Split> make_splits(const Dataset& d, const CvOptions& o) {
  if (!d.folds.empty()) return splits_from_column(d.folds);
  std::vector<int> strata;
  if (d.task == Task::Regression) {
    strata = quantile_strata(std::vector<double>(d.y.data(), d.y.data() + d.y.size()), 5);
  } else {
    strata = d.labels();
  }
  return stratified_group_kfold(strata, d.groups, o.folds, o.repeats, o.seed);
}

const char* primary_metric(Task task) {
  return task == Task::Binary ? "auc" : task == Task::Multiclass ? "auc_macro" : "r2";
}

namespace {

std::vector<int> int_labels(const std::vector<double>& y) {
  std::vector<int> out(y.size());
  for (size_t i = 0; i < y.size(); ++i) out[i] = static_cast<int>(y[i]);
  return out;
}

// All metrics of a task on some rows.
std::map<std::string, double> all_metrics(Task task, const std::vector<double>& y, const Eigen::MatrixXd& pred) {
  std::map<std::string, double> m;
  if (task == Task::Regression) {
    m["r2"] = r2_score(y, std::vector<double>(pred.col(0).data(), pred.col(0).data() + pred.rows()));
    return m;
  }
  const auto labels = int_labels(y);
  if (task == Task::Binary) {
    m["auc"] = roc_auc(labels, std::vector<double>(pred.col(1).data(), pred.col(1).data() + pred.rows()));
  } else {
    m["auc_macro"] = roc_auc_macro(labels, pred);
    m["auc_micro"] = roc_auc_micro(labels, pred);
  }
  m["accuracy"] = accuracy(labels, pred);
  return m;
}

Eigen::MatrixXd rows_of(const Eigen::MatrixXd& X, const std::vector<int>& rows) {
  Eigen::MatrixXd out(static_cast<Eigen::Index>(rows.size()), X.cols());
  for (size_t r = 0; r < rows.size(); ++r) out.row(static_cast<Eigen::Index>(r)) = X.row(rows[r]);
  return out;
}
Eigen::VectorXd rows_of(const Eigen::VectorXd& y, const std::vector<int>& rows) {
  Eigen::VectorXd out(static_cast<Eigen::Index>(rows.size()));
  for (size_t r = 0; r < rows.size(); ++r) out(static_cast<Eigen::Index>(r)) = y(rows[r]);
  return out;
}
std::vector<double> as_vector(const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); }

void summarise(const std::vector<double>& values, const std::string& split, const std::string& metric,
               std::vector<MetricSummary>& out) {
  double sum = 0;
  int n = 0;
  for (double v : values)
    if (std::isfinite(v)) {
      sum += v;
      ++n;
    }
  MetricSummary s{split, metric, std::nan(""), std::nan(""), n};
  if (n > 0) {
    s.mean = sum / n;
    double ss = 0;
    for (double v : values)
      if (std::isfinite(v)) ss += (v - s.mean) * (v - s.mean);
    s.std = n > 1 ? std::sqrt(ss / (n - 1)) : 0.0;
  }
  out.push_back(s);
}

}  // namespace

double primary_score(Task task, const std::vector<double>& y, const Eigen::MatrixXd& pred) {
  return all_metrics(task, y, pred).at(primary_metric(task));
}

using OptionsFactory = std::function<std::unique_ptr<Model>(const ModelOptions&)>;

namespace {

// Mean inner-CV score of each candidate on the rows `rows`; returns the best.
size_t choose_by_inner_cv(const Dataset& data, const std::vector<int>& rows,
                          const std::vector<std::pair<std::string, ModelOptions>>& grid, const OptionsFactory& make,
                          const CvOptions& options, uint64_t seed) {
  if (grid.size() < 2) return 0;
  std::vector<int> strata;
  std::vector<std::string> groups;
  std::vector<double> yv;
  for (int r : rows) {
    yv.push_back(data.y(r));
    if (!data.groups.empty()) groups.push_back(data.groups[static_cast<size_t>(r)]);
  }
  if (data.task == Task::Regression) strata = quantile_strata(yv, 5);
  else
    for (double v : yv) strata.push_back(static_cast<int>(v));
  std::vector<Split> inner;
  try {
    inner = stratified_group_kfold(strata, groups, options.tune_folds, 1, seed);
  } catch (const std::exception&) {
    return 0;  // too few groups for an inner split: keep the defaults
  }
  const int n_classes = data.task == Task::Regression ? 0 : data.n_classes();
  size_t best = 0;
  double best_score = -INFINITY;
  for (size_t g = 0; g < grid.size(); ++g) {
    double sum = 0;
    int n = 0;
    for (const Split& s : inner) {
      std::vector<int> tr, te;
      for (int i : s.train) tr.push_back(rows[static_cast<size_t>(i)]);
      for (int i : s.test) te.push_back(rows[static_cast<size_t>(i)]);
      const Eigen::MatrixXd Xtr = rows_of(data.X, tr), Xte = rows_of(data.X, te);
      const Eigen::VectorXd ytr = rows_of(data.y, tr), yte = rows_of(data.y, te);
      Preprocessor pre(options.preprocess);
      pre.fit(Xtr, ytr, n_classes);
      auto model = make(grid[g].second);
      model->fit(pre.transform(Xtr), ytr);
      const double v = primary_score(data.task, as_vector(yte), model->predict(pre.transform(Xte)));
      if (std::isfinite(v)) {
        sum += v;
        ++n;
      }
    }
    const double score = n ? sum / n : -INFINITY;
    if (score > best_score + 1e-12) {
      best_score = score;
      best = g;
    }
  }
  return best;
}

CvResult run_cv(const Dataset& data, const std::string& model_name, const OptionsFactory& make, bool tune,
                const std::vector<Split>& splits, const CvOptions& options);

}  // namespace

CvResult cross_validate(const Dataset& data, const std::string& model_name, const std::vector<Split>& splits,
                        const CvOptions& options) {
  const OptionsFactory make = [&](const ModelOptions& mo) {
    return make_model(model_name, data.task, data.n_classes(), mo);
  };
  make(options.model);  // unknown names fail before any work
  return run_cv(data, model_name, make, options.tune, splits, options);
}

CvResult cross_validate(const Dataset& data, const std::string& model_name, const ModelFactory& factory,
                        const std::vector<Split>& splits, const CvOptions& options) {
  return run_cv(data, model_name, [&](const ModelOptions&) { return factory(); }, false, splits, options);
}

namespace {

CvResult run_cv(const Dataset& data, const std::string& model_name, const OptionsFactory& make, bool tune,
                const std::vector<Split>& splits, const CvOptions& options) {
  const int K = data.task == Task::Regression ? 1 : data.n_classes();
  const int n_classes = data.task == Task::Regression ? 0 : data.n_classes();
  struct Out {
    std::map<std::string, double> train, validation;
    Eigen::MatrixXd test_pred;
    std::string chosen;
  };
  std::vector<Out> outs(splits.size());
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (size_t s = next++; s < splits.size(); s = next++) {
      try {
        const Split& sp = splits[s];
        const Eigen::MatrixXd Xtr = rows_of(data.X, sp.train), Xte = rows_of(data.X, sp.test);
        const Eigen::VectorXd ytr = rows_of(data.y, sp.train), yte = rows_of(data.y, sp.test);
        Preprocessor pre(options.preprocess);
        pre.fit(Xtr, ytr, n_classes);
        if (options.on_preprocess_fitted) options.on_preprocess_fitted(sp, pre);
        const Eigen::MatrixXd Ztr = pre.transform(Xtr), Zte = pre.transform(Xte);
        Out& o = outs[s];
        ModelOptions mo = options.model;
        if (tune) {
          const auto grid = tuning_grid(model_name, options.model, static_cast<int>(Ztr.cols()));
          const size_t best = choose_by_inner_cv(data, sp.train, grid, make, options, options.seed + 7919 * (s + 1));
          mo = grid[best].second;
          o.chosen = grid[best].first;
        }
        auto model = make(mo);
        model->fit(Ztr, ytr);
        o.test_pred = model->predict(Zte);
        o.train = all_metrics(data.task, as_vector(ytr), model->predict(Ztr));
        o.validation = all_metrics(data.task, as_vector(yte), o.test_pred);
        if (options.on_split_done) options.on_split_done();
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        return;
      }
    }
  };
  const int threads = std::max(1, std::min<int>(options.threads, static_cast<int>(splits.size())));
  run_workers(threads, worker);
  if (error) std::rethrow_exception(error);

  CvResult r;
  r.model = model_name;
  if (tune)
    for (const auto& o : outs) r.chosen.push_back(o.chosen);
  r.oof = Eigen::MatrixXd::Zero(data.X.rows(), K);
  Eigen::VectorXd hits = Eigen::VectorXd::Zero(data.X.rows());
  for (size_t s = 0; s < splits.size(); ++s)
    for (size_t t = 0; t < splits[s].test.size(); ++t) {
      r.oof.row(splits[s].test[t]) += outs[s].test_pred.row(static_cast<Eigen::Index>(t));
      hits(splits[s].test[t]) += 1;
    }
  for (Eigen::Index i = 0; i < hits.size(); ++i)
    if (hits(i) > 0) r.oof.row(i) /= hits(i);
    else r.oof.row(i).setConstant(std::nan(""));

  const std::string primary = primary_metric(data.task);
  for (const auto& kv : outs.empty() ? std::map<std::string, double>{} : outs[0].validation) {
    std::vector<double> tr, va;
    for (const auto& o : outs) {
      tr.push_back(o.train.at(kv.first));
      va.push_back(o.validation.at(kv.first));
    }
    summarise(tr, "train", kv.first, r.metrics);
    summarise(va, "validation", kv.first, r.metrics);
    if (kv.first == primary) {
      r.train_scores = tr;
      r.validation_scores = va;
    }
  }
  // The pooled out-of-fold score over cases predicted at least once.
  std::vector<int> rows;
  for (Eigen::Index i = 0; i < hits.size(); ++i)
    if (hits(i) > 0) rows.push_back(static_cast<int>(i));
  const auto pooled = all_metrics(data.task, as_vector(rows_of(data.y, rows)), rows_of(r.oof, rows));
  for (const auto& kv : pooled)
    if (kv.first != "accuracy")
      r.metrics.push_back({"validation", kv.first + "_oof", kv.second, std::nan(""), static_cast<int>(rows.size())});
  return r;
}

}  // namespace

Eigen::MatrixXd fit_predict(const Dataset& train, const Eigen::MatrixXd& test_X, const std::string& model_name,
                            const CvOptions& options) {
  const int n_classes = train.task == Task::Regression ? 0 : train.n_classes();
  Preprocessor pre(options.preprocess);
  pre.fit(train.X, train.y, n_classes);
  ModelOptions mo = options.model;
  if (options.tune) {
    const OptionsFactory make = [&](const ModelOptions& m) {
      return make_model(model_name, train.task, train.n_classes(), m);
    };
    std::vector<int> all(static_cast<size_t>(train.X.rows()));
    for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
    const auto grid = tuning_grid(model_name, options.model, static_cast<int>(pre.kept().size()));
    mo = grid[choose_by_inner_cv(train, all, grid, make, options, options.seed + 104729)].second;
  }
  auto model = make_model(model_name, train.task, train.n_classes(), mo);
  model->fit(pre.transform(train.X), train.y);
  return model->predict(pre.transform(test_X));
}

}  // namespace scopemia::eval
