#include "io/image_io.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <itkGDCMImageIO.h>
#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkImageIOFactory.h>
#include <itkImageSeriesReader.h>
#include <fmt/format.h>
#include <zlib.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "io/dicom_series.h"

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

Geometry geometry_of(const FloatImage* image) {
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

// ITK's NIfTI reader zero-fills a truncated .nii.gz without complaint; zlib
// reports the missing end of the stream, so gzip files are read through once.
void check_gzip_complete(const std::string& path) {
  unsigned char magic[2] = {0, 0};
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    const size_t n = std::fread(magic, 1, 2, f);
    std::fclose(f);
    if (n != 2 || magic[0] != 0x1f || magic[1] != 0x8b) return;
  } else {
    throw InputError(path, "cannot open for reading");
  }
  gzFile gz = gzopen(path.c_str(), "rb");
  if (!gz) throw InputError(path, "cannot open for reading");
  std::vector<char> buffer(1 << 20);
  int got = 0;
  while ((got = gzread(gz, buffer.data(), static_cast<unsigned>(buffer.size()))) > 0) {
  }
  // A truncated stream ends with Z_BUF_ERROR ("unexpected end of file").
  int code = Z_OK;
  const std::string message = gzerror(gz, &code);
  gzclose(gz);
  if (got < 0 || code != Z_OK) throw InputError(path, "truncated or corrupt compressed data (" + message + ")");
}

// ITK's NIfTI reader also reads a cut-short uncompressed .nii without error:
// the header's vox_offset plus the voxel bytes must fit in the file.
void check_nifti_complete(const std::string& path, const itk::ImageIOBase* io) {
  if (format_name(io) != "NIfTI" || full_extension(path) != ".nii") return;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw InputError(path, "cannot open for reading");
  unsigned char header[112] = {};
  const size_t n = std::fread(header, 1, sizeof header, f);
  std::fclose(f);
  if (n != sizeof header) throw InputError(path, "truncated NIfTI header");
  int32_t sizeof_hdr;
  float vox_offset;
  std::memcpy(&sizeof_hdr, header, 4);
  std::memcpy(&vox_offset, header + 108, 4);
  if (sizeof_hdr != 348) {  // the other byte order
    std::reverse(header + 108, header + 112);
    std::memcpy(&vox_offset, header + 108, 4);
  }
  const double needed = double(vox_offset) + double(io->GetImageSizeInBytes());
  const double have = double(fs::file_size(path));
  if (have < needed)
    throw InputError(path, fmt::format("truncated: {} bytes, the header announces {}", have, needed));
}

// ITK's MetaImage reader prints "Uncompress failed" and returns garbage for
// a cut-short file; the header says how many data bytes must follow it.
void check_metaimage_complete(const std::string& path, const itk::ImageIOBase* io) {
  if (format_name(io) != "MetaImage") return;
  std::ifstream f(path, std::ios::binary);
  std::string line, data_file;
  double compressed_size = -1;
  bool compressed = false;
  while (std::getline(f, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    auto trim = [](std::string& t) {
      t.erase(0, t.find_first_not_of(" \t\r"));
      t.erase(t.find_last_not_of(" \t\r") + 1);
    };
    trim(key);
    trim(value);
    if (key == "CompressedData") compressed = value == "True";
    if (key == "CompressedDataSize") compressed_size = std::atof(value.c_str());
    if (key == "ElementDataFile") {
      data_file = value;
      break;
    }
  }
  double have;
  if (data_file == "LOCAL") {
    have = double(fs::file_size(path)) - double(f.tellg());
  } else {
    const fs::path raw = fs::path(path).parent_path() / data_file;
    std::error_code ec;
    const auto size = fs::file_size(raw, ec);
    if (ec) throw InputError(path, "data file " + raw.string() + " is missing");
    have = double(size);
  }
  const double needed = compressed ? compressed_size : double(io->GetImageSizeInBytes());
  if (needed > 0 && have < needed)
    throw InputError(path, fmt::format("truncated: {} data bytes, the header announces {}", have, needed));
}

itk::ImageIOBase::Pointer file_io(const std::string& path) {
  if (fs::is_directory(path)) throw std::logic_error("file_io on a folder");
  auto io = itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::IOFileModeEnum::ReadMode);
  if (!io) throw InputError(path, "unknown image format (readable: .nii, .nii.gz, .nrrd, .nhdr, .mha, .mhd, a DICOM folder)");
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
  const auto all = find_dicom_series(folder);
  DicomSeries series = choose_dicom_series(folder, options.series_uid);
  SliceLayout layout = analyse_slices(series);
  if (!layout.problem.empty() && (!options.resample_slices || layout.size.count() == 0))
    throw_slice_problem(folder, series, layout);
  auto gdcm = itk::GDCMImageIO::New();
  auto reader = itk::ImageSeriesReader<FloatImage>::New();
  reader->SetImageIO(gdcm);
  reader->SetFileNames(series.files);
  // Irregular slices were checked above (and are resampled): no ITK warning.
  if (!layout.problem.empty()) reader->SetSpacingWarningRelThreshold(1e30);
  try {
    if (pixels) reader->Update();
    else reader->UpdateOutputInformation();
  } catch (const itk::ExceptionObject& e) {
    throw InputError(folder, "cannot read DICOM series " + series.uid + ": " + describe(e));
  }
  // GDCM's identifier appends acquisition details to the UID; report the UID.
  std::string uid;
  if (gdcm->GetValueFromTag("0020|000e", uid)) {
    while (!uid.empty() && (uid.back() == ' ' || uid.back() == '\0')) uid.pop_back();
    series.uid = uid;
  }
  return {reader->GetOutput(), pixel_type_of(gdcm->GetComponentType()), series, int(all.size()), layout};
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
    info.geometry = geometry_of(r.image);
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
  try {
    io->SetFileName(path);
    io->ReadImageInformation();
  } catch (const itk::ExceptionObject& e) {
    throw InputError(path, describe(e));
  }
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
  return info;
}

Volume read_volume(const std::string& path, const ReadOptions& options) {
  require_exists(path);
  if (fs::is_directory(path)) {
    auto r = read_series(path, options, /*pixels=*/true);
    if (!r.layout.problem.empty()) return resample_slices(volume_of(r.image, r.pixel_type), r.layout);
    return volume_of(r.image, r.pixel_type);
  }
  auto io = file_io(path);
  check_gzip_complete(path);
  auto reader = itk::ImageFileReader<FloatImage>::New();
  reader->SetImageIO(io);
  reader->SetFileName(path);
  try {
    reader->UpdateOutputInformation();
    check_dimensions(path, io);
    check_nifti_complete(path, io);
    check_metaimage_complete(path, io);
    reader->Update();
  } catch (const itk::ExceptionObject& e) {
    throw InputError(path, describe(e));
  }
  return volume_of(reader->GetOutput(), pixel_type_of(io->GetComponentType()));
}

LabelMap read_label_map(const std::string& path, const ReadOptions& options) {
  const Volume v = read_volume(path, options);
  LabelMap labels(v.size(), v.geometry());
  const float* in = v.data();
  uint8_t* out = labels.data();
  for (int64_t i = 0, n = v.voxel_count(); i < n; ++i) {
    const float value = in[i];
    if (!(value >= 0.f && value <= 255.f) || value != std::floor(value)) {
      throw InputError(path, fmt::format("is not a label map: voxel value {} (labels are integers 0-255)", value));
    }
    out[i] = static_cast<uint8_t>(value);
  }
  labels.set_source_pixel_type(v.source_pixel_type());
  return labels;
}

bool can_write(const std::string& path) {
  return itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::IOFileModeEnum::WriteMode) != nullptr;
}

namespace {

template <typename T, typename Source>
void write_as(const Image<Source>& source, const std::string& path) {
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
    writer->Update();
  } catch (const itk::ExceptionObject& e) {
    throw InputError(path, "cannot write: " + describe(e));
  }
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

void write_label_map(const LabelMap& labels, const std::string& path) {
  write_image(labels, path, PixelType::UInt8);
}

}  // namespace scopemia::io
