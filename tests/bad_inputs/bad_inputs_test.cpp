// The bad-input table (issue 13): every malformed file, setting or output
// target a user or an adversary has produced, built here from a few bytes,
// run through the real program, and held to one contract: the expected exit
// code (2 bad input, 3 some batch cases failed, docs/reliability.md), one
// line on stderr naming the cause, no file left behind, and no input touched.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>

#include <gtest/gtest.h>

#include "bad_inputs/bad_input_files.h"
#include "io/csv.h"
#include "io/image_io.h"
#include "support/refdata.h"
#include "support/run_cli.h"
#include "support/temp_dir.h"

namespace scopemia {
namespace {
namespace fs = std::filesystem;
using testing::NiftiSpec;
using testing::run_binary;
using testing::TempDir;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

struct BadInput {
  std::string name;
  std::function<void(const fs::path&)> make;  // writes the inputs into the folder
  std::vector<std::string> args;              // "{d}" = the folder
  int code;
  std::string fragment;  // in the one stderr line
  std::vector<std::string> outputs = {};  // files the command may leave (relative)
};

// gtest prints a parameter with this (else as raw bytes).
void PrintTo(const BadInput& c, std::ostream* os) { *os << c.name; }

NiftiSpec image_spec() {
  NiftiSpec s;
  s.values = testing::test_image_values();
  return s;
}
NiftiSpec mask_spec() {
  NiftiSpec s;
  s.datatype = 2;
  s.values = testing::test_mask_values();
  return s;
}
void good_mask(const fs::path& d) { testing::write_nifti((d / "mask.nii.gz").string(), mask_spec()); }
void good_image(const fs::path& d) { testing::write_nifti((d / "image.nii.gz").string(), image_spec()); }

// An image (image.nii.gz, or `name`) changed by `change`, and the good mask.
std::function<void(const fs::path&)> image_with(std::function<void(NiftiSpec&)> change,
                                                std::string name = "image.nii.gz") {
  return [change, name](const fs::path& d) {
    NiftiSpec s = image_spec();
    change(s);
    s.gzip = name.size() > 3 && name.substr(name.size() - 3) == ".gz";
    testing::write_nifti((d / name).string(), s);
    good_mask(d);
  };
}
std::function<void(const fs::path&)> voxel(double value, int index = testing::kRoiVoxel, int datatype = 16) {
  return image_with([=](NiftiSpec& s) {
    s.datatype = datatype;
    s.values[index] = value;
  });
}
std::function<void(const fs::path&)> mask_with(std::function<void(NiftiSpec&)> change) {
  return [change](const fs::path& d) {
    good_image(d);
    NiftiSpec s = mask_spec();
    change(s);
    testing::write_nifti((d / "mask.nii.gz").string(), s);
  };
}
std::function<void(const fs::path&)> text_file(std::string name, std::string content,
                                               std::function<void(const fs::path&)> also = {}) {
  return [=](const fs::path& d) {
    testing::write_bytes((d / name).string(), content);
    if (also) also(d);
  };
}
std::string float_bytes(std::vector<float> v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}
std::string nrrd_header(const std::string& extra, const std::string& sizes = "6 6 6",
                        const std::string& type = "float", const std::string& encoding = "raw") {
  return "NRRD0004\ntype: " + type + "\ndimension: 3\nspace: left-posterior-superior\nsizes: " + sizes +
         "\nspace directions: (1,0,0) (0,1,0) (0,0,1)\nendian: little\nencoding: " + encoding +
         "\nspace origin: (0,0,0)\n" + extra + "\n";
}
std::string image_floats(double replace_value = 0, int at = -1) {
  std::vector<float> v;
  for (double x : testing::test_image_values()) v.push_back(float(x));
  if (at >= 0) v[size_t(at)] = float(replace_value);
  return float_bytes(v);
}
std::string mha(const std::string& dims, const std::string& extra, const std::string& data_file = "LOCAL") {
  return "ObjectType = Image\nNDims = 3\nDimSize = " + dims +
         "\nElementSpacing = 1 1 1\nElementType = MET_FLOAT\n" + extra + "ElementDataFile = " + data_file + "\n";
}
std::string gzip_bytes(const std::string& raw) {
  TempDir t;
  testing::write_bytes(t.file("x.gz"), raw, true);
  return testing::read_bytes(t.file("x.gz"));
}
// Two cases (good, then `bad_image`) in cases.csv.
std::function<void(const fs::path&)> batch_with(std::function<void(NiftiSpec&)> bad) {
  return [bad](const fs::path& d) {
    good_image(d);
    good_mask(d);
    NiftiSpec s = image_spec();
    bad(s);
    testing::write_nifti((d / "bad.nii.gz").string(), s);
    std::ofstream((d / "cases.csv").string()) << "ID,Image,Mask\ngood," << (d / "image.nii.gz").string() << ","
                                              << (d / "mask.nii.gz").string() << "\nbad," << (d / "bad.nii.gz").string()
                                              << "," << (d / "mask.nii.gz").string() << "\n";
  };
}

// A good image.nii (uncompressed) with header bytes changed by `patch`.
std::function<void(const fs::path&)> nifti_patched(std::function<void(std::string&)> patch) {
  return [patch](const fs::path& d) {
    NiftiSpec spec = image_spec();
    std::string bytes = testing::nifti_bytes(spec);
    patch(bytes);
    testing::write_bytes((d / "image.nii").string(), bytes);
    good_mask(d);
  };
}
template <typename T>
void put(std::string& bytes, size_t offset, T value) {
  std::memcpy(&bytes[offset], &value, sizeof value);
}
std::function<void(const fs::path&)> with_good_case(std::string name, std::string content) {
  return text_file(std::move(name), std::move(content), [](const fs::path& d) { good_image(d); good_mask(d); });
}

const std::vector<std::string> kRadiomics = {"radiomics", "{d}/image.nii.gz", "{d}/mask.nii.gz"};
std::vector<std::string> radiomics_on(const std::string& image, const std::string& mask = "{d}/mask.nii.gz") {
  return {"radiomics", image, mask};
}
std::vector<std::string> with(std::vector<std::string> a, std::initializer_list<std::string> more) {
  a.insert(a.end(), more);
  return a;
}

std::vector<BadInput> table() {
  std::vector<BadInput> t = {
      // ---- voxel values
      {"nan_in_roi", voxel(kNaN), kRadiomics, 2, "NaN"},
      {"pos_inf_in_roi", voxel(kInf), kRadiomics, 2, "infinite"},
      {"neg_inf_in_roi", voxel(-kInf), kRadiomics, 2, "infinite"},
      {"nan_outside_roi", voxel(kNaN, 0), kRadiomics, 2, "NaN"},
      {"nan_uncompressed", image_with([](NiftiSpec& s) { s.values[5] = kNaN; }, "image.nii"),
       radiomics_on("{d}/image.nii"), 2, "NaN"},
      {"nan_float64", voxel(kNaN, testing::kRoiVoxel, 64), kRadiomics, 2, "NaN"},
      {"float64_beyond_float32", voxel(1e300, testing::kRoiVoxel, 64), kRadiomics, 2, "float32"},
      {"voxel_1e30_in_roi", voxel(1e30), kRadiomics, 2, "bins"},
      {"voxel_3e9_in_roi", voxel(3e9), kRadiomics, 2, "bins"},
      {"voxel_1e10_in_roi", voxel(1e10), kRadiomics, 2, "bins"},
      {"voxel_minus_1e30_in_roi", voxel(-1e30), kRadiomics, 2, "bins"},
      {"int32_2e9_in_roi", voxel(2e9, testing::kRoiVoxel, 8), kRadiomics, 2, "bins"},
      // ---- NIfTI structure
      {"short_payload_in_complete_gzip", image_with([](NiftiSpec& s) { s.keep_bytes = 352 + 100; }), kRadiomics, 2,
       "truncated"},
      {"short_payload_nii", image_with([](NiftiSpec& s) { s.keep_bytes = 352 + 100; }, "image.nii"),
       radiomics_on("{d}/image.nii"), 2, "truncated"},
      {"gzip_stream_cut",
       [](const fs::path& d) {
         good_mask(d);
         const std::string gz = gzip_bytes(testing::nifti_bytes(image_spec()));
         testing::write_bytes((d / "image.nii.gz").string(), gz.substr(0, gz.size() - 12));
       },
       kRadiomics, 2, "truncated"},
      {"gzip_corrupt",
       [](const fs::path& d) {
         good_mask(d);
         std::string gz = gzip_bytes(testing::nifti_bytes(image_spec()));
         for (size_t i = gz.size() / 2; i < gz.size() / 2 + 8; ++i) gz[i] = char(~gz[i]);
         testing::write_bytes((d / "image.nii.gz").string(), gz);
       },
       kRadiomics, 2, "image.nii.gz: "},  // ITK no longer recognises it: "unknown image format"
      {"pixdim_x_zero", image_with([](NiftiSpec& s) { s.pixdim[0] = 0; }), kRadiomics, 2, "pixdim[1]"},
      {"pixdim_y_nan", image_with([](NiftiSpec& s) { s.pixdim[1] = float(kNaN); }), kRadiomics, 2, "pixdim[2]"},
      {"pixdim_z_inf", image_with([](NiftiSpec& s) { s.pixdim[2] = float(kInf); }), kRadiomics, 2, "pixdim[3]"},
      {"pixdim_negative", image_with([](NiftiSpec& s) { s.pixdim[0] = -1; }), kRadiomics, 2, "pixdim[1]"},
      {"vox_offset_zero", image_with([](NiftiSpec& s) { s.vox_offset = 0; }, "image.nii"),
       radiomics_on("{d}/image.nii"), 2, "vox_offset"},
      {"vox_offset_in_header", image_with([](NiftiSpec& s) { s.vox_offset = 100; }), kRadiomics, 2, "vox_offset"},
      {"vox_offset_nan", image_with([](NiftiSpec& s) { s.vox_offset = float(kNaN); }), kRadiomics, 2, "vox_offset"},
      {"vox_offset_1e31", image_with([](NiftiSpec& s) { s.vox_offset = 2.8e31f; }), kRadiomics, 2, "vox_offset"},
      {"vox_offset_past_the_end", image_with([](NiftiSpec& s) { s.vox_offset = 100000; s.keep_bytes = 2000; }),
       kRadiomics, 2, "truncated"},
      {"dim_zero", image_with([](NiftiSpec& s) { s.dims[0] = 0; }), kRadiomics, 2, "dim[1]"},
      {"ndim_zero", image_with([](NiftiSpec& s) { s.ndim = 0; }), kRadiomics, 2, "dim[0]"},
      {"four_dimensional", image_with([](NiftiSpec& s) { s.dim4 = 2; }), kRadiomics, 2, "3D images only"},
      {"header_only", image_with([](NiftiSpec& s) { s.keep_bytes = 348; }, "image.nii"),
       radiomics_on("{d}/image.nii"), 2, "truncated"},
      {"empty_nii", text_file("image.nii", "", good_mask), radiomics_on("{d}/image.nii"), 2, "unknown image format"},
      {"random_bytes_nii", text_file("image.nii", std::string(700, '\x5a'), good_mask),
       radiomics_on("{d}/image.nii"), 2, "unknown image format"},
      {"sizeof_hdr_wrong", image_with([](NiftiSpec& s) { s.sizeof_hdr = 349; }), kRadiomics, 2, "image.nii.gz: "},
      {"missing_image", good_mask, kRadiomics, 2, "no such file"},
      // ---- masks
      {"mask_nan", mask_with([](NiftiSpec& s) { s.datatype = 16; s.values[0] = kNaN; }), kRadiomics, 2, "NaN"},
      {"mask_fraction", mask_with([](NiftiSpec& s) { s.datatype = 16; s.values[0] = 0.5; }), kRadiomics, 2,
       "not a label map"},
      {"mask_300", mask_with([](NiftiSpec& s) { s.datatype = 4; s.values[0] = 300; }), kRadiomics, 2,
       "not a label map"},
      {"mask_negative", mask_with([](NiftiSpec& s) { s.datatype = 4; s.values[0] = -1; }), kRadiomics, 2,
       "not a label map"},
      {"mask_spacing_differs", mask_with([](NiftiSpec& s) { s.pixdim[0] = 2; }), kRadiomics, 2, "geometry"},
      {"mask_size_differs", mask_with([](NiftiSpec& s) { s.dims[0] = 5; }), kRadiomics, 2, "size"},
      {"mask_empty", mask_with([](NiftiSpec& s) { s.values.assign(216, 0.0); }), kRadiomics, 2, "No labels"},
      {"mask_label_absent", mask_with([](NiftiSpec&) {}), with(kRadiomics, {"--label", "2"}), 2, "Label (2)"},
      {"mask_truncated", mask_with([](NiftiSpec& s) { s.keep_bytes = 400; }), kRadiomics, 2, "truncated"},
      {"mask_pixdim_zero", mask_with([](NiftiSpec& s) { s.pixdim[2] = 0; }), kRadiomics, 2, "pixdim[3]"},
      // ---- NRRD
      {"nrrd_sizes_beyond_data", text_file("image.nrrd", nrrd_header("", "1000 1000 1000") + "0123456789", good_mask),
       radiomics_on("{d}/image.nrrd"), 2, "truncated"},
      {"nrrd_gzip_short",
       text_file("image.nrrd", nrrd_header("", "6 6 6", "float", "gzip") + gzip_bytes(image_floats().substr(0, 100)),
                 good_mask),
       radiomics_on("{d}/image.nrrd"), 2, "truncated"},
      {"nrrd_gzip_not_gzip", text_file("image.nrrd", nrrd_header("", "6 6 6", "float", "gzip") + image_floats(), good_mask),
       radiomics_on("{d}/image.nrrd"), 2, "gzip"},
      {"nrrd_skewed_axes",
       text_file("image.nrrd",
                 "NRRD0004\ntype: float\ndimension: 3\nspace: left-posterior-superior\nsizes: 6 6 6\nspace "
                 "directions: (1,0,0) (0.5,1,0) (0,0,1)\nendian: little\nencoding: raw\nspace origin: (0,0,0)\n\n" +
                     image_floats(),
                 good_mask),
       radiomics_on("{d}/image.nrrd"), 2, "perpendicular"},
      {"nrrd_missing_data_file", text_file("image.nhdr", nrrd_header("data file: image.raw\n"), good_mask),
       radiomics_on("{d}/image.nhdr"), 2, "missing"},
      {"nrrd_bad_type", text_file("image.nrrd", nrrd_header("", "6 6 6", "banana") + image_floats(), good_mask),
       radiomics_on("{d}/image.nrrd"), 2, "type"},
      {"nrrd_nan", text_file("image.nrrd", nrrd_header("") + image_floats(kNaN, testing::kRoiVoxel), good_mask),
       radiomics_on("{d}/image.nrrd"), 2, "NaN"},
      // ---- MetaImage
      {"mha_truncated", text_file("image.mha", mha("6 6 6", "") + image_floats().substr(0, 300), good_mask),
       radiomics_on("{d}/image.mha"), 2, "truncated"},
      {"mhd_missing_raw", text_file("image.mhd", mha("6 6 6", "", "image.raw"), good_mask),
       radiomics_on("{d}/image.mhd"), 2, "missing"},
      {"mha_nan", text_file("image.mha", mha("6 6 6", "") + image_floats(kNaN, 3), good_mask),
       radiomics_on("{d}/image.mha"), 2, "NaN"},
      {"mha_dims_beyond_data", text_file("image.mha", mha("1000 1000 1000", "") + image_floats(), good_mask),
       radiomics_on("{d}/image.mha"), 2, "truncated"},
      // ---- parameter files
      {"params_binCount_huge",
       text_file("params.yaml", "setting:\n  binCount: 100000000\n", [](const fs::path& d) { good_image(d); good_mask(d); }),
       with(kRadiomics, {"--params", "{d}/params.yaml"}), 2, "binCount"},
      {"params_binWidth_tiny",
       text_file("params.yaml", "setting:\n  binWidth: 0.000000001\n", [](const fs::path& d) { good_image(d); good_mask(d); }),
       with(kRadiomics, {"--params", "{d}/params.yaml"}), 2, "bins"},
      {"params_binWidth_negative",
       text_file("params.yaml", "setting:\n  binWidth: -5\n", [](const fs::path& d) { good_image(d); good_mask(d); }),
       with(kRadiomics, {"--params", "{d}/params.yaml"}), 2, "binWidth"},
      {"params_unknown_setting",
       text_file("params.yaml", "setting:\n  binWidht: 5\n", [](const fs::path& d) { good_image(d); good_mask(d); }),
       with(kRadiomics, {"--params", "{d}/params.yaml"}), 2, "binWidht"},
      {"params_not_yaml",
       text_file("params.yaml", "setting: [unclosed\n", [](const fs::path& d) { good_image(d); good_mask(d); }),
       with(kRadiomics, {"--params", "{d}/params.yaml"}), 2, "params.yaml"},
      // ---- batches: the bad case gets its row, the good one its features, exit 3
      {"batch_with_1e30_case", batch_with([](NiftiSpec& s) { s.values[testing::kRoiVoxel] = 1e30; }),
       {"radiomics", "--batch", "{d}/cases.csv", "-o", "{d}/out.csv"}, 3, "bins", {"out.csv"}},
      {"batch_with_nan_case", batch_with([](NiftiSpec& s) { s.values[0] = kNaN; }),
       {"radiomics", "--batch", "{d}/cases.csv", "-o", "{d}/out.csv"}, 3, "NaN", {"out.csv"}},
      {"batch_with_truncated_case", batch_with([](NiftiSpec& s) { s.keep_bytes = 500; }),
       {"radiomics", "--batch", "{d}/cases.csv", "-o", "{d}/out.csv"}, 3, "truncated", {"out.csv"}},
      {"batch_csv_without_mask_column", text_file("cases.csv", "ID,Image\na,x.nii.gz\n"),
       {"radiomics", "--batch", "{d}/cases.csv", "-o", "{d}/out.csv"}, 2, "Mask"},
      {"batch_csv_empty", text_file("cases.csv", ""), {"radiomics", "--batch", "{d}/cases.csv", "-o", "{d}/out.csv"},
       2, "cases.csv"},
      // ---- convert and info
      {"convert_unknown_extension", [](const fs::path& d) { good_image(d); },
       {"convert", "{d}/image.nii.gz", "{d}/out.txt"}, 2, "unknown output format"},
      {"convert_into_missing_folder", [](const fs::path& d) { good_image(d); },
       {"convert", "{d}/image.nii.gz", "{d}/no/such/out.nii.gz"}, 2, "does not exist"},
      {"convert_onto_a_folder", [](const fs::path& d) { good_image(d); fs::create_directory(d / "sub.nii.gz"); },
       {"convert", "{d}/image.nii.gz", "{d}/sub.nii.gz"}, 2, "folder"},
      {"convert_nan", voxel(kNaN), {"convert", "{d}/image.nii.gz", "{d}/out.nrrd"}, 2, "NaN"},
      {"info_pixdim_nan", image_with([](NiftiSpec& s) { s.pixdim[0] = float(kNaN); }), {"info", "{d}/image.nii.gz"}, 2,
       "pixdim[1]"},
      {"info_skewed_nrrd",
       text_file("image.nrrd",
                 "NRRD0004\ntype: float\ndimension: 3\nspace: left-posterior-superior\nsizes: 6 6 6\nspace "
                 "directions: (1,0,0) (0,1,0) (0.3,0,1)\nendian: little\nencoding: raw\nspace origin: (0,0,0)\n\n" +
                     image_floats()),
       {"info", "{d}/image.nrrd"}, 2, "perpendicular"},
      {"mci_nan", voxel(kNaN), {"mci", "{d}/image.nii.gz", "-o", "{d}/out.nii.gz"}, 2, "NaN"},
      // ---- found by fuzzing (fuzz/*_fuzz.cpp, docs/reliability.md): each crashed or misread before
      {"fuzz_nifti_unknown_datatype", nifti_patched([](std::string& b) { put<int16_t>(b, 70, 17); }),
       radiomics_on("{d}/image.nii"), 2, "datatype 17"},
      {"fuzz_nifti_nan_in_sform", nifti_patched([](std::string& b) { put<float>(b, 284, float(kNaN)); }),
       radiomics_on("{d}/image.nii"), 2, "sform"},
      {"fuzz_nii_without_magic_announcing_4gb", nifti_patched([](std::string& b) {
         std::memset(&b[344], 0, 4);
         for (int axis = 1; axis <= 3; ++axis) put<int16_t>(b, 40 + 2 * axis, 1000);
       }),
       radiomics_on("{d}/image.nii"), 2, "truncated"},
      {"fuzz_png_signature_named_nii",
       text_file("image.nii", std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16) + std::string(64, '\x7f'), good_mask),
       radiomics_on("{d}/image.nii"), 2, "PNG"},
      {"fuzz_mha_ndims_zero",
       text_file("image.mha", "ObjectType = Image\nNDims = 0\nDimSize = 2 2 2\nElementType = MET_FLOAT\n"
                              "ElementDataFile = LOCAL\n" + std::string(32, '\0'), good_mask),
       radiomics_on("{d}/image.mha"), 2, "NDims is 0"},
      {"fuzz_mha_without_element_type",
       text_file("image.mha", "ObjectType = Image\nNDims = 3\nDimSize = 6 6 6\nElementDataFile = LOCAL\n" + image_floats(),
                 good_mask),
       radiomics_on("{d}/image.mha"), 2, "has no ElementType"},
      {"fuzz_mha_key_twice", text_file("image.mha", mha("6 6 6", "NDims = 2\n") + image_floats(), good_mask),
       radiomics_on("{d}/image.mha"), 2, "NDims twice"},
      {"fuzz_mha_key_of_300_characters",
       text_file("image.mha", mha("6 6 6", std::string(300, 'K') + " = 1\n") + image_floats(), good_mask),
       radiomics_on("{d}/image.mha"), 2, "header has a key of 301 characters"},
      {"fuzz_mhd_file_pattern_step_zero", text_file("image.mhd", mha("6 6 6", "", "slice%02d.raw 1 6 0"), good_mask),
       radiomics_on("{d}/image.mhd"), 2, "file pattern"},
      {"fuzz_params_list_as_key", with_good_case("params.yaml", "setting:\n  [2]: 5\n"),
       with(kRadiomics, {"--params", "{d}/params.yaml"}), 2, "a key must be a name"},
      {"fuzz_config_list_as_key", text_file("c.yaml", "task: pretrain\ndata:\n  [1]: 2\n"),
       {"pretrain", "--config", "{d}/c.yaml", "--out", "{d}/run"}, 2, "a key must be a name"},
      // ---- controls: the same files without the fault pass
      {"control_good_case", [](const fs::path& d) { good_image(d); good_mask(d); }, kRadiomics, 0, ""},
      {"control_1e30_outside_roi", voxel(1e30, 0), kRadiomics, 0, ""},
      {"control_float64", voxel(12.5, testing::kRoiVoxel, 64), kRadiomics, 0, ""},
      {"control_int16", voxel(-1000, testing::kRoiVoxel, 4), kRadiomics, 0, ""},
  };
  return t;
}

std::string substitute(const std::string& arg, const fs::path& d) {
  std::string s = arg;
  for (size_t at; (at = s.find("{d}")) != std::string::npos;) s.replace(at, 3, d.string());
  return s;
}

std::map<std::string, std::string> snapshot(const fs::path& d) {
  std::map<std::string, std::string> files;
  for (const auto& f : testing::list_files(d)) files[f] = testing::read_bytes((d / f).string());
  return files;
}

class BadInputTable : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadInputTable, ExitCodeOneLineNothingLeftNothingTouched) {
  const BadInput& c = GetParam();
  TempDir dir;
  c.make(dir.path());
  const auto before = snapshot(dir.path());
  std::vector<std::string> args;
  for (const auto& a : c.args) args.push_back(substitute(a, dir.path()));
  const auto r = run_binary(args);
  EXPECT_EQ(r.code, c.code) << r.err;
  if (c.code == 2) {
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(r.err.rfind("scopemia: error: ", 0), 0u) << r.err;
  }
  if (c.code == 3)  // one line per failed case
    EXPECT_NE(r.err.find("case bad: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(c.fragment), std::string::npos) << "expected '" << c.fragment << "' in: " << r.err;
  auto after = snapshot(dir.path());
  for (const auto& o : c.outputs) {
    EXPECT_TRUE(after.count(o)) << o << " was not written";
    after.erase(o);
  }
  EXPECT_EQ(after.size(), before.size()) << "files were added or removed";
  for (const auto& [name, bytes] : before) {
    ASSERT_TRUE(after.count(name)) << name << " disappeared";
    EXPECT_TRUE(after[name] == bytes) << name << " was changed";
  }
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().rfind(".scopemia-tmp", 0), std::string::npos) << e.path();
}

INSTANTIATE_TEST_SUITE_P(Inputs, BadInputTable, ::testing::ValuesIn(table()),
                         [](const ::testing::TestParamInfo<BadInput>& info) { return info.param.name; });

TEST(BadInputTable, CoversAtLeastSixtyDistinctInputs) {
  std::set<std::string> names;
  for (const auto& c : table()) names.insert(c.name);
  EXPECT_GE(names.size(), 60u);
  EXPECT_EQ(names.size(), table().size());
}

TEST(BadInputBatch, TheGoodCaseKeepsItsFeaturesBesideTheFailedOne) {
  TempDir dir;
  batch_with([](NiftiSpec& s) { s.values[testing::kRoiVoxel] = 1e30; })(dir.path());
  const auto r = run_binary({"radiomics", "--batch", dir.file("cases.csv"), "-o", dir.file("out.csv")});
  ASSERT_EQ(r.code, 3) << r.err;
  const io::CsvTable t = io::read_csv(dir.file("out.csv"));
  ASSERT_EQ(t.rows.size(), 2u);
  const auto column = [&](const std::string& name) {
    return size_t(std::find(t.header.begin(), t.header.end(), name) - t.header.begin());
  };
  ASSERT_LT(column("error"), t.header.size());
  ASSERT_LT(column("original_firstorder_Mean"), t.header.size());
  EXPECT_EQ(t.rows[0][column("error")], "");
  EXPECT_FALSE(t.rows[0][column("original_firstorder_Mean")].empty());
  EXPECT_NE(t.rows[1][column("error")].find("bins"), std::string::npos);
  EXPECT_TRUE(t.rows[1][column("original_firstorder_Mean")].empty());
}

TEST(BadInputDicom, ASliceFileCutInHalfIsRefusedNamingIt) {
  SCOPEMIA_REFDATA(series, "ibsi/ct_phantom/dicom/image");
  TempDir dir;
  fs::copy(series, dir.path() / "series");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir.path() / "series")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  const fs::path cut = files[files.size() / 2];
  fs::resize_file(cut, fs::file_size(cut) / 2);
  const auto r = run_binary({"convert", (dir.path() / "series").string(), dir.file("out.nii.gz")});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find(cut.filename().string()), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(fs::exists(dir.file("out.nii.gz")));
}

TEST(BadInputEmbed, AMaskOnAnotherGridIsTheCaseErrorNotSilentData) {
  TempDir dir;
  ASSERT_EQ(run_binary({"phantom", "-o", dir.file("cohort"), "--cases", "2", "--seed", "3", "--size", "48", "48", "16"}).code, 0);
  const io::CsvTable cases = io::read_csv(dir.file("cohort/cases.csv"));
  const size_t mask_column = size_t(std::find(cases.header.begin(), cases.header.end(), "Mask") - cases.header.begin());
  ASSERT_LT(mask_column, cases.header.size());
  fs::path mask = cases.rows[1][mask_column];
  if (mask.is_relative()) mask = dir.path() / "cohort" / mask;
  LabelMap shifted = io::read_label_map(mask.string());
  Geometry g = shifted.geometry();
  g.origin[0] += 40;  // 40 mm off: the same voxels would be another place
  LabelMap moved(shifted.size(), g);
  std::copy_n(shifted.data(), shifted.voxel_count(), moved.data());
  io::write_label_map(moved, mask.string());
  std::ofstream(dir.file("c.yaml")) << "task: pretrain\ndata: {preprocess: {spacing: [0, 0, 0], height: 32, width: 32}}\n"
                                       "model: {pde_stages: [0]}\nembedding: {taps: [pde0], regions: [roi]}\n";
  const auto r = run_binary({"--threads", "1", "embed", "--config", dir.file("c.yaml"), "--seed", "1", "--cases",
                             dir.file("cohort/cases.csv"), "-o", dir.file("e.csv")});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find("geometry"), std::string::npos) << r.err;
  const io::CsvTable e = io::read_csv(dir.file("e.csv"));
  ASSERT_EQ(e.rows.size(), 2u);
  const size_t error = size_t(std::find(e.header.begin(), e.header.end(), "error") - e.header.begin());
  ASSERT_LT(error, e.header.size());
  EXPECT_EQ(e.rows[0][error], "");
  EXPECT_NE(e.rows[1][error].find("geometry"), std::string::npos);
}

TEST(BadInputConvert, Int32AboveTwoToTheTwentyFourKeepsEveryValue) {
  TempDir dir;
  NiftiSpec s = image_spec();
  s.datatype = 8;
  for (size_t i = 0; i < s.values.size(); ++i) s.values[i] = double((1 << 24) + 1 + 2 * int(i)) * (i % 2 ? -1 : 1);
  testing::write_nifti(dir.file("big.nii.gz"), s);
  for (const char* out : {"big.nrrd", "big.nii", "big.mha"}) {
    ASSERT_EQ(run_binary({"convert", dir.file("big.nii.gz"), dir.file(out)}).code, 0) << out;
    const Image<double> back = io::read_volume_exact(dir.file(out));
    ASSERT_EQ(back.voxel_count(), int64_t(s.values.size()));
    for (int64_t i = 0; i < back.voxel_count(); ++i) ASSERT_EQ(back[i], s.values[size_t(i)]) << out << " voxel " << i;
    EXPECT_EQ(io::read_info(dir.file(out)).pixel_type, PixelType::Int32);
  }
}

}  // namespace
}  // namespace scopemia
