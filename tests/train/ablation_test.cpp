#include "train/ablation.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "core/error.h"

namespace scopemia::train {
namespace {

TEST(Ablation, VariantsRemoveExactlyOneComponent) {
  const auto& variants = ablation_variants();
  ASSERT_EQ(variants.size(), 6u);
  EXPECT_EQ(variants[0].name, "full");
  const AblationSettings base;
  const auto full = apply_variant(base, variants[0]);
  EXPECT_EQ(full.stability_weight, base.stability_weight);
  EXPECT_FALSE(variant_changes(base, variants[0]));

  auto s = apply_variant(base, find_ablation_variant("no_stability"));
  EXPECT_EQ(s.stability_weight, 0.0);
  EXPECT_EQ(s.hessian_weight, base.hessian_weight);
  s = apply_variant(base, find_ablation_variant("no_entropy"));
  EXPECT_FALSE(s.entropy_adaptation);
  EXPECT_EQ(s.entropy_weight, 0.0);
  EXPECT_EQ(s.stability_weight, base.stability_weight);
  EXPECT_EQ(apply_variant(base, find_ablation_variant("no_hessian")).hessian_weight, 0.0);
  EXPECT_EQ(apply_variant(base, find_ablation_variant("no_scale")).scale_weight, 0.0);
  s = apply_variant(base, find_ablation_variant("no_attention"));
  EXPECT_EQ(s.attention_weight, 0.0);
  EXPECT_EQ(s.scale_weight, base.scale_weight);
  for (size_t i = 1; i < variants.size(); ++i) EXPECT_TRUE(variant_changes(base, variants[i])) << variants[i].name;

  AblationSettings no_hessian = base;
  no_hessian.hessian_weight = 0;  // already off: that row would duplicate the full model
  EXPECT_FALSE(variant_changes(no_hessian, find_ablation_variant("no_hessian")));
  EXPECT_THROW(find_ablation_variant("no_such"), InputError);
}

TEST(Ablation, MeanAndSampleStandardDeviation) {
  const auto m = mean_std({0.9, 0.8, 0.7});
  EXPECT_EQ(m.n, 3);
  EXPECT_NEAR(m.mean, 0.8, 1e-15);
  EXPECT_NEAR(m.std, 0.1, 1e-15);  // sqrt((0.01 + 0 + 0.01) / 2)
  const auto one = mean_std({0.5, std::numeric_limits<double>::quiet_NaN()});
  EXPECT_EQ(one.n, 1);
  EXPECT_EQ(one.mean, 0.5);
  EXPECT_EQ(one.std, 0.0);
  EXPECT_EQ(mean_std({}).n, 0);
}

TEST(Ablation, FormatsTableOneAsMarkdownAndCsv) {
  const std::vector<AblationRun> runs{
      {"no_hessian", 1, 0.80, 0.30}, {"full", 1, 0.90, 0.10}, {"full", 2, 0.92, 0.12},
      {"full", 3, 0.94, 0.14},       {"no_hessian", 2, 0.84, 0.20}, {"custom", 7, 0.5, std::nan("")},
  };
  const auto rows = summarise_ablation(runs);
  ASSERT_EQ(rows.size(), 3u);  // full, no_hessian (list order), then the unknown one
  EXPECT_EQ(rows[0].variant, "full");
  EXPECT_EQ(rows[0].runs, 3);
  EXPECT_NEAR(rows[0].ssim.mean, 0.92, 1e-12);
  EXPECT_NEAR(rows[0].ssim.std, 0.02, 1e-12);
  EXPECT_NEAR(rows[0].r.mean, 0.12, 1e-12);
  EXPECT_NEAR(rows[0].r.std, 0.02, 1e-12);
  EXPECT_EQ(rows[1].variant, "no_hessian");
  EXPECT_NEAR(rows[1].ssim.std, std::sqrt(0.0008), 1e-12);  // (0.80, 0.84): sd = 0.02*sqrt(2)
  EXPECT_EQ(rows[2].variant, "custom");
  EXPECT_EQ(rows[2].r.n, 0);

  EXPECT_EQ(ablation_markdown(rows, 3),
            "| Variant | SSIM | R | Seeds |\n"
            "|---|---:|---:|---:|\n"
            "| Full model | 0.920 ± 0.020 | 0.120 ± 0.020 | 3 |\n"
            "| w/o Hessian regularisation | 0.820 ± 0.028 | 0.250 ± 0.071 | 2 |\n"
            "| custom | 0.500 | n/a | 1 |\n");

  const auto csv = ablation_csv(rows);
  EXPECT_EQ(csv.header, (std::vector<std::string>{"variant", "label", "seeds", "ssim_mean", "ssim_std", "r_mean",
                                                  "r_std"}));
  ASSERT_EQ(csv.rows.size(), 3u);
  EXPECT_EQ(csv.rows[0][0], "full");
  EXPECT_EQ(csv.rows[0][1], "Full model");
  EXPECT_EQ(csv.rows[0][2], "3");
  EXPECT_NEAR(std::stod(csv.rows[0][3]), 0.92, 1e-15);
  EXPECT_NEAR(std::stod(csv.rows[0][4]), 0.02, 1e-15);
  EXPECT_EQ(csv.rows[2][4], "");  // one value: no std
  EXPECT_EQ(csv.rows[2][5], "");  // no finite R
  const auto text = io::to_csv(csv);
  EXPECT_EQ(text.substr(0, text.find('\n')), "variant,label,seeds,ssim_mean,ssim_std,r_mean,r_std");
  EXPECT_NE(text.find("\nno_hessian,w/o Hessian regularisation,2,"), std::string::npos);
}

}  // namespace
}  // namespace scopemia::train
