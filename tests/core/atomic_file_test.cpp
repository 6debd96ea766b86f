#include "core/atomic_file.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "core/error.h"
#include "support/temp_dir.h"

namespace scopemia {
namespace {
namespace fs = std::filesystem;
using testing::TempDir;

TEST(AtomicOutput, KeepsCompoundExtensions) {
  EXPECT_EQ(full_extension("a/b.nii.gz"), ".nii.gz");
  EXPECT_EQ(full_extension("x.nrrd"), ".nrrd");
  EXPECT_EQ(full_extension("x.tar.bz2"), ".tar.bz2");
}

TEST(AtomicOutput, TargetAndCompanionsAppearOnlyOnCommit) {
  TempDir dir;
  const std::string target = dir.file("out.mhd");
  {
    AtomicOutput out(target);
    std::ofstream(out.temp_path()) << "header";
    std::ofstream(out.temp_path().parent_path() / "out.raw") << "data";  // as MetaImage writes
    EXPECT_TRUE(testing::list_files(dir.path()).size() == 2u);  // both still hidden
    EXPECT_FALSE(fs::exists(target));
    out.commit();
  }
  EXPECT_EQ(testing::read_bytes(target), "header");
  EXPECT_EQ(testing::read_bytes(dir.file("out.raw")), "data");
  EXPECT_EQ(testing::list_files(dir.path()), (std::vector<std::string>{"out.mhd", "out.raw"}));
}

TEST(AtomicOutput, NothingIsLeftWhenNotCommitted) {
  TempDir dir;
  {
    AtomicOutput out(dir.file("out.nii.gz"));
    std::ofstream(out.temp_path()) << "half";
  }
  EXPECT_TRUE(testing::list_files(dir.path()).empty());
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(AtomicOutput, MissingFolderIsAnInputError) {
  TempDir dir;
  EXPECT_THROW(AtomicOutput(dir.file("no/such/out.csv")), InputError);
}

}  // namespace
}  // namespace scopemia
