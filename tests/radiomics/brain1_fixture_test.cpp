// The brain1 fixture itself (built into the test support library).
#include "radiomics/brain1_fixture.h"

#include <gtest/gtest.h>

#include "support/refdata.h"

namespace scopemia::radiomics::testing {

// PyRadiomics's diagnostics for brain1: 4137 ROI voxels, bounding box
// (162, 84, 11) + (47, 70, 7); binWidth 25 gives levels 1..33.
TEST(Brain1Fixture, MatchesPyRadiomicsDiagnostics) {
  SCOPEMIA_REFDATA(image, "pyradiomics/brain1_image.nrrd");
  const DiscretizedRoi roi = brain1_roi(::scopemia::testing::refdata_dir());
  int64_t count = 0;
  for (uint8_t m : roi.mask) count += m;
  EXPECT_EQ(count, 4137);
  EXPECT_EQ(roi.max_level, 33);
  // Padded by 5 on each side (no image border nearby in x/y; z: 11-5 >= 0, 17+5 < 25).
  EXPECT_EQ(roi.size.x, 47 + 10);
  EXPECT_EQ(roi.size.y, 70 + 10);
  EXPECT_EQ(roi.size.z, 7 + 10);
  EXPECT_NEAR(roi.spacing[0], 0.78125, 1e-9);
  EXPECT_NEAR(roi.spacing[2], 6.5, 1e-9);
}

// binImage's edges start at the multiple of binWidth at or below the minimum
// (Python floor modulo, also for negative values) and digitize counts edges <= v.
TEST(Brain1Fixture, BinWidthDiscretizationFollowsNumpyDigitize) {
  Volume image(Size3{4, 1, 1}, Geometry{});
  LabelMap labels(Size3{4, 1, 1}, Geometry{}, 1);
  image[0] = -30;  // lowBound = -50 (Python: -30 % 25 == 20)
  image[1] = -25;  // on an edge: bin of [-25, 0) -> level 2
  image[2] = 0;    // level 3
  image[3] = 24.5; // level 3
  const DiscretizedRoi roi = discretize_with_bin_width(image, labels, 1, 25.0, 0);
  EXPECT_EQ(roi.level, (std::vector<int32_t>{1, 2, 3, 3}));
  EXPECT_EQ(roi.max_level, 3);
}

}  // namespace scopemia::radiomics::testing
