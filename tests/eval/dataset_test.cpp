// Joining feature tables to labels.
#include <cmath>

#include <gtest/gtest.h>

#include "core/error.h"
#include "eval/dataset.h"
#include "eval/evaluate.h"
#include "io/csv.h"
#include "support/temp_dir.h"

namespace scopemia::eval {
namespace {

TEST(Dataset, FeatureColumnsAreNumericNonDiagnosticNonLabel) {
  const io::CsvTable t = io::parse_csv(
      "ID,diagnostics_Image-original_Mean,a,b,name,target,c\n"
      "x,1,1.5,,foo,1,nan\n"
      "y,2,2.5,3,bar,0,4e2\n",
      "f.csv");
  const FeatureTable f = features_from_csv(t, "f.csv", "ID", {"ID", "target"});
  EXPECT_EQ(f.names, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(f.dropped_non_numeric, (std::vector<std::string>{"name"}));
  EXPECT_DOUBLE_EQ(f.values(0, 0), 1.5);
  EXPECT_TRUE(std::isnan(f.values(0, 1)));
  EXPECT_TRUE(std::isnan(f.values(0, 2)));
  EXPECT_DOUBLE_EQ(f.values(1, 2), 400.0);
}

TEST(Dataset, JoinFollowsTheLabelsAndKeepsCasesInAllTables) {
  testing::TempDir dir;
  io::write_csv(io::parse_csv("ID,y,patient\nc1,1,p1\nc2,0,\nc3,1,p1\nc4,,p2\nc5,0,\n", "l"), dir.file("l.csv"));
  const Labels l = read_labels(dir.file("l.csv"), "ID", "y", "patient", "");
  // Empty group values become groups of their own.
  EXPECT_EQ(l.groups[0], "p1");
  EXPECT_NE(l.groups[1], l.groups[4]);
  const FeatureTable f = features_from_csv(io::parse_csv("ID,v\nc3,3\nc1,1\nc2,2\nc4,4\n", "f"), "f", "ID", l.header);
  const FeatureTable g = features_from_csv(io::parse_csv("ID,w\nc1,1\nc3,3\nc5,5\n", "g"), "g", "ID", l.header);
  const auto ids = common_ids(l, {&f, &g});
  EXPECT_EQ(ids, (std::vector<std::string>{"c1", "c3"}));  // c4: no target, c2/c5: missing from a table
  const Dataset d = join(l, f, Task::Binary, class_order(l.target), nullptr);
  EXPECT_EQ(d.ids, (std::vector<std::string>{"c1", "c2", "c3"}));
  EXPECT_DOUBLE_EQ(d.X(2, 0), 3.0);
  EXPECT_EQ(d.labels(), (std::vector<int>{1, 0, 1}));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"0", "1"}));
}

TEST(Dataset, DuplicateIdsAndMissingColumnsAreInputErrors) {
  EXPECT_THROW(features_from_csv(io::parse_csv("ID,v\na,1\na,2\n", "f"), "f", "ID", {}), InputError);
  EXPECT_THROW(features_from_csv(io::parse_csv("case,v\na,1\n", "f"), "f", "ID", {}), InputError);
  EXPECT_THROW(features_from_csv(io::parse_csv("ID,s\na,x\n", "f"), "f", "ID", {}), InputError);  // no numeric column
}

TEST(Dataset, ClassOrderAndTaskInference) {
  EXPECT_EQ(class_order({"10", "9", "", "9", "1"}), (std::vector<std::string>{"1", "9", "10"}));
  EXPECT_EQ(class_order({"malignant", "benign"}), (std::vector<std::string>{"benign", "malignant"}));
  EXPECT_EQ(infer_task({"0", "1", "1"}), Task::Binary);
  EXPECT_EQ(infer_task({"1", "2", "3", "4", "5"}), Task::Multiclass);
  std::vector<std::string> many;
  for (int i = 0; i < 30; ++i) many.push_back(std::to_string(i * 0.5));
  EXPECT_EQ(infer_task(many), Task::Regression);
  EXPECT_THROW(infer_task({"a", "a"}), InputError);
}

}  // namespace
}  // namespace scopemia::eval
