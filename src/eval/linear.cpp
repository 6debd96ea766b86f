// Logistic regression, ridge, LDA, KNN, and the model factory.
#include <algorithm>
#include <cmath>
#include <deque>
#include <numeric>

#include <fmt/format.h>

#include "core/error.h"
#include "eval/models.h"

namespace scopemia::eval {

LbfgsResult minimize_lbfgs(const std::function<double(const Eigen::VectorXd&, Eigen::VectorXd&)>& fg,
                           Eigen::VectorXd& x, double gtol, int max_iter) {
  const int m = 10;
  std::deque<Eigen::VectorXd> S, Y;
  std::deque<double> rho;
  Eigen::VectorXd g(x.size()), g_new(x.size()), x_new(x.size());
  double f = fg(x, g);
  LbfgsResult r;
  for (r.iterations = 0; r.iterations < max_iter; ++r.iterations) {
    if (g.cwiseAbs().maxCoeff() <= gtol) break;
    // Two-loop recursion: d = -H g.
    Eigen::VectorXd q = g;
    std::vector<double> alpha(S.size());
    for (int i = static_cast<int>(S.size()) - 1; i >= 0; --i) {
      alpha[i] = rho[i] * S[i].dot(q);
      q -= alpha[i] * Y[i];
    }
    if (!S.empty()) q *= S.back().dot(Y.back()) / Y.back().squaredNorm();
    else q /= std::max(1.0, g.norm());
    for (size_t i = 0; i < S.size(); ++i) {
      const double beta = rho[i] * Y[i].dot(q);
      q += S[i] * (alpha[i] - beta);
    }
    Eigen::VectorXd d = -q;
    double slope = g.dot(d);
    if (slope >= 0) {  // not a descent direction: restart with steepest descent
      S.clear();
      Y.clear();
      rho.clear();
      d = -g / std::max(1.0, g.norm());
      slope = g.dot(d);
    }
    double step = 1.0, f_new = 0;
    bool accepted = false;
    for (int ls = 0; ls < 60; ++ls) {
      x_new = x + step * d;
      f_new = fg(x_new, g_new);
      if (std::isfinite(f_new) && f_new <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
    const Eigen::VectorXd s = x_new - x, y = g_new - g;
    const double sy = s.dot(y);
    if (sy > 1e-12 * s.norm() * y.norm()) {
      S.push_back(s);
      Y.push_back(y);
      rho.push_back(1.0 / sy);
      if (static_cast<int>(S.size()) > m) {
        S.pop_front();
        Y.pop_front();
        rho.pop_front();
      }
    }
    const double f_old = f;
    x = x_new;
    g = g_new;
    f = f_new;
    if (std::fabs(f_old - f) <= 1e-15 * std::max(1.0, std::fabs(f))) {
      ++r.iterations;
      break;
    }
  }
  r.f = f;
  r.grad_max = g.cwiseAbs().maxCoeff();
  return r;
}

namespace {

double log1pexp(double z) { return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)); }
double sigmoid(double z) { return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z)); }

void softmax_rows(Eigen::MatrixXd& Z) {
  for (Eigen::Index i = 0; i < Z.rows(); ++i) {
    const double mx = Z.row(i).maxCoeff();
    Z.row(i) = (Z.row(i).array() - mx).exp();
    Z.row(i) /= Z.row(i).sum();
  }
}

Eigen::MatrixXd two_column(const Eigen::VectorXd& p1) {
  Eigen::MatrixXd P(p1.size(), 2);
  P.col(1) = p1;
  P.col(0) = 1.0 - p1.array();
  return P;
}

}  // namespace

LogisticFit fit_binary_logistic(const Eigen::MatrixXd& X, const Eigen::VectorXd& y01, double C) {
  const Eigen::Index n = X.rows(), p = X.cols();
  const Eigen::VectorXd s = 2.0 * y01.array() - 1.0;
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(p + 1);
  auto fg = [&](const Eigen::VectorXd& t, Eigen::VectorXd& g) {
    const Eigen::VectorXd w = t.head(p);
    const Eigen::VectorXd z = (X * w).array() + t(p);
    double f = 0.5 * w.squaredNorm();
    Eigen::VectorXd r(n);  // d loss / d z
    for (Eigen::Index i = 0; i < n; ++i) {
      const double m = s(i) * z(i);
      f += C * log1pexp(-m);
      r(i) = -C * s(i) * sigmoid(-m);
    }
    g.head(p) = w + X.transpose() * r;
    g(p) = r.sum();
    return f;
  };
  minimize_lbfgs(fg, theta, 1e-8, 5000);
  return {theta.head(p), theta(p)};
}

namespace {

class LogisticRegression : public Model {
 public:
  LogisticRegression(int K, double C) : K_(K), C_(C) {}
  void fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) override {
    if (K_ == 2) {
      const LogisticFit f = fit_binary_logistic(X, y, C_);
      W_ = f.w.transpose();
      b_ = Eigen::VectorXd::Constant(1, f.b);
      return;
    }
    // Multinomial: 0.5*|W|_F^2 + C * sum_i -log softmax(W x_i + b)_{y_i}.
    const Eigen::Index n = X.rows(), p = X.cols(), K = K_;
    Eigen::MatrixXd Yh = Eigen::MatrixXd::Zero(n, K);
    for (Eigen::Index i = 0; i < n; ++i) Yh(i, static_cast<Eigen::Index>(y(i))) = 1;
    Eigen::VectorXd theta = Eigen::VectorXd::Zero(K * (p + 1));
    auto fg = [&](const Eigen::VectorXd& t, Eigen::VectorXd& g) {
      const Eigen::Map<const Eigen::MatrixXd> W(t.data(), K, p);
      const Eigen::Map<const Eigen::VectorXd> b(t.data() + K * p, K);
      Eigen::MatrixXd Z = (X * W.transpose()).rowwise() + b.transpose();
      double f = 0.5 * W.squaredNorm();
      for (Eigen::Index i = 0; i < n; ++i) {
        const double mx = Z.row(i).maxCoeff();
        const double lse = mx + std::log((Z.row(i).array() - mx).exp().sum());
        f -= C_ * (Z.row(i).dot(Yh.row(i)) - lse);
      }
      softmax_rows(Z);
      const Eigen::MatrixXd R = C_ * (Z - Yh);  // n x K
      Eigen::Map<Eigen::MatrixXd> gW(g.data(), K, p);
      gW = W + R.transpose() * X;
      g.tail(K) = R.colwise().sum().transpose();
      return f;
    };
    minimize_lbfgs(fg, theta, 1e-8, 5000);
    W_ = Eigen::Map<const Eigen::MatrixXd>(theta.data(), K, p);
    b_ = theta.tail(K);
  }
  Eigen::MatrixXd predict(const Eigen::MatrixXd& X) const override {
    if (K_ == 2) {
      Eigen::VectorXd z = X * W_.row(0).transpose();
      for (Eigen::Index i = 0; i < z.size(); ++i) z(i) = sigmoid(z(i) + b_(0));
      return two_column(z);
    }
    Eigen::MatrixXd Z = (X * W_.transpose()).rowwise() + b_.transpose();
    softmax_rows(Z);
    return Z;
  }

 private:
  int K_;
  double C_;
  Eigen::MatrixXd W_;
  Eigen::VectorXd b_;
};

class Ridge : public Model {
 public:
  explicit Ridge(double alpha) : alpha_(alpha) {}
  void fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) override {
    const Eigen::RowVectorXd xm = X.colwise().mean();
    const double ym = y.mean();
    const Eigen::MatrixXd Xc = X.rowwise() - xm;
    const Eigen::VectorXd yc = y.array() - ym;
    if (X.cols() <= X.rows()) {
      Eigen::MatrixXd A = Xc.transpose() * Xc;
      A.diagonal().array() += alpha_;
      w_ = A.ldlt().solve(Xc.transpose() * yc);
    } else {  // dual form: w = Xc^T (Xc Xc^T + alpha I)^-1 yc
      Eigen::MatrixXd A = Xc * Xc.transpose();
      A.diagonal().array() += alpha_;
      w_ = Xc.transpose() * A.ldlt().solve(yc);
    }
    b_ = ym - xm.dot(w_);
  }
  Eigen::MatrixXd predict(const Eigen::MatrixXd& X) const override {
    Eigen::MatrixXd out = (X * w_).array() + b_;
    return out;
  }

 private:
  double alpha_;
  Eigen::VectorXd w_;
  double b_ = 0;
};

// Ledoit-Wolf shrinkage intensity of centred, standardised data (n x p).
double ledoit_wolf_shrinkage(const Eigen::MatrixXd& X) {
  const double n = static_cast<double>(X.rows()), p = static_cast<double>(X.cols());
  const Eigen::MatrixXd X2 = X.array().square();
  const Eigen::VectorXd trace_terms = X2.colwise().sum().transpose() / n;
  const double mu = trace_terms.sum() / p;
  const double beta_ = (X2.transpose() * X2).sum();
  const double delta_ = (X.transpose() * X).array().square().sum() / (n * n);
  double beta = 1.0 / (p * n) * (beta_ / n - delta_);
  double delta = (delta_ - 2 * mu * trace_terms.sum() + p * mu * mu) / p;
  beta = std::min(beta, delta);
  return beta == 0 ? 0.0 : beta / delta;
}

class Lda : public Model {
 public:
  Lda(int K, double shrinkage) : K_(K), shrinkage_(shrinkage) {}
  void fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) override {
    const Eigen::Index n = X.rows(), p = X.cols(), K = K_;
    Eigen::MatrixXd means = Eigen::MatrixXd::Zero(K, p);
    Eigen::VectorXd counts = Eigen::VectorXd::Zero(K);
    for (Eigen::Index i = 0; i < n; ++i) {
      means.row(static_cast<Eigen::Index>(y(i))) += X.row(i);
      counts(static_cast<Eigen::Index>(y(i))) += 1;
    }
    for (Eigen::Index k = 0; k < K; ++k)
      if (counts(k) > 0) means.row(k) /= counts(k);
    const Eigen::VectorXd priors = counts / static_cast<double>(n);
    Eigen::VectorXd log_priors(K);
    for (Eigen::Index k = 0; k < K; ++k) log_priors(k) = counts(k) > 0 ? std::log(priors(k)) : -1e300;
    Eigen::MatrixXd Xc(n, p);
    for (Eigen::Index i = 0; i < n; ++i) Xc.row(i) = X.row(i) - means.row(static_cast<Eigen::Index>(y(i)));
    if (shrinkage_ < 0) {
      // sklearn's 'svd' solver: whiten the within-class scatter by SVD,
      // discard directions with singular value <= 1e-4, then project the
      // class means onto their between-class subspace.
      const double tol = 1e-4;
      Eigen::RowVectorXd sd = (Xc.rowwise() - Xc.colwise().mean()).array().square().colwise().mean().sqrt();
      for (Eigen::Index j = 0; j < p; ++j)
        if (sd(j) == 0) sd(j) = 1;
      const double fac = 1.0 / static_cast<double>(n - K);
      const Eigen::MatrixXd Xs = std::sqrt(fac) * (Xc.array().rowwise() / sd.array()).matrix();
      Eigen::BDCSVD<Eigen::MatrixXd> svd(Xs, Eigen::ComputeThinV);
      const Eigen::VectorXd S = svd.singularValues();
      Eigen::Index rank = 0;
      while (rank < S.size() && S(rank) > tol) ++rank;
      Eigen::MatrixXd scalings = svd.matrixV().leftCols(rank);  // p x rank
      for (Eigen::Index j = 0; j < p; ++j) scalings.row(j) /= sd(j);
      for (Eigen::Index r = 0; r < rank; ++r) scalings.col(r) /= S(r);
      const Eigen::RowVectorXd xbar = priors.transpose() * means;
      const double fac2 = K == 1 ? 1.0 : 1.0 / (K - 1.0);
      Eigen::MatrixXd B = (means.rowwise() - xbar);
      for (Eigen::Index k = 0; k < K; ++k) B.row(k) *= std::sqrt(n * priors(k) * fac2);
      const Eigen::MatrixXd Bp = B * scalings;  // K x rank
      Eigen::BDCSVD<Eigen::MatrixXd> svd2(Bp, Eigen::ComputeThinV);
      const Eigen::VectorXd S2 = svd2.singularValues();
      Eigen::Index rank2 = 0;
      while (rank2 < S2.size() && S2(rank2) > tol * S2(0)) ++rank2;
      const Eigen::MatrixXd sc = scalings * svd2.matrixV().leftCols(rank2);  // p x rank2
      const Eigen::MatrixXd coef = (means.rowwise() - xbar) * sc;              // K x rank2
      b_ = -0.5 * coef.rowwise().squaredNorm() + log_priors;
      W_ = coef * sc.transpose();  // K x p
      b_ -= W_ * xbar.transpose();
    } else {
      // 'lsqr' solver: shared covariance sum_k prior_k * Cov_k, each class
      // covariance shrunk towards mu*I (mu = its mean variance).
      Eigen::MatrixXd Sigma = Eigen::MatrixXd::Zero(p, p);
      for (Eigen::Index k = 0; k < K; ++k) {
        std::vector<Eigen::Index> rows;
        for (Eigen::Index i = 0; i < n; ++i)
          if (static_cast<Eigen::Index>(y(i)) == k) rows.push_back(i);
        if (rows.empty()) continue;
        Eigen::MatrixXd Xk(static_cast<Eigen::Index>(rows.size()), p);
        for (size_t r = 0; r < rows.size(); ++r) Xk.row(static_cast<Eigen::Index>(r)) = Xc.row(rows[r]);
        // A fixed shrinkage acts on the raw covariance; Ledoit-Wolf ('auto')
        // on the standardised one, rescaled afterwards (as sklearn's _cov).
        Eigen::RowVectorXd sd = Eigen::RowVectorXd::Ones(p);
        if (shrinkage_ > 1) {
          sd = Xk.array().square().colwise().mean().sqrt();
          for (Eigen::Index j = 0; j < p; ++j)
            if (sd(j) == 0) sd(j) = 1;
        }
        const Eigen::MatrixXd Z = Xk.array().rowwise() / sd.array();
        Eigen::MatrixXd emp = Z.transpose() * Z / static_cast<double>(Z.rows());
        const double alpha = shrinkage_ > 1 ? ledoit_wolf_shrinkage(Z) : shrinkage_;
        const double mu = emp.trace() / static_cast<double>(p);
        emp *= (1 - alpha);
        emp.diagonal().array() += alpha * mu;
        Sigma += priors(k) * (sd.transpose().asDiagonal() * emp * sd.asDiagonal());
      }
      W_ = Sigma.completeOrthogonalDecomposition().solve(means.transpose()).transpose();  // K x p
      b_ = -0.5 * (means.cwiseProduct(W_)).rowwise().sum() + log_priors;
    }
  }
  Eigen::MatrixXd predict(const Eigen::MatrixXd& X) const override {
    Eigen::MatrixXd Z = (X * W_.transpose()).rowwise() + b_.transpose();
    softmax_rows(Z);
    return Z;
  }

 private:
  int K_;
  double shrinkage_;
  Eigen::MatrixXd W_;
  Eigen::VectorXd b_;
};

class Knn : public Model {
 public:
  Knn(int K, int k) : K_(K), k_(k) {}
  void fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) override {
    X_ = X;
    y_ = y;
  }
  Eigen::MatrixXd predict(const Eigen::MatrixXd& X) const override {
    const Eigen::Index n = X_.rows();
    const int k = static_cast<int>(std::min<Eigen::Index>(k_, n));
    Eigen::MatrixXd out = Eigen::MatrixXd::Zero(X.rows(), K_ > 0 ? K_ : 1);
    const Eigen::VectorXd train_sq = X_.rowwise().squaredNorm();
    std::vector<std::pair<double, Eigen::Index>> d(static_cast<size_t>(n));
    for (Eigen::Index q = 0; q < X.rows(); ++q) {
      const Eigen::VectorXd dist = (train_sq - 2.0 * X_ * X.row(q).transpose()).array() + X.row(q).squaredNorm();
      for (Eigen::Index i = 0; i < n; ++i) d[static_cast<size_t>(i)] = {dist(i), i};
      std::partial_sort(d.begin(), d.begin() + k, d.end());
      for (int j = 0; j < k; ++j) {
        const double label = y_(d[static_cast<size_t>(j)].second);
        if (K_ > 0) out(q, static_cast<Eigen::Index>(label)) += 1.0 / k;
        else out(q, 0) += label / k;
      }
    }
    return out;
  }

 private:
  int K_, k_;
  Eigen::MatrixXd X_;
  Eigen::VectorXd y_;
};

}  // namespace

std::unique_ptr<Model> make_logistic_regression(int n_classes, double C) {
  return std::make_unique<LogisticRegression>(n_classes, C);
}
std::unique_ptr<Model> make_lda(int n_classes, double shrinkage) { return std::make_unique<Lda>(n_classes, shrinkage); }
std::unique_ptr<Model> make_knn(int n_classes, int k) { return std::make_unique<Knn>(n_classes, k); }
std::unique_ptr<Model> make_ridge(double alpha) { return std::make_unique<Ridge>(alpha); }

}  // namespace scopemia::eval
