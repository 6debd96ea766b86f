// libFuzzer target: a whole image read as the CLI does it (io/image_io.h:
// our header checks, then ITK's NIfTI/NRRD/MetaImage readers, then the
// voxel checks) on arbitrary bytes. The first byte picks the extension; the
// rest is the file. Every outcome but a volume or an InputError is a
// finding: a crash or sanitizer report in our code or under it in ITK, an
// exception of another type (an ITK exception that escaped the one-line
// message), an allocation beyond -rss_limit_mb. The volume read must also
// agree with read_info's size. Built and run by scripts/fuzz.sh.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "io/image_io.h"
#include "scratch_file.h"

namespace {
constexpr const char* kExtensions[] = {".nii", ".nii.gz", ".nrrd", ".mha", ".nhdr", ".mhd", ".hdr"};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::string path = scopemia::fuzz::write_scratch_file(
      std::string("input") + kExtensions[data[0] % (sizeof kExtensions / sizeof *kExtensions)], data + 1, size - 1);
  using namespace scopemia;
  try {
    const io::ImageInfo info = io::read_info(path);
    const Volume volume = io::read_volume(path);
    if (volume.size() != info.size) {
      std::fprintf(stderr, "read_volume size differs from read_info's\n");
      std::abort();
    }
  } catch (const InputError&) {
  }
  try {
    io::read_label_map(path);
  } catch (const InputError&) {
  }
  std::remove(path.c_str());
  return 0;
}
