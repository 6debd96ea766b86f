// Support vector machines through libsvm (the engine behind sklearn's SVC/SVR).
#include <cstdlib>
#include <mutex>
#include <stdexcept>

#include <libsvm/svm.h>

#include "eval/models.h"

namespace scopemia::eval {

namespace {

void quiet(const char*) {}

// libsvm draws its internal probability-calibration folds with rand():
// serialise training so srand(seed) makes it deterministic.
std::mutex& libsvm_mutex() {
  static std::mutex m;
  return m;
}

// gamma='scale': 1 / (n_features * X.var()), the variance over all entries.
double gamma_scale(const Eigen::MatrixXd& X) {
  const double mean = X.mean();
  const double var = (X.array() - mean).square().mean();
  return var > 0 ? 1.0 / (static_cast<double>(X.cols()) * var) : 1.0;
}

class Svm : public Model {
 public:
  Svm(int K, double C, uint64_t seed) : K_(K), C_(C), seed_(seed) {}
  ~Svm() override {
    if (model_) svm_free_and_destroy_model(&model_);
  }
  void fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) override {
    if (model_) svm_free_and_destroy_model(&model_);
    p_ = X.cols();
    const Eigen::Index n = X.rows();
    // The model's support vectors point into these nodes: keep them alive.
    nodes_.assign(static_cast<size_t>(n * (p_ + 1)), svm_node{-1, 0.0});
    rows_.resize(static_cast<size_t>(n));
    labels_.resize(static_cast<size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i) {
      svm_node* row = &nodes_[static_cast<size_t>(i * (p_ + 1))];
      for (Eigen::Index j = 0; j < p_; ++j) row[j] = svm_node{static_cast<int>(j + 1), X(i, j)};
      row[p_] = svm_node{-1, 0.0};
      rows_[static_cast<size_t>(i)] = row;
      labels_[static_cast<size_t>(i)] = y(i);
    }
    svm_problem prob;
    prob.l = static_cast<int>(n);
    prob.y = labels_.data();
    prob.x = rows_.data();
    svm_parameter param{};
    param.svm_type = K_ > 0 ? C_SVC : EPSILON_SVR;
    param.kernel_type = RBF;
    param.degree = 3;
    param.gamma = gamma_scale(X);
    param.coef0 = 0;
    param.cache_size = 200;
    param.eps = 1e-3;
    param.C = C_;
    param.nr_weight = 0;
    param.nu = 0.5;
    param.p = 0.1;  // SVR epsilon
    param.shrinking = 1;
    param.probability = K_ > 0 ? 1 : 0;
    if (const char* err = svm_check_parameter(&prob, &param)) throw std::runtime_error(std::string("libsvm: ") + err);
    std::lock_guard<std::mutex> lock(libsvm_mutex());
    svm_set_print_string_function(&quiet);
    std::srand(static_cast<unsigned>(seed_ ^ (seed_ >> 32)));
    model_ = svm_train(&prob, &param);
    if (K_ > 0) {
      const int nc = svm_get_nr_class(model_);
      model_labels_.resize(static_cast<size_t>(nc));
      svm_get_labels(model_, model_labels_.data());
    }
  }
  Eigen::MatrixXd predict(const Eigen::MatrixXd& X) const override {
    Eigen::MatrixXd out = Eigen::MatrixXd::Zero(X.rows(), K_ > 0 ? K_ : 1);
    std::vector<svm_node> row(static_cast<size_t>(p_ + 1));
    std::vector<double> prob(model_labels_.size());
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      for (Eigen::Index j = 0; j < p_; ++j) row[static_cast<size_t>(j)] = svm_node{static_cast<int>(j + 1), X(i, j)};
      row[static_cast<size_t>(p_)] = svm_node{-1, 0.0};
      if (K_ == 0) {
        out(i, 0) = svm_predict(model_, row.data());
      } else if (model_labels_.size() == 1) {
        out(i, model_labels_[0]) = 1.0;
      } else {
        svm_predict_probability(model_, row.data(), prob.data());
        for (size_t c = 0; c < model_labels_.size(); ++c) out(i, model_labels_[c]) = prob[c];
      }
    }
    return out;
  }

 private:
  int K_;
  double C_;
  uint64_t seed_;
  Eigen::Index p_ = 0;
  svm_model* model_ = nullptr;
  std::vector<svm_node> nodes_;
  std::vector<svm_node*> rows_;
  std::vector<double> labels_;
  std::vector<int> model_labels_;
};

}  // namespace

std::unique_ptr<Model> make_svm(int n_classes, double C, uint64_t seed) {
  return std::make_unique<Svm>(n_classes, C, seed);
}

}  // namespace scopemia::eval
