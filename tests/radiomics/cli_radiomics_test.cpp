// scopemia radiomics: single case, batch with failing rows, shards, params errors.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "io/csv.h"
#include "io/dicom_mask.h"
#include "io/image_io.h"
#include "radiomics/extractor.h"
#include "radiomics/params.h"
#include "radiomics/voxel_maps.h"
#include "support/refdata.h"
#include "support/run_cli.h"
#include "support/temp_dir.h"

namespace scopemia {
namespace {

using testing::run_cli;
using testing::TempDir;

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::map<std::string, std::vector<std::string>> rows_by_id(const io::CsvTable& t) {
  std::map<std::string, std::vector<std::string>> m;
  const int id = t.column("ID");
  for (const auto& r : t.rows) m[r[id]] = r;
  return m;
}

TEST(CliRadiomics, LidcBatchWithABadRowGoesOn) {
  SCOPEMIA_REFDATA(cases_path, "lidc/cases.csv");
  SCOPEMIA_REFDATA(ref_path, "lidc/pyradiomics_original.csv");
  const std::string dir = cases_path.substr(0, cases_path.find_last_of('/') + 1);
  const io::CsvTable cases = io::read_csv(cases_path);
  TempDir tmp;
  std::string csv = "ID,Image,Mask,malignant\n";
  for (int k : {0, 100, 200, 300})
    csv += cases.rows[k][0] + "," + dir + cases.rows[k][1] + "," + dir + cases.rows[k][2] + "," + cases.rows[k][5] + "\n";
  csv += "broken," + dir + cases.rows[0][1] + "," + tmp.file("no_such_mask.nii.gz") + ",0\n";
  write_text(tmp.file("cases.csv"), csv);
  const auto r = run_cli({"radiomics", "--batch", tmp.file("cases.csv"), "-j", "2", "-o", tmp.file("out.csv")});
  EXPECT_EQ(r.code, 3) << r.err;  // some cases failed
  EXPECT_NE(r.err.find("case broken"), std::string::npos) << r.err;
  const io::CsvTable out = io::read_csv(tmp.file("out.csv"));
  ASSERT_EQ(out.rows.size(), 5u);
  // input columns carried through, in order, then the error column
  EXPECT_EQ(out.header[0], "ID");
  EXPECT_EQ(out.header[3], "malignant");
  EXPECT_EQ(out.header[4], "error");
  const auto got = rows_by_id(out);
  EXPECT_NE(got.at("broken")[4].find("no_such_mask"), std::string::npos);
  EXPECT_EQ(got.at(cases.rows[0][0])[4], "");
  // first-order values equal PyRadiomics's
  const io::CsvTable ref = io::read_csv(ref_path);
  const auto want = rows_by_id(ref);
  int compared = 0;
  for (size_t c = 0; c < out.header.size(); ++c) {
    if (out.header[c].find("_firstorder_") == std::string::npos) continue;
    const int rc = ref.column(out.header[c]);
    ASSERT_GE(rc, 0) << out.header[c];
    for (int k : {0, 100, 200, 300}) {
      const std::string& id = cases.rows[k][0];
      const double a = std::stod(got.at(id)[c]), b = std::stod(want.at(id)[rc]);
      EXPECT_LE(std::abs(a - b), std::max(1e-6 * std::abs(b), 1e-9)) << id << " " << out.header[c];
      ++compared;
    }
    EXPECT_EQ(got.at("broken")[c], "");
  }
  EXPECT_EQ(compared, 4 * 18);

  // --shard 1/2 takes rows 1 and 3
  const auto s = run_cli({"radiomics", "--batch", tmp.file("cases.csv"), "--shard", "1/2", "-o", tmp.file("s.csv")});
  EXPECT_EQ(s.code, 0) << s.err;
  const io::CsvTable shard = io::read_csv(tmp.file("s.csv"));
  ASSERT_EQ(shard.rows.size(), 2u);
  EXPECT_EQ(shard.rows[0][0], cases.rows[100][0]);
  EXPECT_EQ(shard.rows[1][0], cases.rows[300][0]);
}

TEST(CliRadiomics, SingleCaseToStdout) {
  SCOPEMIA_REFDATA(image, "pyradiomics/brain1_image.nrrd");
  SCOPEMIA_REFDATA(mask, "pyradiomics/brain1_label.nrrd");
  TempDir tmp;
  write_text(tmp.file("p.yaml"), "setting:\n  binWidth: 25\n  voxelArrayShift: 2000\n  interpolator:\nfeatureClass:\n  firstorder:\n");
  const auto r = run_cli({"radiomics", image, mask, "--params", tmp.file("p.yaml")});
  ASSERT_EQ(r.code, 0) << r.err;
  const io::CsvTable t = io::parse_csv(r.out, "stdout");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.header[0], "Image");
  EXPECT_EQ(t.header[1], "Mask");
  const int c = t.column("original_firstorder_RootMeanSquared");
  ASSERT_GE(c, 0);
  // PyRadiomics baseline (brain1 column), written at full precision
  EXPECT_NEAR(std::stod(t.rows[0][c]), 2829.5728210757125, 2829.57 * 1e-9);
  EXPECT_GE(t.column("diagnostics_Configuration_Settings"), 0);
}

TEST(CliRadiomics, BadParamsFileIsBadInput) {
  TempDir tmp;
  write_text(tmp.file("p.yaml"), "setting:\n  binWdth: 25\n");
  const auto r = run_cli({"radiomics", "a.nii", "b.nii", "--params", tmp.file("p.yaml")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("binWdth"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("p.yaml"), std::string::npos) << r.err;
}

// Bad input per case: each gets a clear error and the batch goes on.
TEST(CliRadiomics, BadCasesGetClearErrors) {
  TempDir tmp;
  Geometry g;
  g.spacing = {1, 1, 2};
  Volume img({10, 10, 6}, g);
  for (int64_t i = 0; i < img.voxel_count(); ++i) img[i] = float(i % 17);
  img.set_source_pixel_type(PixelType::Float32);
  io::write_volume(img, tmp.file("img.nrrd"));
  Volume nan_img = img.clone();
  nan_img[5 + 10 * 5 + 100 * 3] = NAN;
  io::write_volume(nan_img, tmp.file("nan.nrrd"));
  auto mask = [&](const std::string& name, int x1, int y1, int z1, uint8_t label, Geometry geom) {
    LabelMap m({10, 10, 6}, geom, 0);
    for (int z = 2; z < z1; ++z)
      for (int y = 2; y < y1; ++y)
        for (int x = 2; x < x1; ++x) m.at(x, y, z) = label;
    io::write_label_map(m, tmp.file(name));
  };
  mask("good.nrrd", 6, 6, 4, 1, g);
  mask("empty.nrrd", 2, 2, 2, 1, g);
  mask("line.nrrd", 6, 3, 3, 1, g);
  mask("label2.nrrd", 6, 6, 4, 2, g);
  Geometry shifted = g;
  shifted.origin = {0.3, 0, 0};
  mask("shifted.nrrd", 6, 6, 4, 1, shifted);
  Geometry tiny = g;
  tiny.origin = {1e-4, 0, 0};
  mask("tiny_shift.nrrd", 6, 6, 4, 1, tiny);
  write_text(tmp.file("cases.csv"),
             "ID,Image,Mask\ngood,img.nrrd,good.nrrd\nempty,img.nrrd,empty.nrrd\nline,img.nrrd,line.nrrd\n"
             "label2,img.nrrd,label2.nrrd\nshifted,img.nrrd,shifted.nrrd\nnan,nan.nrrd,good.nrrd\n"
             "tiny,img.nrrd,tiny_shift.nrrd\n");
  const auto r = run_cli({"radiomics", "--batch", tmp.file("cases.csv"), "-o", tmp.file("out.csv")});
  EXPECT_EQ(r.code, 3) << r.err;  // all but "good" failed
  const io::CsvTable out = io::read_csv(tmp.file("out.csv"));
  const auto rows = rows_by_id(out);
  const int e = out.column("error");
  ASSERT_GE(e, 0);
  EXPECT_EQ(rows.at("good")[e], "");
  EXPECT_NE(rows.at("empty")[e].find("No labels found"), std::string::npos) << rows.at("empty")[e];
  EXPECT_NE(rows.at("line")[e].find("too few dimensions"), std::string::npos) << rows.at("line")[e];
  EXPECT_NE(rows.at("label2")[e].find("Label (1) not present"), std::string::npos) << rows.at("label2")[e];
  EXPECT_NE(rows.at("shifted")[e].find("geometry mismatch"), std::string::npos) << rows.at("shifted")[e];
  EXPECT_NE(rows.at("nan")[e].find("NaN"), std::string::npos) << rows.at("nan")[e];
  EXPECT_NE(rows.at("tiny")[e].find("geometry mismatch"), std::string::npos) << rows.at("tiny")[e];

  // within a tolerance / with correctMask the shifted masks are accepted
  write_text(tmp.file("tol.yaml"), "setting:\n  geometryTolerance: 0.001\n");
  write_text(tmp.file("fix.yaml"), "setting:\n  correctMask: true\n");
  write_text(tmp.file("two.csv"), "ID,Image,Mask\ntiny,img.nrrd,tiny_shift.nrrd\nshifted,img.nrrd,shifted.nrrd\n");
  const auto tol = run_cli({"radiomics", "--batch", tmp.file("two.csv"), "--params", tmp.file("tol.yaml"), "-o",
                            tmp.file("tol.csv")});
  EXPECT_EQ(tol.code, 3) << tol.err;  // tiny passes, shifted does not
  const auto fix = run_cli({"radiomics", "--batch", tmp.file("two.csv"), "--params", tmp.file("fix.yaml"), "-o",
                            tmp.file("fix.csv")});
  EXPECT_EQ(fix.code, 0) << fix.err;
  const auto fixed = rows_by_id(io::read_csv(tmp.file("fix.csv")));
  const io::CsvTable good = io::read_csv(tmp.file("out.csv"));
  const int mean_col = good.column("original_firstorder_Mean");
  const int fixed_mean_col = io::read_csv(tmp.file("fix.csv")).column("original_firstorder_Mean");
  ASSERT_GE(mean_col, 0);
  // nearest-neighbour correction of a 0.3 mm shift keeps the ROI where it was
  EXPECT_EQ(fixed.at("shifted")[fixed_mean_col], rows.at("good")[mean_col]);
}

}  // namespace
}  // namespace scopemia

namespace scopemia {
namespace {

// The whole LIDC cohort through --batch with Original + Wavelet: every
// feature the build computes equals PyRadiomics 3.1's (pyradiomics_wavelet.csv
// holds the original features too). Classes registered later are checked too.
TEST(CliRadiomics, WholeLidcCohortMatchesPyRadiomics) {
  SCOPEMIA_REFDATA(cases_path, "lidc/cases.csv");
  SCOPEMIA_REFDATA(ref_path, "lidc/pyradiomics_wavelet.csv");
  testing::TempDir tmp;
  write_text(tmp.file("p.yaml"), "imageType:\n  Original: {}\n  Wavelet: {}\n");
  const auto r = testing::run_cli(
      {"radiomics", "--batch", cases_path, "--params", tmp.file("p.yaml"), "-j", "2", "-o", tmp.file("out.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  const io::CsvTable out = io::read_csv(tmp.file("out.csv"));
  const io::CsvTable ref = io::read_csv(ref_path);
  ASSERT_EQ(out.rows.size(), 601u);
  const auto want = rows_by_id(ref);
  int64_t compared = 0, mismatched = 0;
  double worst = 0;
  std::string worst_at;
  int feature_columns = 0;
  for (size_t c = 0; c < out.header.size(); ++c) {
    const std::string& name = out.header[c];
    if (name.rfind("original_", 0) != 0 && name.rfind("wavelet", 0) != 0) continue;
    const int rc = ref.column(name);
    ASSERT_GE(rc, 0) << name << " is not a PyRadiomics column";
    ++feature_columns;
    for (const auto& row : out.rows) {
      const double a = std::stod(row[c]), b = std::stod(want.at(row[0])[rc]);
      const double err = std::abs(a - b);
      const bool ok = err <= std::max(1e-6 * std::abs(b), 1e-9);
      if (!ok) ++mismatched;
      const double rel = err / std::max(std::abs(b), 1e-300);
      if (err > 1e-9 && rel > worst) {
        worst = rel;
        worst_at = row[0] + " " + name;
      }
      ++compared;
    }
  }
  EXPECT_GE(feature_columns, 9 * 18);  // at least first order on 9 images
  EXPECT_EQ(mismatched, 0) << "worst relative error " << worst << " at " << worst_at;
  std::cout << "compared " << compared << " values in " << feature_columns
            << " columns; worst relative error " << worst << "\n";
}

// PyRadiomics's command-line options give what the scopemia-named ones give
// (issue 15): -p/--param, --out, -s key:value, -f json/txt, --format-path,
// --validate.
TEST(CliRadiomics, PyRadiomicsOptionNamesFormatsAndValidate) {
  SCOPEMIA_REFDATA(image, "pyradiomics/brain1_image.nrrd");
  SCOPEMIA_REFDATA(mask, "pyradiomics/brain1_label.nrrd");
  TempDir tmp;
  write_text(tmp.file("p.yaml"), "setting: {binWidth: 25, label: 1}\nimageType: {Original: {}}\n");
  write_text(tmp.file("p10.yaml"), "setting: {binWidth: 10, label: 1, resampledPixelSpacing: [2, 2, 2]}\n"
                                   "imageType: {Original: {}}\n");
  // scopemia's names, with the settings in the file.
  ASSERT_EQ(run_cli({"radiomics", image, mask, "--params", tmp.file("p10.yaml"), "-o", tmp.file("a.csv")}).code, 0);
  // PyRadiomics's names, the settings from -s over another file.
  const auto r = run_cli({"radiomics", image, mask, "-p", tmp.file("p.yaml"), "-s", "binWidth:10", "--setting",
                          "resampledPixelSpacing:2,2,2", "--out", tmp.file("b.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  const io::CsvTable a = io::read_csv(tmp.file("a.csv")), b = io::read_csv(tmp.file("b.csv"));
  ASSERT_EQ(a.header, b.header);
  int features = 0;
  for (size_t c = 0; c < a.header.size(); ++c)
    if (a.header[c].rfind("original_", 0) == 0) {
      EXPECT_EQ(a.rows[0][c], b.rows[0][c]) << a.header[c];
      ++features;
    }
  EXPECT_EQ(features, 107);
  EXPECT_NE(b.rows[0][b.column("diagnostics_Configuration_Settings")].find("'binWidth': 10"), std::string::npos);
  // A wrong setting is one line naming it.
  const auto bad = run_cli({"radiomics", image, mask, "-s", "binWidth:-3"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("binWidth"), std::string::npos) << bad.err;
  EXPECT_EQ(run_cli({"radiomics", image, mask, "-s", "binWidth"}).code, 2);

  // -f json: a list of cases whose values equal the CSV's.
  const auto j = run_cli({"radiomics", image, mask, "--params", tmp.file("p10.yaml"), "-f", "json"});
  ASSERT_EQ(j.code, 0) << j.err;
  const auto cases = nlohmann::json::parse(j.out);
  ASSERT_TRUE(cases.is_array());
  ASSERT_EQ(cases.size(), 1u);
  const auto& c0 = cases[0];
  ASSERT_EQ(c0.size(), a.header.size());
  for (size_t c = 0; c < a.header.size(); ++c) {
    const auto& v = c0.at(a.header[c]);
    if (v.is_number()) EXPECT_EQ(v.get<double>(), std::stod(a.rows[0][c])) << a.header[c];
    else if (v.is_string()) EXPECT_EQ(v.get<std::string>(), a.rows[0][c]) << a.header[c];
    else ADD_FAILURE() << a.header[c] << " is neither number nor string";
  }
  EXPECT_TRUE(c0.at("Image").is_string());
  // -f txt: PyRadiomics's "Case-N_name: value" lines.
  const auto t = run_cli({"radiomics", image, mask, "-f", "txt"});
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_NE(t.out.find("Case-1_original_firstorder_Mean: "), std::string::npos) << t.out.substr(0, 300);
  EXPECT_NE(t.out.find("Case-1_Image: " + image), std::string::npos);

  // --format-path basename / absolute on the Image and Mask columns.
  const auto base = run_cli({"radiomics", image, mask, "--format-path", "basename", "-f", "txt"});
  EXPECT_NE(base.out.find("Case-1_Image: brain1_image.nrrd\n"), std::string::npos);
  EXPECT_NE(base.out.find("Case-1_Mask: brain1_label.nrrd\n"), std::string::npos);

  // --validate: a bad parameter file is caught without extracting anything.
  write_text(tmp.file("bad.yaml"), "setting: {binWidht: 25}\n");
  const auto v = run_cli({"radiomics", image, mask, "-p", tmp.file("bad.yaml"), "--validate", "-o", tmp.file("v.csv")});
  EXPECT_EQ(v.code, 2);
  EXPECT_NE(v.err.find("bad.yaml"), std::string::npos) << v.err;
  EXPECT_NE(v.err.find("binWidht"), std::string::npos) << v.err;
  EXPECT_FALSE(std::ifstream(tmp.file("v.csv")).good());
  const auto ok = run_cli({"radiomics", image, mask, "-p", tmp.file("p.yaml"), "--validate"});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_NE(ok.out.find("valid: 1 case(s)"), std::string::npos) << ok.out;
  EXPECT_EQ(ok.out.find("original_"), std::string::npos);  // nothing extracted
  const auto missing = run_cli({"radiomics", image, tmp.file("nope.nrrd"), "--validate"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("nope.nrrd"), std::string::npos) << missing.err;
}

// --skip-nans leaves NaN values out as PyRadiomics does: an empty cell in
// csv (same columns), no line in txt, no key in json; other values unchanged.
// Three ROI voxels with no neighbour at distance 1 leave every GLCM angle
// empty, so the 24 GLCM features are NaN.
TEST(CliRadiomics, SkipNansLeavesNanValuesOutAsPyRadiomics) {
  TempDir tmp;
  Volume image({10, 10, 10}, Geometry{});
  for (int64_t i = 0; i < image.size().count(); ++i) image.data()[i] = float((i * 37) % 200);
  LabelMap mask({10, 10, 10}, Geometry{});
  mask.at(3, 3, 5) = mask.at(5, 3, 5) = mask.at(3, 5, 5) = 1;
  io::write_volume(image, tmp.file("image.nrrd"));
  io::write_label_map(mask, tmp.file("mask.nrrd"));
  const auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"radiomics", tmp.file("image.nrrd"), tmp.file("mask.nrrd")};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_cli(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return r.out;
  };
  const io::CsvTable all = io::parse_csv(run({}), "all");
  const io::CsvTable kept = io::parse_csv(run({"--skip-nans"}), "kept");
  ASSERT_EQ(all.header, kept.header);
  std::vector<std::string> nan_features;
  for (size_t c = 0; c < all.header.size(); ++c) {
    const std::string& v = all.rows[0][c];
    if (v == "nan") {
      nan_features.push_back(all.header[c]);
      EXPECT_EQ(kept.rows[0][c], "") << all.header[c];
    } else {
      EXPECT_EQ(kept.rows[0][c], v) << all.header[c];
    }
  }
  ASSERT_EQ(nan_features.size(), 24u);
  for (const auto& f : nan_features) EXPECT_EQ(f.rfind("original_glcm_", 0), 0u) << f;

  const std::string txt_all = run({"-f", "txt"}), txt = run({"-f", "txt", "--skip-nans"});
  const auto lines = [](const std::string& s) { return std::count(s.begin(), s.end(), '\n'); };
  EXPECT_EQ(lines(txt_all) - lines(txt), 24);
  EXPECT_NE(txt_all.find("Case-1_original_glcm_Contrast: nan\n"), std::string::npos);
  EXPECT_EQ(txt.find("original_glcm_"), std::string::npos);
  EXPECT_NE(txt.find("Case-1_original_firstorder_Mean: "), std::string::npos);

  const auto json_all = nlohmann::json::parse(run({"-f", "json"}));
  const auto json = nlohmann::json::parse(run({"-f", "json", "--skip-nans"}));
  EXPECT_TRUE(json_all[0].at("original_glcm_Contrast").is_null());
  EXPECT_EQ(json_all[0].size() - json[0].size(), 24u);
  for (const auto& f : nan_features) EXPECT_FALSE(json[0].contains(f)) << f;
  EXPECT_EQ(json[0].at("original_firstorder_Mean"), json_all[0].at("original_firstorder_Mean"));
}

// --out-dir in segment mode, as PyRadiomics's -od: each case's row is kept as
// features_<ID>.csv, and a rerun reads a kept row back instead of extracting
// (shown by a value changed in one file), re-extracts a case whose file is
// gone or names other inputs, and writes the same table as a run without it.
TEST(CliRadiomics, SegmentOutDirKeepsEachCaseAndResumes) {
  SCOPEMIA_REFDATA(image, "pyradiomics/brain1_image.nrrd");
  SCOPEMIA_REFDATA(mask, "pyradiomics/brain1_label.nrrd");
  TempDir tmp;
  write_text(tmp.file("cases.csv"), "ID,Image,Mask\nc0," + image + "," + mask + "\nc1," + image + "," + mask +
                                        "\nc2," + image + "," + mask + "\n");
  const auto batch = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"radiomics", "--batch", tmp.file("cases.csv")};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_cli(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return r.out;
  };
  const std::string plain = batch({});
  const std::string kept_dir = tmp.file("kept");
  EXPECT_EQ(batch({"-od", kept_dir}), plain);  // PyRadiomics's spelling
  for (const char* id : {"c0", "c1", "c2"}) {
    const io::CsvTable row = io::read_csv(kept_dir + "/features_" + id + ".csv");
    ASSERT_EQ(row.rows.size(), 1u);
    EXPECT_EQ(row.rows[0][row.column("ID")], id);
    EXPECT_EQ(row.rows[0][row.column("Image")], image);
    EXPECT_GE(row.column("original_firstorder_Mean"), 0);
  }
  // Resume: c1's kept row is read back (its changed value shows), c2 is re-extracted.
  io::CsvTable c1 = io::read_csv(kept_dir + "/features_c1.csv");
  const int mean = c1.column("original_firstorder_Mean");
  const std::string true_mean = c1.rows[0][mean];
  c1.rows[0][mean] = "123.5";
  io::write_csv(c1, kept_dir + "/features_c1.csv");
  std::filesystem::remove(kept_dir + "/features_c2.csv");
  const io::CsvTable resumed = io::parse_csv(batch({"--out-dir", kept_dir}), "resumed");
  const auto rows = rows_by_id(resumed);
  const int out_mean = resumed.column("original_firstorder_Mean");
  EXPECT_EQ(rows.at("c1")[out_mean], "123.5");
  EXPECT_EQ(rows.at("c0")[out_mean], true_mean);
  EXPECT_EQ(rows.at("c2")[out_mean], true_mean);
  EXPECT_TRUE(std::filesystem::exists(kept_dir + "/features_c2.csv"));
  // A kept row of other inputs is not taken: the case is extracted again.
  c1.rows[0][c1.column("Image")] = "elsewhere.nrrd";
  io::write_csv(c1, kept_dir + "/features_c1.csv");
  EXPECT_EQ(batch({"--out-dir", kept_dir}), plain);
  // A damaged kept file (a torn row) is extracted again too.
  write_text(kept_dir + "/features_c0.csv", "ID,Image,Mask\n\"c0,");
  EXPECT_EQ(batch({"--out-dir", kept_dir}), plain);
}

// --shard auto takes the share of a SLURM array task from the environment;
// every batch output has the `error` column, failed case or not.
TEST(CliRadiomics, ShardAutoFromSlurmAndAFixedSchema) {
  SCOPEMIA_REFDATA(image, "pyradiomics/brain1_image.nrrd");
  SCOPEMIA_REFDATA(mask, "pyradiomics/brain1_label.nrrd");
  TempDir tmp;
  std::string csv = "ID,Image,Mask\n";
  for (int k = 0; k < 5; ++k) csv += "c" + std::to_string(k) + "," + image + "," + mask + "\n";
  write_text(tmp.file("cases.csv"), csv);
  auto ids = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> args{"radiomics", "--batch", tmp.file("cases.csv")};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_cli(args);
    EXPECT_EQ(r.code, 0) << r.err;
    const io::CsvTable t = io::parse_csv(r.out, "out");
    EXPECT_EQ(t.header[3], "error");  // no case failed: the column is there all the same
    std::vector<std::string> out;
    for (const auto& row : t.rows) {
      out.push_back(row[0]);
      EXPECT_EQ(row[3], "");
    }
    return out;
  };
  ::setenv("SLURM_ARRAY_TASK_ID", "11", 1);
  ::setenv("SLURM_ARRAY_TASK_MIN", "10", 1);
  ::setenv("SLURM_ARRAY_TASK_COUNT", "2", 1);
  EXPECT_EQ(ids({"--shard", "auto"}), ids({"--shard", "1/2"}));
  EXPECT_EQ(ids({"--shard", "auto"}), (std::vector<std::string>{"c1", "c3"}));
  ::unsetenv("SLURM_ARRAY_TASK_ID");
  const auto r = run_cli({"radiomics", "--batch", tmp.file("cases.csv"), "--shard", "auto"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("SLURM_ARRAY_TASK_ID"), std::string::npos) << r.err;
  ::unsetenv("SLURM_ARRAY_TASK_MIN");
  ::unsetenv("SLURM_ARRAY_TASK_COUNT");
  // One case (not --batch): its failure is the command's, no error column.
  const auto one = run_cli({"radiomics", image, mask});
  EXPECT_EQ(io::parse_csv(one.out, "one").column("error"), -1);
}

// Shards of a cohort with a failing case merge into the table an unsharded
// run writes, byte for byte; missing and duplicate cases are reported.
TEST(CliRadiomics, ShardsWithAFailingCaseMergeIntoTheUnshardedTable) {
  SCOPEMIA_REFDATA(image, "pyradiomics/brain1_image.nrrd");
  SCOPEMIA_REFDATA(mask, "pyradiomics/brain1_label.nrrd");
  TempDir tmp;
  std::string csv = "ID,Image,Mask,site\n";
  for (int k = 0; k < 5; ++k) csv += "c" + std::to_string(k) + "," + image + "," + mask + ",A\n";
  csv += "broken," + image + "," + tmp.file("no_mask.nrrd") + ",B\n";
  write_text(tmp.file("cases.csv"), csv);
  auto run = [&](std::vector<std::string> args) { return run_cli(args); };
  const auto full = run({"radiomics", "--batch", tmp.file("cases.csv"), "-s", "binCount:8", "-o", tmp.file("full.csv")});
  EXPECT_EQ(full.code, 3) << full.err;
  for (int s = 0; s < 3; ++s)
    run({"radiomics", "--batch", tmp.file("cases.csv"), "-s", "binCount:8", "--shard", std::to_string(s) + "/3", "-o",
         tmp.file("p" + std::to_string(s) + ".csv")});
  const auto m = run({"merge", tmp.file("p2.csv"), tmp.file("p0.csv"), tmp.file("p1.csv"), "--cases",
                      tmp.file("cases.csv"), "-o", tmp.file("merged.csv")});
  EXPECT_EQ(m.code, 3) << m.err;  // the broken case failed, as in the unsharded run
  EXPECT_NE(m.err.find("merged 3 part(s): 6 cases, 1 failed, 0 missing, 0 duplicate"), std::string::npos) << m.err;
  EXPECT_EQ(testing::read_bytes(tmp.file("merged.csv")), testing::read_bytes(tmp.file("full.csv")));

  // --log-file (PyRadiomics's): the failed case is in the log file too.
  const auto logged = run({"radiomics", "--batch", tmp.file("cases.csv"), "-s", "binCount:8", "--shard", "2/3",
                           "--log-file", tmp.file("run.log"), "--logging-level", "INFO", "-o", tmp.file("l.csv")});
  EXPECT_EQ(logged.code, 3);
  const std::string log = testing::read_bytes(tmp.file("run.log"));
  EXPECT_NE(log.find("E: case broken: "), std::string::npos) << log;
  EXPECT_NE(log.find("no_mask.nrrd"), std::string::npos) << log;
  EXPECT_EQ(spdlog::get("scopemia-cases"), nullptr);  // gone with the command

  const auto partial = run({"merge", tmp.file("p0.csv"), tmp.file("p0.csv"), "--cases", tmp.file("cases.csv")});
  EXPECT_EQ(partial.code, 3);
  EXPECT_NE(partial.err.find("case c1 of " + tmp.file("cases.csv") + " is in no part"), std::string::npos) << partial.err;
  EXPECT_NE(partial.err.find("case c0 is in " + tmp.file("p0.csv") + " and"), std::string::npos) << partial.err;
  EXPECT_NE(partial.err.find("4 missing, 2 duplicate"), std::string::npos) << partial.err;

  write_text(tmp.file("other.csv"), "ID,Image,Mask\nc9,a,b\n");
  const auto mixed = run({"merge", tmp.file("p0.csv"), tmp.file("other.csv")});
  EXPECT_EQ(mixed.code, 2);
  EXPECT_NE(mixed.err.find("other.csv: its columns differ"), std::string::npos) << mixed.err;
}

}  // namespace
}  // namespace scopemia

namespace scopemia {
namespace {

// --mode voxel: PyRadiomics's exampleVoxel.yaml (JointEntropy, force2D,
// kernelRadius 2; initValue -1 here, as scopemia's reader refuses NaN) gives
// one map per feature, on the input's grid by default (initValue outside the
// ROI's grown box) or PyRadiomics's cropped
// grid, with the values of the library's voxel extraction; the row names the
// map. Without --mode voxel the voxelSetting is reported as unused.
TEST(CliRadiomics, VoxelModeWritesOneMapPerFeatureOnTheInputGrid) {
  SCOPEMIA_REFDATA(image, "pyradiomics/brain1_image.nrrd");
  SCOPEMIA_REFDATA(mask, "pyradiomics/brain1_label.nrrd");
  SCOPEMIA_REFDATA(params, "pyradiomics/params/exampleVoxel.yaml");
  TempDir tmp;
  const auto r = run_cli({"radiomics", image, mask, "-p", params, "-s", "initValue:-1", "--mode", "voxel",
                          "--out-dir", tmp.file("maps"), "-o", tmp.file("maps.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  const io::CsvTable table = io::read_csv(tmp.file("maps.csv"));
  const std::string path = tmp.file("maps") + "/Case-1_original_glcm_JointEntropy.nrrd";
  ASSERT_EQ(table.rows.size(), 1u);
  EXPECT_EQ(table.rows[0][table.column("original_glcm_JointEntropy")], path);

  const Image<double> input = io::read_volume_exact(image);
  const Image<double> map = io::read_volume_exact(path);
  ASSERT_EQ(map.size(), input.size());
  for (int a = 0; a < 3; ++a) {
    EXPECT_DOUBLE_EQ(map.geometry().origin[a], input.geometry().origin[a]);
    EXPECT_DOUBLE_EQ(map.geometry().spacing[a], input.geometry().spacing[a]);
  }
  radiomics::Params p = radiomics::load_params(params);
  radiomics::apply_setting_overrides(p, {{"initValue", radiomics::PyValue::real(-1)}}, "test");
  const LabelMap labels = io::read_mask(mask, image);
  const radiomics::VoxelResult want =
      radiomics::extract_voxel_maps(p, radiomics::read_extraction_image(image), PixelType::Int16, labels);
  ASSERT_EQ(want.maps.size(), 1u);
  int64_t roi = 0;
  for (int64_t z = 0; z < input.size().z; ++z)
    for (int64_t y = 0; y < input.size().y; ++y)
      for (int64_t x = 0; x < input.size().x; ++x) {
        const Region& b = want.box;
        const bool in_box = x >= b.start.x && x < b.start.x + b.size.x && y >= b.start.y &&
                            y < b.start.y + b.size.y && z >= b.start.z && z < b.start.z + b.size.z;
        const double got = map.at(x, y, z);
        if (!in_box) {
          ASSERT_EQ(got, -1.0) << x << "," << y << "," << z;  // initValue
          continue;
        }
        const double expected = want.maps[0].map.at(x - b.start.x, y - b.start.y, z - b.start.z);
        if (labels.at(x, y, z) == 1) ++roi;
        if (std::isnan(expected)) EXPECT_TRUE(std::isnan(got));
        else EXPECT_EQ(got, expected) << x << "," << y << "," << z;
      }
  EXPECT_EQ(roi, 4137);

  const auto cropped = run_cli({"radiomics", image, mask, "-p", params, "-s", "initValue:-1", "--mode", "voxel",
                                "--voxel-grid", "cropped",
                                "--out-dir", tmp.file("cropped"), "-o", tmp.file("cropped.csv")});
  ASSERT_EQ(cropped.code, 0) << cropped.err;
  const Image<double> small = io::read_volume_exact(tmp.file("cropped") + "/Case-1_original_glcm_JointEntropy.nrrd");
  EXPECT_EQ(small.size(), want.box.size);

  std::ostringstream log;  // the program's logger ("scopemia", kept by init_logging), with one more sink
  auto logger = spdlog::get("scopemia");
  if (!logger) logger = spdlog::default_logger();
  const auto capture = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  logger->sinks().push_back(capture);
  const auto segment = run_cli({"radiomics", image, mask, "-p", params, "-o", tmp.file("segment.csv")});
  logger->sinks().pop_back();
  ASSERT_EQ(segment.code, 0) << segment.err;
  EXPECT_NE(log.str().find("voxelSetting is used only with --mode voxel"), std::string::npos) << log.str();
}

// PyRadiomics's `pyradiomics cases.csv`: a lone .csv positional is the batch.
TEST(CliRadiomics, LoneCsvPositionalIsTheBatch) {
  SCOPEMIA_REFDATA(image, "pyradiomics/brain1_image.nrrd");
  SCOPEMIA_REFDATA(mask, "pyradiomics/brain1_label.nrrd");
  TempDir tmp;
  write_text(tmp.file("cases.csv"), "ID,Image,Mask\nb1," + image + "," + mask + "\n");
  ASSERT_EQ(run_cli({"radiomics", tmp.file("cases.csv"), "-o", tmp.file("a.csv")}).code, 0);
  ASSERT_EQ(run_cli({"radiomics", "--batch", tmp.file("cases.csv"), "-o", tmp.file("b.csv")}).code, 0);
  const io::CsvTable a = io::read_csv(tmp.file("a.csv")), b = io::read_csv(tmp.file("b.csv"));
  EXPECT_EQ(a.header, b.header);
  ASSERT_EQ(a.rows.size(), 1u);
  for (size_t c = 0; c < a.header.size(); ++c)
    if (a.header[c].rfind("original_", 0) == 0) EXPECT_EQ(a.rows[0][c], b.rows[0][c]) << a.header[c];
}

}  // namespace
}  // namespace scopemia
