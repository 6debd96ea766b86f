// LBP2D / LBP3D image types (radiomics/lbp.h).
//  - against scikit-image 0.19.3's local_binary_pattern (LBP2D) and an
//    independent scipy 1.10.1 re-implementation of PyRadiomics's
//    getLBP3DImage (tests/radiomics/lbp_reference.py -> lbp_reference.inc);
//  - properties that pin the definitions: hand-computed codes, rotation
//    invariance of 'ror', 'uniform' from the bit pattern, icosphere geometry,
//    symmetries of the 3-D codes, constant and linear images;
//  - names and columns through generate_images and the extractor.
#include <algorithm>
#include <array>
#include <map>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.h"
#include "radiomics/extractor.h"
#include "radiomics/image_types.h"
#include "radiomics/lbp.h"
#include "radiomics/params.h"
#include "support/refdata.h"

namespace scopemia::radiomics {
namespace {

#include "lbp_reference.inc"

constexpr double kPi = 3.14159265358979323846;
constexpr int64_t X = 7, Y = 6, Z = 5;  // lbp_reference.py's volumes

Image<double> int_volume() {
  Image<double> v({X, Y, Z}, Geometry{});
  for (int64_t z = 0; z < Z; ++z)
    for (int64_t y = 0; y < Y; ++y)
      for (int64_t x = 0; x < X; ++x) v.at(x, y, z) = double((x * 7 + y * 13 + z * 29 + x * y * 3) * 37 % 101 - 50);
  return v;
}

Image<double> smooth_volume() {
  Image<double> v({X, Y, Z}, Geometry{});
  for (int64_t z = 0; z < Z; ++z)
    for (int64_t y = 0; y < Y; ++y)
      for (int64_t x = 0; x < X; ++x)
        v.at(x, y, z) = 0.25 * double(x * x) - 0.5 * double(x * y) + 0.125 * double((z + 1) * (z + 1) * (z + 1)) +
                        3.0 * double(y);
  return v;
}

LabelMap mask_volume() {
  LabelMap m({X, Y, Z}, Geometry{}, 0);
  for (int64_t z = 1; z < 4; ++z)
    for (int64_t y = 1; y < 5; ++y)
      for (int64_t x = 1; x < 6; ++x) m.at(x, y, z) = 1;
  m.at(0, 0, 0) = 1;
  m.at(6, 5, 4) = 1;
  m.at(3, 0, 2) = 1;
  return m;
}

bool same(double got, double want, double rel) {
  if (std::isnan(want)) return std::isnan(got);
  return std::abs(got - want) <= rel * std::max(1.0, std::abs(want));
}

// ---------------------------------------------------------------- LBP2D --

struct Case2d {
  std::string method;
  int P;
  double R;
  int axis;
  const std::vector<double>* want_float;
  const std::vector<double>* want_int16;
};

TEST(Lbp2d, MatchesScikitImageSliceBySlice) {
#define LBP_CASE(m, P, R, Rtag, a) \
  Case2d{#m, P, R, a, &kLbp2dFloat_##m##_P##P##_R##Rtag##_axis##a, &kLbp2dInt16_##m##_P##P##_R##Rtag##_axis##a}
  const std::vector<Case2d> cases = {
      LBP_CASE(default, 8, 1, 1, 0),   LBP_CASE(default, 8, 1, 1, 1),   LBP_CASE(default, 8, 1, 1, 2),
      LBP_CASE(ror, 8, 1, 1, 0),       LBP_CASE(ror, 8, 1, 1, 1),       LBP_CASE(ror, 8, 1, 1, 2),
      LBP_CASE(uniform, 8, 1, 1, 0),   LBP_CASE(uniform, 8, 1, 1, 1),   LBP_CASE(uniform, 8, 1, 1, 2),
      LBP_CASE(nri_uniform, 8, 1, 1, 0), LBP_CASE(nri_uniform, 8, 1, 1, 1), LBP_CASE(nri_uniform, 8, 1, 1, 2),
      LBP_CASE(uniform, 9, 1, 1, 0),   LBP_CASE(uniform, 9, 1, 1, 1),   LBP_CASE(uniform, 9, 1, 1, 2),
      LBP_CASE(default, 12, 1.5, 1p5, 0), LBP_CASE(default, 12, 1.5, 1p5, 1), LBP_CASE(default, 12, 1.5, 1p5, 2),
      LBP_CASE(uniform, 16, 2, 2, 0),  LBP_CASE(uniform, 16, 2, 2, 1),  LBP_CASE(uniform, 16, 2, 2, 2),
  };
#undef LBP_CASE
  int checked = 0;
  for (const Case2d& c : cases) {
    const Image<double> f = lbp2d_image(smooth_volume(), c.axis, c.P, c.R, c.method, PixelType::Float64);
    const Image<double> i = lbp2d_image(int_volume(), c.axis, c.P, c.R, c.method, PixelType::Int16);
    ASSERT_EQ(c.want_float->size(), size_t(f.voxel_count()));
    for (int64_t k = 0; k < f.voxel_count(); ++k) {
      ASSERT_EQ(f[k], (*c.want_float)[size_t(k)]) << c.method << " P" << c.P << " axis " << c.axis << " voxel " << k;
      ASSERT_EQ(i[k], (*c.want_int16)[size_t(k)]) << c.method << " P" << c.P << " axis " << c.axis << " voxel " << k;
      checked += 2;
    }
  }
  EXPECT_EQ(checked, 21 * 2 * 210);
}

TEST(Lbp2d, VarianceMatchesScikitImage) {
  const std::vector<const std::vector<double>*> want = {&kLbp2dFloat_var_P8_R1_axis0, &kLbp2dFloat_var_P8_R1_axis1,
                                                        &kLbp2dFloat_var_P8_R1_axis2};
  for (int axis = 0; axis < 3; ++axis) {
    const Image<double> f = lbp2d_image(smooth_volume(), axis, 8, 1, "var", PixelType::Float64);
    for (int64_t k = 0; k < f.voxel_count(); ++k)
      ASSERT_TRUE(same(f[k], (*want[size_t(axis)])[size_t(k)], 1e-12))
          << "axis " << axis << " voxel " << k << ": " << f[k] << " vs " << (*want[size_t(axis)])[size_t(k)];
  }
}

// The centre of a 3x3 pattern; P=8, R=1.
double centre_code(const std::array<double, 9>& p, const std::string& method, int P = 8) {
  std::array<double, 9> out{};
  lbp2d_slice(p.data(), 3, 3, P, 1.0, method, out.data());
  return out[4];
}

std::array<double, 9> rotate90(const std::array<double, 9>& p) {  // counter-clockwise on screen
  std::array<double, 9> q{};
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) q[size_t((2 - c) * 3 + r)] = p[size_t(r * 3 + c)];
  return q;
}

TEST(Lbp2d, DefaultCodesOnHandBuiltPatterns) {
  // Neighbour k at (row, col) offset (-sin(2 pi k/8), cos(2 pi k/8)): k = 0
  // right, 2 up, 4 left, 6 down; odd k are bilinear samples on the
  // diagonals. Centre 5, one bright pixel, the rest 0.
  auto with = [](int r, int c, double v) {
    std::array<double, 9> p{};
    p[4] = 5;
    p[size_t(r * 3 + c)] = v;
    return p;
  };
  EXPECT_EQ(centre_code(with(1, 2, 10), "default"), 1);    // right: bit 0
  EXPECT_EQ(centre_code(with(0, 1, 10), "default"), 4);    // up: bit 2
  EXPECT_EQ(centre_code(with(1, 0, 10), "default"), 16);   // left: bit 4
  EXPECT_EQ(centre_code(with(2, 1, 10), "default"), 64);   // down: bit 6
  // A corner pixel of 100: the diagonal sample is 0.7071^2 * 100 + 0.2929^2 * 5 >= 5.
  EXPECT_EQ(centre_code(with(0, 2, 100), "default"), 2);   // up-right: bit 1
  EXPECT_EQ(centre_code(with(0, 0, 100), "default"), 8);   // up-left: bit 3
  EXPECT_EQ(centre_code(with(2, 0, 100), "default"), 32);  // down-left: bit 5
  EXPECT_EQ(centre_code(with(2, 2, 100), "default"), 128); // down-right: bit 7
  // A corner of 10 is not enough: 0.5 * 10 + 0.0858 * 5 = 5.43 >= 5 -> bit set;
  // a corner of 9: 4.5 + 0.43 = 4.93 < 5 -> not set.
  EXPECT_EQ(centre_code(with(0, 2, 10), "default"), 2);
  EXPECT_EQ(centre_code(with(0, 2, 9), "default"), 0);
  // Equal counts as >=: a constant image sets every bit.
  std::array<double, 9> flat;
  flat.fill(3);
  EXPECT_EQ(centre_code(flat, "default"), 255);
  EXPECT_EQ(centre_code(flat, "ror"), 255);
  EXPECT_EQ(centre_code(flat, "uniform"), 8);
  EXPECT_EQ(centre_code(flat, "nri_uniform"), 8 * 7 + 1);
  EXPECT_TRUE(std::isnan(centre_code(flat, "var")));
  // Two opposite neighbours: 1 + 16 = 17 (non-uniform: 4 changes -> P + 1).
  std::array<double, 9> two{};
  two[4] = 5;
  two[5] = 10;
  two[3] = 10;
  EXPECT_EQ(centre_code(two, "default"), 17);
  EXPECT_EQ(centre_code(two, "uniform"), 9);
  EXPECT_EQ(centre_code(two, "ror"), 17);  // rotations of 00010001: 17 is the smallest
}

TEST(Lbp2d, RorIsInvariantToRotationsAndUniformFollowsTheBits) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> d(0, 10);  // no ties between samples
  int non_uniform = 0, uniform_seen = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::array<double, 9> p;
    for (double& v : p) v = d(rng);
    const double code = centre_code(p, "default");
    // 'ror' = the smallest of the 8 circular bit rotations of the code
    unsigned v = unsigned(code), best = v;
    for (int k = 1; k < 8; ++k) {
      v = (v >> 1) | ((v & 1u) << 7);
      best = std::min(best, v);
    }
    const double ror = centre_code(p, "ror");
    ASSERT_EQ(ror, best);
    // a 90-degree turn of the pattern rotates the code by 2 bits: same 'ror'
    std::array<double, 9> q = p;
    for (int turn = 1; turn < 4; ++turn) {
      q = rotate90(q);
      ASSERT_EQ(centre_code(q, "ror"), ror);
      const unsigned c = unsigned(code);
      const unsigned rotated = ((c << (2 * turn)) | (c >> (8 - 2 * turn))) & 0xFFu;
      ASSERT_EQ(centre_code(q, "default"), rotated) << "turn " << turn;
    }
    // 'uniform': number of ones when <= 2 changes around the circle, else P+1
    const unsigned c = unsigned(code);
    int changes = 0, ones = 0;
    for (int k = 0; k < 8; ++k) {
      changes += ((c >> k) & 1u) != ((c >> ((k + 1) % 8)) & 1u);
      ones += (c >> k) & 1u;
    }
    const double uni = centre_code(p, "uniform");
    if (changes <= 2) {
      ASSERT_EQ(uni, ones);
      ++uniform_seen;
    } else {
      ASSERT_EQ(uni, 9);
      ++non_uniform;
    }
  }
  EXPECT_GT(non_uniform, 100);
  EXPECT_GT(uniform_seen, 100);
  // A 45-degree step: one bright axial neighbour (code 1) and one bright
  // corner (code 2) are the same pattern turned by 45 degrees.
  std::array<double, 9> axial{}, corner{};
  axial[4] = corner[4] = 5;
  axial[5] = 10;    // diagonal samples 0.29 * (0.29 * 5 + 0.71 * 10) < 5
  corner[2] = 100;  // diagonal sample 0.71 * 0.71 * 100 + 0.29^2 * 5 >= 5
  EXPECT_EQ(centre_code(axial, "ror"), 1);
  EXPECT_EQ(centre_code(corner, "ror"), 1);
  EXPECT_EQ(centre_code(axial, "uniform"), 1);
  EXPECT_EQ(centre_code(corner, "uniform"), 1);
}

TEST(Lbp2d, CodesAreWrittenInTheImageType) {
  // PyRadiomics writes the codes back into the image's numpy array: 'var'
  // values are truncated in an integer image, kept in a float one.
  const Image<double> f = lbp2d_image(smooth_volume(), 0, 8, 1, "var", PixelType::Float64);
  const Image<double> i = lbp2d_image(smooth_volume(), 0, 8, 1, "var", PixelType::Int32);
  for (int64_t k = 0; k < f.voxel_count(); ++k)
    if (!std::isnan(f[k])) ASSERT_EQ(i[k], std::trunc(f[k]));
}

// ---------------------------------------------------------------- LBP3D --

TEST(Lbp3d, IcosphereVertices) {
  for (int sub = 0; sub <= 3; ++sub) {
    for (double radius : {1.0, 2.5}) {
      const auto v = icosphere_vertices(sub, radius);
      ASSERT_EQ(v.size(), size_t(10 * (1 << (2 * sub)) + 2)) << sub;  // 12, 42, 162, 642
      const double want_r = sub == 0 ? 1.0 : radius;  // trimesh: no radius without a subdivision
      std::set<std::array<long, 3>> keys;
      for (const auto& q : v) {
        EXPECT_NEAR(std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]), want_r, 1e-12);
        keys.insert({std::lround(q[0] * 1e9), std::lround(q[1] * 1e9), std::lround(q[2] * 1e9)});
      }
      EXPECT_EQ(keys.size(), v.size());  // distinct
      // centrally symmetric and closed under each sign flip and the cyclic
      // permutation of the axes
      for (const auto& q : v) {
        for (const auto& t : std::vector<std::array<double, 3>>{
                 {-q[0], q[1], q[2]}, {q[0], -q[1], q[2]}, {q[0], q[1], -q[2]}, {q[1], q[2], q[0]}})
          EXPECT_TRUE(keys.count({std::lround(t[0] * 1e9), std::lround(t[1] * 1e9), std::lround(t[2] * 1e9)}));
      }
    }
  }
  // Subdivision 0: the icosahedron (+-1, +-phi, 0) / sqrt(2 + phi) and its
  // cyclic permutations.
  const double t = (1 + std::sqrt(5.0)) / 2, n = std::sqrt(2 + t);
  const auto v = icosphere_vertices(0, 1);
  bool found = false;
  for (const auto& q : v) found = found || (std::abs(q[0] - 1 / n) < 1e-15 && std::abs(q[1] - t / n) < 1e-15 && q[2] == 0);
  EXPECT_TRUE(found);
}

TEST(Lbp3d, SphericalHarmonicsAsScipy) {
  // scipy.special.sph_harm(m, n, theta=azimuth, phi=polar)
  const double th = 0.7, ph = 1.1;
  EXPECT_NEAR(scipy_sph_harm(0, 0, th, ph).real(), 0.5 / std::sqrt(kPi), 1e-15);
  EXPECT_NEAR(scipy_sph_harm(0, 1, th, ph).real(), std::sqrt(3 / (4 * kPi)) * std::cos(ph), 1e-15);
  const std::complex<double> y11 = -0.5 * std::sqrt(3 / (2 * kPi)) * std::sin(ph) * std::polar(1.0, th);
  EXPECT_NEAR(std::abs(scipy_sph_harm(1, 1, th, ph) - y11), 0, 1e-15);
  EXPECT_NEAR(std::abs(scipy_sph_harm(-1, 1, th, ph) + std::conj(y11)), 0, 1e-15);
  const std::complex<double> y22 = 0.25 * std::sqrt(15 / (2 * kPi)) * std::pow(std::sin(ph), 2) * std::polar(1.0, 2 * th);
  EXPECT_NEAR(std::abs(scipy_sph_harm(2, 2, th, ph) - y22), 0, 1e-15);
  const double y30 = 0.25 * std::sqrt(7 / kPi) * (5 * std::pow(std::cos(ph), 3) - 3 * std::cos(ph));
  EXPECT_NEAR(std::abs(scipy_sph_harm(0, 3, th, ph) - y30), 0, 1e-15);
}

TEST(Lbp3d, CubicSplineSamplingAsMapCoordinates) {
  // Interpolating: the grid values come back; outside [0, n-1] -> 0.
  const Image<double> v = smooth_volume();
  const CubicSplineSampler s(v);
  for (int64_t z = 0; z < Z; ++z)
    for (int64_t y = 0; y < Y; ++y)
      for (int64_t x = 0; x < X; ++x) ASSERT_NEAR(s(double(z), double(y), double(x)), v.at(x, y, z), 1e-12);
  EXPECT_EQ(s(-1e-12, 2, 2), 0.0);
  EXPECT_EQ(s(2, 2, double(X - 1) + 1e-12), 0.0);
  // A cubic is reproduced away from the mirrored borders.
  Image<double> big({24, 24, 24}, Geometry{});
  auto fun = [](double x, double y, double z) { return 0.01 * x * x * x - 0.2 * x * y + 0.3 * z * z + y; };
  for (int64_t z = 0; z < 24; ++z)
    for (int64_t y = 0; y < 24; ++y)
      for (int64_t x = 0; x < 24; ++x) big.at(x, y, z) = fun(double(x), double(y), double(z));
  const CubicSplineSampler sb(big);
  EXPECT_NEAR(sb(11.3, 12.6, 11.45), fun(11.45, 12.6, 11.3), 1e-4);  // mirrored borders 11 voxels away
}

struct Case3d {
  int levels;
  double radius;
  int sub;
  std::vector<const std::vector<double>*> want_int16;  // m1.., k
  std::vector<const std::vector<double>*> want_float;
};

TEST(Lbp3d, MatchesScipyReimplementationOfPyRadiomics) {
  const std::vector<Case3d> cases = {
      {2, 1.0, 1, {&kLbp3dInt16_L2_R1p0_S1_m1, &kLbp3dInt16_L2_R1p0_S1_m2, &kLbp3dInt16_L2_R1p0_S1_k},
       {&kLbp3dFloat_L2_R1p0_S1_m1, &kLbp3dFloat_L2_R1p0_S1_m2, &kLbp3dFloat_L2_R1p0_S1_k}},
      {3, 1.0, 0,
       {&kLbp3dInt16_L3_R1p0_S0_m1, &kLbp3dInt16_L3_R1p0_S0_m2, &kLbp3dInt16_L3_R1p0_S0_m3, &kLbp3dInt16_L3_R1p0_S0_k},
       {&kLbp3dFloat_L3_R1p0_S0_m1, &kLbp3dFloat_L3_R1p0_S0_m2, &kLbp3dFloat_L3_R1p0_S0_m3, &kLbp3dFloat_L3_R1p0_S0_k}},
      {3, 1.5, 1,
       {&kLbp3dInt16_L3_R1p5_S1_m1, &kLbp3dInt16_L3_R1p5_S1_m2, &kLbp3dInt16_L3_R1p5_S1_m3, &kLbp3dInt16_L3_R1p5_S1_k},
       {&kLbp3dFloat_L3_R1p5_S1_m1, &kLbp3dFloat_L3_R1p5_S1_m2, &kLbp3dFloat_L3_R1p5_S1_m3, &kLbp3dFloat_L3_R1p5_S1_k}},
      {2, 2.0, 0, {&kLbp3dInt16_L2_R2p0_S0_m1, &kLbp3dInt16_L2_R2p0_S0_m2, &kLbp3dInt16_L2_R2p0_S0_k},
       {&kLbp3dFloat_L2_R2p0_S0_m1, &kLbp3dFloat_L2_R2p0_S0_m2, &kLbp3dFloat_L2_R2p0_S0_k}},
      {4, 1.0, 2,
       {&kLbp3dInt16_L4_R1p0_S2_m1, &kLbp3dInt16_L4_R1p0_S2_m2, &kLbp3dInt16_L4_R1p0_S2_m3, &kLbp3dInt16_L4_R1p0_S2_m4,
        &kLbp3dInt16_L4_R1p0_S2_k},
       {&kLbp3dFloat_L4_R1p0_S2_m1, &kLbp3dFloat_L4_R1p0_S2_m2, &kLbp3dFloat_L4_R1p0_S2_m3, &kLbp3dFloat_L4_R1p0_S2_m4,
        &kLbp3dFloat_L4_R1p0_S2_k}},
  };
  const LabelMap mask = mask_volume();
  std::vector<int64_t> roi;  // numpy.where order = our linear order
  for (int64_t k = 0; k < mask.voxel_count(); ++k)
    if (mask[k]) roi.push_back(k);
  int checked = 0;
  for (const Case3d& c : cases) {
    for (int kind = 0; kind < 2; ++kind) {
      const Lbp3dImages got = kind == 0 ? lbp3d_images(int_volume(), mask, c.levels, c.radius, c.sub, PixelType::Int16)
                                        : lbp3d_images(smooth_volume(), mask, c.levels, c.radius, c.sub,
                                                       PixelType::Float64);
      const auto& want = kind == 0 ? c.want_int16 : c.want_float;
      ASSERT_EQ(got.levels.size(), size_t(c.levels));
      for (size_t img = 0; img < want.size(); ++img) {
        const Image<double>& g = img < got.levels.size() ? got.levels[img] : got.kurtosis;
        ASSERT_EQ(want[img]->size(), roi.size());
        for (size_t r = 0; r < roi.size(); ++r) {
          ASSERT_TRUE(same(g[roi[r]], (*want[img])[r], 1e-9))
              << (kind ? "float" : "int16") << " levels " << c.levels << " R " << c.radius << " sub " << c.sub
              << " image " << img << " roi voxel " << r << ": " << g[roi[r]] << " vs " << (*want[img])[r];
          ++checked;
        }
      }
      for (int64_t k = 0; k < mask.voxel_count(); ++k)
        if (!mask[k]) ASSERT_EQ(got.levels[0][k], 0.0);
    }
  }
  EXPECT_EQ(checked, 2 * (3 + 4 + 4 + 3 + 5) * 63);
}

Image<double> random_cube(int64_t n, uint32_t seed, bool real = false) {
  Image<double> v({n, n, n}, Geometry{});
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-100, 100);
  for (int64_t k = 0; k < v.voxel_count(); ++k) v[k] = d(rng) + (real ? 0.001 * d(rng) : 0.0);
  return v;
}

TEST(Lbp3d, SymmetriesOfTheIcosphere) {
  // Every flip of an axis maps the icosphere onto itself, so flipping the
  // volume flips m1 (sqrt(Nv) * (neighbours >= centre) / (4 pi)) and k.
  // The higher levels follow the flips of x and y, and of z at subdivision 0;
  // not of z from subdivision 1 on: PyRadiomics passes arctan2(v_y, v_x) as
  // sph_harm's polar angle, which the flip of z (numpy axis 0 = v_x) turns
  // into pi - phi everywhere except at the vertices (0, 0, +-R), where it
  // stays 0. The cyclic permutation of the axes leaves m1 and k unchanged.
  const int64_t n = 7;
  const Image<double> v = random_cube(n, 3, true);
  LabelMap all({n, n, n}, Geometry{}, 1);
  for (int sub = 0; sub <= 1; ++sub) {
    // Float64: integer samples would tie with the centre, where rounding decides.
    const Lbp3dImages ref = lbp3d_images(v, all, 3, 1.0, sub, PixelType::Float64);
    for (int flip = 0; flip < 3; ++flip) {
      Image<double> w({n, n, n}, Geometry{});
      for (int64_t z = 0; z < n; ++z)
        for (int64_t y = 0; y < n; ++y)
          for (int64_t x = 0; x < n; ++x)
            w.at(flip == 0 ? n - 1 - x : x, flip == 1 ? n - 1 - y : y, flip == 2 ? n - 1 - z : z) = v.at(x, y, z);
      const Lbp3dImages got = lbp3d_images(w, all, 3, 1.0, sub, PixelType::Float64);
      const int levels = flip == 2 && sub > 0 ? 1 : 3;
      double max_diff_m2 = 0;
      for (int64_t z = 0; z < n; ++z)
        for (int64_t y = 0; y < n; ++y)
          for (int64_t x = 0; x < n; ++x) {
            const int64_t a = ref.kurtosis.offset(x, y, z);
            const int64_t b = ref.kurtosis.offset(flip == 0 ? n - 1 - x : x, flip == 1 ? n - 1 - y : y,
                                                  flip == 2 ? n - 1 - z : z);
            for (int l = 0; l < levels; ++l)
              ASSERT_NEAR(got.levels[size_t(l)][b], ref.levels[size_t(l)][a], 1e-9)
                  << "sub " << sub << " flip " << flip << " m" << l + 1;
            ASSERT_TRUE(same(got.kurtosis[b], ref.kurtosis[a], 1e-9));
            max_diff_m2 = std::max(max_diff_m2, std::abs(got.levels[1][b] - ref.levels[1][a]));
          }
      if (levels == 1) EXPECT_GT(max_diff_m2, 0.1);  // the documented asymmetry
    }
    // (x, y, z) -> (y, z, x)
    Image<double> w({n, n, n}, Geometry{});
    for (int64_t z = 0; z < n; ++z)
      for (int64_t y = 0; y < n; ++y)
        for (int64_t x = 0; x < n; ++x) w.at(y, z, x) = v.at(x, y, z);
    const Lbp3dImages got = lbp3d_images(w, all, 3, 1.0, sub, PixelType::Float64);
    for (int64_t z = 0; z < n; ++z)
      for (int64_t y = 0; y < n; ++y)
        for (int64_t x = 0; x < n; ++x) {
          ASSERT_NEAR(got.levels[0].at(y, z, x), ref.levels[0].at(x, y, z), 1e-9);
          ASSERT_TRUE(same(got.kurtosis.at(y, z, x), ref.kurtosis.at(x, y, z), 1e-9));
        }
  }
}

TEST(Lbp3d, RampsAndConstantsGiveKnownValues) {
  // m1 = |sum_m c_0m Y_0m| over the vertices = sqrt(Nv) * ones / (4 pi),
  // ones = the neighbours >= the centre. On a linear ramp (reproduced by the
  // cubic spline away from the borders) the centrally symmetric icosphere
  // has exactly Nv/2 of them, whatever the ramp's direction: m1 is
  // invariant to 90-degree turns of the volume.
  const int64_t n = 21;
  LabelMap centre({n, n, n}, Geometry{}, 0);
  for (int64_t z = 9; z < 12; ++z)
    for (int64_t y = 9; y < 12; ++y)
      for (int64_t x = 9; x < 12; ++x) centre.at(x, y, z) = 1;
  const std::vector<std::array<double, 3>> dirs = {{1.0, 0.3, 0.2}, {-0.3, 1.0, 0.2}, {0.2, 0.3, -1.0}, {0.7, -0.45, 0.55}};
  for (int sub = 0; sub <= 2; ++sub) {
    const double nv = double(10 * (1 << (2 * sub)) + 2);
    for (const auto& d : dirs) {
      Image<double> ramp({n, n, n}, Geometry{});
      for (int64_t z = 0; z < n; ++z)
        for (int64_t y = 0; y < n; ++y)
          for (int64_t x = 0; x < n; ++x) ramp.at(x, y, z) = d[0] * double(x) + d[1] * double(y) + d[2] * double(z);
      const Lbp3dImages got = lbp3d_images(ramp, centre, 2, 1.0, sub, PixelType::Float64);
      for (int64_t k = 0; k < centre.voxel_count(); ++k)
        if (centre[k]) {
          ASSERT_NEAR(got.levels[0][k], std::sqrt(nv) * (nv / 2) / (4 * kPi), 1e-9) << sub;
          // samples of a ramp on a sphere: kurtosis of a*v over the vertices,
          // finite and the same at every voxel
          ASSERT_TRUE(std::isfinite(got.kurtosis[k]));
        }
    }
  }
  // Constant int16 image: every sample equals the centre (all bits set), so
  // m1 = Nv^1.5 / (4 pi); the kurtosis of constant samples is NaN (scipy).
  Image<double> flat({8, 8, 8}, Geometry{}, 40.0);
  LabelMap some({8, 8, 8}, Geometry{}, 0);
  some.at(3, 4, 5) = 1;
  some.at(0, 0, 0) = 1;  // at the corner, samples outside the image are 0 < 40
  const Lbp3dImages got = lbp3d_images(flat, some, 2, 1.0, 1, PixelType::Int16);
  EXPECT_NEAR(got.levels[0].at(3, 4, 5), std::pow(42.0, 1.5) / (4 * kPi), 1e-9);
  EXPECT_TRUE(std::isnan(got.kurtosis.at(3, 4, 5)));
  EXPECT_LT(got.levels[0].at(0, 0, 0), got.levels[0].at(3, 4, 5));
  EXPECT_FALSE(std::isnan(got.kurtosis.at(0, 0, 0)));
}

// ------------------------------------------------------------ the hooks --

TEST(LbpImageTypes, NamesAsPyRadiomics) {
  Settings s;
  s.lbp3DLevels = 3;
  std::vector<std::string> names;
  const Image<double> v = int_volume();
  const LabelMap m = mask_volume();
  auto sink = [&](const std::string& name, const Image<double>& img) {
    names.push_back(name);
    EXPECT_EQ(img.size(), v.size());
  };
  generate_images("LBP3D", v, m, s, sink, PixelType::Int16);
  generate_images("LBP2D", v, m, s, sink, PixelType::Int16);
  EXPECT_EQ(names, (std::vector<std::string>{"lbp-3D-m1", "lbp-3D-m2", "lbp-3D-m3", "lbp-3D-k", "lbp-2D"}));
}

TEST(LbpImageTypes, ExtractorColumnsAndTypeSettings) {
  const std::string yaml =
      "setting:\n  binWidth: 0.5\n  lbp3DLevels: 2\n"
      "imageType:\n  Original: {}\n  LBP3D: {lbp3DLevels: 3, lbp3DIcosphereSubdivision: 0}\n"
      "  LBP2D: {lbp2DMethod: default, lbp2DSamples: 8}\n"
      "featureClass:\n  firstorder: [Mean, Maximum]\n";
  const Params p = parse_params_yaml(yaml, "test");
  const Extractor e(p);
  const int64_t n = 12;
  const Image<double> img = random_cube(n, 11);
  LabelMap mask({n, n, n}, Geometry{}, 0);
  for (int64_t z = 3; z < 9; ++z)
    for (int64_t y = 3; y < 9; ++y)
      for (int64_t x = 3; x < 9; ++x) mask.at(x, y, z) = 1;
  const CaseResult r = e.execute(img, PixelType::Int16, mask);
  std::vector<std::string> cols;
  for (const auto& f : r.features) cols.push_back(f.first);
  const std::vector<std::string> want = {
      // classes' features in the order the file lists them
      "original_firstorder_Mean",     "original_firstorder_Maximum",  "lbp-3D-m1_firstorder_Mean",
      "lbp-3D-m1_firstorder_Maximum", "lbp-3D-m2_firstorder_Mean",    "lbp-3D-m2_firstorder_Maximum",
      "lbp-3D-m3_firstorder_Mean",    "lbp-3D-m3_firstorder_Maximum", "lbp-3D-k_firstorder_Mean",
      "lbp-3D-k_firstorder_Maximum",  "lbp-2D_firstorder_Mean",       "lbp-2D_firstorder_Maximum"};
  ASSERT_EQ(cols, want);
  // The values are those of the images the ROI sees.
  const Lbp3dImages l3 = lbp3d_images(img, mask, 3, 1.0, 0, PixelType::Int16);
  const Image<double> l2 = lbp2d_image(img, 0, 8, 1.0, "default", PixelType::Int16);
  double m1_mean = 0, k_max = -1e300, l2_max = -1e300, count = 0;
  for (int64_t k = 0; k < mask.voxel_count(); ++k)
    if (mask[k]) {
      m1_mean += l3.levels[0][k];
      k_max = std::max(k_max, l3.kurtosis[k]);
      l2_max = std::max(l2_max, l2[k]);
      ++count;
    }
  m1_mean /= count;
  EXPECT_NEAR(r.features[2].second, m1_mean, 1e-9 * std::abs(m1_mean));
  EXPECT_NEAR(r.features[9].second, k_max, 1e-9 * std::max(1.0, std::abs(k_max)));
  EXPECT_EQ(r.features[11].second, l2_max);
}

}  // namespace
}  // namespace scopemia::radiomics

namespace scopemia::radiomics {
namespace {

TEST(LbpImageTypes, DefaultsAsPyRadiomicsCode) {
  // imageoperations.getLBP2DImage: kwargs.get('lbp2DSamples', 8) (the
  // docstring's 9 is not what runs), radius 1, 'uniform'; LBP3D: 2 levels,
  // radius 1, subdivision 1.
  const Settings s;
  EXPECT_EQ(s.lbp2DSamples, 8);
  EXPECT_EQ(s.lbp2DRadius, 1.0);
  EXPECT_EQ(s.lbp2DMethod, "uniform");
  EXPECT_EQ(s.lbp3DLevels, 2);
  EXPECT_EQ(s.lbp3DIcosphereRadius, 1.0);
  EXPECT_EQ(s.lbp3DIcosphereSubdivision, 1);
}

TEST(LbpImageTypes, FlatRoiGivesNanKurtosis) {
  const std::string yaml =
      "setting:\n  binWidth: 1\n"
      "imageType:\n  LBP3D: {}\n"
      "featureClass:\n  firstorder: [Mean]\n";
  const Extractor e(parse_params_yaml(yaml, "test"));
  Image<double> img({10, 10, 10}, Geometry{}, 7.0);
  LabelMap mask({10, 10, 10}, Geometry{}, 0);
  for (int64_t z = 3; z < 7; ++z)
    for (int64_t y = 3; y < 7; ++y)
      for (int64_t x = 3; x < 7; ++x) mask.at(x, y, z) = 1;
  img.at(5, 5, 5) = 9;
  // The kurtosis of constant samples is NaN (scipy): PyRadiomics's bin edges
  // (builtin min, numpy.arange) fail when the first ROI value is NaN, as
  // here; a one-line error, no crash.
  const Lbp3dImages l = lbp3d_images(img, mask, 2, 1.0, 1, PixelType::Int16);
  EXPECT_TRUE(std::isnan(l.kurtosis.at(3, 3, 3)));
  EXPECT_FALSE(std::isnan(l.kurtosis.at(4, 5, 5)));  // next to the bright voxel
  EXPECT_THROW(e.execute(img, PixelType::Int16, mask), InputError);
}

}  // namespace
}  // namespace scopemia::radiomics

namespace scopemia::radiomics {
namespace {

// brain1 (int16, 256x256x25, 4137 ROI voxels), PyRadiomics's default
// settings, LBP3D and LBP2D defaults: firstorder Mean/Minimum/Maximum of each
// image against the scipy/scikit-image path of lbp_reference.py run on the
// same files (numpy mean/min/max over the ROI voxels).
TEST(LbpImageTypes, Brain1AgainstPythonReference) {
  SCOPEMIA_REFDATA(image, "pyradiomics/brain1_image.nrrd");
  SCOPEMIA_REFDATA(mask, "pyradiomics/brain1_label.nrrd");
  const std::string yaml =
      "imageType:\n  LBP3D: {}\n  LBP2D: {}\n"
      "featureClass:\n  firstorder: [Mean, Minimum, Maximum]\n";
  const Extractor e(parse_params_yaml(yaml, "test"));
  const CaseResult r = e.execute_files(image, mask);
  std::map<std::string, double> got(r.features.begin(), r.features.end());
  struct Want {
    const char* image;
    double mean, min, max;
  };
  const std::vector<Want> want = {
      {"lbp-3D-m1", 8.4959947996859881, 0, 21.660280258017078},
      {"lbp-3D-m2", 10.500591663020836, 0, 19.594452029932768},
      {"lbp-3D-k", -0.76518324306811814, -1.5981039906021668, 3.2212504764810079},
      {"lbp-2D", 4.3294657964708723, 0, 9},
  };
  for (const Want& w : want) {
    const std::string n = std::string(w.image) + "_firstorder_";
    ASSERT_TRUE(got.count(n + "Mean")) << n;
    EXPECT_NEAR(got[n + "Mean"], w.mean, 1e-12 * std::max(1.0, std::abs(w.mean))) << n;
    EXPECT_NEAR(got[n + "Minimum"], w.min, 1e-12 * std::max(1.0, std::abs(w.min))) << n;
    EXPECT_NEAR(got[n + "Maximum"], w.max, 1e-12 * std::max(1.0, std::abs(w.max))) << n;
  }
}

}  // namespace
}  // namespace scopemia::radiomics
