// Radiomics straight from DICOM: a CT series folder with an RTSTRUCT ROI gives
// the same features as the same case converted to NIfTI (issue: clinical DICOM).
#include <cmath>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "io/csv.h"
#include "support/refdata.h"
#include "support/run_cli.h"
#include "support/temp_dir.h"

namespace scopemia {
namespace {

std::map<std::string, double> features_of(const io::CsvTable& t, size_t row) {
  std::map<std::string, double> out;
  for (size_t c = 0; c < t.header.size(); ++c)
    if (t.header[c].rfind("original_", 0) == 0) out[t.header[c]] = std::stod(t.rows[row][c]);
  return out;
}

void expect_same_features(const std::map<std::string, double>& a, const std::map<std::string, double>& b) {
  ASSERT_EQ(a.size(), 107u);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, value] : a) {
    ASSERT_TRUE(b.count(name)) << name;
    EXPECT_LE(std::abs(value - b.at(name)), std::max(1e-6 * std::abs(b.at(name)), 1e-9)) << name;
  }
}

TEST(DicomRadiomics, IbsiCtPhantomFromRtstructEqualsItsNiftiPair) {
  SCOPEMIA_REFDATA(series, "ibsi/ct_phantom/dicom/image");
  SCOPEMIA_REFDATA(rtstruct, "ibsi/ct_phantom/dicom/mask/DCM_RS_00060.dcm");
  SCOPEMIA_REFDATA(image, "ibsi/ct_phantom/nifti/image/phantom.nii.gz");
  SCOPEMIA_REFDATA(mask, "ibsi/ct_phantom/nifti/mask/mask.nii.gz");
  testing::TempDir dir;
  ASSERT_EQ(testing::run_cli({"radiomics", series, rtstruct + "#GTV-1", "-o", dir.file("dicom.csv")}).code, 0);
  ASSERT_EQ(testing::run_cli({"radiomics", image, mask, "-o", dir.file("nifti.csv")}).code, 0);
  expect_same_features(features_of(io::read_csv(dir.file("dicom.csv")), 0),
                       features_of(io::read_csv(dir.file("nifti.csv")), 0));

  // The same case in a batch CSV, with the ROI in its own column.
  std::ofstream(dir.file("cases.csv")) << "ID,Image,Mask,ROI\nibsi," << series << "," << rtstruct << ",GTV-1\n";
  const auto batch = testing::run_cli({"radiomics", "--batch", dir.file("cases.csv"), "-o", dir.file("batch.csv")});
  ASSERT_EQ(batch.code, 0) << batch.err;
  expect_same_features(features_of(io::read_csv(dir.file("batch.csv")), 0),
                       features_of(io::read_csv(dir.file("nifti.csv")), 0));
}

}  // namespace
}  // namespace scopemia
