// Voxel-based maps (radiomics/voxel_maps.h) against PyRadiomics's voxel-based
// definition written plainly here: for every ROI voxel, the kernel cube
// (kernelRadius, clipped to the ROI's bounding box grown by kernelRadius),
// its voxels those in the ROI (maskedKernel) or all, gray levels from ONE
// discretization over the ROI (or the whole grown box), and each feature
// class called on that kernel as on a segment (no shared texture inputs,
// one thread). Every map value must match within 1e-6, voxels outside the
// ROI must hold initValue, and the maps must sit on the grown box of the
// input's grid.
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/crop.h"
#include "io/dicom_mask.h"
#include "radiomics/extractor.h"
#include "radiomics/params.h"
#include "radiomics/preprocess.h"
#include "radiomics/voxel_maps.h"
#include "support/refdata.h"

namespace scopemia::radiomics {
namespace {

struct Case {
  Image<double> image;
  LabelMap labels;
};

Case load(const std::string& image_path, const std::string& mask_path) {
  return {read_extraction_image(image_path), io::read_mask(mask_path, image_path)};
}

Params voxel_params(int radius, bool masked, double bin_width, double init_value) {
  Params params = default_params();
  apply_setting_overrides(params,
                          {{"kernelRadius", PyValue::integer(radius)},
                           {"maskedKernel", PyValue::boolean(masked)},
                           {"binWidth", PyValue::real(bin_width)},
                           {"initValue", PyValue::real(init_value)}},
                          "test");
  return params;
}

bool close(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::abs(a - b) <= 1e-6 * std::max(1.0, std::abs(b));
}

// The plain per-voxel definition; compares every ROI voxel of every map.
void expect_maps_match_definition(const Case& c, int radius, bool masked, double bin_width) {
  const double init_value = -12345.0;
  const Params params = voxel_params(radius, masked, bin_width, init_value);
  const Settings& settings = params.settings;
  const VoxelResult result = extract_voxel_maps(params, c.image, c.image.source_pixel_type(), c.labels, std::nullopt, 2);

  const Size3 n = c.image.size();
  LabelMap roi(n, c.image.geometry(), 0);
  int64_t x0 = n.x, x1 = -1, y0 = n.y, y1 = -1, z0 = n.z, z1 = -1;
  for (int64_t z = 0; z < n.z; ++z)
    for (int64_t y = 0; y < n.y; ++y)
      for (int64_t x = 0; x < n.x; ++x)
        if (c.labels.at(x, y, z) == settings.label) {
          roi.at(x, y, z) = 1;
          x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
          z0 = std::min(z0, z), z1 = std::max(z1, z);
        }
  ASSERT_GE(x1, 0) << "empty ROI";
  x0 = std::max<int64_t>(x0 - radius, 0), x1 = std::min<int64_t>(x1 + radius, n.x - 1);
  y0 = std::max<int64_t>(y0 - radius, 0), y1 = std::min<int64_t>(y1 + radius, n.y - 1);
  z0 = std::max<int64_t>(z0 - radius, 0), z1 = std::min<int64_t>(z1 + radius, n.z - 1);
  const Region box{Index3{x0, y0, z0}, Size3{x1 - x0 + 1, y1 - y0 + 1, z1 - z0 + 1}};
  ASSERT_EQ(result.box, box);

  // What is discretized (and what a kernel may hold): the ROI, or the whole box.
  LabelMap domain(n, c.image.geometry(), 0);
  for (int64_t z = z0; z <= z1; ++z)
    for (int64_t y = y0; y <= y1; ++y)
      for (int64_t x = x0; x <= x1; ++x) domain.at(x, y, z) = masked ? roi.at(x, y, z) : 1;
  const DiscretizedRoi levels = discretize(c.image, domain, settings);

  std::map<std::string, const VoxelMap*> by_name;
  for (const VoxelMap& m : result.maps) by_name[m.name] = &m;
  ASSERT_EQ(result.maps.size(), 93u);  // 18 first order + 24 + 16 + 16 + 14 + 5 texture

  for (const VoxelMap& m : result.maps) {
    ASSERT_EQ(m.map.size(), box.size) << m.name;
    const Vec3 origin = c.image.geometry().index_to_physical(Vec3{double(x0), double(y0), double(z0)});
    for (int a = 0; a < 3; ++a) ASSERT_NEAR(m.map.geometry().origin[a], origin[a], 1e-9) << m.name;
  }

  int64_t compared = 0, mismatches = 0;
  for (int64_t z = z0; z <= z1; ++z)
    for (int64_t y = y0; y <= y1; ++y)
      for (int64_t x = x0; x <= x1; ++x) {
        const int64_t bx = x - x0, by = y - y0, bz = z - z0;
        if (!roi.at(x, y, z)) {
          for (const VoxelMap& m : result.maps) ASSERT_EQ(m.map.at(bx, by, bz), init_value) << m.name;
          continue;
        }
        const Region cube{Index3{std::max(x - radius, x0), std::max(y - radius, y0), std::max(z - radius, z0)},
                          Size3{std::min(x + radius, x1) - std::max(x - radius, x0) + 1,
                                std::min(y + radius, y1) - std::max(y - radius, y0) + 1,
                                std::min(z + radius, z1) - std::max(z - radius, z0) + 1}};
        DiscretizedRoi kernel;
        kernel.size = cube.size;
        kernel.spacing = levels.spacing;
        kernel.max_level = levels.max_level;
        const Image<double> kernel_image = crop(c.image, cube);
        LabelMap kernel_mask(cube.size, kernel_image.geometry(), 0);
        for (int64_t kz = 0; kz < cube.size.z; ++kz)
          for (int64_t ky = 0; ky < cube.size.y; ++ky)
            for (int64_t kx = 0; kx < cube.size.x; ++kx) {
              const int64_t gx = cube.start.x + kx, gy = cube.start.y + ky, gz = cube.start.z + kz;
              const bool in = domain.at(gx, gy, gz) != 0;
              kernel.level.push_back(in ? levels.level[levels.offset(gx, gy, gz)] : 0);
              kernel.mask.push_back(in);
              kernel_mask.at(kx, ky, kz) = in;
            }
        for (const FeatureClassConfig& fc : params.feature_classes) {
          const FeatureClass* cls = find_feature_class(fc.name);
          if (!cls || cls->shape) continue;
          const std::vector<std::string> enabled = Extractor::enabled_features(fc);
          const ClassInput in{&kernel, &settings, &kernel_image, &kernel_mask, &enabled};
          FeatureValues expected;
          try {
            expected = cls->compute(in);
          } catch (const std::exception&) {
            for (const std::string& f : enabled)
              expected.emplace_back(f, init_value);  // a failing class leaves initValue
          }
          for (const auto& [feature, value] : expected) {
            const auto it = by_name.find("original_" + fc.name + "_" + feature);
            if (it == by_name.end()) continue;
            const double got = it->second->map.at(bx, by, bz);
            ++compared;
            if (!close(got, value) && ++mismatches <= 10)
              ADD_FAILURE() << it->first << " at (" << x << "," << y << "," << z << "): map " << got
                            << ", definition " << value;
          }
        }
      }
  EXPECT_EQ(mismatches, 0) << "of " << compared;
  EXPECT_EQ(compared, result.kernels * 93);
}

class Brain1VoxelMaps : public ::testing::TestWithParam<std::tuple<int, bool>> {};

TEST_P(Brain1VoxelMaps, EveryMapEqualsThePerVoxelDefinition) {
  SCOPEMIA_REFDATA(image_path, "pyradiomics/brain1_image.nrrd");
  SCOPEMIA_REFDATA(mask_path, "pyradiomics/brain1_label.nrrd");
  const auto [radius, masked] = GetParam();
  expect_maps_match_definition(load(image_path, mask_path), radius, masked, 25);
}

INSTANTIATE_TEST_SUITE_P(KernelRadiusAndMasking, Brain1VoxelMaps,
                         ::testing::Combine(::testing::Values(1, 2), ::testing::Bool()));

TEST(IbsiDigitalPhantomVoxelMaps, EveryMapEqualsThePerVoxelDefinition) {
  SCOPEMIA_REFDATA(image_path, "ibsi/digital_phantom/image/phantom.nii.gz");
  SCOPEMIA_REFDATA(mask_path, "ibsi/digital_phantom/mask/mask.nii.gz");
  const Case c = load(image_path, mask_path);
  for (bool masked : {true, false}) {
    SCOPED_TRACE(masked ? "maskedKernel" : "full kernel");
    expect_maps_match_definition(c, 1, masked, 1);  // gray levels 1..6: one bin each
  }
}

// The kernel follows force2D: depth 1 across the chosen axis, clipped at the
// array's edges.
TEST(VoxelKernel, ClippedAtEdgesAndFlatUnderForce2D) {
  const Size3 size{10, 8, 6};
  EXPECT_EQ(kernel_region(size, 0, 0, 0, 1, false, 0), (Region{Index3{0, 0, 0}, Size3{2, 2, 2}}));
  EXPECT_EQ(kernel_region(size, 5, 4, 3, 2, false, 0), (Region{Index3{3, 2, 1}, Size3{5, 5, 5}}));
  EXPECT_EQ(kernel_region(size, 9, 7, 5, 2, false, 0), (Region{Index3{7, 5, 3}, Size3{3, 3, 3}}));
  EXPECT_EQ(kernel_region(size, 5, 4, 3, 1, true, 0), (Region{Index3{4, 3, 3}, Size3{3, 3, 1}}));
  EXPECT_EQ(kernel_region(size, 5, 4, 3, 1, true, 2), (Region{Index3{5, 3, 2}, Size3{1, 3, 3}}));
}

}  // namespace
}  // namespace scopemia::radiomics
