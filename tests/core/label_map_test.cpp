#include "core/label_map.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace scopemia {
namespace {

LabelMap two_labels() {
  LabelMap m(Size3{5, 4, 3}, Geometry{});
  m.at(1, 1, 1) = 1;
  m.at(3, 2, 1) = 1;
  m.at(4, 3, 2) = 2;
  return m;
}

TEST(LabelMap, CountsEveryLabel) {
  const auto counts = label_counts(two_labels());
  EXPECT_EQ(counts.at(0), 60 - 3);
  EXPECT_EQ(counts.at(1), 2);
  EXPECT_EQ(counts.at(2), 1);
  EXPECT_EQ(counts.size(), 3u);
}

TEST(LabelMap, SelectsOneLabel) {
  const LabelMap one = select_label(two_labels(), 2);
  EXPECT_EQ(one.at(4, 3, 2), 1);
  EXPECT_EQ(one.at(1, 1, 1), 0);
}

TEST(LabelMap, BoundingBoxOfLabelAndOfAll) {
  const LabelMap m = two_labels();
  EXPECT_EQ(*bounding_box(m, 1), (Region{Index3{1, 1, 1}, Size3{3, 2, 1}}));
  EXPECT_EQ(*bounding_box(m), (Region{Index3{1, 1, 1}, Size3{4, 3, 2}}));
  EXPECT_FALSE(bounding_box(m, 7).has_value());
}

TEST(CheckMask, AcceptsMatchingMaskWithinTolerance) {
  Volume image(Size3{5, 4, 3}, Geometry{});
  LabelMap mask = two_labels();
  Geometry g;
  g.origin[0] = 5e-4;  // below the 1e-3 mm default
  mask.set_geometry(g);
  EXPECT_NO_THROW(check_mask(image, mask, 1, "mask.nii"));
}

struct BadMask {
  const char* name;
  Size3 size;
  double origin_shift;
  int label;
  bool empty;
  const char* cause;
};

class CheckMaskRejects : public ::testing::TestWithParam<BadMask> {};

TEST_P(CheckMaskRejects, WithOneLineNamingTheMask) {
  const BadMask& c = GetParam();
  Volume image(Size3{5, 4, 3}, Geometry{});
  LabelMap mask(c.size, Geometry{});
  if (!c.empty) mask[0] = 1;
  Geometry g;
  g.origin[2] = c.origin_shift;
  mask.set_geometry(g);
  try {
    check_mask(image, mask, c.label, "m.nrrd");
    FAIL() << "accepted a bad mask";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), "m.nrrd");
    EXPECT_NE(std::string(e.what()).find(c.cause), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CheckMaskRejects,
    ::testing::Values(BadMask{"size", Size3{5, 4, 2}, 0, 1, false, "mask size 5x4x2 differs"},
                      BadMask{"origin", Size3{5, 4, 3}, 0.01, 1, false, "geometry differs"},
                      BadMask{"empty", Size3{5, 4, 3}, 0, 1, true, "mask is empty"},
                      BadMask{"label", Size3{5, 4, 3}, 0, 3, false, "label 3 is absent"}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace scopemia
