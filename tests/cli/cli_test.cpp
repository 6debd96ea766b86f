// The scopemia program end to end: what a user types and sees.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/crop.h"
#include "core/version.h"
#include "io/image_io.h"
#include "support/refdata.h"
#include "support/run_cli.h"
#include "support/temp_dir.h"

namespace scopemia {
namespace {
namespace fs = std::filesystem;
using testing::run_binary;
using testing::run_cli;
using testing::TempDir;

TEST(Cli, VersionAndHelpForEveryCommand) {
  const auto v = run_binary({"--version"});
  EXPECT_EQ(v.code, 0);
  EXPECT_EQ(v.out, std::string("scopemia ") + SCOPEMIA_VERSION + "\n");
  const auto h = run_cli({"--help"});
  EXPECT_EQ(h.code, 0);
  for (const char* command : {"info", "convert", "phantom", "mci", "dicom", "radiomics", "embed", "evaluate", "explain", "infer", "profile", "train", "pretrain", "ablate", "launch"}) {
    EXPECT_NE(h.out.find(command), std::string::npos) << command;
    const auto sub = run_cli({command, "--help"});
    EXPECT_EQ(sub.code, 0) << command;
    EXPECT_NE(sub.out.find("Usage"), std::string::npos) << command;
  }
}

TEST(Cli, UsageErrorsExitWithTwo) {
  EXPECT_EQ(run_cli({}).code, 2);
  EXPECT_EQ(run_cli({"frobnicate"}).code, 2);
  EXPECT_EQ(run_cli({"convert", "only-one-arg"}).code, 2);
}

TEST(Cli, ConvertBrain1NrrdToNiftiAndBackKeepsVoxelsAndGeometry) {
  SCOPEMIA_REFDATA(nrrd, "pyradiomics/brain1_image.nrrd");
  TempDir dir;
  const std::string nii = dir.file("brain1.nii.gz"), back = dir.file("brain1.nrrd");
  ASSERT_EQ(run_binary({"convert", nrrd, nii}).code, 0);
  ASSERT_EQ(run_binary({"convert", nii, back}).code, 0);
  const Volume a = io::read_volume(nrrd), b = io::read_volume(back);
  ASSERT_EQ(a.size(), b.size());
  for (int64_t i = 0; i < a.voxel_count(); ++i) ASSERT_EQ(a[i], b[i]) << "voxel " << i;
  EXPECT_LE(a.geometry().max_difference(b.geometry()), 1e-6) << a.geometry().describe() << " / " << b.geometry().describe();
  EXPECT_EQ(io::read_info(back).pixel_type, io::read_info(nrrd).pixel_type);
}

TEST(Cli, InfoOfTheIbsiDicomSeriesAndItsConversion) {
  SCOPEMIA_REFDATA(dicom, "ibsi/ct_phantom/dicom/image");
  SCOPEMIA_REFDATA(nifti, "ibsi/ct_phantom/nifti/image/phantom.nii.gz");
  const auto text = run_binary({"info", dicom});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("204x201x60"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("0.977 0.977 3 mm"), std::string::npos) << text.out;
  const auto json = run_cli({"info", "--json", dicom});
  const auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["size"], nlohmann::json({204, 201, 60}));
  EXPECT_NEAR(j["spacing"][2].get<double>(), 3.0, 1e-6);

  TempDir dir;
  const std::string out = dir.file("series.nii.gz");
  ASSERT_EQ(run_binary({"convert", dicom, out}).code, 0);
  const Volume a = io::read_volume(out), b = io::read_volume(nifti);
  ASSERT_EQ(a.size(), b.size());
  for (int64_t i = 0; i < a.voxel_count(); ++i) ASSERT_EQ(a[i], b[i]) << "voxel " << i;
  EXPECT_LE(a.geometry().max_difference(b.geometry()), 1e-4);
}

TEST(Cli, InfoReportsLabelsAndTheRoiOfAMask) {
  SCOPEMIA_REFDATA(image, "pyradiomics/brain1_image.nrrd");
  SCOPEMIA_REFDATA(mask, "pyradiomics/brain1_label.nrrd");
  const auto r = run_cli({"info", "--json", image, "--mask", mask});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["roi"]["voxels"].get<int64_t>(), 4137);
  const auto m = nlohmann::json::parse(run_cli({"info", "--json", mask}).out);
  EXPECT_EQ(m["labels"]["1"].get<int64_t>(), 4137);
  EXPECT_EQ(m["labels"]["0"].get<int64_t>(), 256 * 256 * 25 - 4137);
}

TEST(Cli, PhantomTwiceWithOneSeedGivesIdenticalFiles) {
  TempDir a, b, c;
  for (const auto* d : {&a, &b})
    ASSERT_EQ(run_binary({"phantom", "-o", d->path().string(), "--cases", "2", "--seed", "11"}).code, 0);
  ASSERT_EQ(run_cli({"phantom", "-o", c.path().string(), "--cases", "2", "--seed", "12"}).code, 0);
  const auto files = testing::list_files(a.path());
  ASSERT_EQ(files, testing::list_files(b.path()));
  bool any_difference = false;
  for (const auto& f : files) {
    EXPECT_EQ(testing::read_bytes((a.path() / f).string()), testing::read_bytes((b.path() / f).string())) << f;
    any_difference |= testing::read_bytes((a.path() / f).string()) != testing::read_bytes((c.path() / f).string());
  }
  EXPECT_TRUE(any_difference);
}

// Bad input: exit code 2, exactly one line on stderr naming the file, and no
// output file (or temporary) left behind.
struct BadInputFixture : ::testing::Test {
  TempDir dir;
  std::string image, mask;
  void SetUp() override {
    Volume v(Size3{16, 12, 8}, Geometry{});
    for (int64_t i = 0; i < v.voxel_count(); ++i) v[i] = float(i % 200);
    v.set_source_pixel_type(PixelType::Int16);
    image = dir.file("image.nii.gz");
    io::write_volume(v, image);
    LabelMap m(v.size(), v.geometry());
    m.at(3, 3, 3) = 1;
    mask = dir.file("mask.nii.gz");
    io::write_label_map(m, mask);
  }
  void expect_one_line_error(const std::vector<std::string>& args, const std::string& file, const std::string& cause) {
    const auto r = run_binary(args);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(file), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(cause), std::string::npos) << r.err;
  }
};

TEST_F(BadInputFixture, MissingFile) {
  expect_one_line_error({"info", dir.file("nope.nrrd")}, dir.file("nope.nrrd"), "no such file");
}

TEST_F(BadInputFixture, UnknownFormat) {
  std::ofstream(dir.file("scan.xyz")) << "hello";
  expect_one_line_error({"info", dir.file("scan.xyz")}, dir.file("scan.xyz"), "unknown image format");
  expect_one_line_error({"convert", image, dir.file("out.xyz")}, dir.file("out.xyz"), "unknown output format");
}

TEST_F(BadInputFixture, TruncatedFileLeavesNoOutput) {
  fs::resize_file(image, fs::file_size(image) / 2);
  const std::string out = dir.file("out.nrrd");
  expect_one_line_error({"convert", image, out}, image, "");
  EXPECT_EQ(testing::list_files(dir.path()), (std::vector<std::string>{"image.nii.gz", "mask.nii.gz"}));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 2);
}

TEST_F(BadInputFixture, MaskGeometryBeyondTolerance) {
  LabelMap m = io::read_label_map(mask);
  Geometry g = m.geometry();
  g.origin[1] += 0.5;
  m.set_geometry(g);
  io::write_label_map(m, dir.file("shifted.nii.gz"));
  expect_one_line_error({"info", image, "--mask", dir.file("shifted.nii.gz")}, dir.file("shifted.nii.gz"),
                        "geometry differs");
  // Within a tolerance the user chooses, the same pair is accepted.
  EXPECT_EQ(run_cli({"info", image, "--mask", dir.file("shifted.nii.gz"), "--geometry-tolerance", "0.6"}).code, 0);
}

TEST_F(BadInputFixture, EmptyMask) {
  LabelMap m(Size3{16, 12, 8}, Geometry{});
  io::write_label_map(m, dir.file("empty.nii.gz"));
  expect_one_line_error({"info", image, "--mask", dir.file("empty.nii.gz")}, dir.file("empty.nii.gz"), "mask is empty");
}

TEST_F(BadInputFixture, AbsentLabel) {
  expect_one_line_error({"info", image, "--mask", mask, "--label", "2"}, mask, "label 2 is absent");
}

}  // namespace
}  // namespace scopemia

namespace scopemia {
namespace {

TEST(CliMci, WritesCurvatureWithTheInputGeometry) {
  testing::TempDir dir;
  Geometry g;
  g.spacing = {0.8, 0.8, 1.5};
  g.origin = {10, -20, 30};
  Volume v(Size3{32, 32, 20}, g);
  for (int64_t z = 0; z < 20; ++z)
    for (int64_t y = 0; y < 32; ++y)
      for (int64_t x = 0; x < 32; ++x) {
        const double dx = (x - 15.7) * 0.8, dy = (y - 16.2) * 0.8, dz = (z - 9.6) * 1.5;
        v.at(x, y, z) = float(std::sqrt(dx * dx + dy * dy + dz * dz));
      }
  io::write_volume(v, dir.file("d.nrrd"), PixelType::Float32);
  const auto r = testing::run_binary({"mci", dir.file("d.nrrd"), "-o", dir.file("k.nii.gz")});
  ASSERT_EQ(r.code, 0) << r.err;
  const Volume k = io::read_volume(dir.file("k.nii.gz"));
  EXPECT_LE(k.geometry().max_difference(g), 1e-4);
  // A voxel 6 mm from the point: k = 2/6 (1/mm).
  const double r6 = v.at(23, 16, 10);
  EXPECT_NEAR(k.at(23, 16, 10), 2.0 / r6, 0.02 * 2.0 / r6);
}

}  // namespace
}  // namespace scopemia
