#include "io/image_io.h"

#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <itkImageIOBase.h>
#include <itkObjectFactoryBase.h>
#include <itkVersion.h>

#include "core/error.h"
#include "io/image_file_checks.h"
#include "support/refdata.h"
#include "support/temp_dir.h"

namespace scopemia::io {
namespace {
using testing::TempDir;

Volume oblique_ct() {
  Geometry g;
  g.spacing = {0.68, 0.74, 2.5};
  g.origin = {-120.25, 33.5, -401.0};
  const double c = std::cos(0.3), s = std::sin(0.3);
  g.direction = {c, 0, s, 0, 1, 0, -s, 0, c};
  Volume v(Size3{7, 6, 5}, g);
  for (int64_t i = 0; i < v.voxel_count(); ++i) v[i] = float((i * 37) % 3000 - 1024);
  v.set_source_pixel_type(PixelType::Int16);
  return v;
}

void expect_same_geometry(const Geometry& a, const Geometry& b, double tol) {
  EXPECT_LE(a.max_difference(b), tol) << a.describe() << " vs " << b.describe();
}

class RoundTrip : public ::testing::TestWithParam<std::pair<const char*, double>> {};

TEST_P(RoundTrip, KeepsValuesGeometryAndPixelType) {
  const auto [ext, geometry_tolerance] = GetParam();
  TempDir dir;
  const Volume v = oblique_ct();
  const std::string path = dir.file(std::string("ct") + ext);
  write_volume(v, path);
  const Volume back = read_volume(path);
  ASSERT_EQ(back.size(), v.size());
  for (int64_t i = 0; i < v.voxel_count(); ++i) ASSERT_EQ(back[i], v[i]) << "voxel " << i;
  expect_same_geometry(back.geometry(), v.geometry(), geometry_tolerance);
  EXPECT_EQ(back.source_pixel_type(), PixelType::Int16);
  EXPECT_EQ(read_info(path).pixel_type, PixelType::Int16);
  // Only the image itself (and .mhd's data file) is left: no temporaries.
  EXPECT_LE(testing::list_files(dir.path()).size(), 2u);
}

// NIfTI stores geometry as float32 (quaternion + offsets); the others as text/double.
INSTANTIATE_TEST_SUITE_P(Formats, RoundTrip,
                         ::testing::Values(std::make_pair(".nii", 1e-4), std::make_pair(".nii.gz", 1e-4),
                                           std::make_pair(".nrrd", 1e-9), std::make_pair(".mha", 1e-9),
                                           std::make_pair(".mhd", 1e-9)));

TEST(ImageIo, WritesRequestedPixelTypeRoundingAndClamping) {
  TempDir dir;
  Volume v(Size3{3, 1, 1}, Geometry{});
  v[0] = 1.6f;
  v[1] = -3.0f;
  v[2] = 300.f;
  write_volume(v, dir.file("u8.nrrd"), PixelType::UInt8);
  const Volume back = read_volume(dir.file("u8.nrrd"));
  EXPECT_EQ(back[0], 2.f);
  EXPECT_EQ(back[1], 0.f);
  EXPECT_EQ(back[2], 255.f);
  EXPECT_EQ(back.source_pixel_type(), PixelType::UInt8);
}

TEST(ImageIo, LabelMapsMustHoldIntegerLabels) {
  TempDir dir;
  Volume v(Size3{2, 2, 1}, Geometry{});
  v[1] = 2.f;
  write_volume(v, dir.file("ok.nii.gz"), PixelType::Float32);
  const LabelMap labels = read_label_map(dir.file("ok.nii.gz"));
  EXPECT_EQ(labels[1], 2);
  v[2] = 0.5f;
  write_volume(v, dir.file("frac.nii.gz"), PixelType::Float32);
  EXPECT_THROW(read_label_map(dir.file("frac.nii.gz")), InputError);
}

// Each kind of bad input: an InputError naming the file, one line.
void expect_input_error(const std::string& path, const std::string& cause) {
  try {
    read_volume(path);
    FAIL() << "read " << path;
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), path);
    EXPECT_NE(std::string(e.what()).find(cause), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
}

// Image writers hold descriptor 2 back (niftilib prints to it). Writers on
// several threads at once must leave it where it was: each saving and
// restoring on its own once left a training's stderr in a deleted file.
TEST(ImageIoThreads, ConcurrentWritersLeaveStderrWhereItWas) {
  struct stat before {};
  ASSERT_EQ(::fstat(2, &before), 0);
  TempDir dir;
  const Volume v = oblique_ct();
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t)
    writers.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i)
        write_volume(v, dir.file("t" + std::to_string(t) + "_" + std::to_string(i) + ".nii.gz"));
    });
  for (auto& w : writers) w.join();
  struct stat after {};
  ASSERT_EQ(::fstat(2, &after), 0);
  EXPECT_EQ(after.st_dev, before.st_dev);
  EXPECT_EQ(after.st_ino, before.st_ino) << "descriptor 2 now points elsewhere (nlink " << after.st_nlink << ")";
  EXPECT_EQ(read_volume(dir.file("t7_24.nii.gz")).voxel_count(), v.voxel_count());
}

TEST(ImageIoBadInput, MissingFile) {
  TempDir dir;
  expect_input_error(dir.file("absent.nii.gz"), "no such file");
}

TEST(ImageIoBadInput, UnknownFormat) {
  TempDir dir;
  std::ofstream(dir.file("notes.txt")) << "not an image";
  expect_input_error(dir.file("notes.txt"), "unknown image format");
}

TEST(ImageIoBadInput, TruncatedFile) {
  TempDir dir;
  for (const char* ext : {".nii.gz", ".nrrd", ".nii", ".mha"}) {
    const std::string path = dir.file(std::string("cut") + ext);
    Volume v(Size3{64, 64, 16}, Geometry{});
    for (int64_t i = 0; i < v.voxel_count(); ++i) v[i] = float(i % 1000);
    write_volume(v, path, PixelType::Int16);
    std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
    try {
      read_volume(path);
      FAIL() << "read truncated " << path;
    } catch (const InputError& e) {
      EXPECT_EQ(e.file(), path);
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
  }
}

TEST(ImageIoBadInput, CorruptHeader) {
  TempDir dir;
  std::ofstream(dir.file("bad.nrrd")) << "NRRD0004\ntype: banana\ndimension: -3\n\n";
  std::ofstream(dir.file("bad.nii")) << std::string(400, '\x7f');
  for (const char* name : {"bad.nrrd", "bad.nii"}) {
    try {
      read_volume(dir.file(name));
      FAIL() << "read " << name;
    } catch (const InputError& e) {
      EXPECT_EQ(e.file(), dir.file(name));
    }
  }
}

// A reader ITK's factory asks first whether it can read a file; it counts
// the questions and always says no, so the factory goes on to the real ones.
class ProbeCountingImageIO : public itk::ImageIOBase {
 public:
  using Self = ProbeCountingImageIO;
  using Pointer = itk::SmartPointer<Self>;
  itkNewMacro(Self);
  itkTypeMacro(ProbeCountingImageIO, itk::ImageIOBase);
  static inline int probes = 0;
  bool CanReadFile(const char*) override {
    ++probes;
    return false;
  }
  void ReadImageInformation() override {}
  void Read(void*) override {}
  bool CanWriteFile(const char*) override { return false; }
  void WriteImageInformation() override {}
  void Write(const void*) override {}

 protected:
  ProbeCountingImageIO() = default;
};

class ProbeCountingImageIOFactory : public itk::ObjectFactoryBase {
 public:
  using Self = ProbeCountingImageIOFactory;
  using Pointer = itk::SmartPointer<Self>;
  itkNewMacro(Self);
  itkTypeMacro(ProbeCountingImageIOFactory, itk::ObjectFactoryBase);
  const char* GetITKSourceVersion() const override { return ITK_SOURCE_VERSION; }
  const char* GetDescription() const override { return "counts the factory's CanReadFile probes"; }

 protected:
  ProbeCountingImageIOFactory() {
    RegisterOverride("itkImageIOBase", "ProbeCountingImageIO", "probe counter", true,
                     itk::CreateObjectFunction<ProbeCountingImageIO>::New());
  }
};

// Registered first among ITK's image readers for one scope.
struct ProbeCounter {
  ProbeCountingImageIOFactory::Pointer factory = ProbeCountingImageIOFactory::New();
  ProbeCounter() {
    itk::ObjectFactoryBase::RegisterFactory(factory, itk::ObjectFactoryBase::InsertionPositionEnum::INSERT_AT_FRONT);
    ProbeCountingImageIO::probes = 0;
  }
  ~ProbeCounter() { itk::ObjectFactoryBase::UnRegisterFactory(factory); }
  int probes() const { return ProbeCountingImageIO::probes; }
};

// NIfTI is recognised by name and magic before ITK's reader factory: the
// files it writes (.nii, .nii.gz) are, anything else is left to the factory.
TEST(ImageIo, SingleFileNiftiKnownByNameAndMagic) {
  TempDir dir;
  const Volume v = oblique_ct();
  write_volume(v, dir.file("ct.nii.gz"));
  write_volume(v, dir.file("ct.nii"));
  write_volume(v, dir.file("ct.nrrd"));
  EXPECT_TRUE(is_single_file_nifti(dir.file("ct.nii.gz")));
  EXPECT_TRUE(is_single_file_nifti(dir.file("ct.nii")));
  EXPECT_FALSE(is_single_file_nifti(dir.file("ct.nrrd")));
  std::filesystem::copy_file(dir.file("ct.nii"), dir.file("ct.img"));
  EXPECT_FALSE(is_single_file_nifti(dir.file("ct.img")));  // the name too
  std::ofstream(dir.file("bad.nii")) << std::string(400, '\x7f');
  EXPECT_FALSE(is_single_file_nifti(dir.file("bad.nii")));
  std::string bytes = testing::read_bytes(dir.file("ct.nii"));
  bytes[344] = 'x';  // "n+1" -> "x+1": no magic
  std::ofstream(dir.file("nomagic.nii"), std::ios::binary) << bytes;
  EXPECT_FALSE(is_single_file_nifti(dir.file("nomagic.nii")));
  // Read through the shortcut, the image is what was written, and no reader
  // of the factory was asked; a NRRD still goes through the factory (which
  // shows that the counter sees its probes).
  const ProbeCounter counter;
  for (const char* name : {"ct.nii.gz", "ct.nii"}) {
    const Volume back = read_volume(dir.file(name));
    expect_same_geometry(back.geometry(), v.geometry(), 1e-6);
    for (int64_t i = 0; i < v.voxel_count(); ++i) ASSERT_EQ(back[i], v[i]) << name;
    EXPECT_EQ(read_info(dir.file(name)).format, "NIfTI") << name;
  }
  EXPECT_EQ(counter.probes(), 0);
  const Volume nrrd = read_volume(dir.file("ct.nrrd"));
  EXPECT_EQ(nrrd.voxel_count(), v.voxel_count());
  EXPECT_GT(counter.probes(), 0);
}

TEST(ImageIoBadInput, UnwritableFormatAndFolder) {
  TempDir dir;
  EXPECT_FALSE(can_write(dir.file("x.txt")));
  EXPECT_THROW(write_volume(oblique_ct(), dir.file("x.txt")), InputError);
  EXPECT_THROW(write_volume(oblique_ct(), dir.file("missing/x.nrrd")), InputError);
}

TEST(DicomSeries, IbsiCtPhantomEqualsItsNifti) {
  SCOPEMIA_REFDATA(dicom, "ibsi/ct_phantom/dicom/image");
  SCOPEMIA_REFDATA(nifti, "ibsi/ct_phantom/nifti/image/phantom.nii.gz");
  const ImageInfo info = read_info(dicom);
  EXPECT_EQ(info.format, "DICOM series");
  EXPECT_EQ(info.size, (Size3{204, 201, 60}));
  EXPECT_NEAR(info.geometry.spacing[0], 0.977, 1e-6);
  EXPECT_NEAR(info.geometry.spacing[2], 3.0, 1e-6);
  EXPECT_EQ(info.pixel_type, PixelType::Int16);  // HU after rescale
  const Volume a = read_volume(dicom), b = read_volume(nifti);
  ASSERT_EQ(a.size(), b.size());
  for (int64_t i = 0; i < a.voxel_count(); ++i) ASSERT_EQ(a[i], b[i]) << "voxel " << i;
  expect_same_geometry(a.geometry(), b.geometry(), 1e-4);
}

TEST(DicomSeries, UnknownSeriesUidAndEmptyFolder) {
  SCOPEMIA_REFDATA(dicom, "ibsi/ct_phantom/dicom/image");
  EXPECT_THROW(read_volume(dicom, ReadOptions{"9.9.9"}), InputError);
  const std::string uid = read_info(dicom).series_uid;
  EXPECT_EQ(read_volume(dicom, ReadOptions{uid}).size().z, 60);
  TempDir empty;
  try {
    read_volume(empty.path().string());
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no DICOM series"), std::string::npos);
  }
}

}  // namespace
}  // namespace scopemia::io
