#include "io/image_io.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <type_traits>
#include <utility>

#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkOutputWindow.h>
#include <itkImageIOFactory.h>
#include <itkNiftiImageIO.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "io/dicom_series.h"
#include "io/gdcm_series.h"
#include "io/image_file_checks.h"
#include "io/voxel_payload.h"

namespace scopemia::io {
namespace fs = std::filesystem;
using FloatImage = itk::Image<float, 3>;

namespace {

void require_exists(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(path, "no such file or folder");
}

PixelType pixel_type_of(itk::IOComponentEnum c) {
  using C = itk::IOComponentEnum;
  switch (c) {
    case C::UCHAR: return PixelType::UInt8;
    case C::CHAR: return PixelType::Int8;
    case C::USHORT: return PixelType::UInt16;
    case C::SHORT: return PixelType::Int16;
    case C::UINT: return PixelType::UInt32;
    case C::INT: return PixelType::Int32;
    case C::ULONG:
    case C::ULONGLONG: return PixelType::UInt64;
    case C::LONG:
    case C::LONGLONG: return PixelType::Int64;
    case C::DOUBLE: return PixelType::Float64;
    default: return PixelType::Float32;
  }
}

std::string format_name(const itk::ImageIOBase* io) {
  const std::string name = io->GetNameOfClass();
  if (name == "NiftiImageIO") return "NIfTI";
  if (name == "NrrdImageIO") return "NRRD";
  if (name == "MetaImageIO") return "MetaImage";
  if (name == "GDCMImageIO") return "DICOM";
  if (name == "PNGImageIO") return "PNG";
  return name;
}

// ITK's messages carry the source file and line of ITK itself; the user wants
// the description only.
std::string describe(const itk::ExceptionObject& e) {
  std::string d = e.GetDescription();
  return d.empty() ? std::string("unreadable file") : d;
}

// ITK's warnings ("... is Analyze file and it's deprecated", slice spacing
// notes) are printed to stderr by its OutputWindow; here they go to the debug
// log, shown with -v, so a failing command still prints its one line.
class LogOutputWindow : public itk::OutputWindow {
 public:
  using Self = LogOutputWindow;
  using Pointer = itk::SmartPointer<Self>;
  itkNewMacro(Self);
  void DisplayText(const char* text) override {
    std::string t = text ? text : "";
    while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
    for (char& c : t)
      if (c == '\n') c = ' ';
    spdlog::debug("ITK: {}", t);
  }
};

void route_itk_messages_to_log() {
  static const bool routed = [] {
    itk::OutputWindow::SetInstance(LogOutputWindow::New());
    return true;
  }();
  (void)routed;
}

// A redirection of a process-wide stream that several threads may ask for at
// once (batch workers, a data loader's threads): the first holder begins it,
// the last one out ends it. Holders saving and restoring on their own would
// restore each other's redirection (it once left the process's stderr in a
// deleted file: a training's log stayed empty). `Redirect` has begin() and
// end(), called under the lock.
template <typename Redirect>
class SharedHold {
 public:
  SharedHold() {
    std::lock_guard<std::mutex> lock(state().mutex);
    if (state().depth++ == 0) state().redirect.begin();
  }
  ~SharedHold() {
    std::lock_guard<std::mutex> lock(state().mutex);
    if (--state().depth == 0) state().redirect.end();
  }
  SharedHold(const SharedHold&) = delete;
  SharedHold& operator=(const SharedHold&) = delete;

 private:
  struct State {
    std::mutex mutex;
    int depth = 0;
    Redirect redirect;
  };
  static State& state() {
    static State s;
    return s;
  }
};

// MetaIO and GDCM print their complaints to std::cerr themselves ("MetaImage:
// Read: Cannot parse file", "Warning: In gdcmReader.cxx ..."; seen by
// fuzzing) before ITK throws. While ITK reads, std::cerr goes to a buffer
// whose text is logged at debug level (-v), so a failing command prints its
// one line. The buffer locks: concurrent readers write to it at once.
class LockedTextBuffer : public std::streambuf {
 public:
  std::string take() {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::exchange(text_, {});
  }

 protected:
  int overflow(int c) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (c != traits_type::eof()) text_.push_back(char(c));
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::lock_guard<std::mutex> lock(mutex_);
    text_.append(s, size_t(n));
    return n;
  }

 private:
  std::mutex mutex_;
  std::string text_;
};

struct CerrToBuffer {
  std::streambuf* saved = nullptr;
  LockedTextBuffer buffer;
  void begin() { saved = std::cerr.rdbuf(&buffer); }
  void end() {
    std::cerr.rdbuf(saved);
    std::istringstream lines(buffer.take());
    for (std::string line; std::getline(lines, line);)
      if (!line.empty()) spdlog::debug("image reader said: {}", line);
  }
};
using CerrToDebugLog = SharedHold<CerrToBuffer>;

// Runs an ITK read step; whatever it throws becomes one InputError naming
// `path`. ITK's readers do not only throw itk::ExceptionObject: a malformed
// MetaImage header reaches std::string's length_error through MetaIO, and an
// announced size can end in bad_alloc (found by fuzz/image_read_fuzz.cpp).
template <typename Step>
void read_step(const std::string& path, const std::string& context, Step&& step) {
  CerrToDebugLog quiet;
  try {
    step();
  } catch (const InputError&) {
    throw;
  } catch (const itk::ExceptionObject& e) {
    throw InputError(path, context + describe(e));
  } catch (const std::bad_alloc&) {
    throw InputError(path, context + "the reader ran out of memory (a header announcing more than the file holds?)");
  } catch (const std::exception& e) {
    throw InputError(path, context + "malformed content (the reader failed with: " + e.what() + ")");
  }
}

template <typename ItkImage>
Geometry geometry_of(const ItkImage* image) {
  Geometry g;
  for (int i = 0; i < 3; ++i) {
    g.spacing[i] = image->GetSpacing()[i];
    g.origin[i] = image->GetOrigin()[i];
    for (int j = 0; j < 3; ++j) g.direction[i * 3 + j] = image->GetDirection()(i, j);
  }
  return g;
}

template <typename ItkImage>
void apply_geometry(ItkImage* image, const Geometry& g, const Size3& size) {
  typename ItkImage::RegionType region;
  typename ItkImage::SizeType s;
  s[0] = size.x;
  s[1] = size.y;
  s[2] = size.z;
  region.SetSize(s);
  image->SetRegions(region);
  typename ItkImage::SpacingType spacing;
  typename ItkImage::PointType origin;
  typename ItkImage::DirectionType direction;
  for (int i = 0; i < 3; ++i) {
    spacing[i] = g.spacing[i];
    origin[i] = g.origin[i];
    for (int j = 0; j < 3; ++j) direction(i, j) = g.direction[i * 3 + j];
  }
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  image->SetDirection(direction);
}

Volume volume_of(const FloatImage* image, PixelType source) {
  const auto s = image->GetLargestPossibleRegion().GetSize();
  Volume v(Size3{int64_t(s[0]), int64_t(s[1]), int64_t(s[2])}, geometry_of(image));
  std::copy_n(image->GetBufferPointer(), v.voxel_count(), v.data());
  v.set_source_pixel_type(source);
  return v;
}

itk::ImageIOBase::Pointer file_io(const std::string& path) {
  if (fs::is_directory(path)) throw std::logic_error("file_io on a folder");
  route_itk_messages_to_log();
  // NIfTI by name and magic is created directly: the factory would probe
  // every reader (NIfTI's probe inflating 16 KiB of a .nii.gz) to pick it.
  if (is_single_file_nifti(path)) return itk::NiftiImageIO::New().GetPointer();
  itk::ImageIOBase::Pointer io;
  {
    CerrToDebugLog quiet;  // every reader's CanReadFile probes the file, GDCM's loudly
    io = itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::IOFileModeEnum::ReadMode);
  }
  if (!io) throw InputError(path, "unknown image format (readable: .nii, .nii.gz, .nrrd, .nhdr, .mha, .mhd, a DICOM folder)");
  // ITK takes any file with PNG's signature for a PNG whatever its name, and
  // its PNG reader lets libpng abort() the process on a corrupt chunk (found
  // by fuzzing): a 2D picture is no input here anyway.
  if (format_name(io) == "PNG") throw InputError(path, "is a PNG picture, not a 3D image (readable: .nii, .nii.gz, .nrrd, .nhdr, .mha, .mhd, a DICOM folder)");
  return io;
}

void check_dimensions(const std::string& path, const itk::ImageIOBase* io) {
  if (io->GetNumberOfComponents() != 1)
    throw InputError(path, fmt::format("has {} components per voxel; scalar images only",
                                       io->GetNumberOfComponents()));
  for (unsigned d = 3; d < io->GetNumberOfDimensions(); ++d)
    if (io->GetDimensions(d) > 1)
      throw InputError(path, fmt::format("is {}-dimensional; 3D images only", io->GetNumberOfDimensions()));
}

struct SeriesReading {
  FloatImage::Pointer image;
  PixelType pixel_type;
  DicomSeries series;
  int series_count;
  SliceLayout layout;  // layout.problem set: resample (options.resample_slices)
};

SeriesReading read_series(const std::string& folder, const ReadOptions& options, bool pixels) {
  route_itk_messages_to_log();
  const auto all = find_dicom_series(folder);
  DicomSeries series = choose_dicom_series(folder, options.series_uid);
  SliceLayout layout = analyse_slices(series);
  if (!layout.problem.empty() && (!options.resample_slices || layout.size.count() == 0))
    throw_slice_problem(folder, series, layout);
  if (pixels) check_pixel_data_complete(series);
  GdcmSeriesImage read;
  read_step(folder, "cannot read DICOM series " + series.uid + ": ", [&] {
    // Irregular slices were checked above (and are resampled): no ITK warning.
    read = gdcm_functions().read_series(series.files, pixels, !layout.problem.empty());
  });
  // GDCM's identifier appends acquisition details to the UID; report the UID.
  if (!read.series_uid.empty()) series.uid = read.series_uid;
  return {read.image, pixel_type_of(read.component), series, int(all.size()), layout};
}

}  // namespace

ImageInfo read_info(const std::string& path, const ReadOptions& options) {
  require_exists(path);
  ImageInfo info;
  info.path = path;
  if (fs::is_directory(path)) {
    auto r = read_series(path, options, /*pixels=*/false);
    const auto s = r.image->GetLargestPossibleRegion().GetSize();
    info.format = "DICOM series";
    info.size = Size3{int64_t(s[0]), int64_t(s[1]), int64_t(s[2])};
    info.geometry = geometry_of(r.image.GetPointer());
    if (!r.layout.problem.empty()) {
      info.size = r.layout.size;
      info.geometry = r.layout.geometry;
    }
    info.pixel_type = r.pixel_type;
    info.series_uid = r.series.uid;
    info.series_count = r.series_count;
    return info;
  }
  auto io = file_io(path);
  check_image_header(path, format_name(io));
  read_step(path, "", [&] {
    io->SetFileName(path);
    io->ReadImageInformation();
  });
  check_dimensions(path, io);
  info.format = format_name(io);
  info.pixel_type = pixel_type_of(io->GetComponentType());
  info.components = int(io->GetNumberOfComponents());
  const unsigned nd = io->GetNumberOfDimensions();
  int64_t dims[3] = {1, 1, 1};
  for (unsigned d = 0; d < std::min(nd, 3u); ++d) dims[d] = int64_t(io->GetDimensions(d));
  info.size = Size3{dims[0], dims[1], dims[2]};
  for (unsigned i = 0; i < std::min(nd, 3u); ++i) {
    info.geometry.spacing[i] = io->GetSpacing(i);
    info.geometry.origin[i] = io->GetOrigin(i);
    const auto axis = io->GetDirection(i);  // column i
    for (unsigned r = 0; r < std::min<size_t>(axis.size(), 3); ++r) info.geometry.direction[r * 3 + i] = axis[r];
  }
  check_direction(path, info.geometry);
  return info;
}

namespace {

// How a file's values become an image's pixels: read as ITK's reader reads
// them (static_cast to Read), then checked (`all_valid` over a block, else
// `reject` the first bad one) and converted. Checking is a pass of its own,
// so both loops vectorise.
template <typename ReadType, typename PixelType_>
struct Finite {
  using Read = ReadType;
  using Pixel = PixelType_;
  template <typename Source>
  static bool all_valid(const Source* values, int64_t n) {
    if constexpr (std::is_integral_v<Source>) {
      return true;  // every integer is finite as float32 and float64
    } else {
      bool finite = true;
      for (int64_t i = 0; i < n; ++i) finite &= bool(std::isfinite(static_cast<Read>(values[i])));
      return finite;
    }
  }
  static Pixel convert(Read v) { return Pixel(v); }
  [[noreturn]] static void reject(const std::string& path, Read v, int64_t i) { throw_non_finite_voxel(path, i, v); }
  static bool valid(Read v) { return std::isfinite(v); }
};

// Labels 0..255 (integers), read as float32 as any volume.
struct Labels {
  using Read = float;
  using Pixel = uint8_t;
  // Integers 0..255 are exactly the valid labels, so for integer files the
  // check is the values' range.
  template <typename Source>
  static bool all_valid(const Source* values, int64_t n) {
    if constexpr (std::is_same_v<Source, uint8_t>) {
      return true;
    } else if constexpr (std::is_integral_v<Source>) {
      Source lowest = 0, highest = 0;
      for (int64_t i = 0; i < n; ++i) {
        lowest = std::min(lowest, values[i]);
        highest = std::max(highest, values[i]);
      }
      return lowest >= 0 && highest <= 255;
    } else {
      bool labels = true;
      for (int64_t i = 0; i < n; ++i) labels &= valid(static_cast<float>(values[i]));
      return labels;
    }
  }
  static bool valid(float v) {
    // Out of range and NaN become 0, which then differs from v; int() only
    // ever sees 0..255 (a NaN or 1e30 there is undefined: found by fuzzing).
    const float in_range = (v >= 0.f && v <= 255.f) ? v : 0.f;
    return (in_range == v) & (in_range == float(int(in_range)));
  }
  static uint8_t convert(float v) { return uint8_t(v); }
  [[noreturn]] static void reject(const std::string& path, float v, int64_t i) {
    if (!std::isfinite(v)) throw_non_finite_voxel(path, i, v);
    throw InputError(path, fmt::format("is not a label map: voxel value {} (labels are integers 0-255)", v));
  }
};

template <typename Source>
void swap_bytes(Source* values, int64_t n) {
  if constexpr (sizeof(Source) > 1) {
    for (int64_t i = 0; i < n; ++i) {
      unsigned char b[sizeof(Source)];
      std::memcpy(b, &values[i], sizeof(Source));
      std::reverse(b, b + sizeof(Source));
      std::memcpy(&values[i], b, sizeof(Source));
    }
  }
}

// The voxels of `stored` (values of type Source) into `out`, under Policy,
// a block at a time: the block is copied out (the values may lie at the end
// of `out`'s own buffer, io/voxel_payload.h's InflateInto, and a pixel
// never reaches a value after its own), checked, converted. False when the
// stored data end early or are corrupt.
template <typename Policy, typename Source>
bool convert_values(const std::string& path, StoredVoxels& stored, typename Policy::Pixel* out, int64_t count) {
  using Read = typename Policy::Read;
  constexpr int64_t kBlock = 4096;
  Source block[kBlock];
  for (int64_t start = 0; start < count; start += kBlock) {
    const int64_t n = std::min(kBlock, count - start);
    if (!stored.next(reinterpret_cast<uint8_t*>(block), uint64_t(n) * sizeof(Source))) return false;
    if (stored.swapped()) swap_bytes(block, n);
    if (!Policy::all_valid(block, n))
      for (int64_t i = 0; i < n; ++i)
        if (!Policy::valid(static_cast<Read>(block[i]))) Policy::reject(path, static_cast<Read>(block[i]), start + i);
    typename Policy::Pixel* o = out + start;
    for (int64_t i = 0; i < n; ++i) o[i] = Policy::convert(static_cast<Read>(block[i]));
  }
  return true;
}

// False for a component type this conversion does not know, or stored data
// found damaged (ITK then reads the file).
template <typename Policy>
bool convert_stored(const std::string& path, StoredVoxels& stored, itk::IOComponentEnum component,
                    typename Policy::Pixel* out, int64_t count) {
  using C = itk::IOComponentEnum;
  switch (component) {
    case C::UCHAR: return convert_values<Policy, uint8_t>(path, stored, out, count);
    case C::CHAR: return convert_values<Policy, int8_t>(path, stored, out, count);
    case C::USHORT: return convert_values<Policy, uint16_t>(path, stored, out, count);
    case C::SHORT: return convert_values<Policy, int16_t>(path, stored, out, count);
    case C::UINT: return convert_values<Policy, uint32_t>(path, stored, out, count);
    case C::INT: return convert_values<Policy, int32_t>(path, stored, out, count);
    case C::ULONG: return convert_values<Policy, unsigned long>(path, stored, out, count);
    case C::LONG: return convert_values<Policy, long>(path, stored, out, count);
    case C::ULONGLONG: return convert_values<Policy, unsigned long long>(path, stored, out, count);
    case C::LONGLONG: return convert_values<Policy, long long>(path, stored, out, count);
    case C::FLOAT: return convert_values<Policy, float>(path, stored, out, count);
    case C::DOUBLE: return convert_values<Policy, double>(path, stored, out, count);
    default: return false;
  }
}

// One image file (not a DICOM folder) with every check of
// io/image_file_checks.h, its values converted under Policy (above). The
// header and geometry always come from ITK's reader; the voxels from
// io/voxel_payload.h where it knows the file's layout, else from ITK's
// reader too.
template <typename Policy>
Image<typename Policy::Pixel> read_file(const std::string& path) {
  using Read = typename Policy::Read;
  using ItkImage = itk::Image<Read, 3>;
  auto io = file_io(path);
  const std::string format = format_name(io);
  check_image_header(path, format);
  auto reader = itk::ImageFileReader<ItkImage>::New();
  reader->SetImageIO(io);
  reader->SetFileName(path);
  read_step(path, "", [&] {
    reader->UpdateOutputInformation();
    check_dimensions(path, io);
    check_direction(path, geometry_of(reader->GetOutput()));
    check_image_payload(path, format, io->GetImageSizeInBytes());
  });
  const ItkImage* out = reader->GetOutput();
  const auto s = out->GetLargestPossibleRegion().GetSize();
  Image<typename Policy::Pixel> image(Size3{int64_t(s[0]), int64_t(s[1]), int64_t(s[2])}, geometry_of(out));
  image.set_source_pixel_type(pixel_type_of(io->GetComponentType()));
  InflateInto into;  // the end of the image's own buffer, where its pixels are no smaller than the file's values
  if (sizeof(typename Policy::Pixel) >= io->GetComponentSize())
    into = {reinterpret_cast<uint8_t*>(image.data()), uint64_t(image.voxel_count()) * sizeof(typename Policy::Pixel)};
  auto stored = read_stored_voxels(path, format, io->GetImageSizeInBytes(), int(io->GetComponentSize()), into);
  if (stored && convert_stored<Policy>(path, *stored, io->GetComponentType(), image.data(), image.voxel_count()))
    return image;
  read_step(path, "", [&] { reader->Update(); });
  StoredVoxels itk_buffer(nullptr, reinterpret_cast<const uint8_t*>(out->GetBufferPointer()),
                          uint64_t(image.voxel_count()) * sizeof(Read), false);
  convert_values<Policy, Read>(path, itk_buffer, image.data(), image.voxel_count());
  return image;
}

}  // namespace

Volume read_volume(const std::string& path, const ReadOptions& options) {
  require_exists(path);
  if (fs::is_directory(path)) {
    auto r = read_series(path, options, /*pixels=*/true);
    if (!r.layout.problem.empty()) return resample_slices(volume_of(r.image, r.pixel_type), r.layout);
    return volume_of(r.image, r.pixel_type);
  }
  return read_file<Finite<float, float>>(path);
}

Image<double> read_volume_widened(const std::string& path, const ReadOptions& options) {
  require_exists(path);
  if (!fs::is_directory(path)) return read_file<Finite<float, double>>(path);
  const Volume v = read_volume(path, options);
  Image<double> image(v.size(), v.geometry());
  std::copy_n(v.data(), v.voxel_count(), image.data());
  image.set_source_pixel_type(v.source_pixel_type());
  return image;
}

Image<double> read_volume_exact(const std::string& path) {
  require_exists(path);
  if (fs::is_directory(path)) throw InputError(path, "is a folder: exact reading is for image files");
  return read_file<Finite<double, double>>(path);
}

LabelMap read_label_map(const std::string& path, const ReadOptions& options) {
  require_exists(path);
  if (!fs::is_directory(path)) return read_file<Labels>(path);
  const Volume v = read_volume(path, options);
  LabelMap labels(v.size(), v.geometry());
  StoredVoxels values(nullptr, reinterpret_cast<const uint8_t*>(v.data()), uint64_t(v.voxel_count()) * sizeof(float),
                      false);
  convert_values<Labels, float>(path, values, labels.data(), v.voxel_count());
  labels.set_source_pixel_type(v.source_pixel_type());
  return labels;
}

bool can_write(const std::string& path) {
  return itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::IOFileModeEnum::WriteMode) != nullptr;
}

namespace {

// niftilib prints its own complaints ("** ERROR: NWAD: wrote only ...") on
// stderr; they are held back while a writer runs and shown only with -v (the
// failure itself is reported by verify_written, in one line): descriptor 2
// points at a temporary file meanwhile. The program's log lines do not go
// through descriptor 2 (core/runtime.h), so a write on one thread does not
// hide another thread's log.
struct Descriptor2ToTempFile {
  std::FILE* held = nullptr;
  int saved = -1;
  void begin() {
    std::fflush(stderr);
    held = std::tmpfile();
    saved = held ? ::dup(STDERR_FILENO) : -1;
    if (saved >= 0) ::dup2(::fileno(held), STDERR_FILENO);
  }
  void end() {
    std::FILE* file = std::exchange(held, nullptr);
    const int original = std::exchange(saved, -1);
    if (!file) return;
    std::string text;
    if (original >= 0) {
      std::fflush(stderr);
      ::dup2(original, STDERR_FILENO);
      ::close(original);
      std::rewind(file);
      char buffer[4096];
      for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, file)) > 0;) text.append(buffer, n);
    }
    std::fclose(file);
    if (!text.empty()) spdlog::debug("image writer said: {}", text);
  }
};
using HeldStderr = SharedHold<Descriptor2ToTempFile>;

// ITK's writers do not all report a failed write (niftilib ignores a full
// disk): what was written is checked like an input before it is published.
void verify_written(const std::string& written, const std::string& target) {
  CerrToDebugLog quiet;
  try {
    auto io = itk::ImageIOFactory::CreateImageIO(written.c_str(), itk::IOFileModeEnum::ReadMode);
    if (!io) throw InputError(written, "unreadable after writing");
    io->SetFileName(written);
    io->ReadImageInformation();
    check_image_payload(written, format_name(io), io->GetImageSizeInBytes());
  } catch (const InputError& e) {
    throw InputError(target, "cannot write (disk full?): " + e.cause());
  } catch (const itk::ExceptionObject& e) {
    throw InputError(target, "cannot write (disk full?): " + describe(e));
  }
}

template <typename T, typename Source>
void write_as(const Image<Source>& source, const std::string& path) {
  route_itk_messages_to_log();
  if (!can_write(path))
    throw InputError(path, "unknown output format (writable: .nii, .nii.gz, .nrrd, .nhdr, .mha, .mhd)");
  using ItkImage = itk::Image<T, 3>;
  auto image = ItkImage::New();
  apply_geometry(image.GetPointer(), source.geometry(), source.size());
  image->Allocate();
  T* out = image->GetBufferPointer();
  const Source* in = source.data();
  const int64_t n = source.voxel_count();
  if constexpr (std::is_integral<T>::value && !std::is_integral<Source>::value) {
    const double lo = double(std::numeric_limits<T>::lowest()), hi = double(std::numeric_limits<T>::max());
    for (int64_t i = 0; i < n; ++i) {
      const double v = std::nearbyint(double(in[i]));
      out[i] = static_cast<T>(std::isnan(v) ? 0.0 : std::clamp(v, lo, hi));
    }
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(in[i]);
  }
  AtomicOutput target(path);
  auto writer = itk::ImageFileWriter<ItkImage>::New();
  writer->SetInput(image);
  writer->SetFileName(target.temp_path().string());
  // Compressed where the format allows it; .nii and .mhd stay raw as asked.
  const std::string ext = full_extension(path);
  writer->SetUseCompression(ext != ".nii" && ext != ".mhd" && ext != ".nhdr");
  try {
    HeldStderr quiet;
    writer->Update();
  } catch (const itk::ExceptionObject& e) {
    // NrrdIO and MetaIO report a short write without its cause: name the
    // likely one when the file system has less room left than the voxels.
    std::error_code ec;
    const auto space = fs::space(target.temp_path().parent_path(), ec);
    const bool full = !ec && space.available < uint64_t(n) * sizeof(T);
    throw InputError(path, std::string(full ? "cannot write (disk full?): " : "cannot write: ") + describe(e));
  }
  verify_written(target.temp_path().string(), path);
  target.commit();
}

template <typename Source>
void write_image(const Image<Source>& image, const std::string& path, PixelType type) {
  switch (type) {
    case PixelType::UInt8: return write_as<uint8_t>(image, path);
    case PixelType::Int8: return write_as<int8_t>(image, path);
    case PixelType::UInt16: return write_as<uint16_t>(image, path);
    case PixelType::Int16: return write_as<int16_t>(image, path);
    case PixelType::UInt32: return write_as<uint32_t>(image, path);
    case PixelType::Int32: return write_as<int32_t>(image, path);
    case PixelType::UInt64: return write_as<uint64_t>(image, path);
    case PixelType::Int64: return write_as<int64_t>(image, path);
    case PixelType::Float64: return write_as<double>(image, path);
    case PixelType::Float32: return write_as<float>(image, path);
  }
}

}  // namespace

void write_volume(const Volume& volume, const std::string& path, std::optional<PixelType> pixel_type) {
  write_image(volume, path, pixel_type.value_or(volume.source_pixel_type()));
}

void write_volume(const Image<double>& volume, const std::string& path, std::optional<PixelType> pixel_type) {
  write_image(volume, path, pixel_type.value_or(volume.source_pixel_type()));
}

void write_label_map(const LabelMap& labels, const std::string& path) {
  write_image(labels, path, PixelType::UInt8);
}

}  // namespace scopemia::io
