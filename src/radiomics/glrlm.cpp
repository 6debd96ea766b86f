#include "radiomics/glrlm.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace scopemia::radiomics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

enum Feature {
  kGLN, kGLNN, kGLV, kHGLRE, kLRE, kLRHGLE, kLRLGLE, kLGLRE, kRE, kRLN, kRLNN, kRP, kRV, kSRE, kSRHGLE,
  kSRLGLE, kFeatureCount
};

// True when some line along `ang` through the grid's interior (the mask's
// bounding box) holds two ROI voxels, adjacent or not. Asked only when no
// run is longer than one voxel (tiny or checkered ROIs).
bool line_holds_two_roi_voxels(const LocalGrid& grid, const Angle& ang) {
  const int64_t b = grid.border;
  const int dz = ang[0], dy = ang[1], dx = ang[2];
  auto inside = [&](int64_t x, int64_t y, int64_t z) {
    return x >= b && x < grid.sx - b && y >= b && y < grid.sy - b && z >= b && z < grid.sz - b;
  };
  const int32_t* index = grid.index.data();
  for (int64_t z = b; z < grid.sz - b; ++z)
    for (int64_t y = b; y < grid.sy - b; ++y)
      for (int64_t x = b; x < grid.sx - b; ++x) {
        if (index[(z * grid.sy + y) * grid.sx + x] < 0) continue;
        for (int64_t t = 1; inside(x + t * dx, y + t * dy, z + t * dz); ++t)
          if (index[((z + t * dz) * grid.sy + (y + t * dy)) * grid.sx + (x + t * dx)] >= 0) return true;
      }
  return false;
}

}  // namespace

const std::vector<std::string>& glrlm_feature_names() {
  static const std::vector<std::string> names = {
      "GrayLevelNonUniformity", "GrayLevelNonUniformityNormalized", "GrayLevelVariance",
      "HighGrayLevelRunEmphasis", "LongRunEmphasis", "LongRunHighGrayLevelEmphasis",
      "LongRunLowGrayLevelEmphasis", "LowGrayLevelRunEmphasis", "RunEntropy", "RunLengthNonUniformity",
      "RunLengthNonUniformityNormalized", "RunPercentage", "RunVariance", "ShortRunEmphasis",
      "ShortRunHighGrayLevelEmphasis", "ShortRunLowGrayLevelEmphasis"};
  return names;
}

GlrlmMatrices compute_glrlm_matrices(const DiscretizedRoi& roi, const GlrlmSettings& settings) {
  const WeightingNorm norm = parse_weighting_norm(settings.weighting_norm);
  GrayLevels own_levels;
  const GrayLevels& gl = roi_gray_levels(roi, own_levels);
  const std::vector<Angle> all_angles =
      texture_angles(roi.size, {1}, false, force2d_axis(settings.force2d, settings.force2d_dimension));
  const int ng = static_cast<int>(gl.levels.size());
  const int na = static_cast<int>(all_angles.size());
  // Runs are found from the ROI voxels of the shared border-1 grid: a voxel
  // continues the run of the voxel one step back when their levels agree, and
  // ends it when the voxel one step ahead differs, so each angle is one pass
  // over the ROI voxels. The border (outside the ROI) ends a run exactly as
  // leaving the box does, so these are the runs of the lines through the box.
  LocalGrid own_grid;
  const LocalGrid& grid = roi_local_grid(roi, gl, 1, own_grid);
  // Each angle's runs are counted, as they end, into a per-thread ng x
  // (longest possible run) table of integers that is kept zero between
  // angles (only the columns a run reached are copied out and cleared), then
  // copied into that angle's own ng x (its longest run) matrix: an ng x
  // box-width x 13 array would stay mostly empty and still be zeroed and
  // scanned. Run lengths PyRadiomics counts up to max(array shape) and then
  // drops as empty are never created.
  struct AngleCounts {
    int longest = 0;             // run lengths 1..longest
    int64_t runs = 0;
    std::vector<double> counts;  // [i * longest + run length - 1]
  };
  std::vector<AngleCounts> per_angle(na);
  const int32_t* index = grid.index.data();
  const int64_t width = std::max({grid.sx, grid.sy, grid.sz});  // > any run length
  thread_local std::vector<uint32_t> run_table;
  if (run_table.size() < static_cast<size_t>(ng * width)) run_table.resize(static_cast<size_t>(ng * width), 0);
  uint32_t* const table = run_table.data();
  // The ROI voxels' buffer positions, listed once for all angles: the ROI
  // is on average 40 % of its box on LIDC.
  thread_local std::vector<int64_t> roi_voxels_buffer;
  std::vector<int64_t>& roi_voxels = roi_voxels_buffer;  // one TLS lookup, not one per voxel in the lambda
  roi_voxels.clear();
  for_each_roi_voxel(grid, [&](int64_t v, int32_t) { roi_voxels.push_back(v); });
  // Per grid cell, the length so far of the run through it (read only where
  // the cell one step back continues the run, i.e. is an ROI voxel written
  // earlier in this angle; other cells are read but multiplied by 0).
  thread_local std::vector<uint32_t> run_so_far;
  if (run_so_far.size() < grid.index.size()) run_so_far.resize(grid.index.size());
  uint32_t* const so_far = run_so_far.data();
  for (int a = 0; a < na; ++a) {
    const Angle& ang = all_angles[a];
    // A run along -delta is the same run: step forward in buffer order, so
    // the voxel one step back is always visited first.
    const int64_t step = std::abs(grid.delta(ang[2], ang[1], ang[0]));
    int64_t run_count = 0;
    uint32_t longest_minus_one = 0;
    // Without a branch per voxel (whether a run goes on is as good as random
    // in a textured ROI): every voxel extends the run behind it or starts
    // one, and adds whether its next step leaves the run (0 or 1) to the
    // count of its level and length so far.
    for (const int64_t v : roi_voxels) {
      const int32_t g = index[v];
      const uint32_t continues = index[v - step] == g;
      const uint32_t length_minus_one = continues * (so_far[v - step] + 1);
      so_far[v] = length_minus_one;
      const uint32_t ends = index[v + step] != g;
      table[g * width + length_minus_one] += ends;
      run_count += ends;
      longest_minus_one = std::max(longest_minus_one, ends * length_minus_one);
    }
    const int reached = static_cast<int>(longest_minus_one) + 1;  // columns the runs reached
    // No line along this angle holds two ROI voxels: PyRadiomics clears its
    // runs of length 1, which are then all its runs.
    const bool kept = longest_minus_one > 0 || line_holds_two_roi_voxels(grid, ang);
    AngleCounts& ac = per_angle[a];
    if (kept) {
      ac.longest = reached;
      ac.runs = run_count;
      ac.counts.resize(static_cast<size_t>(ng) * reached);
    }
    for (int i = 0; i < ng; ++i) {
      uint32_t* row = table + i * width;
      if (kept)
        for (int r = 0; r < reached; ++r) ac.counts[static_cast<size_t>(i) * reached + r] = double(row[r]);
      std::fill(row, row + reached, 0u);
    }
  }
  int longest = 0;
  for (const AngleCounts& ac : per_angle) longest = std::max(longest, ac.longest);

  GlrlmMatrices m;
  m.gray_levels = gl.levels;
  m.ng = ng;
  // Counts are whole numbers, and cells an angle never reaches add nothing:
  // the weighted sums below meet their non-zero terms in the order a full
  // ng x box-width x 13 array would give them.
  std::vector<double> merged;          // weighted: [i * longest + run length - 1]
  std::vector<int> kept;               // unweighted: the angles that hold runs
  std::vector<char> occurs(longest, 0);  // run lengths present in the kept matrices
  const bool weighted = norm != WeightingNorm::None;
  if (weighted) {
    merged.assign(static_cast<size_t>(ng) * longest, 0.0);
    for (int a = 0; a < na; ++a) {
      const AngleCounts& ac = per_angle[a];
      const double w = angle_distance(all_angles[a], roi.spacing, norm);
      for (int i = 0; i < ng; ++i)
        for (int r = 0; r < ac.longest; ++r)
          merged[static_cast<size_t>(i) * longest + r] += ac.counts[static_cast<size_t>(i) * ac.longest + r] * w;
    }
    m.runs.assign(1, 0.0);
    for (double v : merged) m.runs[0] += v;
    for (int i = 0; i < ng; ++i)
      for (int r = 0; r < longest; ++r) occurs[r] |= merged[static_cast<size_t>(i) * longest + r] != 0;
  } else {
    for (int a = 0; a < na; ++a)
      if (na == 1 || per_angle[a].runs > 0) kept.push_back(a);
    for (int a : kept) {
      m.angles.push_back(all_angles[a]);
      m.runs.push_back(double(per_angle[a].runs));
      const AngleCounts& ac = per_angle[a];
      for (int i = 0; i < ng; ++i)
        for (int r = 0; r < ac.longest; ++r) occurs[r] |= ac.counts[static_cast<size_t>(i) * ac.longest + r] != 0;
    }
  }
  for (double& r : m.runs)
    if (r == 0) r = kNaN;
  const int nm = weighted ? 1 : static_cast<int>(kept.size());
  m.na = nm;
  // Keep the run lengths that occur.
  std::vector<int> rank(longest, -1);
  for (int r = 0; r < longest; ++r)
    if (occurs[r]) {
      rank[r] = m.nr++;
      m.run_lengths.push_back(r + 1);
    }
  m.p.assign(static_cast<size_t>(ng) * m.nr * nm, 0.0);
  for (int k = 0; k < nm; ++k) {
    const int width = weighted ? longest : per_angle[kept[k]].longest;
    const double* src = weighted ? merged.data() : per_angle[kept[k]].counts.data();
    for (int i = 0; i < ng; ++i)
      for (int r = 0; r < width; ++r)
        if (rank[r] >= 0) m.p[(static_cast<size_t>(i) * m.nr + rank[r]) * nm + k] = src[static_cast<size_t>(i) * width + r];
  }
  return m;
}

FeatureList glrlm_features(const GlrlmMatrices& m) {
  std::vector<std::vector<double>> per_angle(kFeatureCount, std::vector<double>(m.na, kNaN));
  std::vector<double> pg(m.ng), pr(m.nr);
  for (int a = 0; a < m.na; ++a) {
    const double nruns = m.runs[a];
    if (std::isnan(nruns)) continue;  // an empty matrix: every feature NaN, as numpy's 0/0
    std::fill(pg.begin(), pg.end(), 0.0);
    std::fill(pr.begin(), pr.end(), 0.0);
    CellLog2 cell_log2;
    double re = 0, srlgle = 0, srhgle = 0, lrlgle = 0, lrhgle = 0;
    for (int i = 0; i < m.ng; ++i) {
      const double gi = m.gray_levels[i], gi2 = gi * gi;
      for (int r = 0; r < m.nr; ++r) {
        const double v = m.at(i, r, a);
        if (v == 0) continue;  // every term carries a factor v (numpy: 0 * log2(eps) = 0)
        const double rj = m.run_lengths[r], rj2 = rj * rj;
        pg[i] += v;
        pr[r] += v;
        const double pn = v / nruns;
        re -= pn * cell_log2(pn);
        srlgle += v / (gi2 * rj2);
        srhgle += v * gi2 / rj2;
        lrlgle += v * rj2 / gi2;
        lrhgle += v * gi2 * rj2;
      }
    }
    double gln = 0, lglre = 0, hglre = 0, ui = 0;
    for (int i = 0; i < m.ng; ++i) {
      const double gi = m.gray_levels[i];
      gln += pg[i] * pg[i];
      lglre += pg[i] / (gi * gi);
      hglre += pg[i] * gi * gi;
      ui += pg[i] / nruns * gi;
    }
    double glv = 0;
    for (int i = 0; i < m.ng; ++i) {
      const double gi = m.gray_levels[i];
      glv += pg[i] / nruns * (gi - ui) * (gi - ui);
    }
    double rln = 0, sre = 0, lre = 0, np = 0, uj = 0;
    for (int r = 0; r < m.nr; ++r) {
      const double rj = m.run_lengths[r];
      rln += pr[r] * pr[r];
      sre += pr[r] / (rj * rj);
      lre += pr[r] * rj * rj;
      np += pr[r] * rj;
      uj += pr[r] / nruns * rj;
    }
    double rv = 0;
    for (int r = 0; r < m.nr; ++r) {
      const double rj = m.run_lengths[r];
      rv += pr[r] / nruns * (rj - uj) * (rj - uj);
    }
    per_angle[kGLN][a] = gln / nruns;
    per_angle[kGLNN][a] = gln / (nruns * nruns);
    per_angle[kGLV][a] = glv;
    per_angle[kHGLRE][a] = hglre / nruns;
    per_angle[kLRE][a] = lre / nruns;
    per_angle[kLRHGLE][a] = lrhgle / nruns;
    per_angle[kLRLGLE][a] = lrlgle / nruns;
    per_angle[kLGLRE][a] = lglre / nruns;
    per_angle[kRE][a] = re;
    per_angle[kRLN][a] = rln / nruns;
    per_angle[kRLNN][a] = rln / (nruns * nruns);
    per_angle[kRP][a] = nruns / np;
    per_angle[kRV][a] = rv;
    per_angle[kSRE][a] = sre / nruns;
    per_angle[kSRHGLE][a] = srhgle / nruns;
    per_angle[kSRLGLE][a] = srlgle / nruns;
  }
  const std::vector<std::string>& names = glrlm_feature_names();
  FeatureList result;
  for (int f = 0; f < kFeatureCount; ++f) result.emplace_back(names[f], nan_mean(per_angle[f]));
  return result;
}

FeatureList glrlm_features(const DiscretizedRoi& roi, const GlrlmSettings& settings) {
  return glrlm_features(compute_glrlm_matrices(roi, settings));
}

}  // namespace scopemia::radiomics
