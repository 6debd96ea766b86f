#include "core/file_contents.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "core/error.h"
#include "support/temp_dir.h"

namespace scopemia {
namespace {

TEST(FileContents, ReadsEveryByteAsWritten) {
  testing::TempDir dir;
  const std::string bytes = std::string("a,b\r\n1,2\n") + '\0' + "\xff tail without newline";
  std::ofstream(dir.file("t.csv"), std::ios::binary) << bytes;
  EXPECT_EQ(read_file_contents(dir.file("t.csv")), bytes);
  std::ofstream(dir.file("empty.txt"), std::ios::binary).flush();
  EXPECT_EQ(read_file_contents(dir.file("empty.txt")), "");
}

TEST(FileContents, MissingFileIsAnInputErrorNamingIt) {
  testing::TempDir dir;
  try {
    read_file_contents(dir.path() / "absent.yaml");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.yaml"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_file_contents(dir.path()), InputError);  // a folder
}

}  // namespace
}  // namespace scopemia
