// report.html: the pieces (markdown, hashes) and the page as Chromium renders it.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include <gtest/gtest.h>

#include "core/random.h"
#include "eval/report.h"
#include "io/csv.h"
#include "support/refdata.h"
#include "support/run_cli.h"
#include "support/temp_dir.h"

namespace scopemia::eval {
namespace {

using testing::TempDir;

TEST(Report, MarkdownTablesHeadingsListsAndEscaping) {
  const std::string html = markdown_to_html(
      "### A <b> title\n\nSome `code` & text\nwrapped.\n\n| x | y |\n|---|---|\n| 1 | <2> |\n| 3 | 4 |\n\n- one\n- two\n");
  EXPECT_NE(html.find("<h3>A &lt;b&gt; title</h3>"), std::string::npos) << html;
  EXPECT_NE(html.find("<p>Some <code>code</code> &amp; text wrapped.</p>"), std::string::npos) << html;
  EXPECT_NE(html.find("<thead><tr><th>x</th><th>y</th></tr></thead>"), std::string::npos) << html;
  EXPECT_NE(html.find("<tr><td>1</td><td>&lt;2&gt;</td></tr>"), std::string::npos) << html;
  EXPECT_NE(html.find("<li>two</li>"), std::string::npos) << html;
}

TEST(Report, Sha256OfKnownContent) {
  TempDir dir;
  std::ofstream(dir.file("abc")) << "abc";
  // FIPS 180-2, appendix B.1.
  EXPECT_EQ(sha256_file(dir.file("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

std::string chromium() {
  for (const char* c : {"chromium", "chromium-browser", "google-chrome"}) {
    const std::string cmd = std::string("command -v ") + c + " > /dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0) return c;
  }
  return "";
}

// An evaluation of a synthetic cohort (two feature sets, a sex column), its
// report loaded in headless Chromium: every table and image rendered.
TEST(Report, OpensInHeadlessChromiumWithTablesAndImagesRendered) {
  const std::string browser = chromium();
  if (browser.empty()) {
    if (testing::refdata_mandatory()) FAIL() << "chromium is not installed (scripts/install-deps.sh installs it)";
    GTEST_SKIP() << "chromium is not installed";
  }
  TempDir dir;
  Random rng(4);
  io::CsvTable labels, a, b;
  labels.header = {"ID", "patient_id", "sex", "malignant"};
  a.header = {"ID", "original_firstorder_Mean", "original_glcm_Contrast"};
  b.header = {"ID", "scope_pde0T_roi_mean_0", "scope_pde0T_roi_mean_1"};
  for (int i = 0; i < 90; ++i) {
    const std::string id = "c" + std::to_string(i);
    const int y = rng.uniform() < 0.4;
    labels.rows.push_back({id, "p" + std::to_string(i / 2), i % 3 ? "F" : "M", std::to_string(y)});
    a.rows.push_back({id, std::to_string(rng.normal() + 1.5 * y), std::to_string(rng.normal())});
    b.rows.push_back({id, std::to_string(rng.normal() + 0.5 * y), std::to_string(rng.normal())});
  }
  io::write_csv(labels, dir.file("labels.csv"));
  io::write_csv(a, dir.file("radiomics.csv"));
  io::write_csv(b, dir.file("embeddings.csv"));
  const auto r = testing::run_cli({"--threads", "1", "evaluate", "--features", dir.file("radiomics.csv"), "--features",
                                   dir.file("embeddings.csv"), "--labels", dir.file("labels.csv"), "--target",
                                   "malignant", "--group-column", "patient_id", "--subgroup-column", "sex",
                                   "--classifiers", "logreg,rf", "--primary", "logreg", "--repeats", "1",
                                   "--bootstrap", "200", "-o", dir.file("out")});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string report = dir.file("out") + "/report.html";
  ASSERT_TRUE(std::filesystem::exists(report));
  const std::string dom = dir.file("dom.html");
  const std::string cmd = browser + " --headless --no-sandbox --disable-gpu --virtual-time-budget=5000 --dump-dom 'file://" +
                          report + "' > '" + dom + "' 2> /dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const std::string html = testing::read_bytes(dom);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(html, m, std::regex(R"re(data-images-rendered="(\d+)")re"))) << html.substr(0, 2000);
  const int rendered = std::stoi(m[1]);
  ASSERT_TRUE(std::regex_search(html, m, std::regex(R"re(data-images-total="(\d+)")re")));
  const int total = std::stoi(m[1]);
  const bool plots = std::system("command -v gnuplot > /dev/null 2>&1") == 0;
  if (plots) EXPECT_EQ(total, 5);  // ROC and reliability per set, A vs B for the primary learner
  EXPECT_EQ(rendered, total);
  int tables = 0;
  for (size_t at = 0; (at = html.find("<table", at)) != std::string::npos; ++at) ++tables;
  EXPECT_GE(tables, 7);  // settings, inputs, AUC, comparison, calibration, operating points, subgroups
  for (const char* text : {"Command", "scopemia evaluate", "SHA-256", "calibration-in-the-large", "sex = F",
                           "Logistic regression (primary)"})
    EXPECT_NE(html.find(text), std::string::npos) << text;
}

}  // namespace
}  // namespace scopemia::eval
