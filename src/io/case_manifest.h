#pragma once
// A cohort as PyRadiomics's batch mode takes it: a CSV with `Image` and `Mask`
// columns, an optional `ID`, and any other columns carried through to every
// output. Paths are relative to the CSV's folder. DICOM works too: `Image` a
// series folder, `Mask` an RTSTRUCT or DICOM-SEG file with a "#ROI" suffix or
// a separate `ROI` column (io/dicom_mask.h).
#include <string>
#include <utility>
#include <vector>

namespace scopemia::io {

struct Case {
  std::string id;          // the ID column, else the 1-based row number
  std::string image;       // resolved path
  std::string mask;        // resolved path; may end in "#ROI" (RTSTRUCT ROI / SEG segment)
  std::string roi;         // the ROI column, when the CSV has one
  std::vector<std::pair<std::string, std::string>> columns;  // every column, as written, in order

  // What io::read_mask takes: the mask, with the ROI column as its "#ROI" suffix.
  std::string mask_spec() const { return roi.empty() ? mask : mask + "#" + roi; }
};

struct CaseManifest {
  std::string path;
  std::vector<std::string> header;  // the CSV's columns, in order
  std::vector<Case> cases;

  // Every I-th case of N (0-based I): the cases a cluster array task takes.
  CaseManifest shard(int index, int count) const;
};

CaseManifest read_case_manifest(const std::string& csv_path);

// "I/N" -> {I, N}; throws InputError when malformed or I >= N.
std::pair<int, int> parse_shard(const std::string& text);

}  // namespace scopemia::io
