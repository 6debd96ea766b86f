#pragma once
// Internal: small DCMTK (dcmdata) helpers shared by rtstruct.cpp,
// dicom_seg.cpp, dicom_index.cpp and dicom_checks.cpp. Include it only from
// .cpp files, never from a public header, and never together with ITK/GDCM
// headers in one translation unit.
#include <memory>
#include <string>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

namespace scopemia::io::dcm {

// Loads a DICOM file (Part 10 or raw dataset). With header_only, stops before
// the Pixel Data. InputError naming the file when it cannot be read.
std::unique_ptr<DcmFileFormat> load(const std::string& path, bool header_only = false);

// The same, nullptr instead of an error (for scanning folders).
std::unique_ptr<DcmFileFormat> try_load(const std::string& path, bool header_only = true);

// Value of a string-ish attribute, all values joined by '\', trailing blanks cut; "" when absent.
std::string text(DcmItem* item, const DcmTagKey& tag);

// Numeric values of a DS/IS/FD/FL/US/UL/SS/SL attribute; empty when absent.
std::vector<double> numbers(DcmItem* item, const DcmTagKey& tag);

// First numeric value, or `fallback`.
double number(DcmItem* item, const DcmTagKey& tag, double fallback);

// First numeric value when it is a whole number that fits an int (IS, US,
// SS, UL, SL attributes), else `fallback`: a file's "99999999999" or "1.5"
// is treated as absent, never converted with overflow.
int integer(DcmItem* item, const DcmTagKey& tag, int fallback);

// Items of a sequence attribute (empty when absent).
std::vector<DcmItem*> items(DcmItem* item, const DcmTagKey& tag);

// First item of a sequence, or nullptr.
DcmItem* first_item(DcmItem* item, const DcmTagKey& tag);

// True when GDCM's series identifier `id` (the SeriesInstanceUID, then
// ".<acquisition details>") names the series `uid`; with `prefix`, any
// identifier starting with `uid` (a user-typed abbreviation) matches.
inline bool series_matches(const std::string& id, const std::string& uid, bool prefix) {
  if (id.compare(0, uid.size(), uid) != 0) return false;
  return prefix || id.size() == uid.size() || id[uid.size()] == '.';
}

}  // namespace scopemia::io::dcm
