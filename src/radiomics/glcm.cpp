#include "radiomics/glcm.h"

#include <algorithm>
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

// Second largest eigenvalue of Q(i,j) = sum_k p(i,k) p(j,k) / (px(i) py(k)),
// through the symmetric matrix B B^T, B(i,k) = p(i,k) / sqrt(px(i) py(k)),
// which is similar to Q (PyRadiomics adds eps = 2.2e-16 to px*py and calls a
// general eigen solver; the difference is far below 1e-9 relative for any
// marginal above 1e-4).
double mcc(const std::vector<double>& p, int ng, const std::vector<double>& px, const std::vector<double>& py) {
  if (ng < 2) return 1.0;  // flat region: PyRadiomics returns 1
  Eigen::MatrixXd b = Eigen::MatrixXd::Zero(ng, ng);
  for (int i = 0; i < ng; ++i) {
    if (!(px[i] > 0)) continue;
    for (int k = 0; k < ng; ++k) {
      if (!(py[k] > 0)) continue;
      b(i, k) = p[static_cast<size_t>(i) * ng + k] / std::sqrt(px[i] * py[k]);
    }
  }
  const Eigen::MatrixXd s = b * b.transpose();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(s, Eigen::EigenvaluesOnly);
  const double second = solver.eigenvalues()[ng - 2];  // ascending
  return std::sqrt(std::max(second, 0.0));
}

// All features of one normalised matrix p (ng x ng, row-major).
void angle_features(const std::vector<double>& p, const std::vector<double>& g, int max_level, double* out) {
  const int ng = static_cast<int>(g.size());
  const double eps = kTextureEps;
  if (std::isnan(p[0])) {
    std::fill(out, out + kFeatureCount, kNaN);
    return;
  }
  std::vector<double> px(ng, 0.0), py(ng, 0.0);
  std::vector<double> sum_k(2 * static_cast<size_t>(max_level) + 1, 0.0);  // index i+j
  std::vector<double> diff_k(static_cast<size_t>(max_level) + 1, 0.0);      // index |i-j|
  double ux = 0, uy = 0, autocorr = 0, contrast = 0, energy = 0, hxy = 0, maxp = 0;
  for (int i = 0; i < ng; ++i) {
    for (int j = 0; j < ng; ++j) {
      const double v = p[static_cast<size_t>(i) * ng + j];
      px[i] += v;
      py[j] += v;
      ux += v * g[i];
      uy += v * g[j];
      autocorr += v * g[i] * g[j];
      contrast += v * (g[i] - g[j]) * (g[i] - g[j]);
      energy += v * v;
      hxy -= v * std::log2(v + eps);
      maxp = std::max(maxp, v);
      sum_k[static_cast<size_t>(g[i] + g[j])] += v;
      diff_k[static_cast<size_t>(std::abs(g[i] - g[j]))] += v;
    }
  }
  double cp = 0, cs = 0, ct = 0, sigx2 = 0, sigy2 = 0, corm = 0, hxy1 = 0, hxy2 = 0;
  for (int i = 0; i < ng; ++i) {
    for (int j = 0; j < ng; ++j) {
      const double v = p[static_cast<size_t>(i) * ng + j];
      const double t = g[i] + g[j] - ux - uy;
      const double t2 = t * t;
      ct += v * t2;
      cs += v * t2 * t;
      cp += v * t2 * t2;
      sigx2 += v * (g[i] - ux) * (g[i] - ux);
      sigy2 += v * (g[j] - uy) * (g[j] - uy);
      corm += v * (g[i] - ux) * (g[j] - uy);
      const double pxy = px[i] * py[j];
      hxy1 -= v * std::log2(pxy + eps);
      hxy2 -= pxy * std::log2(pxy + eps);
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
  check_roi(roi);
  const WeightingNorm norm = parse_weighting_norm(settings.weighting_norm);
  const GrayLevels gl = gray_levels(roi);
  const std::vector<Angle> all_angles =
      texture_angles(roi.size, settings.distances, false, force2d_axis(settings.force2d, settings.force2d_dimension));
  const int ng = static_cast<int>(gl.levels.size());
  const int na = static_cast<int>(all_angles.size());
  const std::vector<NeighbourStep> steps = neighbour_steps(roi, all_angles);

  // Raw co-occurrence counts, layout (i, j, a).
  std::vector<double> counts(static_cast<size_t>(ng) * ng * na, 0.0);
  const int32_t* level = roi.level.data();
  const uint8_t* mask = roi.mask.data();
  int64_t idx = 0;
  for (int64_t z = 0; z < roi.size.z; ++z)
    for (int64_t y = 0; y < roi.size.y; ++y)
      for (int64_t x = 0; x < roi.size.x; ++x, ++idx) {
        if (!mask[idx]) continue;
        const size_t row = static_cast<size_t>(gl.index_of[level[idx]]) * ng;
        for (int a = 0; a < na; ++a) {
          const NeighbourStep& s = steps[a];
          if (!step_inside(roi, x, y, z, s)) continue;
          const int64_t j = idx + s.delta;
          if (!mask[j]) continue;
          counts[(row + gl.index_of[level[j]]) * na + a] += 1.0;
        }
      }
  if (settings.symmetrical) {
    for (int i = 0; i < ng; ++i)
      for (int j = i; j < ng; ++j)
        for (int a = 0; a < na; ++a) {
          double& u = counts[(static_cast<size_t>(i) * ng + j) * na + a];
          double& l = counts[(static_cast<size_t>(j) * ng + i) * na + a];
          const double sum = u + l;
          u = sum;
          l = sum;
        }
  }

  GlcmMatrices m;
  m.gray_levels = gl.levels;
  m.max_level = gl.max_level;
  m.ng = ng;
  const size_t cells = static_cast<size_t>(ng) * ng;
  if (norm != WeightingNorm::None) {
    std::vector<double> weights(na);
    for (int a = 0; a < na; ++a) {
      const double d = angle_distance(all_angles[a], roi.spacing, norm);
      weights[a] = norm == WeightingNorm::NoWeighting ? 1.0 : std::exp(-d * d);
    }
    m.na = 1;
    m.p.assign(cells, 0.0);
    for (size_t c = 0; c < cells; ++c)
      for (int a = 0; a < na; ++a) m.p[c] += counts[c * na + a] * weights[a];
    double sum = 0;
    for (double v : m.p) sum += v;
    const double divisor = sum == 0 ? kNaN : sum;
    for (double& v : m.p) v /= divisor;
    return m;
  }

  std::vector<double> sums(na, 0.0);
  for (size_t c = 0; c < cells; ++c)
    for (int a = 0; a < na; ++a) sums[a] += counts[c * na + a];
  std::vector<int> kept;
  for (int a = 0; a < na; ++a)
    if (na == 1 || sums[a] != 0) kept.push_back(a);
  m.na = static_cast<int>(kept.size());
  for (int a : kept) m.angles.push_back(all_angles[a]);
  m.p.assign(cells * m.na, 0.0);
  for (size_t c = 0; c < cells; ++c)
    for (int k = 0; k < m.na; ++k) {
      const double s = sums[kept[k]];
      m.p[c * m.na + k] = counts[c * na + kept[k]] / (s == 0 ? kNaN : s);
    }
  return m;
}

FeatureList glcm_features(const GlcmMatrices& m) {
  const std::vector<std::string>& names = glcm_feature_names();
  // No gray level (empty ROI): every feature is NaN.
  std::vector<std::vector<double>> per_angle(kFeatureCount, std::vector<double>(m.ng > 0 ? m.na : 0));
  std::vector<double> g(m.gray_levels.begin(), m.gray_levels.end());
  std::vector<double> p(static_cast<size_t>(m.ng) * m.ng);
  double out[kFeatureCount];
  for (int a = 0; a < m.na && m.ng > 0; ++a) {
    for (size_t c = 0; c < p.size(); ++c) p[c] = m.p[c * m.na + a];
    angle_features(p, g, m.max_level, out);
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
