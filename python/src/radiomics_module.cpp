// scopemia._radiomics: PyRadiomics-compatible extraction and image IO for the
// Python package. Links the radiomics and io libraries only, never libtorch,
// so `import scopemia` stays light (docs/python.md). Computation runs with the
// GIL released: Python threads extract in parallel.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <pybind11/stl.h>

#include "bridge.h"
#include "core/error.h"
#include "core/version.h"
#include "io/case_manifest.h"
#include "io/dicom_mask.h"
#include "io/image_io.h"
#include "radiomics/extractor.h"
#include "radiomics/params.h"

namespace scopemia::python {
namespace {

// A Python value (from a params dict) as PyRadiomics's settings hold it.
radiomics::PyValue to_py_value(py::handle v, const std::string& where) {
  using radiomics::PyValue;
  if (v.is_none()) return PyValue::none();
  if (py::isinstance<py::bool_>(v)) return PyValue::boolean(v.cast<bool>());
  if (py::isinstance<py::int_>(v)) return PyValue::integer(v.cast<int64_t>());
  if (py::isinstance<py::float_>(v)) return PyValue::real(v.cast<double>());
  if (py::isinstance<py::str>(v)) return PyValue::str(v.cast<std::string>());
  if (py::isinstance<py::dict>(v)) {
    PyValue d;
    d.kind = PyValue::Kind::Dict;
    for (auto item : v.cast<py::dict>()) {
      if (!py::isinstance<py::str>(item.first))
        throw InputError(where, fmt::format("a key must be a name, not {}", py::repr(item.first).cast<std::string>()));
      const std::string key = item.first.cast<std::string>();
      d.dict.emplace_back(key, to_py_value(item.second, where));
    }
    return d;
  }
  if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) {
    PyValue l;
    l.kind = PyValue::Kind::List;
    for (py::handle x : v) l.list.push_back(to_py_value(x, where));
    return l;
  }
  // numpy scalars and anything else numeric
  if (py::hasattr(v, "__index__")) return PyValue::integer(v.attr("__index__")().cast<int64_t>());
  if (py::hasattr(v, "__float__")) return PyValue::real(v.attr("__float__")().cast<double>());
  throw InputError(where, fmt::format("unsupported value {}", py::repr(v).cast<std::string>()));
}

class PyExtractor {
 public:
  PyExtractor(radiomics::Params params) : extractor_(std::move(params)) {}

  static std::unique_ptr<PyExtractor> from_dict(const py::dict& params, const std::string& source) {
    return std::make_unique<PyExtractor>(radiomics::params_from_dict(to_py_value(params, source), source));
  }
  static std::unique_ptr<PyExtractor> from_file(const std::string& path) {
    return std::make_unique<PyExtractor>(radiomics::load_params(path));
  }

  // Returns (diagnostics as (name, text) pairs, features as (name, value)).
  py::tuple execute(py::handle image_obj, py::handle mask_obj, std::optional<int> label) const {
    ImageArg image = image_arg(image_obj, "image");
    ImageArg mask = image_arg(mask_obj, "mask");
    radiomics::CaseResult result;
    if (image.path && mask.path) {
      py::gil_scoped_release release;
      result = extractor_.execute_files(*image.path, *mask.path, label);
    } else {
      // Arrays are read while the GIL is held (they are Python objects).
      PixelType pixel_type = PixelType::Float64;
      Image<double> voxels;
      if (!image.path) voxels = image_from_array(image.array, image.geometry, &pixel_type, "image");
      LabelMap labels;
      if (!mask.path) labels = labels_from_array(mask.array, mask.geometry, "mask");
      py::gil_scoped_release release;
      if (image.path) {
        voxels = radiomics::read_extraction_image(*image.path);
        pixel_type = voxels.source_pixel_type();
      }
      if (mask.path) labels = read_mask_file(*mask.path, image.path);
      result = extractor_.execute(voxels, pixel_type, labels, label);
    }
    py::list diagnostics, features;
    for (const auto& [k, v] : result.diagnostics) diagnostics.append(py::make_tuple(k, v));
    for (const auto& [k, v] : result.features) features.append(py::make_tuple(k, v));
    return py::make_tuple(diagnostics, features);
  }

  std::string settings_repr() const { return radiomics::py_repr(extractor_.params().settings.dict); }
  std::string image_types_repr() const { return radiomics::image_types_repr(extractor_.params()); }

 private:
  radiomics::Extractor extractor_;
};

// (array [z, y, x] in the file's voxel type, spacing, origin, direction, pixel type name)
py::tuple read_image(const std::string& path) {
  Image<double> image;
  {
    py::gil_scoped_release release;
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {  // a DICOM series: HU, read as the extractor reads it
      image = radiomics::read_extraction_image(path);
    } else {
      image = io::read_volume_exact(path);
    }
  }
  const Geometry& g = image.geometry();
  return py::make_tuple(array_of(image, image.source_pixel_type()), spacing_tuple(g), origin_tuple(g),
                        direction_tuple(g), to_string(image.source_pixel_type()));
}

py::tuple read_mask(const std::string& spec, const std::string& image_path) {
  LabelMap labels;
  {
    py::gil_scoped_release release;
    labels = read_mask_file(spec, image_path.empty() ? std::nullopt : std::optional<std::string>(image_path));
  }
  const Geometry& g = labels.geometry();
  return py::make_tuple(array_of(labels), spacing_tuple(g), origin_tuple(g), direction_tuple(g), "uint8");
}

void write_image(const py::array& array, py::handle spacing, py::handle origin, py::handle direction,
                 const std::string& path, std::optional<std::string> pixel_type) {
  const Geometry g = geometry_from(spacing, origin, direction, path);
  PixelType stored = PixelType::Float64;
  Image<double> image = image_from_array(array, g, &stored, path);
  if (pixel_type) {
    const auto parsed = parse_pixel_type(*pixel_type);
    if (!parsed) throw InputError(path, fmt::format("unknown pixel type '{}'", *pixel_type));
    stored = *parsed;
  }
  py::gil_scoped_release release;
  io::write_volume(image, path, stored);
}

py::list read_cases(const std::string& csv_path) {
  const io::CaseManifest manifest = io::read_case_manifest(csv_path);
  py::list out;
  for (const io::Case& c : manifest.cases) {
    py::dict d;
    d["id"] = c.id;
    d["image"] = c.image;
    d["mask"] = c.mask_spec();
    d["columns"] = c.columns;
    out.append(d);
  }
  return out;
}

}  // namespace
}  // namespace scopemia::python

PYBIND11_MODULE(_radiomics, m) {
  namespace py = pybind11;
  using namespace scopemia::python;
  m.doc() = "scopemia's PyRadiomics-compatible extraction and image IO (no libtorch)";
  register_errors();
  m.attr("__version__") = SCOPEMIA_VERSION;
  py::class_<PyExtractor>(m, "Extractor")
      .def_static("from_dict", &PyExtractor::from_dict, py::arg("params"), py::arg("source"))
      .def_static("from_file", &PyExtractor::from_file, py::arg("path"))
      .def("execute", &PyExtractor::execute, py::arg("image"), py::arg("mask"), py::arg("label") = py::none())
      .def("settings_repr", &PyExtractor::settings_repr)
      .def("image_types_repr", &PyExtractor::image_types_repr);
  m.def("read_cases", &read_cases, py::arg("csv_path"));
  m.def("feature_class_names", &scopemia::radiomics::known_feature_classes);
  m.def("image_type_names", &scopemia::radiomics::known_image_types);
  m.def("read_image", &read_image, py::arg("path"));
  m.def("read_mask", &read_mask, py::arg("spec"), py::arg("image_path") = "");
  m.def("write_image", &write_image, py::arg("array"), py::arg("spacing"), py::arg("origin"), py::arg("direction"),
        py::arg("path"), py::arg("pixel_type") = py::none());
}
