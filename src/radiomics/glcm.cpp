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

// MCC's Sturm counts are SIMD clones (SCOPEMIA_SIMD_CLONES: the same bits on
// SSE2 and AVX2); its Householder reduction has an AVX2+FMA and a portable
// variant with the same bits (detail::tridiagonalize).
typedef double V4d __attribute__((vector_size(32)));
typedef int64_t V4l __attribute__((vector_size(32)));

// Householder reduction of the symmetric n x n matrix `a` (full storage,
// column j at a + j * n; overwritten) to tridiagonal form T (diagonal d[n],
// off-diagonal e[n-1]), the algorithm of LAPACK's dsytd2 on full storage:
// step k reflects column k below the diagonal onto e[k] * e_1 with
// H = I - tau v v^T, then updates the trailing block B (rows and columns
// k+1..n-1) as B - v w^T - w v^T with p = tau B v, w = p - (tau/2)(p.v) v.
// Full storage (twice the flops of a one-triangle update, which was tried
// and costs more instructions at these sizes: docs/performance.md) makes
// both passes plain loops over contiguous columns that vectorise without
// reordering any sum. Both passes are fused multiply-adds written as
// std::fma, and nothing else is contracted (glcm.cpp is compiled with
// -ffp-contract=off): the same bits whether the CPU does the FMAs (the
// AVX2+FMA variant below) or libm does (the portable one). B stays
// symmetric to rounding, not bit for bit; the reduction reads column k's
// lower part and whole columns of B, as for any symmetric input.
// Every column loop runs to m rounded up to a multiple of 4 (no scalar
// tail per column, which was half the update's instructions at n ~ 44): the
// extra elements are v and p's zero padding, so they add exact zeros, and
// past the end of a column of B lie rows 0..2 of the next column (never read
// again, or rewritten with their own value) or, after the last column, the
// matrix's padding. `a` holds n * n + 4 doubles, `work` 3n + 8.
constexpr int kTridiagonalPad = 4;

// sum a[i] b[i] in four interleaved partial sums (i mod 4), added pairwise at
// the end: one serial chain of additions would take a floating-point latency
// per element, which at n ~ 44 costs about as much time as the rank-2 update.
// The order is explicit, so both variants of the reduction give the same bits.
__attribute__((always_inline)) inline double sum_of_products(const double* __restrict a, const double* __restrict b,
                                                             int count) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int i = 0;
  for (; i + 4 <= count; i += 4) {
    s0 = std::fma(a[i], b[i], s0);
    s1 = std::fma(a[i + 1], b[i + 1], s1);
    s2 = std::fma(a[i + 2], b[i + 2], s2);
    s3 = std::fma(a[i + 3], b[i + 3], s3);
  }
  if (i < count) s0 = std::fma(a[i], b[i], s0);
  if (i + 1 < count) s1 = std::fma(a[i + 1], b[i + 1], s1);
  if (i + 2 < count) s2 = std::fma(a[i + 2], b[i + 2], s2);
  return (s0 + s1) + (s2 + s3);
}
__attribute__((always_inline)) inline void tridiagonalize_kernel(double* __restrict a, int n, double* __restrict d,
                                                                double* __restrict e, double* __restrict work) {
  double* __restrict v = work;
  double* __restrict pw = work + n + kTridiagonalPad;
  for (int k = 0; k + 1 < n; ++k) {
    const int m = n - k - 1;  // size of the trailing block
    const int m4 = (m + 3) & ~3;
    double* __restrict x = a + static_cast<size_t>(k) * n + (k + 1);  // column k below the diagonal
    d[k] = a[static_cast<size_t>(k) * n + k];
    // Reflector (dlarfg): beta = -sign(alpha) |x|, tau = (beta - alpha) / beta,
    // v = (1, x[1:] / (alpha - beta)).
    const double alpha = x[0];
    const double xnorm2 = sum_of_products(x + 1, x + 1, m - 1);
    if (xnorm2 == 0) {  // already reduced: H = I
      e[k] = alpha;
      continue;
    }
    const double beta = -std::copysign(std::sqrt(alpha * alpha + xnorm2), alpha);
    const double tau = (beta - alpha) / beta;
    const double scal = 1.0 / (alpha - beta);
    e[k] = beta;
    v[0] = 1.0;
    for (int i = 1; i < m; ++i) v[i] = x[i] * scal;
    for (int i = m; i < m4; ++i) v[i] = 0.0;
    // p = B v, column by column, eight (then four) columns per pass over p
    // (the sum for each element still runs over the columns in order).
    double* __restrict b = a + static_cast<size_t>(k + 1) * n + (k + 1);  // B(0,0); column j at b + j * n
    for (int i = 0; i < m4; ++i) pw[i] = 0.0;
    int j = 0;
    for (; j + 8 <= m; j += 8) {
      const double* __restrict c0 = b + static_cast<size_t>(j) * n;
      const double* __restrict c1 = c0 + n;
      const double* __restrict c2 = c1 + n;
      const double* __restrict c3 = c2 + n;
      const double* __restrict c4 = c3 + n;
      const double* __restrict c5 = c4 + n;
      const double* __restrict c6 = c5 + n;
      const double* __restrict c7 = c6 + n;
      const double v0 = v[j], v1 = v[j + 1], v2 = v[j + 2], v3 = v[j + 3];
      const double v4 = v[j + 4], v5 = v[j + 5], v6 = v[j + 6], v7 = v[j + 7];
      for (int i = 0; i < m4; ++i) {
        const double lo = std::fma(v3, c3[i], std::fma(v2, c2[i], std::fma(v1, c1[i], std::fma(v0, c0[i], pw[i]))));
        pw[i] = std::fma(v7, c7[i], std::fma(v6, c6[i], std::fma(v5, c5[i], std::fma(v4, c4[i], lo))));
      }
    }
    for (; j + 4 <= m; j += 4) {
      const double* __restrict c0 = b + static_cast<size_t>(j) * n;
      const double* __restrict c1 = c0 + n;
      const double* __restrict c2 = c1 + n;
      const double* __restrict c3 = c2 + n;
      const double v0 = v[j], v1 = v[j + 1], v2 = v[j + 2], v3 = v[j + 3];
      for (int i = 0; i < m4; ++i)
        pw[i] = std::fma(v3, c3[i], std::fma(v2, c2[i], std::fma(v1, c1[i], std::fma(v0, c0[i], pw[i]))));
    }
    for (; j < m; ++j) {
      const double* __restrict c0 = b + static_cast<size_t>(j) * n;
      const double v0 = v[j];
      for (int i = 0; i < m4; ++i) pw[i] = std::fma(v0, c0[i], pw[i]);
    }
    for (int i = m; i < m4; ++i) pw[i] = 0.0;  // it summed rows of the next column
    for (int i = 0; i < m; ++i) pw[i] *= tau;
    const double pv = sum_of_products(pw, v, m);
    const double half = -0.5 * tau * pv;
    for (int i = 0; i < m; ++i) pw[i] += half * v[i];  // now w
    // B -= v w^T + w v^T, four columns per pass over v and w (each element
    // gets the same two FMAs as column by column). The four column pointers
    // are not __restrict: a column's padded tail is the next column's head
    // when k < 2, so their loads and stores keep program order.
    for (j = 0; j + 4 <= m; j += 4) {
      double* c0 = b + static_cast<size_t>(j) * n;
      double* c1 = c0 + n;
      double* c2 = c1 + n;
      double* c3 = c2 + n;
      const double v0 = v[j], v1 = v[j + 1], v2 = v[j + 2], v3 = v[j + 3];
      const double w0 = pw[j], w1 = pw[j + 1], w2 = pw[j + 2], w3 = pw[j + 3];
      for (int i = 0; i < m4; ++i) {
        const double vi = v[i], wi = pw[i];
        c0[i] = std::fma(-wi, v0, std::fma(-vi, w0, c0[i]));
        c1[i] = std::fma(-wi, v1, std::fma(-vi, w1, c1[i]));
        c2[i] = std::fma(-wi, v2, std::fma(-vi, w2, c2[i]));
        c3[i] = std::fma(-wi, v3, std::fma(-vi, w3, c3[i]));
      }
    }
    for (; j < m; ++j) {
      double* __restrict c = b + static_cast<size_t>(j) * n;
      const double vj = v[j], wj = pw[j];
      for (int i = 0; i < m4; ++i) c[i] = std::fma(-pw[i], vj, std::fma(-v[i], wj, c[i]));
    }
  }
  d[n - 1] = a[static_cast<size_t>(n - 1) * n + (n - 1)];
}

}  // namespace

namespace detail {

#if defined(__GNUC__) && defined(__x86_64__) && !defined(SCOPEMIA_NO_SIMD_CLONES)
#define SCOPEMIA_FMA_VARIANT 1
__attribute__((target("avx2,fma"))) static void tridiagonalize_fma_kernel(double* __restrict a, int n,
                                                                          double* __restrict d, double* __restrict e,
                                                                          double* __restrict work) {
  tridiagonalize_kernel(a, n, d, e, work);
}
#endif

bool tridiagonalize_avx2_fma_available() {
#ifdef SCOPEMIA_FMA_VARIANT
  static const bool available = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return available;
#else
  return false;
#endif
}

void tridiagonalize(double* a, int n, double* d, double* e, double* work) {
#ifdef SCOPEMIA_FMA_VARIANT
  if (tridiagonalize_avx2_fma_available()) return tridiagonalize_fma_kernel(a, n, d, e, work);
#endif
  tridiagonalize_portable(a, n, d, e, work);
}

void tridiagonalize_portable(double* a, int n, double* d, double* e, double* work) {
  tridiagonalize_kernel(a, n, d, e, work);
}

// Eigenvalues number k[0] and k[1] (0 = smallest) of the symmetric
// tridiagonal matrix (diagonal d, off-diagonal squared e2), by Sturm-sequence
// multisection to the accuracy the tridiagonalisation has (eps relative, or
// eps * |T| absolute). Each step evaluates four points inside each of the two
// intervals (cutting it into five): eight Sturm sequences in the lanes of two
// vectors. Gershgorin bounds [glo, ghi] come from the caller.
//
// The count at x is the number of sign changes along the leading principal
// minors p_i = det(T[0..i] - x I) = (d_i - x) p_{i-1} - e2_{i-1} p_{i-2}
// (p_{-1} = 1): LAPACK's pivots q_i = p_i / p_{i-1} without the division, so
// each row costs a multiply and a subtract of latency instead of a division's
// (the division-bound form took 5 % of a LIDC case). It is backward stable as
// the pivot form is (each step perturbs d_i - x and e2 by an ulp). A minor
// that is exactly zero takes the sign opposite to its predecessor's (as LAPACK
// counts a zero pivot negative), a zero off-diagonal starts a new block (the
// predecessor becomes +1), and every 8 rows each lane's pair (p_i, p_{i-1})
// is scaled by a power of two (exact) so that the minors neither overflow nor
// underflow.
//
// Once a bracket holds its eigenvalue alone (and is 1/20 of the Gershgorin
// interval or less), lane 0 follows Newton's method on det(T - x I) = p_{n-1}
// (its derivative by the differentiated recurrence, in the same pass) while
// the other three lanes still cut the bracket in four; a Newton step that
// leaves the bracket restarts from its middle. Newton converges in about
// three steps where multisection takes about fifteen more. Not used when T
// splits (then p_{n-1} is not the whole determinant).
SCOPEMIA_SIMD_CLONES
void tridiagonal_eigenvalues(const double* __restrict d, const double* __restrict e2, int n, const int* k,
                             double glo, double ghi, double* out) {
  const double eps = std::numeric_limits<double>::epsilon();
  const double abs_tol = 2 * eps * std::max(std::abs(glo), std::abs(ghi));
  const auto tolerance = [&](double x) { return std::max(abs_tol, 2 * eps * std::abs(x)); };
  const V4d one = {1.0, 1.0, 1.0, 1.0};
  const V4d zero = {0.0, 0.0, 0.0, 0.0};
  const V4l no = {0, 0, 0, 0};
  const V4l exponent_mask = {0x7ff, 0x7ff, 0x7ff, 0x7ff};
  bool split = false;
  for (int i = 0; i + 1 < n; ++i) split = split || e2[i] == 0;

  // Per eigenvalue: the bracket [lo, hi) with the counts at its ends, and
  // once it holds that eigenvalue alone, a Newton iterate on det(T - x I)
  // (lane 0; the other three lanes keep cutting the bracket in four).
  double lo[2] = {glo, glo}, hi[2] = {ghi, ghi};
  int lo_count[2] = {0, 0}, hi_count[2] = {n, n};
  bool done[2] = {false, false}, newton[2] = {false, false};
  double newton_x[2] = {0, 0};
  const V4d fraction = {0.2, 0.4, 0.6, 0.8}, quarters = {0.0, 0.25, 0.5, 0.75};
  for (int iter = 0; iter < 200; ++iter) {
    V4d x[2];
    for (int t = 0; t < 2; ++t) {
      const double w = hi[t] - lo[t];
      if (newton[t]) {
        x[t] = lo[t] + w * quarters;
        x[t][0] = newton_x[t];
      } else {
        x[t] = lo[t] + w * fraction;
      }
      const double mid = 0.5 * (lo[t] + hi[t]);
      if (!done[t] && !(w > tolerance(mid) && x[t][1] > lo[t] && x[t][3] < hi[t])) {
        done[t] = true;
        out[t] = newton[t] ? std::min(std::max(newton_x[t], lo[t]), hi[t]) : mid;
      }
    }
    if (done[0] && done[1]) break;
    const bool derivative = newton[0] || newton[1];
    // Lanes hold minus the number of sign changes (a vector comparison is -1).
    V4d prev0 = one, prev1 = one;
    V4d cur0 = d[0] - x[0], cur1 = d[0] - x[1];
    V4d dprev0 = zero, dprev1 = zero, dcur0 = -one, dcur1 = -one;  // d/dx of the minors
    V4l neg0 = (cur0 < zero) | (cur0 == zero), neg1 = (cur1 < zero) | (cur1 == zero);
    V4l count0 = neg0, count1 = neg1;
    for (int i = 1; i < n; ++i) {
      if (e2[i - 1] == 0) {  // T splits: a new block, its predecessor +1
        cur0 = one;
        cur1 = one;
        neg0 = no;
        neg1 = no;
      }
      const V4d shift0 = d[i] - x[0], shift1 = d[i] - x[1];
      const V4d next0 = shift0 * cur0 - e2[i - 1] * prev0;
      const V4d next1 = shift1 * cur1 - e2[i - 1] * prev1;
      if (derivative) {
        const V4d dnext0 = shift0 * dcur0 - cur0 - e2[i - 1] * dprev0;
        const V4d dnext1 = shift1 * dcur1 - cur1 - e2[i - 1] * dprev1;
        dprev0 = dcur0;
        dprev1 = dcur1;
        dcur0 = dnext0;
        dcur1 = dnext1;
      }
      const V4l next_neg0 = (next0 < zero) | ((next0 == zero) & ~neg0);
      const V4l next_neg1 = (next1 < zero) | ((next1 == zero) & ~neg1);
      count0 += next_neg0 ^ neg0;
      count1 += next_neg1 ^ neg1;
      prev0 = cur0;
      prev1 = cur1;
      cur0 = next0;
      cur1 = next1;
      neg0 = next_neg0;
      neg1 = next_neg1;
      if ((i & 7) == 0) {
        // Per lane, the largest biased exponent E of the values carried, and
        // 2^(1023 - E), which brings the largest to [1, 2).
        V4l e0 = ((V4l)cur0 >> 52) & exponent_mask, e1 = ((V4l)cur1 >> 52) & exponent_mask;
        V4l f0 = ((V4l)prev0 >> 52) & exponent_mask, f1 = ((V4l)prev1 >> 52) & exponent_mask;
        e0 = e0 > f0 ? e0 : f0;
        e1 = e1 > f1 ? e1 : f1;
        if (derivative) {
          const V4l g0 = ((V4l)dcur0 >> 52) & exponent_mask, g1 = ((V4l)dcur1 >> 52) & exponent_mask;
          const V4l h0 = ((V4l)dprev0 >> 52) & exponent_mask, h1 = ((V4l)dprev1 >> 52) & exponent_mask;
          e0 = e0 > g0 ? e0 : g0;
          e0 = e0 > h0 ? e0 : h0;
          e1 = e1 > g1 ? e1 : g1;
          e1 = e1 > h1 ? e1 : h1;
        }
        const V4d s0 = (V4d)((2046 - e0) << 52), s1 = (V4d)((2046 - e1) << 52);
        cur0 *= s0;
        prev0 *= s0;
        dcur0 *= s0;
        dprev0 *= s0;
        cur1 *= s1;
        prev1 *= s1;
        dcur1 *= s1;
        dprev1 *= s1;
      }
    }
    const V4l counts[2] = {count0, count1};
    const V4d minors[2] = {cur0, cur1}, slopes[2] = {dcur0, dcur1};
    for (int t = 0; t < 2; ++t) {
      if (done[t]) continue;
      // Eigenvalue k[t] lies in [lo, hi) with count(lo) <= k[t] < count(hi).
      for (int l = 0; l < 4; ++l) {
        const double xl = x[t][l];
        const int c = static_cast<int>(-counts[t][l]);
        if (c <= k[t]) {
          if (xl > lo[t]) {
            lo[t] = xl;
            lo_count[t] = c;
          }
        } else if (xl < hi[t]) {
          hi[t] = xl;
          hi_count[t] = c;
        }
      }
      if (newton[t]) {
        const double step = minors[t][0] / slopes[t][0];
        double next = newton_x[t] - step;
        if (std::abs(step) <= tolerance(newton_x[t]) && next >= lo[t] && next <= hi[t]) {
          done[t] = true;
          out[t] = next;
          continue;
        }
        if (!(next > lo[t] && next < hi[t])) next = 0.5 * (lo[t] + hi[t]);
        newton_x[t] = next;
      } else if (!split && hi_count[t] - lo_count[t] == 1 && hi[t] - lo[t] <= 0.05 * (ghi - glo)) {
        newton[t] = true;  // isolated: Newton from the middle
        newton_x[t] = 0.5 * (lo[t] + hi[t]);
      }
    }
  }
  for (int t = 0; t < 2; ++t)
    if (!done[t]) out[t] = 0.5 * (lo[t] + hi[t]);
}

}  // namespace detail

namespace {

struct MccScratch {
  std::vector<int> rows, cols, rank, parent;
  std::vector<double> s, work, d, e2, inv_sqrt;
};

// Eigenvalues k[0], k[1] of the symmetric n x n matrix s (full storage,
// destroyed).
std::array<double, 2> symmetric_eigenvalues(MccScratch& sc, int n, std::array<int, 2> k) {
  sc.work.resize(3 * static_cast<size_t>(n) + 2 * kTridiagonalPad);
  sc.d.resize(n);
  sc.e2.resize(n);
  double* e = sc.work.data() + 2 * (n + kTridiagonalPad);  // the off-diagonal, after the reduction's scratch
  detail::tridiagonalize(sc.s.data(), n, sc.d.data(), e, sc.work.data());
  const double* d = sc.d.data();
  double glo = d[0], ghi = d[0];
  for (int i = 0; i < n; ++i) {
    const double r = (i > 0 ? std::abs(e[i - 1]) : 0.0) + (i + 1 < n ? std::abs(e[i]) : 0.0);
    glo = std::min(glo, d[i] - r);
    ghi = std::max(ghi, d[i] + r);
  }
  for (int i = 0; i + 1 < n; ++i) sc.e2[i] = e[i] * e[i];
  std::array<double, 2> out;
  detail::tridiagonal_eigenvalues(d, sc.e2.data(), n, k.data(), glo, ghi, out.data());
  return out;
}

// Whether the `count` levels present in a symmetric GLCM form one component
// when levels i and j are joined by each non-zero cell p(i, j) (union-find).
// If not, D^-1 P is row-stochastic block by block, so M has the eigenvalue 1
// once per component and MCC is 1 (PyRadiomics's general solver gives 1 to
// rounding): no eigenproblem. Small ROIs with many levels (calcified
// nodules) often have such angles, and theirs are the largest eigenproblems.
bool levels_connected(int ng, const int32_t* nz_i, const int32_t* nz_j, size_t nnz, int count,
                      std::vector<int>& parent) {
  parent.resize(ng);
  for (int i = 0; i < ng; ++i) parent[i] = i;
  const auto root = [&](int i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  int components = count;
  for (size_t k = 0; k < nnz; ++k) {
    const int a = root(nz_i[k]), b = root(nz_j[k]);
    if (a != b) {
      parent[a] = b;
      --components;
    }
  }
  return components == 1;
}

// MCC of one normalised GLCM p (ng x ng, row-major): the square root of the
// second largest eigenvalue of Q(i,j) = sum_k p(i,k) p(j,k) / (px(i) py(k)).
// PyRadiomics calls a general eigen solver on Q (with eps = 2.2e-16 added to
// px*py). Q is similar to the symmetric S = B B^T, B(i,k) = p(i,k) /
// sqrt(px(i) py(k)); for a symmetric GLCM (px = py) S = M^2 with the
// symmetric M = D^-1/2 P D^-1/2, so the eigenvalues of Q are the squares of
// M's. Levels with an empty marginal only add zero eigenvalues and are left
// out. Eigenvalues: Householder tridiagonalisation, then Sturm multisection
// and Newton (detail::tridiagonal_eigenvalues).
// nz_i, nz_j, nz_v: p's non-zero cells (its upper triangle when symmetric).
double mcc(const double* p, int ng, const std::vector<double>& px, const std::vector<double>& py, bool symmetric,
           const int32_t* nz_i, const int32_t* nz_j, const double* nz_v, size_t nnz) {
  if (ng < 2) return 1.0;  // flat region: PyRadiomics returns 1
  thread_local MccScratch sc;
  std::vector<int>&rows = sc.rows, &cols = sc.cols;
  rows.clear();
  cols.clear();
  for (int i = 0; i < ng; ++i) {
    if (px[i] > 0) rows.push_back(i);
    if (py[i] > 0) cols.push_back(i);
  }
  symmetric = symmetric && rows == cols;
  const int n = static_cast<int>(rows.size());
  if (n < 2) return 0.0;  // Q has a single non-zero eigenvalue: the second largest is 0
  if (symmetric && !levels_connected(ng, nz_i, nz_j, nnz, n, sc.parent))
    return 1.0;  // M is block diagonal and every block has eigenvalue 1: so does Q, twice
  sc.s.resize(static_cast<size_t>(n) * n + kTridiagonalPad);
  double* s = sc.s.data();  // symmetric: row a = column a
  if (symmetric) {
    // M(a, b) = p(i, j) / sqrt(px(i)) / sqrt(px(j)).
    sc.inv_sqrt.resize(n);
    for (int a = 0; a < n; ++a) sc.inv_sqrt[a] = 1.0 / std::sqrt(px[rows[a]]);
    const double* inv = sc.inv_sqrt.data();
    if (n == ng) {  // every level present: row by row, vectorised
      for (int a = 0; a < n; ++a) {
        const double* prow = p + static_cast<size_t>(a) * ng;
        double* srow = s + static_cast<size_t>(a) * n;
        for (int b = 0; b < n; ++b) srow[b] = prow[b] * inv[a] * inv[b];
      }
    } else {
      // Some levels absent: rather than gather every cell, the non-zero
      // cells of the upper triangle (a GLCM is about a quarter full) are
      // written with their mirrors, the rest is zero.
      sc.rank.assign(ng, -1);
      for (int a = 0; a < n; ++a) sc.rank[rows[a]] = a;
      std::fill(s, s + static_cast<size_t>(n) * n, 0.0);
      for (size_t k = 0; k < nnz; ++k) {
        const int a = sc.rank[nz_i[k]], b = sc.rank[nz_j[k]];
        s[static_cast<size_t>(a) * n + b] = nz_v[k] * inv[a] * inv[b];
        s[static_cast<size_t>(b) * n + a] = nz_v[k] * inv[b] * inv[a];
      }
    }
  } else {
    Eigen::MatrixXd bm(n, cols.size());
    for (int a = 0; a < n; ++a)
      for (size_t c = 0; c < cols.size(); ++c)
        bm(a, static_cast<Eigen::Index>(c)) =
            p[static_cast<size_t>(rows[a]) * ng + cols[c]] / std::sqrt(px[rows[a]] * py[cols[c]]);
    Eigen::Map<Eigen::MatrixXd>(s, n, n) = bm * bm.transpose();
  }
  if (!symmetric) {
    const auto ev2 = symmetric_eigenvalues(sc, n, {n - 2, n - 2});
    return std::sqrt(std::max(ev2[0], 0.0));
  }
  // Eigenvalues of Q = squares of M's. D^-1 P is row-stochastic, so M's
  // eigenvalues lie in [-1, 1] and the largest is 1: that square is Q's
  // largest eigenvalue, and the second largest square is the larger of the
  // smallest and the second largest eigenvalue of M, squared.
  const auto mu = symmetric_eigenvalues(sc, n, {0, n - 2});
  return std::sqrt(std::max(mu[0] * mu[0], mu[1] * mu[1]));
}

// Per-thread buffers: a case runs 13 angles (and 9 images with Wavelet)
// through the same sizes, so nothing is allocated per angle after the first.
struct AngleScratch {
  std::vector<int32_t> nz_i, nz_j;  // the non-zero cells of p, row-major (upper triangle when symmetric)
  std::vector<double> nz_v;
  std::vector<double> px, py, row_g, sum_k, diff_k, log_px, log_py, inv_px, inv_py;
};

bool is_symmetric(const double* p, int ng) {
  for (int i = 0; i < ng; ++i)
    for (int j = i + 1; j < ng; ++j)
      if (p[static_cast<size_t>(i) * ng + j] != p[static_cast<size_t>(j) * ng + i]) return false;
  return true;
}

// All features of one normalised matrix p (ng x ng, row-major); known_symmetric
// skips the symmetry check for matrices symmetric by construction.
void angle_features(const double* p, const std::vector<double>& g, int max_level, bool known_symmetric, double* out) {
  const int ng = static_cast<int>(g.size());
  const double eps = kTextureEps;
  if (std::isnan(p[0])) {
    std::fill(out, out + kFeatureCount, kNaN);
    return;
  }
  thread_local AngleScratch sc;
  const size_t cells = static_cast<size_t>(ng) * ng;
  sc.nz_i.resize(cells + 1);
  sc.nz_j.resize(cells + 1);
  sc.nz_v.resize(cells + 1);
  sc.px.assign(ng, 0.0);
  sc.py.assign(ng, 0.0);
  sc.row_g.assign(ng, 0.0);
  sc.sum_k.assign(2 * static_cast<size_t>(max_level) + 1, 0.0);  // index i+j
  sc.diff_k.assign(static_cast<size_t>(max_level) + 1, 0.0);     // index |i-j|
  std::vector<double>&px = sc.px, &py = sc.py, &row_g = sc.row_g, &sum_k = sc.sum_k, &diff_k = sc.diff_k;
  // The non-zero cells, in row-major order, without a branch per cell (a
  // GLCM is about a quarter full). A symmetric matrix (the default,
  // symmetricalGLCM) lists its upper triangle only, an off-diagonal cell with
  // weight 2 for itself and its mirror: half the cells for every sum below
  // (sums then differ from a full scan's in the last bits).
  const bool symmetric = known_symmetric || is_symmetric(p, ng);
  const auto weight = [symmetric](int i, int j) { return (symmetric && j != i) ? 2.0 : 1.0; };
  int32_t* nz_i = sc.nz_i.data();
  int32_t* nz_j = sc.nz_j.data();
  double* nz_v = sc.nz_v.data();
  size_t nnz = 0;
  for (int i = 0; i < ng; ++i) {
    const double* row = p + static_cast<size_t>(i) * ng;
    for (int j = symmetric ? i : 0; j < ng; ++j) {
      nz_i[nnz] = i;
      nz_j[nnz] = j;
      nz_v[nnz] = row[j];
      nnz += row[j] != 0;
    }
  }
  double ux = 0, uy = 0, autocorr = 0, contrast = 0, energy = 0, maxp = 0;
  for (size_t k = 0; k < nnz; ++k) {
    const int i = nz_i[k], j = nz_j[k];
    const double v = nz_v[k], wv = weight(i, j) * v;  // wv = v exactly when not symmetric
    if (symmetric) {  // px = py and ux = uy, set below
      px[i] += v;
      row_g[i] += v * g[j];
      if (j != i) {
        px[j] += v;
        row_g[j] += v * g[i];
      }
      ux += v * (j != i ? g[i] + g[j] : g[i]);
    } else {
      px[i] += v;
      py[j] += v;
      row_g[i] += v * g[j];
      ux += v * g[i];
      uy += v * g[j];
    }
    autocorr += wv * g[i] * g[j];
    contrast += wv * (g[i] - g[j]) * (g[i] - g[j]);
    energy += wv * v;
    maxp = std::max(maxp, v);
    sum_k[static_cast<size_t>(g[i] + g[j])] += wv;
    diff_k[static_cast<size_t>(std::abs(g[i] - g[j]))] += wv;
  }
  if (symmetric) {
    uy = ux;
    py = px;
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
  // HXY = -sum p log2(p + eps) over the non-zero cells (weighted: the upper
  // triangle of a symmetric GLCM).
  CellLog2 cell_log2;  // a few small counts fill most cells
  double hxy = 0;
  for (size_t k = 0; k < nnz; ++k) {
    const double v = nz_v[k];
    hxy -= weight(nz_i[k], nz_j[k]) * v * cell_log2(v);
  }
  sc.log_px.resize(ng);
  sc.log_py.resize(ng);
  sc.inv_px.resize(ng);
  sc.inv_py.resize(ng);
  double hx = 0, hy = 0, sx = 0, sy = 0;
  for (int i = 0; i < ng; ++i) {
    sc.log_px[i] = std::log2(px[i] + eps);
    sc.log_py[i] = symmetric ? sc.log_px[i] : std::log2(py[i] + eps);
    hx -= px[i] * sc.log_px[i];
    hy -= py[i] * sc.log_py[i];
    sx += px[i];
    sy += py[i];
  }
  // HXY1 = -sum p log2(px py + eps) and HXY2 = -sum px py log2(px py + eps).
  // As log2(px py + eps) = log2(px + eps) + log2(py + eps) up to terms of
  // order eps / (px py) (px py >= 1/N^2 for N counted pairs), both are
  // HX sum py + HY sum px = HX + HY (the textbook identity) to ~1e-13
  // absolute: n instead of n^2 logarithms. Imc1 and Imc2 take the difference
  // HXY - HXY1 (minus the mutual information); where it is below 1e-3 the
  // ~1e-13 would no longer be negligible (and flat or independent matrices
  // must give PyRadiomics's exact 0 or NaN), so HXY1 and HXY2 are summed
  // term by term as PyRadiomics does.
  // To first order in eps, log2(px py + eps) - log2(px + eps) - log2(py + eps)
  // = eps (1 - px - py) / (px py ln 2): that correction is added too (it is
  // up to ~1e-11 where a level is rare).
  double c1 = 0, c2 = 0;
  int nx = 0, ny = 0;
  for (int i = 0; i < ng; ++i) {
    sc.inv_px[i] = px[i] > 0 ? 1.0 / px[i] : 0.0;
    sc.inv_py[i] = py[i] > 0 ? 1.0 / py[i] : 0.0;
    nx += px[i] > 0;
    ny += py[i] > 0;
  }
  for (size_t k = 0; k < nnz; ++k) {
    const int i = nz_i[k], j = nz_j[k];
    c1 += weight(i, j) * nz_v[k] * (1.0 - px[i] - py[j]) * sc.inv_px[i] * sc.inv_py[j];
  }
  c2 = double(nx) * ny - double(ny) * sx - double(nx) * sy;  // sum over px, py > 0 of (1 - px - py)
  const double eps_ln2 = eps / std::log(2.0);
  double hxy1 = hx * sy + hy * sx - eps_ln2 * c1, hxy2 = hx * sy + hy * sx - eps_ln2 * c2;
  if (!(hxy1 - hxy > 1e-3)) {
    hxy1 = 0;
    hxy2 = 0;
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
      }
    }
  }
  const double sigx = std::sqrt(sigx2), sigy = std::sqrt(sigy2);
  double diff_avg = 0, diff_ent = 0, idm = 0, idmn = 0, id = 0, idn = 0, inv_var = 0;
  const double ngd = max_level;
  // Empty bins add exact zeros to every sum here (and cost a log2 each): skipped.
  for (int k = 0; k < max_level; ++k) {
    const double v = diff_k[k];
    if (v == 0) continue;
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
    if (v == 0) continue;
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
  out[kMCC] = mcc(p, ng, px, py, symmetric, nz_i, nz_j, nz_v, nnz);
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
  GrayLevels own_levels;
  const GrayLevels& gl = roi_gray_levels(roi, own_levels);
  const std::vector<Angle> all_angles =
      texture_angles(roi.size, settings.distances, false, force2d_axis(settings.force2d, settings.force2d_dimension));
  const int ng = static_cast<int>(gl.levels.size());
  const int na = static_cast<int>(all_angles.size());
  int border = 1;
  for (const Angle& a : all_angles) border = std::max({border, std::abs(a[0]), std::abs(a[1]), std::abs(a[2])});
  LocalGrid own_grid;
  const LocalGrid& grid = roi_local_grid(roi, gl, border, own_grid);
  std::vector<int64_t> deltas;
  for (const Angle& a : all_angles) deltas.push_back(grid.delta(a[2], a[1], a[0]));

  // Raw co-occurrence counts, one ng x ng matrix per angle.
  const size_t cells = static_cast<size_t>(ng) * ng;
  std::vector<double> counts(cells * na, 0.0);
  std::vector<int64_t> pairs(na, 0);  // pairs counted per angle
  const int32_t* index = grid.index.data();
  for (int64_t z = border; z < grid.sz - border; ++z)
    for (int64_t y = border; y < grid.sy - border; ++y) {
      const int64_t start = (z * grid.sy + y) * grid.sx;
      for (int64_t v = start + border; v < start + grid.sx - border; ++v) {
        const int32_t i = index[v];
        if (i < 0) continue;
        double* row = counts.data() + static_cast<size_t>(i) * ng;
        // Without a branch (whether the neighbour is in the ROI is as good
        // as random along the ROI's edge): a neighbour outside adds an exact
        // 0 to the row's first cell.
        for (int a = 0; a < na; ++a) {
          const int32_t j = index[v + deltas[a]];
          const bool in = j >= 0;
          row[a * cells + (in ? j : 0)] += in ? 1.0 : 0.0;
          pairs[a] += in;
        }
      }
    }

  GlcmMatrices m;
  m.gray_levels = gl.levels;
  m.max_level = gl.max_level;
  m.ng = ng;
  m.symmetrical = settings.symmetrical;
  if (norm != WeightingNorm::None) {
    m.na = 1;
    m.p.assign(cells, 0.0);
    for (int a = 0; a < na; ++a) {
      const double d = angle_distance(all_angles[a], roi.spacing, norm);
      const double w = norm == WeightingNorm::NoWeighting ? 1.0 : std::exp(-d * d);
      const double* c = counts.data() + a * cells;
      for (int i = 0; i < ng; ++i)
        for (int j = 0; j < ng; ++j) {
          const size_t ij = static_cast<size_t>(i) * ng + j, ji = static_cast<size_t>(j) * ng + i;
          // Each angle's C + C^T when symmetrical, before the angles are weighted together.
          m.p[ij] += (settings.symmetrical ? c[ij] + c[ji] : c[ij]) * w;
        }
    }
    double sum = 0;
    for (double v : m.p) sum += v;
    const double divisor = sum == 0 ? kNaN : sum;
    for (double& v : m.p) v /= divisor;
    return m;
  }

  // Each matrix's sum is its number of pairs (twice that when symmetrical):
  // whole numbers, so summing the cells in any order gives this value.
  // Normalised in place, the kept angles moved forward (kept <= a); a
  // symmetrical matrix is C + C^T, made and normalised in one pass over the
  // upper triangle (both cells read before either is written).
  size_t kept = 0;
  for (int a = 0; a < na; ++a) {
    const double sum = double(pairs[a]) * (settings.symmetrical ? 2 : 1);
    if (na > 1 && sum == 0) continue;  // empty angle: removed
    m.angles.push_back(all_angles[a]);
    const double divisor = sum == 0 ? kNaN : sum;
    const double* src = counts.data() + a * cells;
    double* dst = counts.data() + kept * cells;
    if (settings.symmetrical) {
      for (int i = 0; i < ng; ++i)
        for (int j = i; j < ng; ++j) {
          const size_t ij = static_cast<size_t>(i) * ng + j, ji = static_cast<size_t>(j) * ng + i;
          const double v = (src[ij] + src[ji]) / divisor;
          dst[ij] = v;
          dst[ji] = v;
        }
    } else {
      for (size_t c = 0; c < cells; ++c) dst[c] = src[c] / divisor;
    }
    ++kept;
  }
  counts.resize(kept * cells);
  m.p = std::move(counts);
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
    angle_features(m.p.data() + static_cast<size_t>(a) * m.ng * m.ng, g, m.max_level, m.symmetrical, out);
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
