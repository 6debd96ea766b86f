#include "synth/phantom.h"

#include <cmath>
#include <numeric>

#include <gtest/gtest.h>

#include "io/case_manifest.h"
#include "io/csv.h"
#include "support/temp_dir.h"

namespace scopemia::synth {
namespace {
using testing::TempDir;

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = double(a.size());
  const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n, mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

TEST(Phantom, SameSeedGivesByteIdenticalFilesAndAnotherSeedDiffers) {
  TempDir a, b, c;
  PhantomOptions o;
  o.cases = 3;
  o.seed = 7;
  write_phantom_cohort(a.path().string(), o);
  o.threads = 1;  // a different schedule must not change the result
  write_phantom_cohort(b.path().string(), o);
  o.seed = 8;
  write_phantom_cohort(c.path().string(), o);
  const auto files = testing::list_files(a.path());
  ASSERT_EQ(files.size(), 7u);  // 3 images, 3 masks, cases.csv
  ASSERT_EQ(files, testing::list_files(b.path()));
  for (const auto& f : files) {
    EXPECT_EQ(testing::read_bytes((a.path() / f).string()), testing::read_bytes((b.path() / f).string())) << f;
  }
  EXPECT_NE(testing::read_bytes((a.path() / "images/case_001.nii.gz").string()),
            testing::read_bytes((c.path() / "images/case_001.nii.gz").string()));
  EXPECT_NE(testing::read_bytes((a.path() / "cases.csv").string()), testing::read_bytes((c.path() / "cases.csv").string()));
}

TEST(Phantom, CasesFollowTheManifestConvention) {
  TempDir dir;
  PhantomOptions o;
  o.cases = 2;
  write_phantom_cohort(dir.path().string(), o);
  const auto m = io::read_case_manifest(dir.file("cases.csv"));
  ASSERT_EQ(m.cases.size(), 2u);
  EXPECT_EQ(m.cases[1].id, "case_002");
  EXPECT_EQ(m.cases[1].image, dir.file("images/case_002.nii.gz"));
}

// The label must come from texture and the target from shape, not from size:
// the property the demo's comparison rests on.
TEST(Phantom, LabelFollowsTextureTargetFollowsShapeNeitherFollowsSize) {
  PhantomOptions o;
  o.seed = 3;
  std::vector<double> roi_sd, heterogeneity, label, volume, shape, shape_model;
  for (int i = 0; i < 40; ++i) {
    const PhantomCase c = make_phantom_case(o, i);
    double sum = 0, sum2 = 0;
    int64_t n = 0;
    for (int64_t v = 0; v < c.image.voxel_count(); ++v)
      if (c.mask[v]) {
        sum += c.image[v];
        sum2 += double(c.image[v]) * c.image[v];
        ++n;
      }
    ASSERT_GT(n, 50) << c.id;
    const double mean = sum / n;
    roi_sd.push_back(std::sqrt(sum2 / n - mean * mean));
    heterogeneity.push_back(c.lesion.heterogeneity);
    label.push_back(c.lesion.heterogeneous);
    volume.push_back(double(n));
    shape.push_back(c.lesion.shape_score);
    shape_model.push_back(10 * c.lesion.lobulation + 2 * (c.lesion.elongation - 1));
    EXPECT_EQ(c.image.geometry().max_difference(c.mask.geometry()), 0.0);
  }
  // Partial volume at the lesion's edge adds shape-dependent spread, as in CT.
  EXPECT_GT(correlation(roi_sd, heterogeneity), 0.7);
  EXPECT_GT(correlation(roi_sd, label), 0.5);
  EXPECT_LT(std::abs(correlation(volume, label)), 0.4);
  EXPECT_GT(correlation(shape, shape_model), 0.9);
  const double positives = std::accumulate(label.begin(), label.end(), 0.0);
  EXPECT_GT(positives, 10);
  EXPECT_LT(positives, 30);
}

}  // namespace
}  // namespace scopemia::synth
