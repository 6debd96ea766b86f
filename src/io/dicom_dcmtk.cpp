#include "io/dicom_dcmtk.h"

#include <cmath>
#include <cstdlib>
#include <limits>

#include <dcmtk/dcmdata/dcrledrg.h>

#include "core/error.h"

namespace scopemia::io::dcm {

namespace {

// Silences DCMTK's own logging (warnings about odd files go through our
// errors) and registers the RLE decoder once.
void init_dcmtk() {
  static const bool done = [] {
    OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
    DcmRLEDecoderRegistration::registerCodecs();
    return true;
  }();
  (void)done;
}

std::unique_ptr<DcmFileFormat> do_load(const std::string& path, bool header_only, OFCondition& status) {
  init_dcmtk();
  auto file = std::make_unique<DcmFileFormat>();
  if (header_only)
    status = file->loadFileUntilTag(path.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect,
                                    DCM_PixelData);
  else
    status = file->loadFile(path.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect);
  return file;
}

}  // namespace

std::unique_ptr<DcmFileFormat> load(const std::string& path, bool header_only) {
  OFCondition status;
  auto file = do_load(path, header_only, status);
  if (status.bad()) throw InputError(path, std::string("cannot read as DICOM: ") + status.text());
  return file;
}

std::unique_ptr<DcmFileFormat> try_load(const std::string& path, bool header_only) {
  OFCondition status;
  auto file = do_load(path, header_only, status);
  if (status.bad()) return nullptr;
  // A non-DICOM file read as a raw dataset gives garbage without SOP class:
  // only files with a SOP class or a Modality count.
  DcmDataset* ds = file->getDataset();
  if (text(ds, DCM_SOPClassUID).empty() && text(ds, DCM_Modality).empty() &&
      text(file->getMetaInfo(), DCM_MediaStorageSOPClassUID).empty())
    return nullptr;
  return file;
}

std::string text(DcmItem* item, const DcmTagKey& tag) {
  if (!item) return {};
  OFString value;
  if (item->findAndGetOFStringArray(tag, value).bad()) return {};
  std::string s(value.c_str(), value.length());
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  return s;
}

std::vector<double> numbers(DcmItem* item, const DcmTagKey& tag) {
  std::vector<double> out;
  if (!item) return out;
  DcmElement* element = nullptr;
  if (item->findAndGetElement(tag, element).bad() || !element) return out;
  const DcmEVR vr = element->ident();
  if (vr == EVR_DS || vr == EVR_IS) {
    // Parse the text once: ContourData holds thousands of values.
    OFString value;
    if (element->getOFStringArray(value).bad()) return out;
    const char* p = value.c_str();
    const char* end = p + value.length();
    while (p < end) {
      char* next = nullptr;
      const double v = std::strtod(p, &next);
      if (next == p) {
        ++p;  // skip a separator or stray character
        continue;
      }
      out.push_back(v);
      p = next;
    }
    return out;
  }
  const unsigned long n = element->getVM();
  for (unsigned long i = 0; i < n; ++i) {
    Float64 f = 0;
    if (vr == EVR_FD || vr == EVR_FL) {
      if (item->findAndGetFloat64(tag, f, i).bad()) {
        Float32 g = 0;
        if (item->findAndGetFloat32(tag, g, i).bad()) break;
        f = g;
      }
    } else if (vr == EVR_US) {
      Uint16 u = 0;
      if (element->getUint16(u, i).bad()) break;
      f = u;
    } else if (vr == EVR_SS) {
      Sint16 s = 0;
      if (element->getSint16(s, i).bad()) break;
      f = s;
    } else if (vr == EVR_UL) {
      Uint32 u = 0;
      if (element->getUint32(u, i).bad()) break;
      f = u;
    } else if (vr == EVR_SL) {
      Sint32 s = 0;
      if (element->getSint32(s, i).bad()) break;
      f = s;
    } else {
      break;
    }
    out.push_back(f);
  }
  return out;
}

double number(DcmItem* item, const DcmTagKey& tag, double fallback) {
  const auto v = numbers(item, tag);
  return v.empty() ? fallback : v.front();
}

int integer(DcmItem* item, const DcmTagKey& tag, int fallback) {
  const auto v = numbers(item, tag);
  if (v.empty() || !(std::abs(v.front()) <= double(std::numeric_limits<int>::max())) || v.front() != std::trunc(v.front()))
    return fallback;
  return static_cast<int>(v.front());
}

std::vector<DcmItem*> items(DcmItem* item, const DcmTagKey& tag) {
  std::vector<DcmItem*> out;
  if (!item) return out;
  DcmSequenceOfItems* seq = nullptr;
  if (item->findAndGetSequence(tag, seq).bad() || !seq) return out;
  for (unsigned long i = 0; i < seq->card(); ++i) out.push_back(seq->getItem(i));
  return out;
}

DcmItem* first_item(DcmItem* item, const DcmTagKey& tag) {
  const auto all = items(item, tag);
  return all.empty() ? nullptr : all.front();
}

}  // namespace scopemia::io::dcm
