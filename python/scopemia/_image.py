"""Images with their geometry, and every kind of image the package accepts.

Conventions are SimpleITK's, which PyRadiomics users already hold: the voxel
array is indexed ``[z, y, x]`` (``sitk.GetArrayFromImage``), ``spacing`` and
``origin`` are (x, y, z) in millimetres, ``direction`` is the 3x3 matrix of
axis cosines, row-major, 9 numbers; physical space is LPS, as in ITK.
"""
import os
import sys

from ._errors import InputError

_IDENTITY = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)


class Image:
    """A 3D image: a numpy array ``[z, y, x]`` and its geometry.

    It answers SimpleITK's ``GetSpacing``/``GetOrigin``/``GetDirection``/
    ``GetSize`` and numpy's ``__array__``, so code written for either reads it.
    """

    __slots__ = ("array", "spacing", "origin", "direction")

    def __init__(self, array, spacing, origin=(0.0, 0.0, 0.0), direction=_IDENTITY):
        import numpy
        array = numpy.asarray(array)
        if array.ndim != 3:
            raise InputError("expected a 3D array [z, y, x], got %d dimensions" % array.ndim)
        self.array = array
        self.spacing = _floats(spacing, 3, "spacing")
        self.origin = _floats(origin, 3, "origin")
        direction = numpy.asarray(direction, dtype=float).reshape(-1)
        self.direction = _floats(direction, 9, "direction")
        if any(s <= 0 for s in self.spacing):
            raise InputError("spacing must be positive, got %r" % (self.spacing,))

    # SimpleITK's accessors
    def GetSpacing(self):
        return self.spacing

    def GetOrigin(self):
        return self.origin

    def GetDirection(self):
        return self.direction

    def GetSize(self):
        z, y, x = self.array.shape
        return (x, y, z)

    def GetDimension(self):
        return 3

    def __array__(self, dtype=None):
        import numpy
        return self.array if dtype is None else numpy.asarray(self.array, dtype=dtype)

    @property
    def shape(self):
        return self.array.shape

    @property
    def dtype(self):
        return self.array.dtype

    def __repr__(self):
        return "scopemia.Image(shape=%r [z, y, x], dtype=%s, spacing=%r, origin=%r)" % (
            self.array.shape, self.array.dtype, self.spacing, self.origin)


def _floats(values, count, name):
    try:
        out = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise InputError("%s must be %d numbers, got %r" % (name, count, values)) from None
    if len(out) != count:
        raise InputError("%s must be %d numbers, got %d" % (name, count, len(out)))
    return out


def from_nibabel(img):
    """A nibabel image (NIfTI-1/2, RAS+ affine) in ITK's LPS geometry, as ITK reads the file."""
    import numpy
    affine = numpy.asarray(img.affine, dtype=float)
    zooms = tuple(float(z) for z in img.header.get_zooms()[:3])
    if len(img.shape) != 3:
        raise InputError("expected a 3D image, got shape %r" % (img.shape,))
    # RAS -> LPS: negate the first two rows.
    lps = numpy.diag([-1.0, -1.0, 1.0]) @ affine[:3, :]
    columns = lps[:, :3]
    norms = numpy.linalg.norm(columns, axis=0)
    if numpy.any(norms == 0):
        raise InputError("the image's affine has a zero column")
    direction = (columns / norms).reshape(-1)
    data = numpy.asanyarray(img.dataobj)  # scaled by scl_slope/scl_inter, as ITK reads it
    return Image(numpy.ascontiguousarray(data.transpose(2, 1, 0)), zooms, lps[:, 3], direction)


def _sitk_like_array(obj):
    sitk = sys.modules.get("SimpleITK")
    if sitk is not None and isinstance(obj, sitk.Image):
        return sitk.GetArrayViewFromImage(obj)
    if hasattr(obj, "__array__"):
        import numpy
        return numpy.asarray(obj)
    for accessor in ("GetArrayView", "GetArray"):
        if callable(getattr(obj, accessor, None)):
            return getattr(obj, accessor)()
    raise InputError("%s has SimpleITK's geometry accessors but no voxel array (__array__ or GetArray)"
                     % type(obj).__name__)


def to_image(obj, role="image"):
    """Any accepted image as a scopemia.Image; a path stays a path (str).

    Accepted: a path (str or os.PathLike; a DICOM series folder; a mask may be
    ``RTSTRUCT.dcm#ROI``), a scopemia.Image, a nibabel image, or any object
    with SimpleITK's ``GetSpacing``/``GetOrigin``/``GetDirection`` and an
    array (a SimpleITK image itself when SimpleITK is installed).
    """
    if isinstance(obj, (str, os.PathLike)):
        return os.fspath(obj)
    if isinstance(obj, Image):
        return obj
    if hasattr(obj, "affine") and hasattr(obj, "dataobj") and hasattr(obj, "header"):
        return from_nibabel(obj)
    if all(callable(getattr(obj, a, None)) for a in ("GetSpacing", "GetOrigin", "GetDirection")):
        if callable(getattr(obj, "GetDimension", None)) and obj.GetDimension() != 3:
            raise InputError("%s: expected a 3D image, got %dD" % (role, obj.GetDimension()))
        return Image(_sitk_like_array(obj), obj.GetSpacing(), obj.GetOrigin(), obj.GetDirection())
    if hasattr(obj, "__array__") or type(obj).__module__ == "numpy":
        raise InputError("%s: a bare array has no geometry; wrap it as scopemia.Image(array, spacing=..., "
                         "origin=..., direction=...)" % role)
    raise InputError("%s: cannot read a %s as an image (give a path, a scopemia.Image, a nibabel image "
                     "or a SimpleITK-like image)" % (role, type(obj).__name__))


def to_native(obj, role="image"):
    """What the extension modules take: a path, or (array, spacing, origin, direction)."""
    image = to_image(obj, role)
    if isinstance(image, str):
        return image
    return (image.array, image.spacing, image.origin, image.direction)
