#include "radiomics/glcm.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include <Eigen/Dense>

namespace scopemia::radiomics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

enum Feature {
  kAutocorrelation, kClusterProminence, kClusterShade, kClusterTendency, kContrast, kCorrelation,
  kDifferenceAverage, kDifferenceEntropy, kDifferenceVariance, kId, kIdm, kIdmn, kIdn, kImc1, kImc2,
  kInverseVariance, kJointAverage, kJointEnergy, kJointEntropy, kMCC, kMaximumProbability, kSumAverage,
  kSumEntropy, kSumSquares, kFeatureCount
};

// Eigenvalues number k[0] and k[1] (0 = smallest) of the symmetric
// tridiagonal matrix (diagonal d, off-diagonal e), by Sturm-sequence
// trisection to the accuracy the tridiagonalisation has (eps relative, or
// eps * |T| absolute). The two searches evaluate two points each per step,
// four independent Sturm recurrences in lockstep so that their division
// chains overlap.
std::array<double, 2> tridiagonal_eigenvalues(const std::vector<double>& d, const std::vector<double>& e,
                                              const std::array<int, 2>& k) {
  const int n = static_cast<int>(d.size());
  double glo = d[0], ghi = d[0], max_e2 = 0;
  for (int i = 0; i < n; ++i) {
    const double r = (i > 0 ? std::abs(e[i - 1]) : 0.0) + (i + 1 < n ? std::abs(e[i]) : 0.0);
    glo = std::min(glo, d[i] - r);
    ghi = std::max(ghi, d[i] + r);
    if (i + 1 < n) max_e2 = std::max(max_e2, e[i] * e[i]);
  }
  const double pivmin = std::numeric_limits<double>::min() * std::max(1.0, max_e2);
  const double eps = std::numeric_limits<double>::epsilon();
  const double abs_tol = 2 * eps * std::max(std::abs(glo), std::abs(ghi));
  std::vector<double> e2(e.size());
  for (size_t i = 0; i < e.size(); ++i) e2[i] = e[i] * e[i];
  std::array<double, 2> lo = {glo, glo}, hi = {ghi, ghi};
  for (int iter = 0; iter < 200; ++iter) {
    bool active = false;
    std::array<double, 4> x;  // two points inside each interval
    for (int t = 0; t < 2; ++t) {
      const double w = hi[t] - lo[t];
      x[2 * t] = lo[t] + w / 3;
      x[2 * t + 1] = lo[t] + 2 * w / 3;
      const double mid = 0.5 * (lo[t] + hi[t]);
      if (w > std::max(abs_tol, 2 * eps * std::abs(mid)) && x[2 * t] > lo[t] && x[2 * t + 1] < hi[t]) active = true;
    }
    if (!active) break;
    // Sturm counts: number of eigenvalues below each x.
    std::array<int, 4> count{};
    std::array<double, 4> q;
    for (int l = 0; l < 4; ++l) {
      q[l] = d[0] - x[l];
      if (std::abs(q[l]) < pivmin) q[l] = -pivmin;
      count[l] += q[l] < 0;
    }
    for (int i = 1; i < n; ++i)
      for (int l = 0; l < 4; ++l) {
        q[l] = d[i] - x[l] - e2[i - 1] / q[l];
        if (std::abs(q[l]) < pivmin) q[l] = -pivmin;
        count[l] += q[l] < 0;
      }
    for (int t = 0; t < 2; ++t) {
      const double x1 = x[2 * t], x2 = x[2 * t + 1];
      if (!(x1 > lo[t] && x2 < hi[t] && x1 <= x2)) continue;
      if (count[2 * t + 1] <= k[t]) {
        lo[t] = x2;
      } else if (count[2 * t] <= k[t]) {
        lo[t] = x1;
        hi[t] = x2;
      } else {
        hi[t] = x1;
      }
    }
  }
  return {0.5 * (lo[0] + hi[0]), 0.5 * (lo[1] + hi[1])};
}

// MCC of one normalised GLCM p (ng x ng, row-major): the square root of the
// second largest eigenvalue of Q(i,j) = sum_k p(i,k) p(j,k) / (px(i) py(k)).
// PyRadiomics calls a general eigen solver on Q (with eps = 2.2e-16 added to
// px*py). Q is similar to the symmetric S = B B^T, B(i,k) = p(i,k) /
// sqrt(px(i) py(k)); for a symmetric GLCM (px = py) S = M^2 with the
// symmetric M = D^-1/2 P D^-1/2, so the eigenvalues of Q are the squares of
// M's. Levels with an empty marginal only add zero eigenvalues and are left
// out. Eigenvalues: Householder tridiagonalisation, then Sturm trisection.
double mcc(const double* p, int ng, const std::vector<double>& px, const std::vector<double>& py) {
  if (ng < 2) return 1.0;  // flat region: PyRadiomics returns 1
  std::vector<int> rows, cols;
  for (int i = 0; i < ng; ++i) {
    if (px[i] > 0) rows.push_back(i);
    if (py[i] > 0) cols.push_back(i);
  }
  bool symmetric = rows == cols;
  for (int i = 0; i < ng && symmetric; ++i)
    for (int j = i + 1; j < ng; ++j)
      if (p[static_cast<size_t>(i) * ng + j] != p[static_cast<size_t>(j) * ng + i]) {
        symmetric = false;
        break;
      }
  const int n = static_cast<int>(rows.size());
  if (n < 2) return 0.0;  // Q has a single non-zero eigenvalue: the second largest is 0
  Eigen::MatrixXd s(n, n);
  if (symmetric) {
    std::vector<double> inv_sqrt(n);
    for (int a = 0; a < n; ++a) inv_sqrt[a] = 1.0 / std::sqrt(px[rows[a]]);
    for (int a = 0; a < n; ++a)
      for (int b = 0; b < n; ++b)
        s(a, b) = p[static_cast<size_t>(rows[a]) * ng + rows[b]] * inv_sqrt[a] * inv_sqrt[b];
  } else {
    Eigen::MatrixXd bm(n, cols.size());
    for (int a = 0; a < n; ++a)
      for (size_t c = 0; c < cols.size(); ++c)
        bm(a, static_cast<Eigen::Index>(c)) =
            p[static_cast<size_t>(rows[a]) * ng + cols[c]] / std::sqrt(px[rows[a]] * py[cols[c]]);
    s = bm * bm.transpose();
  }
  // The reduction Eigen::Tridiagonalization runs, in place on s (no copy of
  // the matrix, no Q): T's diagonal and subdiagonal are left in s.
  Eigen::VectorXd hcoeffs(n - 1);
  Eigen::internal::tridiagonalization_inplace(s, hcoeffs);
  std::vector<double> d(n), e(n - 1);
  for (int i = 0; i < n; ++i) d[i] = s(i, i);
  for (int i = 0; i + 1 < n; ++i) e[i] = s(i + 1, i);
  if (!symmetric) {
    const auto ev2 = tridiagonal_eigenvalues(d, e, {n - 2, n - 2});
    return std::sqrt(std::max(ev2[0], 0.0));
  }
  // Eigenvalues of Q = squares of M's. D^-1 P is row-stochastic, so M's
  // eigenvalues lie in [-1, 1] and the largest is 1: that square is Q's
  // largest eigenvalue, and the second largest square is the larger of the
  // smallest and the second largest eigenvalue of M, squared.
  const auto mu = tridiagonal_eigenvalues(d, e, {0, n - 2});
  return std::sqrt(std::max(mu[0] * mu[0], mu[1] * mu[1]));
}

// All features of one normalised matrix p (ng x ng, row-major).
void angle_features(const double* p, const std::vector<double>& g, int max_level, double* out) {
  const int ng = static_cast<int>(g.size());
  const double eps = kTextureEps;
  if (std::isnan(p[0])) {
    std::fill(out, out + kFeatureCount, kNaN);
    return;
  }
  std::vector<double> px(ng, 0.0), py(ng, 0.0), row_g(ng, 0.0);
  std::vector<double> sum_k(2 * static_cast<size_t>(max_level) + 1, 0.0);  // index i+j
  std::vector<double> diff_k(static_cast<size_t>(max_level) + 1, 0.0);      // index |i-j|
  double ux = 0, uy = 0, autocorr = 0, contrast = 0, energy = 0, maxp = 0;
  for (int i = 0; i < ng; ++i) {
    for (int j = 0; j < ng; ++j) {
      const double v = p[static_cast<size_t>(i) * ng + j];
      if (v == 0) continue;  // every term below carries a factor v (numpy: 0 * log2(eps) = 0)
      px[i] += v;
      py[j] += v;
      row_g[i] += v * g[j];
      ux += v * g[i];
      uy += v * g[j];
      autocorr += v * g[i] * g[j];
      contrast += v * (g[i] - g[j]) * (g[i] - g[j]);
      energy += v * v;
      maxp = std::max(maxp, v);
      sum_k[static_cast<size_t>(g[i] + g[j])] += v;
      diff_k[static_cast<size_t>(std::abs(g[i] - g[j]))] += v;
    }
  }
  // The centred moments need no second pass over p: the cluster terms depend
  // on i + j only (its distribution is p_{x+y}), sigma^2 on the marginals, and
  // sum p (i - ux)(j - uy) = sum_i (i - ux) (sum_j p(i,j) j - uy px(i)).
  double cp = 0, cs = 0, ct = 0, sigx2 = 0, sigy2 = 0, corm = 0;
  for (size_t k = 2; k < sum_k.size(); ++k) {
    if (sum_k[k] == 0) continue;
    const double t = double(k) - ux - uy, t2 = t * t;
    ct += sum_k[k] * t2;
    cs += sum_k[k] * t2 * t;
    cp += sum_k[k] * t2 * t2;
  }
  for (int i = 0; i < ng; ++i) {
    sigx2 += px[i] * (g[i] - ux) * (g[i] - ux);
    sigy2 += py[i] * (g[i] - uy) * (g[i] - uy);
    corm += (g[i] - ux) * (row_g[i] - uy * px[i]);
  }
  // The entropies: -sum f log2(f + eps) over p (HXY), p against px*py (HXY1)
  // and px*py (HXY2); zero terms are exactly 0 in numpy too. A symmetric GLCM
  // (px = py) makes every term symmetric in (i, j): sum the upper triangle.
  double hxy = 0, hxy1 = 0, hxy2 = 0;
  bool symmetric = true;
  for (int i = 0; i < ng && symmetric; ++i)
    for (int j = i + 1; j < ng; ++j)
      if (p[static_cast<size_t>(i) * ng + j] != p[static_cast<size_t>(j) * ng + i]) {
        symmetric = false;
        break;
      }
  for (int i = 0; i < ng; ++i) {
    for (int j = symmetric ? i : 0; j < ng; ++j) {
      const double w = (symmetric && j != i) ? 2.0 : 1.0;
      const double v = p[static_cast<size_t>(i) * ng + j];
      const double pxy = symmetric ? px[i] * px[j] : px[i] * py[j];
      if (pxy == 0) continue;  // then v == 0 too
      const double log_pxy = std::log2(pxy + eps);
      hxy2 -= w * pxy * log_pxy;
      if (v == 0) continue;
      hxy1 -= w * v * log_pxy;
      hxy -= w * v * std::log2(v + eps);
    }
  }
  double hx = 0, hy = 0;
  for (int i = 0; i < ng; ++i) {
    hx -= px[i] * std::log2(px[i] + eps);
    hy -= py[i] * std::log2(py[i] + eps);
  }
  const double sigx = std::sqrt(sigx2), sigy = std::sqrt(sigy2);
  double diff_avg = 0, diff_ent = 0, idm = 0, idmn = 0, id = 0, idn = 0, inv_var = 0;
  const double ngd = max_level;
  for (int k = 0; k < max_level; ++k) {
    const double v = diff_k[k];
    diff_avg += k * v;
    diff_ent -= v * std::log2(v + eps);
    idm += v / (1.0 + double(k) * k);
    idmn += v / (1.0 + (double(k) * k) / (ngd * ngd));
    id += v / (1.0 + k);
    idn += v / (1.0 + k / ngd);
    if (k > 0) inv_var += v / (double(k) * k);
  }
  double diff_var = 0;
  for (int k = 0; k < max_level; ++k) diff_var += diff_k[k] * (k - diff_avg) * (k - diff_avg);
  double sum_avg = 0, sum_ent = 0;
  for (int k = 2; k <= 2 * max_level; ++k) {
    const double v = sum_k[k];
    sum_avg += k * v;
    sum_ent -= v * std::log2(v + eps);
  }

  out[kAutocorrelation] = autocorr;
  out[kClusterProminence] = cp;
  out[kClusterShade] = cs;
  out[kClusterTendency] = ct;
  out[kContrast] = contrast;
  out[kCorrelation] = (sigx * sigy == 0) ? 1.0 : corm / (sigx * sigy + eps);
  out[kDifferenceAverage] = diff_avg;
  out[kDifferenceEntropy] = diff_ent;
  out[kDifferenceVariance] = diff_var;
  out[kId] = id;
  out[kIdm] = idm;
  out[kIdmn] = idmn;
  out[kIdn] = idn;
  const double div = std::fmax(hx, hy);
  out[kImc1] = div != 0 ? (hxy - hxy1) / div : 0.0;
  // numpy: (1 - e^(-2(HXY2-HXY)))**0.5 is NaN when HXY > HXY2 (then ignored
  // by nanmean); exactly 0 when they are equal.
  out[kImc2] = (hxy2 == hxy) ? 0.0 : std::sqrt(1.0 - std::exp(-2.0 * (hxy2 - hxy)));
  out[kInverseVariance] = inv_var;
  out[kJointAverage] = ux;
  out[kJointEnergy] = energy;
  out[kJointEntropy] = hxy;
  out[kMCC] = mcc(p, ng, px, py);
  out[kMaximumProbability] = maxp;
  out[kSumAverage] = sum_avg;
  out[kSumEntropy] = sum_ent;
  out[kSumSquares] = sigx2;
}

}  // namespace

const std::vector<std::string>& glcm_feature_names() {
  static const std::vector<std::string> names = {
      "Autocorrelation", "ClusterProminence", "ClusterShade", "ClusterTendency", "Contrast", "Correlation",
      "DifferenceAverage", "DifferenceEntropy", "DifferenceVariance", "Id", "Idm", "Idmn", "Idn", "Imc1",
      "Imc2", "InverseVariance", "JointAverage", "JointEnergy", "JointEntropy", "MCC", "MaximumProbability",
      "SumAverage", "SumEntropy", "SumSquares"};
  return names;
}

GlcmMatrices compute_glcm_matrices(const DiscretizedRoi& roi, const GlcmSettings& settings) {
  const WeightingNorm norm = parse_weighting_norm(settings.weighting_norm);
  const GrayLevels gl = gray_levels(roi);
  const std::vector<Angle> all_angles =
      texture_angles(roi.size, settings.distances, false, force2d_axis(settings.force2d, settings.force2d_dimension));
  const int ng = static_cast<int>(gl.levels.size());
  const int na = static_cast<int>(all_angles.size());
  int border = 1;
  for (const Angle& a : all_angles) border = std::max({border, std::abs(a[0]), std::abs(a[1]), std::abs(a[2])});
  const LocalGrid grid = local_grid(roi, gl, border);
  std::vector<int64_t> deltas;
  for (const Angle& a : all_angles) deltas.push_back(grid.delta(a[2], a[1], a[0]));

  // Raw co-occurrence counts, one ng x ng matrix per angle.
  const size_t cells = static_cast<size_t>(ng) * ng;
  std::vector<double> counts(cells * na, 0.0);
  const int32_t* index = grid.index.data();
  for (int64_t z = border; z < grid.sz - border; ++z)
    for (int64_t y = border; y < grid.sy - border; ++y) {
      const int64_t start = (z * grid.sy + y) * grid.sx;
      for (int64_t v = start + border; v < start + grid.sx - border; ++v) {
        const int32_t i = index[v];
        if (i < 0) continue;
        double* row = counts.data() + static_cast<size_t>(i) * ng;
        for (int a = 0; a < na; ++a) {
          const int32_t j = index[v + deltas[a]];
          if (j >= 0) row[a * cells + j] += 1.0;
        }
      }
    }
  if (settings.symmetrical) {
    for (int a = 0; a < na; ++a) {
      double* c = counts.data() + a * cells;
      for (int i = 0; i < ng; ++i)
        for (int j = i; j < ng; ++j) {
          const double sum = c[static_cast<size_t>(i) * ng + j] + c[static_cast<size_t>(j) * ng + i];
          c[static_cast<size_t>(i) * ng + j] = sum;
          c[static_cast<size_t>(j) * ng + i] = sum;
        }
    }
  }

  GlcmMatrices m;
  m.gray_levels = gl.levels;
  m.max_level = gl.max_level;
  m.ng = ng;
  if (norm != WeightingNorm::None) {
    m.na = 1;
    m.p.assign(cells, 0.0);
    for (int a = 0; a < na; ++a) {
      const double d = angle_distance(all_angles[a], roi.spacing, norm);
      const double w = norm == WeightingNorm::NoWeighting ? 1.0 : std::exp(-d * d);
      for (size_t c = 0; c < cells; ++c) m.p[c] += counts[a * cells + c] * w;
    }
    double sum = 0;
    for (double v : m.p) sum += v;
    const double divisor = sum == 0 ? kNaN : sum;
    for (double& v : m.p) v /= divisor;
    return m;
  }

  m.p.reserve(cells * na);
  for (int a = 0; a < na; ++a) {
    double sum = 0;
    for (size_t c = 0; c < cells; ++c) sum += counts[a * cells + c];
    if (na > 1 && sum == 0) continue;  // empty angle: removed
    m.angles.push_back(all_angles[a]);
    const double divisor = sum == 0 ? kNaN : sum;
    for (size_t c = 0; c < cells; ++c) m.p.push_back(counts[a * cells + c] / divisor);
  }
  m.na = static_cast<int>(m.angles.size());
  return m;
}

FeatureList glcm_features(const GlcmMatrices& m) {
  const std::vector<std::string>& names = glcm_feature_names();
  // No gray level (empty ROI): every feature is NaN.
  std::vector<std::vector<double>> per_angle(kFeatureCount, std::vector<double>(m.ng > 0 ? m.na : 0));
  std::vector<double> g(m.gray_levels.begin(), m.gray_levels.end());
  double out[kFeatureCount];
  for (int a = 0; a < m.na && m.ng > 0; ++a) {
    angle_features(m.p.data() + static_cast<size_t>(a) * m.ng * m.ng, g, m.max_level, out);
    for (int f = 0; f < kFeatureCount; ++f) per_angle[f][a] = out[f];
  }
  FeatureList result;
  result.reserve(kFeatureCount);
  for (int f = 0; f < kFeatureCount; ++f) result.emplace_back(names[f], nan_mean(per_angle[f]));
  return result;
}

FeatureList glcm_features(const DiscretizedRoi& roi, const GlcmSettings& settings) {
  return glcm_features(compute_glcm_matrices(roi, settings));
}

}  // namespace scopemia::radiomics
