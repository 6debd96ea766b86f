#include "core/text_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "core/error.h"
#include "support/temp_dir.h"

namespace scopemia {
namespace {

TEST(TextFile, ReadsEveryByteAsWritten) {
  testing::TempDir dir;
  const std::string bytes = std::string("a,b\r\n1,2\n") + '\0' + "\xff tail without newline";
  std::ofstream(dir.file("t.csv"), std::ios::binary) << bytes;
  EXPECT_EQ(read_text_file(dir.file("t.csv")), bytes);
  std::ofstream(dir.file("empty.txt"), std::ios::binary).flush();
  EXPECT_EQ(read_text_file(dir.file("empty.txt")), "");
}

TEST(TextFile, MissingFileIsAnInputErrorNamingIt) {
  testing::TempDir dir;
  try {
    read_text_file(dir.path() / "absent.yaml");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.yaml"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_text_file(dir.path()), InputError);  // a folder
}

}  // namespace
}  // namespace scopemia
