"""scopemia for Python: PyRadiomics-compatible radiomics and SCOPE-MIA lesion embeddings.

    from scopemia import featureextractor      # instead of radiomics's
    extractor = featureextractor.RadiomicsFeatureExtractor("Params.yaml")
    features = extractor.execute("image.nrrd", "mask.nrrd")

    image = scopemia.read_image("ct.nii.gz")    # scopemia.Image: array [z, y, x] + geometry
    vector, names = scopemia.embed(image, mask, checkpoint="runs/lidc")

Importing the package loads the radiomics and IO libraries only; libtorch is
loaded by the first ``embed`` call. See docs/python.md.
"""
import os as _os

from ._errors import InputError, InputFileNotFoundError
from ._image import Image, to_image as as_image
from ._version import __version__

# The extension modules load on first use: `import scopemia` stays a few
# milliseconds (the radiomics/IO libraries take ~70 ms to load, numpy ~120 ms,
# libtorch far more), so a script pays only for what it calls.

__all__ = ["Image", "InputError", "InputFileNotFoundError", "as_image", "read_image", "read_mask",
           "write_image", "extract_batch", "embed", "set_compute_threads", "featureextractor"]


def read_image(path):
    """An image file or DICOM series folder (in HU) as a scopemia.Image, voxels in the file's type."""
    from . import _radiomics
    array, spacing, origin, direction, _ = _radiomics.read_image(_os.fspath(path))
    return Image(array, spacing, origin, direction)


def read_mask(path, image=None):
    """A label map file, or ``RTSTRUCT.dcm#ROI`` / ``SEG.dcm#N`` rasterised on ``image``'s DICOM series (a path)."""
    from . import _radiomics
    image_path = "" if image is None else _os.fspath(image)
    array, spacing, origin, direction, _ = _radiomics.read_mask(_os.fspath(path), image_path)
    return Image(array, spacing, origin, direction)


def write_image(image, path, pixel_type=None):
    """Writes any accepted image by extension (.nii.gz, .nrrd, .mha), geometry kept, atomically.

    ``pixel_type`` ("int16", "float32", ...) defaults to the array's dtype.
    """
    from . import _radiomics
    img = as_image(image)
    if isinstance(img, str):
        img = read_image(img)
    _radiomics.write_image(img.array, img.spacing, img.origin, img.direction, _os.fspath(path), pixel_type)


_embedders = {}


def embed(image, mask, checkpoint=None, config=None, seed=None):
    """The SCOPE-MIA lesion embedding of one case: (numpy float32 vector, names).

    ``checkpoint``: a checkpoint file or run folder of ``scopemia pretrain`` /
    ``train`` (its network, weights, preprocessing and pooling); or ``config``:
    a training configuration whose untrained network (the weights its run
    starts from, ``seed`` replacing its seed) is used. The values are those
    ``scopemia embed`` writes for the same case. Loads libtorch on first use.
    """
    from . import _embed
    if (checkpoint is None) == (config is None):
        raise InputError("give either checkpoint= or config=")
    if checkpoint is not None:
        path = _os.path.abspath(_os.fspath(checkpoint))
        stamp = _os.stat(path).st_mtime_ns if _os.path.exists(path) else None
        key = ("checkpoint", path, stamp)
        if key not in _embedders:
            _embedders[key] = _embed.Embedder.from_checkpoint(path)
    else:
        path = _os.path.abspath(_os.fspath(config))
        key = ("config", path, seed)
        if key not in _embedders:
            _embedders[key] = _embed.Embedder.from_config(path, seed)
    embedder = _embedders[key]
    from ._image import to_native
    vector = embedder.embed(to_native(image, "image"), to_native(mask, "mask"))
    return vector, list(embedder.names)


def set_compute_threads(threads):
    """Threads the network's computation uses in ``embed`` (0 = all cores). Loads libtorch."""
    from . import _embed
    _embed.set_compute_threads(int(threads))


def extract_batch(cases, params=None, jobs=1, **settings):
    from ._batch import extract_batch as run
    return run(cases, params, jobs, **settings)


extract_batch.__doc__ = """Radiomics of every case of a cases CSV or rows, one OrderedDict per case (see scopemia._batch)."""


def __getattr__(name):
    # `scopemia.featureextractor` without importing it first (PEP 562).
    if name == "featureextractor":
        import importlib
        return importlib.import_module(".featureextractor", __name__)
    raise AttributeError("module 'scopemia' has no attribute %r" % name)
