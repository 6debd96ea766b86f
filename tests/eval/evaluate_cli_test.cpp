// `scopemia evaluate` end to end on synthetic tables.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/random.h"
#include "eval/plot.h"
#include "io/csv.h"
#include "support/refdata.h"
#include "support/run_cli.h"
#include "support/temp_dir.h"

namespace scopemia {
namespace {

using testing::run_cli;
using testing::TempDir;

// 120 cases in 60 patients; A is informative, B is noise but carries a copy
// of the target under the labels file's column name (it must be ignored).
void write_tables(const TempDir& dir) {
  Random rng(21);
  io::CsvTable labels, a, b;
  labels.header = {"ID", "patient_id", "malignant", "note"};
  a.header = {"ID", "diagnostics_Versions_PyRadiomics", "f1", "f2", "f3", "text"};
  b.header = {"ID", "malignant", "n1", "n2"};
  for (int i = 0; i < 120; ++i) {
    const std::string id = "case" + std::to_string(i);
    const int y = rng.uniform() < 0.4;
    labels.rows.push_back({id, "p" + std::to_string(i / 2), std::to_string(y), "x"});
    a.rows.push_back({id, "v3.0", std::to_string(rng.normal() + 2.0 * y), std::to_string(rng.normal() - 1.5 * y),
                      i % 7 == 0 ? "" : std::to_string(rng.normal()), "abc"});
    b.rows.push_back({id, std::to_string(y), std::to_string(rng.normal()), std::to_string(rng.normal())});
  }
  // Feature tables in another order, with an extra unlabelled case.
  std::reverse(a.rows.begin(), a.rows.end());
  a.rows.push_back({"extra", "v", "1", "1", "1", "z"});
  io::write_csv(labels, dir.file("labels.csv"));
  io::write_csv(a, dir.file("a.csv"));
  io::write_csv(b, dir.file("b.csv"));
}

std::map<std::string, double> read_results(const std::string& path) {
  const io::CsvTable t = io::read_csv(path);
  EXPECT_EQ(t.header, (std::vector<std::string>{"feature_set", "classifier", "split", "metric", "mean", "std", "n"}));
  std::map<std::string, double> out;
  for (const auto& r : t.rows) out[r[0] + "/" + r[1] + "/" + r[2] + "/" + r[3]] = std::stod(r[4]);
  return out;
}

TEST(EvaluateCli, TwoFeatureSetsTablesComparisonAndFigures) {
  TempDir dir;
  write_tables(dir);
  const auto out_dir = dir.file("out");
  const auto r = run_cli({"--threads", "1", "evaluate", "--feature-columns", ".*", "--features", dir.file("a.csv"), "--features", dir.file("b.csv"),
                          "--name", "A", "--name", "B", "--labels", dir.file("labels.csv"), "--target", "malignant",
                          "--group-column", "patient_id", "--folds", "4", "--repeats", "2", "--seed", "5",
                          "--classifiers", "logreg,rf,svm", "--bootstrap", "500", "-o", out_dir});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("| Logistic regression |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("A: 3 features"), std::string::npos) << r.out;  // diagnostics_* and text dropped
  EXPECT_NE(r.out.find("B: 2 features"), std::string::npos) << r.out;  // the label column dropped
  const auto res = read_results(out_dir + "/results.csv");
  for (const std::string m : {"logreg", "rf", "svm"}) {
    EXPECT_GT(res.at("A/" + m + "/validation/auc"), 0.85) << m;
    EXPECT_NEAR(res.at("B/" + m + "/validation/auc"), 0.5, 0.15) << m;
    EXPECT_GE(res.at("A/" + m + "/train/auc"), res.at("A/" + m + "/validation/auc") - 0.02) << m;
  }
  const io::CsvTable cmp = io::read_csv(out_dir + "/comparison.csv");
  ASSERT_EQ(cmp.rows.size(), 3u);
  const int p = cmp.column("delong_p"), lo = cmp.column("bootstrap_ci_low");
  for (const auto& row : cmp.rows) {
    EXPECT_LT(std::stod(row[p]), 0.001) << row[0];
    EXPECT_GT(std::stod(row[lo]), 0.0) << row[0];
  }
  const io::CsvTable oof = io::read_csv(out_dir + "/oof_predictions.csv");
  EXPECT_EQ(oof.rows.size(), 2u * 3u * 120u);
  EXPECT_TRUE(std::filesystem::exists(out_dir + "/table.md"));
  if (eval::gnuplot_available()) {
    EXPECT_GT(std::filesystem::file_size(out_dir + "/roc_A.png"), 10000u);
    EXPECT_TRUE(std::filesystem::exists(out_dir + "/roc_B.png"));
  }
  // Same seed, same numbers.
  const auto r2 = run_cli({"--threads", "2", "evaluate", "--feature-columns", ".*", "--features", dir.file("a.csv"), "--features", dir.file("b.csv"),
                           "--name", "A", "--name", "B", "--labels", dir.file("labels.csv"), "--target", "malignant",
                           "--group-column", "patient_id", "--folds", "4", "--repeats", "2", "--seed", "5",
                           "--classifiers", "logreg,rf,svm", "--bootstrap", "500", "--no-plots", "-o", dir.file("out2")});
  ASSERT_EQ(r2.code, 0) << r2.err;
  EXPECT_EQ(testing::read_bytes(out_dir + "/results.csv"), testing::read_bytes(dir.file("out2") + "/results.csv"));
}

TEST(EvaluateCli, HoldoutAndPredictFeatures) {
  TempDir dir;
  write_tables(dir);
  // Hold-out labels need no group column.
  io::CsvTable hold = io::read_csv(dir.file("labels.csv"));
  for (auto& row : hold.rows) row = {row[0], row[2]};
  hold.header = {"ID", "malignant"};
  io::write_csv(hold, dir.file("holdout_labels.csv"));
  const auto r = run_cli({"evaluate", "--feature-columns", ".*", "--features", dir.file("a.csv"), "--labels", dir.file("labels.csv"), "--target",
                          "malignant", "--group-column", "patient_id", "--repeats", "1", "--classifiers", "lda",
                          "--holdout-features", dir.file("a.csv"), "--holdout-labels", dir.file("holdout_labels.csv"),
                          "--no-plots", "-o", dir.file("h")});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto res = read_results(dir.file("h") + "/results.csv");
  const double auc = res.at("a/lda/test/auc");
  EXPECT_GT(auc, 0.85);
  EXPECT_LT(res.at("a/lda/test/auc_ci95_low"), auc);
  EXPECT_GT(res.at("a/lda/test/auc_ci95_high"), auc);

  // S3: f1 and f2 are predictable from a copy of themselves plus noise, n1 is not.
  Random rng(3);
  io::CsvTable emb, rad;
  emb.header = {"ID", "e1", "e2", "e3"};
  rad.header = {"ID", "r_good", "r_ok", "r_noise"};
  for (int i = 0; i < 100; ++i) {
    const double u = rng.normal(), v = rng.normal();
    emb.rows.push_back({"c" + std::to_string(i), std::to_string(u), std::to_string(v), std::to_string(rng.normal())});
    rad.rows.push_back({"c" + std::to_string(i), std::to_string(3 * u + 0.1 * rng.normal()),
                        std::to_string(v + 0.8 * rng.normal()), std::to_string(rng.normal())});
  }
  io::write_csv(emb, dir.file("emb.csv"));
  io::write_csv(rad, dir.file("rad.csv"));
  const auto s3 = run_cli({"evaluate", "--feature-columns", ".*", "--predict-features", dir.file("rad.csv"), "--features", dir.file("emb.csv"),
                           "--repeats", "2", "--no-plots", "-o", dir.file("s3")});
  ASSERT_EQ(s3.code, 0) << s3.err;
  EXPECT_NE(s3.out.find("R² > 0.5: 2, > 0.3: 2, > 0.2: 2"), std::string::npos) << s3.out;
  const io::CsvTable t = io::read_csv(dir.file("s3") + "/r2_per_feature.csv");
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[0][0], "r_good");
  EXPECT_GT(std::stod(t.rows[0][1]), 0.99);
  EXPECT_EQ(t.rows[2][0], "r_noise");
  EXPECT_LT(std::stod(t.rows[2][1]), 0.05);
}

TEST(EvaluateCli, BadInputIsAOneLineError) {
  TempDir dir;
  write_tables(dir);
  const auto r = run_cli({"evaluate", "--feature-columns", ".*", "--features", dir.file("a.csv"), "--labels", dir.file("labels.csv"), "--target",
                          "nonexistent", "-o", dir.file("x")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("no target column 'nonexistent'"), std::string::npos) << r.err;
}

// Real data (optional): LIDC radiomics, malignancy, grouped by patient.
TEST(EvaluateCli, LidcRadiomicsMalignancy) {
  SCOPEMIA_REFDATA(features, "lidc/pyradiomics_original.csv");
  SCOPEMIA_REFDATA(cases, "lidc/cases.csv");
  TempDir dir;
  const auto r = run_cli({"--threads", "2", "evaluate", "--feature-columns", ".*", "--features", features, "--labels", cases, "--target", "malignant",
                          "--group-column", "patient_id", "--repeats", "1", "--classifiers", "logreg,rf", "--no-plots",
                          "-o", dir.file("out")});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto res = read_results(dir.file("out") + "/results.csv");
  EXPECT_GT(res.at("pyradiomics_original/logreg/validation/auc"), 0.85);
  EXPECT_GT(res.at("pyradiomics_original/rf/validation/auc"), 0.85);
}

}  // namespace
}  // namespace scopemia

namespace scopemia {
namespace {

TEST(EvaluateCli, RegressionWithTwoSetsGetsABootstrapComparison) {
  TempDir dir;
  Random rng(8);
  io::CsvTable labels, a, b;
  labels.header = {"ID", "score"};
  a.header = {"ID", "x1", "x2"};
  b.header = {"ID", "z1"};
  for (int i = 0; i < 80; ++i) {
    const double u = rng.normal(), v = rng.normal();
    const std::string id = "c" + std::to_string(i);
    labels.rows.push_back({id, std::to_string(2 * u + v + 0.3 * rng.normal())});
    a.rows.push_back({id, std::to_string(u), std::to_string(v)});
    b.rows.push_back({id, std::to_string(rng.normal())});
  }
  io::write_csv(labels, dir.file("l.csv"));
  io::write_csv(a, dir.file("a.csv"));
  io::write_csv(b, dir.file("b.csv"));
  const auto r = run_cli({"evaluate", "--feature-columns", ".*", "--features", dir.file("a.csv"), "--features", dir.file("b.csv"), "--labels",
                          dir.file("l.csv"), "--target", "score", "--repeats", "2", "--classifiers", "ridge,svr",
                          "--bootstrap", "300", "--no-plots", "-o", dir.file("o")});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("target 'score' (regression)"), std::string::npos) << r.out;
  const auto res = read_results(dir.file("o") + "/results.csv");
  EXPECT_GT(res.at("a/ridge/validation/r2"), 0.95);
  EXPECT_LT(res.at("b/ridge/validation/r2"), 0.1);
  const io::CsvTable cmp = io::read_csv(dir.file("o") + "/comparison.csv");
  ASSERT_EQ(cmp.rows.size(), 2u);
  EXPECT_EQ(cmp.rows[0][cmp.column("metric")], "r2");
  EXPECT_GT(std::stod(cmp.rows[0][cmp.column("bootstrap_ci_low")]), 0.5);
}

// docs/results/lidc's AUC 1.000: `radiomics --batch` carries every column of
// cases.csv into its output, ratings included; with a labels file that lacks
// the raw `texture` rating, that carried column predicted `nonsolid`
// (texture < 5) perfectly. By provenance it is no feature now; naming it
// with --feature-columns brings it back, which shows the mechanism.
TEST(EvaluateCli, CarriedColumnsAreNotFeaturesUnlessNamed) {
  TempDir dir;
  Random rng(8);
  io::CsvTable labels, features;
  labels.header = {"ID", "patient_id", "nonsolid"};
  features.header = {"ID", "Image", "Mask", "texture", "diameter_mm", "diagnostics_Versions_scopemia",
                     "original_firstorder_Mean", "original_glcm_Contrast", "wavelet-LLH_glszm_ZoneEntropy"};
  for (int i = 0; i < 120; ++i) {
    const std::string id = "n" + std::to_string(i);
    const int texture = 1 + static_cast<int>(rng.uniform() * 5) % 5;
    labels.rows.push_back({id, "p" + std::to_string(i / 2), texture < 5 ? "1" : "0"});
    features.rows.push_back({id, "img.nii.gz", "mask.nii.gz", std::to_string(texture),
                             std::to_string(5 + 20 * rng.uniform()), "0.1.0", std::to_string(rng.normal()),
                             std::to_string(rng.normal()), std::to_string(rng.normal())});
  }
  io::write_csv(labels, dir.file("labels.csv"));
  io::write_csv(features, dir.file("radiomics.csv"));
  auto run = [&](const std::string& out, std::vector<std::string> extra) {
    std::vector<std::string> args{"--threads", "1", "evaluate", "--features", dir.file("radiomics.csv"), "--name", "radiomics",
                                  "--labels", dir.file("labels.csv"), "--target", "nonsolid", "--group-column",
                                  "patient_id", "--classifiers", "logreg", "--repeats", "1", "--no-plots", "-o",
                                  dir.file(out)};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cli(args);
  };
  const auto r = run("default", {});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("radiomics: 3 features; 2 numeric columns carried, not features"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("texture, diameter_mm"), std::string::npos) << r.out;
  EXPECT_LT(read_results(dir.file("default") + "/results.csv").at("radiomics/logreg/validation/auc"), 0.75);
  const io::CsvTable used = io::read_csv(dir.file("default") + "/feature_columns.csv");
  std::map<std::string, std::string> role;
  for (const auto& row : used.rows) role[row[1]] = row[2];
  EXPECT_EQ(role["texture"], "carried");
  EXPECT_EQ(role["diameter_mm"], "carried");
  EXPECT_EQ(role["original_firstorder_Mean"], "feature");
  EXPECT_EQ(role["wavelet-LLH_glszm_ZoneEntropy"], "feature");
  EXPECT_EQ(role["Image"], "non-numeric");

  const auto named = run("named", {"--feature-columns", "texture"});
  ASSERT_EQ(named.code, 0) << named.err;
  EXPECT_GT(read_results(dir.file("named") + "/results.csv").at("radiomics/logreg/validation/auc"), 0.99);

  // A table with no extractor-written column names the option in its error.
  io::CsvTable other;
  other.header = {"ID", "diameter"};
  for (const auto& row : features.rows) other.rows.push_back({row[0], row[4]});
  io::write_csv(other, dir.file("diameter.csv"));
  const auto refused = run_cli({"evaluate", "--features", dir.file("diameter.csv"), "--labels", dir.file("labels.csv"),
                                "--target", "nonsolid", "--no-plots", "-o", dir.file("d")});
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("--feature-columns"), std::string::npos) << refused.err;
}

// Time to event: per horizon, cases censored before it are left out (the
// counts are printed) and never count as event-free; Harrell's C of the
// cross-validated Cox risk is high for the informative feature set and near
// 0.5 for noise.
TEST(EvaluateCli, SurvivalHorizonsAndCIndex) {
  TempDir dir;
  Random rng(12);
  io::CsvTable labels, a, b;
  labels.header = {"ID", "patient_id", "pfs_months", "progression"};
  a.header = {"ID", "original_firstorder_Mean", "original_glcm_Contrast"};
  b.header = {"ID", "scope_pde0A_roi_mean_0"};
  int events3 = 0, free3 = 0, excluded3 = 0;
  for (int i = 0; i < 240; ++i) {
    const std::string id = "s" + std::to_string(i);
    const double x = rng.normal();
    const double event_time = -std::log(1 - rng.uniform()) * 8.0 * std::exp(-1.2 * x);
    const double censor_time = 24.0 * rng.uniform();
    const bool event = event_time <= censor_time;
    const double t = event ? event_time : censor_time;
    if (event && t <= 3) ++events3;
    else if (t > 3) ++free3;
    else ++excluded3;
    labels.rows.push_back({id, "p" + std::to_string(i / 2), fmt::format("{:.6f}", t), event ? "1" : "0"});
    a.rows.push_back({id, fmt::format("{:.6f}", x), std::to_string(rng.normal())});
    b.rows.push_back({id, std::to_string(rng.normal())});
  }
  ASSERT_GT(excluded3, 5);
  io::write_csv(labels, dir.file("labels.csv"));
  io::write_csv(a, dir.file("radiomics.csv"));
  io::write_csv(b, dir.file("noise.csv"));
  const auto r = run_cli({"--threads", "1", "evaluate", "--features", dir.file("radiomics.csv"), "--features",
                          dir.file("noise.csv"), "--labels", dir.file("labels.csv"), "--group-column", "patient_id",
                          "--time-column", "pfs_months", "--event-column", "progression", "--horizons", "3,6",
                          "--classifiers", "logreg", "--repeats", "2", "--bootstrap", "300", "--no-plots",
                          "--no-report", "-o", dir.file("out")});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(fmt::format("horizon 3 months: {} events by it, {} followed beyond it, {} censored before it "
                                   "and left out", events3, free3, excluded3)),
            std::string::npos) << r.out;
  // The horizon's binary endpoint has exactly the cases with a known label.
  const io::CsvTable oof = io::read_csv(dir.file("out") + "/event_by_3_months/oof_predictions.csv");
  EXPECT_EQ(oof.rows.size(), 2u * size_t(events3 + free3));  // two feature sets x one learner
  const io::CsvTable c = io::read_csv(dir.file("out") + "/survival/c_index.csv");
  ASSERT_EQ(c.rows.size(), 2u);
  const double c_informative = std::stod(c.rows[0][c.column("c_index")]);
  const double c_noise = std::stod(c.rows[1][c.column("c_index")]);
  EXPECT_GT(c_informative, 0.68);
  EXPECT_NEAR(c_noise, 0.5, 0.08);
  EXPECT_GT(std::stod(c.rows[0][c.column("ci_low")]), 0.6);
  EXPECT_LT(std::stod(c.rows[1][c.column("diff_ci_high")]), 0.0);  // noise - informative < 0
}

// --site-column: each site's AUC as a subgroup, and leave-one-site-out
// validation (each site scored by learners fitted on the others).
TEST(EvaluateCli, SiteColumnGivesSiteSubgroupsAndLeaveOneSiteOut) {
  TempDir dir;
  Random rng(31);
  io::CsvTable labels, a;
  labels.header = {"ID", "site", "age", "malignant"};
  a.header = {"ID", "original_firstorder_Mean", "original_glcm_Contrast"};
  const char* sites[] = {"AMC", "BWH", "MDA"};
  for (int i = 0; i < 150; ++i) {
    const std::string id = "c" + std::to_string(i);
    const int y = rng.uniform() < 0.4;
    labels.rows.push_back({id, sites[i % 3], std::to_string(40 + i % 50), std::to_string(y)});
    a.rows.push_back({id, std::to_string(rng.normal() + 2.0 * y), std::to_string(rng.normal())});
  }
  io::write_csv(labels, dir.file("labels.csv"));
  io::write_csv(a, dir.file("radiomics.csv"));
  const auto r = run_cli({"--threads", "1", "evaluate", "--features", dir.file("radiomics.csv"), "--labels",
                          dir.file("labels.csv"), "--target", "malignant", "--site-column", "site", "--age-column",
                          "age", "--age-bins", "68", "--classifiers", "logreg", "--repeats", "1", "--no-plots",
                          "--no-report", "-o", dir.file("out")});
  ASSERT_EQ(r.code, 0) << r.err;
  const io::CsvTable loso = io::read_csv(dir.file("out") + "/site_validation.csv");
  ASSERT_EQ(loso.rows.size(), 3u);
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(loso.rows[k][loso.column("held_out_site")], sites[k]);
    EXPECT_EQ(loso.rows[k][loso.column("n")], "50");
    EXPECT_GT(std::stod(loso.rows[k][loso.column("auc")]), 0.8);
  }
  const io::CsvTable sub = io::read_csv(dir.file("out") + "/subgroups.csv");
  std::map<std::string, int> n;
  for (const auto& row : sub.rows) n[row[sub.column("column")] + "=" + row[sub.column("value")]] = std::stoi(row[sub.column("n")]);
  EXPECT_EQ(n["site=BWH"], 50);
  EXPECT_EQ(n["age=<68"], 84);   // ages 40..67 of the 50-cycle: 28 per 50 cases, 3 cycles
  EXPECT_EQ(n["age=>=68"], 66);
  EXPECT_NE(r.out.find("leave-one-site-out validation (3 sites"), std::string::npos) << r.out;
}

// Leave-one-site-out must hold out whole sites: where one site's relation is
// reversed, learners fitted on the other two score it far below chance,
// which folds mixing sites (even of a site's size) would not.
TEST(EvaluateCli, LeaveOneSiteOutFitsOnTheOtherSitesOnly) {
  TempDir dir;
  Random rng(5);
  io::CsvTable labels, a;
  labels.header = {"ID", "site", "malignant"};
  a.header = {"ID", "original_firstorder_Mean"};
  const char* sites[] = {"AMC", "BWH", "MDA"};
  for (int i = 0; i < 150; ++i) {
    const std::string id = "c" + std::to_string(i);
    const int y = rng.uniform() < 0.5;
    const double sign = i % 3 == 2 ? -1.0 : 1.0;  // MDA: the other way round
    labels.rows.push_back({id, sites[i % 3], std::to_string(y)});
    a.rows.push_back({id, std::to_string(rng.normal() + sign * 3.0 * y)});
  }
  io::write_csv(labels, dir.file("labels.csv"));
  io::write_csv(a, dir.file("radiomics.csv"));
  const auto r = run_cli({"--threads", "1", "evaluate", "--features", dir.file("radiomics.csv"), "--labels",
                          dir.file("labels.csv"), "--target", "malignant", "--site-column", "site", "--classifiers",
                          "logreg", "--repeats", "1", "--no-plots", "--no-report", "-o", dir.file("out")});
  ASSERT_EQ(r.code, 0) << r.err;
  const io::CsvTable loso = io::read_csv(dir.file("out") + "/site_validation.csv");
  ASSERT_EQ(loso.rows.size(), 3u);
  EXPECT_EQ(loso.rows[2][loso.column("held_out_site")], "MDA");
  EXPECT_LT(std::stod(loso.rows[2][loso.column("auc")]), 0.1);  // fitted on AMC + BWH only
}

}  // namespace
}  // namespace scopemia
