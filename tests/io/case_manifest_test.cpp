#include "io/case_manifest.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "core/error.h"
#include "support/refdata.h"
#include "support/temp_dir.h"

namespace scopemia::io {
namespace {
using testing::TempDir;

TEST(CaseManifest, ResolvesPathsAgainstTheCsvFolderAndCarriesColumns) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "cohort");
  std::ofstream(dir.file("cohort/cases.csv")) << "Image,Mask,site,\"note, free\"\n"
                                                  "img/a.nii.gz,msk/a.nii.gz,\"Leeds, UK\",x\n"
                                                  "/abs/b.nrrd,/abs/b-label.nrrd,Oslo,y\n";
  const CaseManifest m = read_case_manifest(dir.file("cohort/cases.csv"));
  ASSERT_EQ(m.cases.size(), 2u);
  EXPECT_EQ(m.cases[0].id, "1");  // no ID column: the row number
  EXPECT_EQ(m.cases[1].id, "2");
  EXPECT_EQ(m.cases[0].image, (dir.path() / "cohort/img/a.nii.gz").string());
  EXPECT_EQ(m.cases[1].mask, "/abs/b-label.nrrd");
  ASSERT_EQ(m.cases[0].columns.size(), 4u);
  EXPECT_EQ(m.cases[0].columns[2], (std::pair<std::string, std::string>{"site", "Leeds, UK"}));
  EXPECT_EQ(m.cases[0].columns[1].second, "msk/a.nii.gz");  // carried through as written
  EXPECT_EQ(m.header[3], "note, free");
}

TEST(CaseManifest, UsesTheIdColumnAndRejectsDuplicates) {
  TempDir dir;
  std::ofstream(dir.file("a.csv")) << "ID,Image,Mask\nP1,a,b\nP2,c,d\n";
  EXPECT_EQ(read_case_manifest(dir.file("a.csv")).cases[1].id, "P2");
  std::ofstream(dir.file("dup.csv")) << "ID,Image,Mask\nP1,a,b\nP1,c,d\n";
  EXPECT_THROW(read_case_manifest(dir.file("dup.csv")), InputError);
  std::ofstream(dir.file("nomask.csv")) << "ID,Image\nP1,a\n";
  EXPECT_THROW(read_case_manifest(dir.file("nomask.csv")), InputError);
}

TEST(CaseManifest, ShardsTakeEveryNthCaseAndCoverAllOnce) {
  TempDir dir;
  std::ofstream f(dir.file("c.csv"));
  f << "Image,Mask\n";
  for (int i = 0; i < 10; ++i) f << "i" << i << ",m" << i << "\n";
  f.close();
  const CaseManifest m = read_case_manifest(dir.file("c.csv"));
  std::vector<std::string> seen;
  for (int s = 0; s < 3; ++s)
    for (const auto& c : m.shard(s, 3).cases) seen.push_back(c.id);
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_EQ(m.shard(1, 3).cases.front().id, "2");
  EXPECT_EQ(parse_shard("2/5"), (std::pair<int, int>{2, 5}));
  EXPECT_THROW(parse_shard("5/5"), InputError);
  EXPECT_THROW(parse_shard("1-5"), InputError);
}

TEST(CaseManifest, ReadsTheLidcCohort) {
  SCOPEMIA_REFDATA(csv, "lidc/cases.csv");
  const CaseManifest m = read_case_manifest(csv);
  EXPECT_EQ(m.cases.size(), 601u);
  for (const auto& c : m.cases) {
    ASSERT_TRUE(std::filesystem::exists(c.image)) << c.image;
    ASSERT_TRUE(std::filesystem::exists(c.mask)) << c.mask;
  }
}

}  // namespace
}  // namespace scopemia::io
