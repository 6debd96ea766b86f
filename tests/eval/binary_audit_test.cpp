// Subgroup AUCs and age bins.
#include <gtest/gtest.h>

#include "core/random.h"
#include "eval/binary_audit.h"

namespace scopemia::eval {
namespace {

TEST(SubgroupAuc, PureNoiseSubgroupSitsAtChanceTheOtherHigh) {
  // 2000 cases: in subgroup "A" the score follows the label, in "B" it is noise.
  Random rng(17);
  std::vector<std::string> sex;
  std::vector<int> truth;
  std::vector<double> score;
  for (int i = 0; i < 2000; ++i) {
    const bool a = i % 2 == 0;
    const int y = rng.uniform() < 0.4;
    sex.push_back(a ? "A" : "B");
    truth.push_back(y);
    score.push_back(a ? 2.5 * y + rng.normal() : rng.normal());
  }
  sex[3] = "";  // no value: left out
  const auto groups = subgroup_aucs("sex", sex, truth, score);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].value, "A");
  EXPECT_EQ(groups[0].n, 1000);
  EXPECT_GT(groups[0].auc, 0.93);
  EXPECT_EQ(groups[1].value, "B");
  EXPECT_EQ(groups[1].n, 999);
  EXPECT_NEAR(groups[1].auc, 0.5, 0.05);
  EXPECT_LT(groups[1].ci_low, 0.5);
  EXPECT_GT(groups[1].ci_high, 0.5);
  EXPECT_GT(groups[0].ci_low, 0.9);
  // A subgroup with one class has no AUC.
  const auto one = subgroup_aucs("site", {"x", "x", "y", "y"}, {1, 1, 0, 1}, {0.1, 0.2, 0.3, 0.4});
  EXPECT_TRUE(std::isnan(one[0].auc));
  EXPECT_EQ(one[0].positives, 2);
  EXPECT_DOUBLE_EQ(one[1].auc, 1.0);  // one of each class: an AUC, too few for DeLong's interval
  EXPECT_TRUE(std::isnan(one[1].ci_low));
}

TEST(AgeBins, CutPointsAndMissingValues) {
  EXPECT_EQ(age_bins({"50", "68", "67.9", "80", "", "n/a"}, {68}),
            (std::vector<std::string>{"<68", ">=68", "<68", ">=68", "", ""}));
  EXPECT_EQ(age_bins({"40", "60", "75"}, {70, 50}), (std::vector<std::string>{"<50", "50-<70", ">=70"}));
}

}  // namespace
}  // namespace scopemia::eval
