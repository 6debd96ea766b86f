#include "io/slab_io.h"

#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>

#include "core/crop.h"
#include "support/temp_dir.h"

namespace scopemia::io {
namespace {
using testing::TempDir;

Volume oblique_volume(PixelType type) {
  Geometry g;
  g.spacing = {0.8, 0.6, 2.0};
  g.origin = {-12.5, 40.25, -300.0};
  const double c = std::cos(0.4), s = std::sin(0.4);
  g.direction = {c, -s, 0, s, c, 0, 0, 0, 1};
  Volume v(Size3{13, 11, 9}, g);
  for (int64_t i = 0; i < v.voxel_count(); ++i)
    v[i] = type == PixelType::Float32 ? float(std::sin(0.1 * i) * 100.0)
           : type == PixelType::UInt8 ? float((i * 31) % 256)
                                      : float((i * 7919) % 4000 - 1024);
  v.set_source_pixel_type(type);
  return v;
}

class SlabRoundTrip : public ::testing::TestWithParam<std::tuple<const char*, PixelType>> {};

TEST_P(SlabRoundTrip, SlabsWrittenInOrderReadBackWholeWithGeometry) {
  const auto [ext, type] = GetParam();
  TempDir dir;
  const Volume v = oblique_volume(type);
  const std::string path = dir.file(std::string("out") + ext);
  auto writer = create_slab_writer(path, v.size(), v.geometry(), type);
  EXPECT_TRUE(writer->streaming());
  for (int64_t z0 : {0, 2, 5, 6}) {  // uneven slabs
    const int64_t z1 = z0 == 0 ? 2 : z0 == 2 ? 5 : z0 == 5 ? 6 : 9;
    writer->write(z0, crop(v, Region{Index3{0, 0, z0}, Size3{13, 11, z1 - z0}}));
  }
  EXPECT_FALSE(std::filesystem::exists(path));  // nothing visible before commit
  writer->commit();
  const Volume back = read_volume(path);  // through ITK
  ASSERT_EQ(back.size(), v.size());
  for (int64_t i = 0; i < v.voxel_count(); ++i) ASSERT_EQ(back[i], v[i]) << i;
  EXPECT_LE(back.geometry().max_difference(v.geometry()), 1e-4) << back.geometry().describe();
  EXPECT_EQ(read_info(path).pixel_type, type);
}

INSTANTIATE_TEST_SUITE_P(Types, SlabRoundTrip,
                         ::testing::Values(std::make_tuple(".nii", PixelType::Int16),
                                           std::make_tuple(".nii.gz", PixelType::Int16),
                                           std::make_tuple(".nii.gz", PixelType::Float32),
                                           std::make_tuple(".nii", PixelType::UInt8)));

TEST(SlabReader, OverlappingWindowsForwardAndBackEqualTheWholeVolume) {
  TempDir dir;
  for (const char* ext : {".nii.gz", ".nii", ".nrrd"}) {
    const Volume v = oblique_volume(PixelType::Int16);
    const std::string path = dir.file(std::string("in") + ext);
    write_volume(v, path);
    auto reader = open_slab_reader(path);
    EXPECT_EQ(reader->streaming(), std::string(ext) != ".nrrd");
    EXPECT_EQ(reader->info().size, v.size());
    for (auto [z0, z1] : std::vector<std::pair<int64_t, int64_t>>{{0, 4}, {2, 6}, {4, 8}, {5, 9}, {1, 3}, {8, 9}}) {
      const Volume slab = reader->read(z0, z1);
      const Volume expected = crop(v, Region{Index3{0, 0, z0}, Size3{13, 11, z1 - z0}});
      ASSERT_EQ(slab.size(), expected.size());
      for (int64_t i = 0; i < slab.voxel_count(); ++i) ASSERT_EQ(slab[i], expected[i]) << ext << " " << z0;
      EXPECT_LE(slab.geometry().max_difference(expected.geometry()), 1e-4);
    }
  }
}

TEST(SlabWriter, WithoutCommitLeavesNothing) {
  TempDir dir;
  {
    auto writer = create_slab_writer(dir.file("x.nii.gz"), Size3{4, 4, 4}, Geometry{}, PixelType::Float32);
    writer->write(0, Volume(Size3{4, 4, 2}, Geometry{}));
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace scopemia::io
