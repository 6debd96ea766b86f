#include "io/csv.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace scopemia::io {
namespace {

TEST(Csv, QuotedFieldsCommasQuotesAndLineBreaks) {
  const CsvTable t = parse_csv("\xEF\xBB\xBFID,Note,Image\r\n1,\"a, b\",x.nii\r\n2,\"say \"\"hi\"\"\nthere\",\r\n", "t.csv");
  ASSERT_EQ(t.header, (std::vector<std::string>{"ID", "Note", "Image"}));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0][1], "a, b");
  EXPECT_EQ(t.rows[1][1], "say \"hi\"\nthere");
  EXPECT_EQ(t.rows[1][2], "");
}

TEST(Csv, BlankLinesAreSkippedAndLastLineNeedsNoNewline) {
  const CsvTable t = parse_csv("a,b\n\n1,2\n\n3,4", "t.csv");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[1][1], "4");
}

TEST(Csv, WritingThenReadingGivesTheSameTable) {
  CsvTable t;
  t.header = {"x", "y,z"};
  t.rows = {{"plain", "with \"quotes\""}, {"line\nbreak", ""}};
  const CsvTable back = parse_csv(to_csv(t), "mem");
  EXPECT_EQ(back.header, t.header);
  EXPECT_EQ(back.rows, t.rows);
}

// Found by fuzz/csv_fuzz.cpp: a one-column row whose value is empty was
// written as a blank line, which every reader skips.
TEST(Csv, OneColumnRowWithAnEmptyValueSurvivesWriting) {
  CsvTable t;
  t.header = {"ID"};
  t.rows = {{"a"}, {""}, {"b"}};
  const CsvTable back = parse_csv(to_csv(t), "mem");
  EXPECT_EQ(back.rows, t.rows);
}

TEST(Csv, MalformedInputNamesTheFileAndLine) {
  for (const char* text : {"a,b\n1,2,3\n", "a,b\n\"open,2\n", "a,b\n1x\"y,2\n", ""}) {
    try {
      parse_csv(text, "bad.csv");
      FAIL() << text;
    } catch (const InputError& e) {
      EXPECT_EQ(e.file(), "bad.csv");
    }
  }
}

}  // namespace
}  // namespace scopemia::io
