// libFuzzer target: the header-against-file checks of io/image_file_checks.h
// (NIfTI-1/2, NRRD, MetaImage, gzip) on arbitrary bytes. The first byte
// picks the format and extension; the rest is the file. Any outcome but a
// clean return or an InputError (a crash, a sanitizer report, an exception
// of another type, a huge allocation) is a finding. Built and run by
// scripts/fuzz.sh (docs/reliability.md).
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/error.h"
#include "io/image_file_checks.h"
#include "scratch_file.h"

namespace {
struct Format {
  const char* name;
  const char* extension;
};
constexpr Format kFormats[] = {{"NIfTI", ".nii"}, {"NIfTI", ".nii.gz"}, {"NRRD", ".nrrd"},
                               {"NRRD", ".nhdr"}, {"MetaImage", ".mha"}, {"MetaImage", ".mhd"}};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const Format& format = kFormats[data[0] % (sizeof kFormats / sizeof kFormats[0])];
  // The announced voxel bytes: as ITK would compute them, bounded like a header's.
  const uint64_t image_bytes = uint64_t(data[1]) << (data[2] % 40);
  const std::string path = scopemia::fuzz::write_scratch_file(std::string("input") + format.extension, data + 3, size - 3);
  try {
    scopemia::io::check_image_header(path, format.name);
    scopemia::io::check_image_payload(path, format.name, image_bytes);
  } catch (const scopemia::InputError&) {
  }
  return 0;
}
