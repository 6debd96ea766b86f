#include "data/dataset.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/random.h"
#include "imaging/mean_curvature.h"
#include "io/csv.h"
#include "io/dicom_mask.h"
#include "io/image_io.h"
#include "support/refdata.h"
#include "support/temp_dir.h"

namespace scopemia::data {
namespace {
namespace fs = std::filesystem;
using testing::TempDir;

template <typename T>
void expect_identical(const Image<T>& a, const Image<T>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  EXPECT_EQ(a.geometry().max_difference(b.geometry()), 0.0) << what;
  EXPECT_EQ(std::memcmp(a.data(), b.data(), sizeof(T) * size_t(a.voxel_count())), 0) << what;
}

template <typename T>
bool same_voxels(const Image<T>& a, const Image<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(T) * size_t(a.voxel_count())) == 0;
}

// A CT-like case: a dense ball (the lesion, ~40 HU) in lung (~-800 HU) with
// noise, on an anisotropic grid; each case has its own size, origin and ball.
void write_case(const std::string& image_path, const std::string& mask_path, int i, double offset_hu = 0) {
  const Size3 size{40 + 2 * i, 36, 8 + 3 * i};
  Geometry g;
  g.spacing = {0.8, 0.75, 2.0 + 0.25 * i};
  g.origin = {-10.0 * i, 5.0, 100.0 + i};
  Volume image(size, g);
  LabelMap mask(size, g);
  Random rng(1234, uint64_t(i));
  const double cx = 18 + i, cy = 17 - i, cz = 0.5 * double(size.z), r = 5.0 + i;  // r in mm
  for (int64_t z = 0; z < size.z; ++z)
    for (int64_t y = 0; y < size.y; ++y)
      for (int64_t x = 0; x < size.x; ++x) {
        const double dx = (x - cx) * g.spacing[0], dy = (y - cy) * g.spacing[1], dz = (z - cz) * g.spacing[2];
        const bool inside = dx * dx + dy * dy + dz * dz <= r * r;
        image.at(x, y, z) = float(std::round((inside ? 40.0 : -800.0) + offset_hu + rng.normal(0, 30)));
        mask.at(x, y, z) = inside ? 1 : 0;
      }
  image.set_source_pixel_type(PixelType::Int16);
  io::write_volume(image, image_path);
  io::write_label_map(mask, mask_path);
}

struct Cohort {
  TempDir dir;
  std::string csv;
  int n = 0;
  std::vector<std::string> images, masks;
};

// `labels[i]` / `groups[i]` go into the columns "label" and "patient".
void make_cohort(Cohort& c, int n, std::vector<std::string> labels = {}, std::vector<std::string> groups = {}) {
  c.n = n;
  io::CsvTable t;
  t.header = {"ID", "Image", "Mask", "patient", "label"};
  for (int i = 0; i < n; ++i) {
    const std::string img = "img" + std::to_string(i) + ".nii", msk = "msk" + std::to_string(i) + ".nii.gz";
    c.images.push_back(c.dir.file(img));
    c.masks.push_back(c.dir.file(msk));
    if (!fs::exists(c.images.back())) write_case(c.images.back(), c.masks.back(), i);
    t.rows.push_back({"case" + std::to_string(i), img, msk, groups.empty() ? "p" + std::to_string(i / 2) : groups[size_t(i)],
                      labels.empty() ? std::to_string(i % 3) : labels[size_t(i)]});
  }
  c.csv = c.dir.file("cases.csv");
  io::write_csv(t, c.csv);
}

DatasetOptions small_options(const std::string& csv) {
  DatasetOptions o;
  o.cases_csv = csv;
  o.preprocess.margin_mm = 4;
  o.preprocess.spacing = {1.0, 1.0, 1.5};
  o.preprocess.height = o.preprocess.width = 24;
  return o;
}

TEST(CaseDataset, LoadGivesPrepareCaseOfEveryCaseInCsvOrderWithTargetsGroupsAndMci) {
  Cohort c;
  make_cohort(c, 5);
  DatasetOptions o = small_options(c.csv);
  o.target = TargetKind::kClassification;
  o.target_column = "label";
  o.group_column = "patient";
  o.with_mci = true;
  o.mci_sigma_mm = 1.0;
  for (int threads : {1, 3}) {
    o.threads = threads;
    const CaseDataset d = CaseDataset::load(o);
    ASSERT_EQ(d.size(), 5);
    for (int i = 0; i < 5; ++i) {
      const std::string what = "case " + std::to_string(i) + ", threads " + std::to_string(threads);
      const Volume image = io::read_volume(c.images[size_t(i)]);
      const PreparedCase expected = prepare_case(image, io::read_mask(c.masks[size_t(i)], c.images[size_t(i)]), o.preprocess);
      EXPECT_EQ(d[i].id, "case" + std::to_string(i));
      EXPECT_EQ(d[i].group, "p" + std::to_string(i / 2));
      EXPECT_EQ(d[i].target, double(i % 3));
      expect_identical(d[i].prepared.image, expected.image, what + " image");
      expect_identical(d[i].prepared.mask, expected.mask, what + " mask");
      ASSERT_TRUE(d[i].mci.has_value());
      imaging::MeanCurvatureOptions mo;
      mo.sigma_mm = 1.0;
      expect_identical(*d[i].mci, imaging::mean_curvature(expected.image, mo), what + " mci");
      EXPECT_EQ(d[i].prepared.image.width(), 24);
      EXPECT_EQ(d[i].prepared.image.geometry().spacing[2], 1.5);
    }
    EXPECT_EQ(d.num_classes(), 3);
    std::vector<int64_t> depths;
    for (int i = 0; i < 5; ++i) depths.push_back(d[i].prepared.image.depth());
    EXPECT_EQ(d.depths(), depths);
  }
}

TEST(CaseDataset, SubsetKeepsTheChosenCasesInTheGivenOrder) {
  std::vector<CaseRecord> records(4);
  for (int i = 0; i < 4; ++i) {
    records[size_t(i)].id = std::to_string(i);
    records[size_t(i)].target = i == 2 ? 4 : 1;
    records[size_t(i)].prepared.image = Volume(Size3{2, 2, i + 1}, Geometry{});
  }
  const CaseDataset d(records);
  EXPECT_EQ(d.num_classes(), 5);
  EXPECT_EQ(d.depths(), (std::vector<int64_t>{1, 2, 3, 4}));
  const CaseDataset s = d.subset({3, 1});
  ASSERT_EQ(s.size(), 2);
  EXPECT_EQ(s[0].id, "3");
  EXPECT_EQ(s[1].id, "1");
  EXPECT_EQ(s.num_classes(), 2);
  EXPECT_THROW(d.subset({4}), std::out_of_range);
}

// The cache key holds each input's path, size and modification time (as
// make does): a file rewritten with the same size and its old mtime restored
// is NOT noticed; any change of mtime (or size, or preprocessing) is.
TEST(CaseDataset, CacheHitIsIdenticalAndSkipsReadingUntilAnInputOrTheSettingsChange) {
  Cohort c;
  make_cohort(c, 4);
  DatasetOptions o = small_options(c.csv);
  o.cache_dir = c.dir.file("cache");
  o.with_mci = true;
  o.threads = 2;
  LoadStats first_stats, stats;
  const CaseDataset first = CaseDataset::load(o, first_stats);
  EXPECT_EQ(first_stats.cache_hits, 0);
  EXPECT_EQ(first_stats.cache_misses, 4);
  const CaseDataset second = CaseDataset::load(o, stats);
  EXPECT_EQ(stats.cache_hits, 4);
  EXPECT_EQ(stats.cache_misses, 0);
  for (int i = 0; i < 4; ++i) {  // bit for bit, geometry included (kept exactly beside the NIfTI)
    expect_identical(second[i].prepared.image, first[i].prepared.image, "image");
    expect_identical(second[i].prepared.mask, first[i].prepared.mask, "mask");
    expect_identical(*second[i].mci, *first[i].mci, "mci");
    EXPECT_EQ(second[i].prepared.image.source_pixel_type(), PixelType::Float32);
  }

  // Rewrite case 0's image (same size: uncompressed, same type and grid)
  // with other intensities, then put its old mtime back: still a hit, so the
  // cached (old) case comes back — proof that the second load did not read it.
  const fs::path image0 = c.images[0];
  const auto old_time = fs::last_write_time(image0);
  const auto old_size = fs::file_size(image0);
  write_case(c.images[0], c.masks[0] + ".unused.nii.gz", 0, 300.0);
  ASSERT_EQ(fs::file_size(image0), old_size);
  fs::last_write_time(image0, old_time);
  const CaseDataset stale = CaseDataset::load(o, stats);
  EXPECT_EQ(stats.cache_hits, 4);
  EXPECT_TRUE(same_voxels(stale[0].prepared.image, first[0].prepared.image));

  // A new mtime is a miss for that case only, and it is prepared from the new file.
  fs::last_write_time(image0, old_time + std::chrono::seconds(5));
  const CaseDataset fresh = CaseDataset::load(o, stats);
  EXPECT_EQ(stats.cache_hits, 3);
  EXPECT_EQ(stats.cache_misses, 1);
  const PreparedCase expected =
      prepare_case(io::read_volume(c.images[0]), io::read_mask(c.masks[0], c.images[0]), o.preprocess);
  expect_identical(fresh[0].prepared.image, expected.image, "rebuilt image");
  EXPECT_FALSE(same_voxels(fresh[0].prepared.image, first[0].prepared.image));
  expect_identical(fresh[1].prepared.image, first[1].prepared.image, "untouched case");

  // Other preprocessing, or no MCI: other keys.
  DatasetOptions wider = o;
  wider.preprocess.margin_mm = 6;
  CaseDataset::load(wider, stats);
  EXPECT_EQ(stats.cache_misses, 4);
  DatasetOptions no_mci = o;
  no_mci.with_mci = false;
  const CaseDataset plain = CaseDataset::load(no_mci, stats);
  EXPECT_EQ(stats.cache_misses, 4);
  EXPECT_FALSE(plain[0].mci.has_value());
  CaseDataset::load(o, stats);  // the earlier entries are still there
  EXPECT_EQ(stats.cache_hits, 4);
}

TEST(CaseDataset, CorruptOrPartialCacheEntriesAreIgnoredAndRebuilt) {
  Cohort c;
  make_cohort(c, 6);
  DatasetOptions o = small_options(c.csv);
  o.cache_dir = c.dir.file("cache");
  o.with_mci = true;
  const CaseDataset first = CaseDataset::load(o);
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(o.cache_dir)) entries.push_back(e.path());
  std::sort(entries.begin(), entries.end());
  ASSERT_EQ(entries.size(), 6u);
  auto overwrite_middle = [](const fs::path& p) {  // same size, other voxel bytes
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(std::streamoff(fs::file_size(p) - 64));
    const std::string junk(32, '\x7f');
    f.write(junk.data(), std::streamsize(junk.size()));
  };
  overwrite_middle(entries[0] / "image.nii");                // flipped voxels: checksum mismatch
  fs::resize_file(entries[1] / "mask.nii", 200);              // truncated
  fs::remove(entries[2] / "entry.txt");                       // interrupted before the entry was made valid
  std::ofstream(entries[3] / "entry.txt") << "garbage\n";     // foreign entry file
  fs::remove(entries[4] / "mci.nii");                         // a volume missing
  LoadStats stats;
  const CaseDataset again = CaseDataset::load(o, stats);
  EXPECT_EQ(stats.cache_hits, 1);
  EXPECT_EQ(stats.cache_misses, 5);
  for (int i = 0; i < 6; ++i) {
    expect_identical(again[i].prepared.image, first[i].prepared.image, "image");
    expect_identical(again[i].prepared.mask, first[i].prepared.mask, "mask");
    expect_identical(*again[i].mci, *first[i].mci, "mci");
  }
  CaseDataset::load(o, stats);  // rebuilt entries are valid again
  EXPECT_EQ(stats.cache_hits, 6);
}

std::string load_error(const DatasetOptions& o) {
  try {
    CaseDataset::load(o);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(CaseDataset, ClassLabelsMustBeNonNegativeIntegersAndErrorsNameCsvColumnAndRow) {
  for (const std::string bad : {"1.5", "yes", "-1", ""}) {
    Cohort c;
    make_cohort(c, 3, {"0", "1", bad});
    DatasetOptions o = small_options(c.csv);
    o.target = TargetKind::kClassification;
    o.target_column = "label";
    const std::string message = load_error(o);
    EXPECT_NE(message.find(c.csv), std::string::npos) << message;
    EXPECT_NE(message.find("'label'"), std::string::npos) << message;
    EXPECT_NE(message.find("row 3"), std::string::npos) << message;
    EXPECT_NE(message.find("case2"), std::string::npos) << message;
  }
  Cohort c;
  make_cohort(c, 3, {"0", "2.0", "1"});  // pandas writes integers with gaps as 2.0
  DatasetOptions o = small_options(c.csv);
  o.target = TargetKind::kClassification;
  o.target_column = "label";
  const CaseDataset d = CaseDataset::load(o);
  EXPECT_EQ(d[1].target, 2.0);
  EXPECT_EQ(d.num_classes(), 3);

  o.target_column = "malignant";
  EXPECT_NE(load_error(o).find("no column 'malignant'"), std::string::npos) << load_error(o);
  o.target_column = "label";
  o.group_column = "site";
  EXPECT_NE(load_error(o).find("no column 'site'"), std::string::npos) << load_error(o);
}

TEST(CaseDataset, RegressionTargetsAreRealNumbersAndGroupsMustNotBeEmpty) {
  Cohort c;
  make_cohort(c, 3, {"0.25", "-3e2", "x"}, {"a", "b", "c"});
  DatasetOptions o = small_options(c.csv);
  o.target = TargetKind::kRegression;
  o.target_column = "label";
  const std::string message = load_error(o);
  EXPECT_NE(message.find("'label', row 3"), std::string::npos) << message;

  Cohort ok;
  make_cohort(ok, 2, {"0.25", "-3e2"}, {"a", ""});
  o.cases_csv = ok.csv;
  o.group_column = "patient";
  EXPECT_NE(load_error(o).find("'patient', row 2"), std::string::npos) << load_error(o);
  o.group_column.clear();
  const CaseDataset d = CaseDataset::load(o);
  EXPECT_EQ(d[0].target, 0.25);
  EXPECT_EQ(d[1].target, -300.0);
  EXPECT_EQ(d[1].group, "case1");  // no group column: each case is its own group
}

TEST(CaseDataset, UnreadableCaseIsAnInputErrorNamingItsFile) {
  Cohort c;
  make_cohort(c, 3);
  fs::remove(c.images[1]);
  DatasetOptions o = small_options(c.csv);
  o.threads = 2;
  EXPECT_NE(load_error(o).find(c.images[1]), std::string::npos) << load_error(o);
  o.cache_dir = c.dir.file("cache");  // the cache key needs the file too
  EXPECT_NE(load_error(o).find(c.images[1]), std::string::npos) << load_error(o);
}

CaseDataset grouped(const std::vector<int>& group_sizes) {
  std::vector<CaseRecord> records;
  for (size_t g = 0; g < group_sizes.size(); ++g)
    for (int j = 0; j < group_sizes[g]; ++j) {
      CaseRecord r;
      r.id = std::to_string(records.size());
      r.group = "patient" + std::to_string(g);
      records.push_back(r);
    }
  // Interleave so a group's cases are not contiguous.
  std::vector<CaseRecord> shuffled;
  for (size_t i = 0; i < records.size(); i += 2) shuffled.push_back(records[i]);
  for (size_t i = 1; i < records.size(); i += 2) shuffled.push_back(records[i]);
  return CaseDataset(shuffled);
}

TEST(GroupSplit, NeverSplitsAGroupAndHoldsAboutTheFraction) {
  const std::vector<int> sizes{1, 2, 3, 1, 4, 2, 1, 1, 5, 2, 1, 3, 1, 1, 2, 2, 1, 1, 3, 4};  // 41 cases
  const CaseDataset d = grouped(sizes);
  const int largest = 5;
  for (double fraction : {0.1, 0.2, 0.3, 0.5}) {
    std::set<std::vector<int64_t>> distinct;
    double mean_fraction = 0;
    for (uint64_t seed = 0; seed < 40; ++seed) {
      const auto [train, val] = group_split(d, fraction, seed);
      EXPECT_EQ(train.size() + val.size(), size_t(d.size()));
      EXPECT_FALSE(train.empty());
      EXPECT_FALSE(val.empty());
      std::set<std::string> train_groups, val_groups;
      std::set<int64_t> all(train.begin(), train.end());
      all.insert(val.begin(), val.end());
      EXPECT_EQ(all.size(), size_t(d.size()));
      for (int64_t i : train) train_groups.insert(d[i].group);
      for (int64_t i : val) val_groups.insert(d[i].group);
      for (const auto& g : val_groups) EXPECT_EQ(train_groups.count(g), 0u) << g << " on both sides";
      // Groups are taken while each brings the count closer to the target: within half a group.
      EXPECT_LE(std::abs(double(val.size()) - fraction * d.size()), 0.5 * largest);
      EXPECT_EQ(group_split(d, fraction, seed), group_split(d, fraction, seed));
      distinct.insert(val);
      mean_fraction += double(val.size()) / d.size() / 40;
    }
    EXPECT_GT(distinct.size(), 10u) << "the seed must change the split";
    EXPECT_NEAR(mean_fraction, fraction, 0.02);
  }
}

TEST(GroupSplit, TwoGroupsAlwaysGiveOneEachSideAndZeroFractionNoValidation) {
  const CaseDataset two = grouped({3, 5});
  for (double fraction : {0.01, 0.5, 0.99}) {
    const auto [train, val] = group_split(two, fraction, 7);
    EXPECT_FALSE(train.empty());
    EXPECT_FALSE(val.empty());
  }
  const auto [train, val] = group_split(two, 0.0, 7);
  EXPECT_EQ(train.size(), 8u);
  EXPECT_TRUE(val.empty());
  EXPECT_THROW(group_split(two, 1.0, 7), InputError);
  const auto [only, none] = group_split(grouped({4}), 0.3, 1);  // one group: it cannot be split
  EXPECT_EQ(only.size() + none.size(), 4u);
}

TEST(CaseDataset, LidcFirstEightCasesLoadWithTheirLabelsAndCacheExactly) {
  SCOPEMIA_REFDATA(cases, "lidc/cases.csv");
  const io::CsvTable all = io::read_csv(cases);
  TempDir dir;
  io::CsvTable t;
  t.header = all.header;
  const fs::path base = fs::path(cases).parent_path();
  const int image_col = all.column("Image"), mask_col = all.column("Mask");
  for (size_t r = 0; r < 8; ++r) {
    auto row = all.rows[r];
    row[size_t(image_col)] = fs::absolute(base / row[size_t(image_col)]).string();
    row[size_t(mask_col)] = fs::absolute(base / row[size_t(mask_col)]).string();
    t.rows.push_back(row);
  }
  io::write_csv(t, dir.file("cases.csv"));
  DatasetOptions o;
  o.cases_csv = dir.file("cases.csv");
  o.target = TargetKind::kClassification;
  o.target_column = "malignant";
  o.group_column = "patient_id";
  o.cache_dir = dir.file("cache");
  o.with_mci = true;
  o.threads = 2;
  const CaseDataset d = CaseDataset::load(o);
  ASSERT_EQ(d.size(), 8);
  for (int64_t i = 0; i < 8; ++i) {
    const auto& row = all.rows[size_t(i)];
    const CaseRecord& c = d[i];
    EXPECT_EQ(c.id, row[size_t(all.column("ID"))]);
    EXPECT_EQ(c.group, row[size_t(all.column("patient_id"))]);
    EXPECT_EQ(c.target, std::stod(row[size_t(all.column("malignant"))]));
    const Volume& im = c.prepared.image;
    EXPECT_EQ(im.width(), 64);
    EXPECT_EQ(im.height(), 64);
    EXPECT_GE(im.depth(), 4);  // >= 2 slices of >= 1.25 mm plus 2 x 10 mm margin at 1 mm
    EXPECT_LE(im.depth(), 160);
    EXPECT_EQ(im.geometry().spacing, (Vec3{1.0, 1.0, 1.0}));
    double lo = 1e9, hi = -1e9, in_sum = 0, out_sum = 0;
    int64_t in_n = 0;
    for (int64_t v = 0; v < im.voxel_count(); ++v) {
      lo = std::min(lo, double(im[v]));
      hi = std::max(hi, double(im[v]));
      ASSERT_LE(c.prepared.mask[v], 1);
      (c.prepared.mask[v] ? in_sum : out_sum) += im[v];
      in_n += c.prepared.mask[v];
    }
    EXPECT_GE(lo, 0.0);
    EXPECT_LE(hi, 1.0);
    ASSERT_GT(in_n, 0) << c.id;
    // A nodule is denser than the lung around it: (HU + 1024) / 3072.
    EXPECT_GT(in_sum / in_n, out_sum / double(im.voxel_count() - in_n)) << c.id;
    ASSERT_TRUE(c.mci.has_value());
    for (int64_t v = 0; v < c.mci->voxel_count(); ++v) ASSERT_TRUE(std::isfinite((*c.mci)[v]));
  }
  LoadStats stats;
  const CaseDataset cached = CaseDataset::load(o, stats);
  EXPECT_EQ(stats.cache_hits, 8);
  for (int64_t i = 0; i < 8; ++i) expect_identical(cached[i].prepared.image, d[i].prepared.image, d[i].id);
  const auto [train, val] = group_split(d, 0.25, 3);
  EXPECT_FALSE(train.empty());
  EXPECT_FALSE(val.empty());
}

}  // namespace
}  // namespace scopemia::data
