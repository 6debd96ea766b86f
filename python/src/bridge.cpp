#include "bridge.h"

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>

#include <fmt/format.h>

#include "core/error.h"
#include "io/dicom_mask.h"
#include "io/image_io.h"

namespace scopemia::python {
namespace {

std::vector<double> numbers(py::handle value, size_t count, const std::string& what, const char* name) {
  std::vector<double> out;
  try {
    for (py::handle item : py::iter(value)) out.push_back(py::cast<double>(item));
  } catch (const py::error_already_set&) {
    throw InputError(what, fmt::format("{} must be a sequence of {} numbers", name, count));
  } catch (const py::cast_error&) {
    throw InputError(what, fmt::format("{} must be a sequence of {} numbers", name, count));
  }
  if (out.size() != count)
    throw InputError(what, fmt::format("{} has {} numbers, expected {}", name, out.size(), count));
  for (double v : out)
    if (!std::isfinite(v)) throw InputError(what, fmt::format("{} holds a value that is not finite", name));
  return out;
}

template <typename Out>
Image<Out> convert(const py::array& array, const Geometry& geometry, const std::string& what, PixelType* type) {
  if (array.ndim() != 3)
    throw InputError(what, fmt::format("expected a 3D array [z, y, x], got {} dimensions", array.ndim()));
  const PixelType pixel_type = pixel_type_of(array.dtype(), what);
  if (type) *type = pixel_type;
  const Size3 size{array.shape(2), array.shape(1), array.shape(0)};
  if (size.count() == 0) throw InputError(what, "the array is empty");
  Image<Out> out(size, geometry);
  out.set_source_pixel_type(pixel_type);
  // A C-contiguous float64 copy of whatever came in (strides, byte order, dtype).
  const auto values = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(array);
  if (!values) throw InputError(what, "the array cannot be read as numbers");
  const double* src = values.data();
  Out* dst = out.data();
  for (int64_t i = 0; i < size.count(); ++i) dst[i] = static_cast<Out>(src[i]);
  return out;
}

}  // namespace

PixelType pixel_type_of(const py::dtype& dtype, const std::string& what) {
  const char kind = dtype.kind();
  const auto bytes = dtype.itemsize();
  if (kind == 'b') return PixelType::UInt8;
  if (kind == 'u' || kind == 'i') {
    const bool u = kind == 'u';
    switch (bytes) {
      case 1: return u ? PixelType::UInt8 : PixelType::Int8;
      case 2: return u ? PixelType::UInt16 : PixelType::Int16;
      case 4: return u ? PixelType::UInt32 : PixelType::Int32;
      case 8: return u ? PixelType::UInt64 : PixelType::Int64;
    }
  }
  if (kind == 'f' && bytes == 4) return PixelType::Float32;
  if (kind == 'f' && bytes == 8) return PixelType::Float64;
  throw InputError(what, fmt::format("unsupported voxel type '{}' (integers, float32, float64)",
                                     py::str(static_cast<const py::handle&>(dtype)).cast<std::string>()));
}

Geometry geometry_from(py::handle spacing, py::handle origin, py::handle direction, const std::string& what) {
  Geometry g;
  const auto s = numbers(spacing, 3, what, "spacing");
  const auto o = numbers(origin, 3, what, "origin");
  const auto d = numbers(direction, 9, what, "direction");
  for (int i = 0; i < 3; ++i) {
    if (s[i] <= 0) throw InputError(what, "spacing must be positive");
    g.spacing[i] = s[i];
    g.origin[i] = o[i];
  }
  for (int i = 0; i < 9; ++i) g.direction[i] = d[i];
  const Mat3& m = g.direction;
  const double det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
                     m[2] * (m[3] * m[7] - m[4] * m[6]);
  if (std::abs(det) < 1e-6) throw InputError(what, "direction is a singular matrix");
  return g;
}

py::tuple spacing_tuple(const Geometry& g) { return py::make_tuple(g.spacing[0], g.spacing[1], g.spacing[2]); }
py::tuple origin_tuple(const Geometry& g) { return py::make_tuple(g.origin[0], g.origin[1], g.origin[2]); }
py::tuple direction_tuple(const Geometry& g) {
  py::tuple t(9);
  for (size_t i = 0; i < 9; ++i) t[i] = g.direction[i];
  return t;
}

Image<double> image_from_array(const py::array& array, const Geometry& geometry, PixelType* pixel_type,
                               const std::string& what) {
  return convert<double>(array, geometry, what, pixel_type);
}

Volume volume_from_array(const py::array& array, const Geometry& geometry, const std::string& what) {
  return convert<float>(array, geometry, what, nullptr);
}

LabelMap labels_from_array(const py::array& array, const Geometry& geometry, const std::string& what) {
  const Image<double> values = convert<double>(array, geometry, what, nullptr);
  LabelMap labels(values.size(), geometry);
  for (int64_t i = 0; i < values.voxel_count(); ++i) {
    const double v = values[i];
    if (!(v >= 0 && v <= 255 && v == std::floor(v)))
      throw InputError(what, fmt::format("a mask holds labels 0..255; found {}", v));
    labels[i] = static_cast<uint8_t>(v);
  }
  return labels;
}

namespace {
template <typename T>
py::array typed_copy(const Image<double>& image) {
  const Size3 s = image.size();
  py::array_t<T> out({s.z, s.y, s.x});
  T* dst = out.mutable_data();
  for (int64_t i = 0; i < image.voxel_count(); ++i) dst[i] = static_cast<T>(image[i]);
  return std::move(out);
}
}  // namespace

py::array array_of(const Image<double>& image, PixelType dtype) {
  switch (dtype) {
    case PixelType::UInt8: return typed_copy<uint8_t>(image);
    case PixelType::Int8: return typed_copy<int8_t>(image);
    case PixelType::UInt16: return typed_copy<uint16_t>(image);
    case PixelType::Int16: return typed_copy<int16_t>(image);
    case PixelType::UInt32: return typed_copy<uint32_t>(image);
    case PixelType::Int32: return typed_copy<int32_t>(image);
    case PixelType::UInt64: return typed_copy<uint64_t>(image);
    case PixelType::Int64: return typed_copy<int64_t>(image);
    case PixelType::Float32: return typed_copy<float>(image);
    case PixelType::Float64: return typed_copy<double>(image);
  }
  return typed_copy<double>(image);
}

py::array array_of(const LabelMap& labels) {
  const Size3 s = labels.size();
  py::array_t<uint8_t> out({s.z, s.y, s.x});
  std::copy(labels.data(), labels.data() + labels.voxel_count(), out.mutable_data());
  return std::move(out);
}

ImageArg image_arg(py::handle value, const std::string& what) {
  ImageArg a;
  if (py::isinstance<py::str>(value)) {
    a.path = value.cast<std::string>();
    return a;
  }
  const py::tuple t = value.cast<py::tuple>();
  if (t.size() != 4) throw std::invalid_argument(what + ": expected (array, spacing, origin, direction)");
  a.array = py::array::ensure(t[0]);
  if (!a.array) throw InputError(what, "the voxels are not an array");
  a.geometry = geometry_from(t[1], t[2], t[3], what);
  return a;
}

LabelMap read_mask_file(const std::string& spec, const std::optional<std::string>& image_path) {
  if (image_path) return io::read_mask(spec, *image_path);
  if (spec.find('#') != std::string::npos)
    throw InputError(spec, "a DICOM RTSTRUCT/SEG mask needs its image as a path (its DICOM series)");
  return io::read_label_map(spec);
}

void register_errors() {
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InputError& e) {
      // The classes live in the pure-Python part (scopemia/_errors.py), so
      // both extension modules raise the same ones.
      const py::module_ errors = py::module_::import("scopemia._errors");
      std::error_code ec;
      const bool missing = !e.file().empty() && !std::filesystem::exists(e.file(), ec) &&
                           e.file().find('#') == std::string::npos;
      const py::object cls = errors.attr(missing ? "InputFileNotFoundError" : "InputError");
      PyErr_SetObject(cls.ptr(), py::make_tuple(std::string(e.what()), e.file(), e.cause()).ptr());
    }
  });
}

}  // namespace scopemia::python
