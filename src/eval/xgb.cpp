// Random forest and gradient boosting through XGBoost's C API.
#include <cmath>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <xgboost/c_api.h>

#include "eval/models.h"

namespace scopemia::eval {

namespace {

void check(int rc) {
  if (rc != 0) throw std::runtime_error(std::string("xgboost: ") + XGBGetLastError());
}

class DMatrix {
 public:
  explicit DMatrix(const Eigen::MatrixXd& X) {
    const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> F = X.cast<float>();
    check(XGDMatrixCreateFromMat(F.data(), static_cast<bst_ulong>(F.rows()), static_cast<bst_ulong>(F.cols()),
                                 std::nanf(""), &h));
  }
  ~DMatrix() { XGDMatrixFree(h); }
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  DMatrixHandle h = nullptr;
};

class Xgb : public Model {
 public:
  Xgb(int K, bool forest, uint64_t seed, int depth, double lr)
      : K_(K), forest_(forest), seed_(seed), depth_(depth), lr_(lr) {}
  ~Xgb() override {
    if (booster_) XGBoosterFree(booster_);
  }
  void fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) override {
    if (booster_) XGBoosterFree(booster_);
    booster_ = nullptr;
    DMatrix d(X);
    const Eigen::VectorXf label = y.cast<float>();
    check(XGDMatrixSetFloatInfo(d.h, "label", label.data(), static_cast<bst_ulong>(label.size())));
    check(XGBoosterCreate(&d.h, 1, &booster_));
    auto set = [&](const char* k, const std::string& v) { check(XGBoosterSetParam(booster_, k, v.c_str())); };
    set("verbosity", "0");
    set("nthread", "1");
    set("seed", std::to_string(seed_ & 0x7fffffff));
    set("tree_method", "exact");
    if (K_ == 0) {
      set("objective", "reg:squarederror");
      set("base_score", fmt::format("{:.17g}", y.mean()));
    } else if (K_ == 2) {
      set("objective", "binary:logistic");
    } else {
      set("objective", "multi:softprob");
      set("num_class", std::to_string(K_));
    }
    int rounds = 100;
    if (forest_) {
      // sklearn RandomForest: 100 trees, grown deep, floor(sqrt(p)) features per
      // split (classification; all features for regression), bootstrap rows.
      // XGBoost's forest mode: 100 parallel trees in one round, learning
      // rate 1, rows subsampled (without replacement) at 63.2 %, the
      // expected share of distinct rows in a bootstrap sample.
      const double p = static_cast<double>(X.cols());
      set("num_parallel_tree", "100");
      set("learning_rate", "1");
      set("subsample", "0.632");
      set("colsample_bynode", K_ > 0 ? fmt::format("{:.6f}", std::min(1.0, (std::max(1.0, std::floor(std::sqrt(p))) + 0.5) / p)) : "1");  // +0.5: XGBoost floors the fraction * p
      set("max_depth", std::to_string(depth_));
      set("min_child_weight", "0");
      set("reg_lambda", "1e-6");
      rounds = 1;
    } else {
      // sklearn GradientBoosting: 100 stages, learning rate 0.1, depth 3.
      set("learning_rate", fmt::format("{:.17g}", lr_));
      set("max_depth", std::to_string(depth_));
    }
    for (int it = 0; it < rounds; ++it) check(XGBoosterUpdateOneIter(booster_, it, d.h));
  }
  Eigen::MatrixXd predict(const Eigen::MatrixXd& X) const override {
    DMatrix d(X);
    bst_ulong len = 0;
    const float* res = nullptr;
    check(XGBoosterPredict(booster_, d.h, 0, 0, 0, &len, &res));
    const Eigen::Index n = X.rows();
    Eigen::MatrixXd out(n, K_ > 2 ? K_ : (K_ == 2 ? 2 : 1));
    if (K_ == 0) {
      for (Eigen::Index i = 0; i < n; ++i) out(i, 0) = res[i];
    } else if (K_ == 2) {
      for (Eigen::Index i = 0; i < n; ++i) {
        out(i, 1) = res[i];
        out(i, 0) = 1.0 - res[i];
      }
    } else {
      for (Eigen::Index i = 0; i < n; ++i)
        for (int k = 0; k < K_; ++k) out(i, k) = res[i * K_ + k];
    }
    return out;
  }

 private:
  int K_;
  bool forest_;
  uint64_t seed_;
  int depth_;
  double lr_;
  BoosterHandle booster_ = nullptr;
};

}  // namespace

std::unique_ptr<Model> make_xgb_forest(int n_classes, uint64_t seed, int max_depth) {
  return std::make_unique<Xgb>(n_classes, true, seed, max_depth, 1.0);
}
std::unique_ptr<Model> make_xgb_boosting(int n_classes, uint64_t seed, int max_depth, double learning_rate) {
  return std::make_unique<Xgb>(n_classes, false, seed, max_depth, learning_rate);
}

}  // namespace scopemia::eval
