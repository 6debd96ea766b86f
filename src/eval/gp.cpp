// Gaussian processes with an RBF kernel k(x,x') = exp(-|x-x'|^2 / (2 l^2)):
// classification by the Laplace approximation (Rasmussen & Williams 2006,
// Algorithms 3.1 and 3.2, logistic likelihood; one-vs-rest for several
// classes), regression by the exact posterior mean.
#include <cmath>
#include <stdexcept>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include "eval/models.h"

namespace scopemia::eval {

namespace {

Eigen::MatrixXd rbf(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, double l) {
  const Eigen::VectorXd a2 = A.rowwise().squaredNorm(), b2 = B.rowwise().squaredNorm();
  Eigen::MatrixXd D = (-2.0 * A * B.transpose()).colwise() + a2;
  D.rowwise() += b2.transpose();
  return (-D.array().max(0.0) / (2 * l * l)).exp();
}

double sigmoid(double z) { return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z)); }

// Gauss-Hermite nodes and weights (Golub-Welsch) for int e^{-x^2} g(x) dx.
struct GaussHermite {
  Eigen::VectorXd x, w;
  explicit GaussHermite(int n) {
    Eigen::MatrixXd J = Eigen::MatrixXd::Zero(n, n);
    for (int i = 1; i < n; ++i) J(i, i - 1) = J(i - 1, i) = std::sqrt(i / 2.0);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(J);
    x = es.eigenvalues();
    w = std::sqrt(M_PI) * es.eigenvectors().row(0).transpose().array().square();
  }
};

// E[sigmoid(z)], z ~ N(mean, var).
double expected_sigmoid(double mean, double var) {
  static const GaussHermite gh(40);
  if (var <= 0) return sigmoid(mean);
  const double s = std::sqrt(2 * var);
  double sum = 0;
  for (Eigen::Index i = 0; i < gh.x.size(); ++i) sum += gh.w(i) * sigmoid(mean + s * gh.x(i));
  return sum / std::sqrt(M_PI);
}

class BinaryLaplaceGp {
 public:
  explicit BinaryLaplaceGp(double l) : l_(l) {}
  void fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& t01) {
    X_ = X;
    const Eigen::Index n = X.rows();
    const Eigen::MatrixXd K = rbf(X, X, l_);
    Eigen::VectorXd f = Eigen::VectorXd::Zero(n), pi(n), W(n), a = Eigen::VectorXd::Zero(n);
    double psi_old = -INFINITY;
    // pi, W, sqrt(W) and the Cholesky factor of I + sqrt(W) K sqrt(W) at f.
    const auto factorise_at = [&](const Eigen::VectorXd& at) {
      for (Eigen::Index i = 0; i < n; ++i) pi(i) = sigmoid(at(i));
      W = pi.array() * (1 - pi.array());
      sqrtW_ = W.array().sqrt();
      Eigen::MatrixXd B = sqrtW_.asDiagonal() * K * sqrtW_.asDiagonal();
      B.diagonal().array() += 1.0;
      L_.compute(B);
    };
    for (int it = 0; it < 100; ++it) {
      factorise_at(f);
      const Eigen::VectorXd grad = t01 - pi;
      const Eigen::VectorXd b = W.cwiseProduct(f) + grad;
      const Eigen::VectorXd c = L_.solve(sqrtW_.cwiseProduct(K * b));  // (I + sWKsW)^-1 sW K b
      a = b - sqrtW_.cwiseProduct(c);
      f = K * a;
      double loglik = 0;
      for (Eigen::Index i = 0; i < n; ++i) {
        const double s = 2 * t01(i) - 1;
        const double m = s * f(i);
        loglik -= m > 0 ? std::log1p(std::exp(-m)) : -m + std::log1p(std::exp(m));
      }
      const double psi = -0.5 * a.dot(f) + loglik;
      if (std::fabs(psi - psi_old) < 1e-10 * std::max(1.0, std::fabs(psi))) break;
      psi_old = psi;
    }
    factorise_at(f);  // the state at the mode, for prediction
    grad_ = t01 - pi;
    f_ = f;
  }
  // Probability of class 1 (Algorithm 3.2; the integral by Gauss-Hermite).
  Eigen::VectorXd predict(const Eigen::MatrixXd& X) const {
    const Eigen::MatrixXd Ks = rbf(X_, X, l_);  // n_train x n_test
    const Eigen::VectorXd mean = Ks.transpose() * grad_;
    const Eigen::MatrixXd V = L_.matrixL().solve(sqrtW_.asDiagonal() * Ks);
    Eigen::VectorXd p(X.rows());
    for (Eigen::Index j = 0; j < X.rows(); ++j)
      p(j) = expected_sigmoid(mean(j), std::max(0.0, 1.0 - V.col(j).squaredNorm()));
    return p;
  }
  const Eigen::VectorXd& mode() const { return f_; }

 private:
  double l_;
  Eigen::MatrixXd X_;
  Eigen::VectorXd sqrtW_, grad_, f_;
  Eigen::LLT<Eigen::MatrixXd> L_;
};

class GpClassifier : public Model {
 public:
  GpClassifier(int K, double l) : K_(K), l_(l) {}
  void fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) override {
    models_.clear();
    const int m = K_ == 2 ? 1 : K_;
    for (int k = 0; k < m; ++k) {
      const int positive = K_ == 2 ? 1 : k;
      Eigen::VectorXd t = (y.array() == positive).cast<double>();
      models_.emplace_back(l_);
      models_.back().fit(X, t);
    }
  }
  Eigen::MatrixXd predict(const Eigen::MatrixXd& X) const override {
    Eigen::MatrixXd P(X.rows(), K_);
    if (K_ == 2) {
      P.col(1) = models_[0].predict(X);
      P.col(0) = 1.0 - P.col(1).array();
      return P;
    }
    for (int k = 0; k < K_; ++k) P.col(k) = models_[static_cast<size_t>(k)].predict(X);
    for (Eigen::Index i = 0; i < P.rows(); ++i) P.row(i) /= P.row(i).sum();  // one-vs-rest, normalised
    return P;
  }

 private:
  int K_;
  double l_;
  std::vector<BinaryLaplaceGp> models_;
};

class GpRegressor : public Model {
 public:
  explicit GpRegressor(double l) : l_(l) {}
  void fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) override {
    X_ = X;
    Eigen::MatrixXd K = rbf(X, X, l_);
    // sklearn's alpha = 1e-10 on the diagonal; more jitter only if the
    // Cholesky factorisation fails (duplicate rows).
    double jitter = 1e-10;
    Eigen::LLT<Eigen::MatrixXd> llt;
    for (int attempt = 0; attempt < 12; ++attempt) {
      Eigen::MatrixXd A = K;
      A.diagonal().array() += jitter;
      llt.compute(A);
      if (llt.info() == Eigen::Success) break;
      jitter *= 10;
    }
    alpha_ = llt.solve(y);
  }
  Eigen::MatrixXd predict(const Eigen::MatrixXd& X) const override {
    return rbf(X, X_, l_) * alpha_;
  }

 private:
  double l_;
  Eigen::MatrixXd X_;
  Eigen::VectorXd alpha_;
};

}  // namespace

std::unique_ptr<Model> make_gp(int n_classes, double length_scale) {
  if (n_classes == 0) return std::make_unique<GpRegressor>(length_scale);
  return std::make_unique<GpClassifier>(n_classes, length_scale);
}

}  // namespace scopemia::eval
