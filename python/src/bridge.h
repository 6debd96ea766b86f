#pragma once
// What both extension modules share: the Python side of an image (a numpy
// array in SimpleITK's [z, y, x] order with spacing, origin and direction),
// converted to and from the library's images with their geometry, and the
// library's InputError raised as scopemia.InputError.
#include <optional>
#include <string>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "core/image.h"

namespace scopemia::python {

namespace py = pybind11;

// Geometry from SimpleITK-style tuples: spacing and origin (x, y, z), direction
// row-major 3x3 (9 numbers). `what` names the image in errors.
Geometry geometry_from(py::handle spacing, py::handle origin, py::handle direction, const std::string& what);
py::tuple spacing_tuple(const Geometry& g);
py::tuple origin_tuple(const Geometry& g);
py::tuple direction_tuple(const Geometry& g);

// A numpy array [z, y, x] of any real or integer dtype as float64 voxels, and
// the pixel type its dtype stands for (bool counts as uint8).
Image<double> image_from_array(const py::array& array, const Geometry& geometry, PixelType* pixel_type,
                               const std::string& what);
// The same as float32 (what the network reads).
Volume volume_from_array(const py::array& array, const Geometry& geometry, const std::string& what);
// A label map: integer values 0..255 (a float array must hold whole numbers).
LabelMap labels_from_array(const py::array& array, const Geometry& geometry, const std::string& what);

// The voxels as a new numpy array [z, y, x] of `dtype`'s type.
py::array array_of(const Image<double>& image, PixelType dtype);
py::array array_of(const LabelMap& labels);

// What the Python side passes for an image (scopemia._image.to_native): a
// path, or the tuple (array, spacing, origin, direction).
struct ImageArg {
  std::optional<std::string> path;
  py::array array;  // when not a path
  Geometry geometry;
};
ImageArg image_arg(py::handle value, const std::string& what);

// A mask file: a label map, or with an image path (a DICOM series) also
// `RTSTRUCT.dcm#ROI` / `SEG.dcm#N` rasterised on it. Call without the GIL.
LabelMap read_mask_file(const std::string& spec, const std::optional<std::string>& image_path);

// Registers the translation of scopemia::InputError into the Python package's
// scopemia.InputError (a ValueError) or, for a file that does not exist,
// scopemia.InputFileNotFoundError (also a FileNotFoundError).
void register_errors();

// The pixel type a numpy dtype stands for; InputError for others (complex, str).
PixelType pixel_type_of(const py::dtype& dtype, const std::string& what);

}  // namespace scopemia::python
