"""A drop-in for ``radiomics.featureextractor`` (PyRadiomics 3.1).

Change ``from radiomics import featureextractor`` to
``from scopemia import featureextractor`` and a script runs unchanged: the
same constructor, settings dict, ``enable*``/``disable*`` calls and
``execute`` with the same keys and values (docs/python.md lists what still
differs). The computation is scopemia's C++ extractor, equal to PyRadiomics
to 1e-6 on its reference cases and on LIDC.
"""
import ast
import collections
import logging
import os

from . import _radiomics
from ._errors import InputError, InputFileNotFoundError
from ._image import to_native

logger = logging.getLogger(__name__)

_DEFAULT_SETTINGS = (
    ("minimumROIDimensions", 2),
    ("minimumROISize", None),
    ("normalize", False),
    ("normalizeScale", 1),
    ("removeOutliers", None),
    ("resampledPixelSpacing", None),
    ("interpolator", "sitkBSpline"),
    ("preCrop", False),
    ("padDistance", 5),
    ("distances", [1]),
    ("force2D", False),
    ("force2Ddimension", 0),
    ("resegmentRange", None),
    ("label", 1),
    ("additionalInfo", True),
)


def getFeatureClasses():
    """The feature class names, in PyRadiomics's order."""
    return list(_radiomics.feature_class_names())


def getImageTypes():
    """The image type names (filters) PyRadiomics knows."""
    return list(_radiomics.image_type_names())


class RadiomicsFeatureExtractor:
    """PyRadiomics's feature extractor, computed by scopemia.

    ``RadiomicsFeatureExtractor()`` (defaults), ``(params_file)`` (YAML or
    JSON) or ``(params_dict)``, each optionally followed by settings as
    keyword arguments (``binWidth=10``), which override the others.
    """

    def __init__(self, *args, **kwargs):
        self.settings = {}
        self.enabledImagetypes = {}
        self.enabledFeatures = {}
        self.featureClassNames = getFeatureClasses()
        self._native = None
        self._native_key = None

        if len(args) == 1 and isinstance(args[0], dict):
            self._applyParams(paramsDict=args[0])
        elif len(args) == 1 and isinstance(args[0], (str, os.PathLike)):
            path = os.fspath(args[0])
            if not os.path.isfile(path):
                raise InputFileNotFoundError("Parameter file %s does not exist." % path, path,
                                             "parameter file does not exist")
            self._applyParams(paramsFile=path)
        else:
            self.settings = self._getDefaultSettings()
            self.enabledImagetypes = {"Original": {}}
            for name in self.featureClassNames:
                if name != "shape2D":  # not enabled by default, as in PyRadiomics
                    self.enabledFeatures[name] = []
        if kwargs:
            self.settings.update(kwargs)
            self._native_for_current_state()  # a bad setting fails here, not at the first case

    @staticmethod
    def _getDefaultSettings():
        return {k: (list(v) if isinstance(v, list) else v) for k, v in _DEFAULT_SETTINGS}

    def addProvenance(self, provenance_on=True):
        self.settings["additionalInfo"] = provenance_on

    def loadParams(self, paramsFile):
        self._applyParams(paramsFile=os.fspath(paramsFile))

    def loadJSONParams(self, JSON_configuration):
        import json
        self._applyParams(paramsDict=json.loads(JSON_configuration))

    def _applyParams(self, paramsFile=None, paramsDict=None):
        if paramsFile is not None:
            # The C++ parser validates it (PyRadiomics's schema) and names the
            # file in its error; PyYAML gives the dict the extractor exposes.
            _radiomics.Extractor.from_file(paramsFile)
            import yaml
            with open(paramsFile, "r") as f:
                params = yaml.safe_load(f) or {}
        else:
            params = paramsDict if paramsDict is not None else {}
            _radiomics.Extractor.from_dict(params, "parameter dictionary")
        if not isinstance(params, dict):
            raise InputError("parameters must be a mapping")
        image_types = params.get("imageType") or {}
        features = params.get("featureClass") or {}
        self.enabledImagetypes = {k: (v or {}) for k, v in image_types.items()} or {"Original": {}}
        if features:
            self.enabledFeatures = dict(features)
        else:
            self.enabledFeatures = {name: [] for name in self.featureClassNames}
        self.settings = self._getDefaultSettings()
        self.settings.update(params.get("setting") or {})
        self.settings.update(params.get("voxelSetting") or {})

    def enableAllImageTypes(self):
        for name in getImageTypes():
            self.enabledImagetypes[name] = {}

    def disableAllImageTypes(self):
        self.enabledImagetypes = {}

    def enableImageTypeByName(self, imageType, enabled=True, customArgs=None):
        if imageType not in getImageTypes():
            logger.warning("Image type %s is not recognized", imageType)
            return
        if enabled:
            self.enabledImagetypes[imageType] = {} if customArgs is None else customArgs
        elif imageType in self.enabledImagetypes:
            del self.enabledImagetypes[imageType]

    def enableImageTypes(self, **enabledImagetypes):
        self.enabledImagetypes.update(enabledImagetypes)

    def enableAllFeatures(self):
        for name in self.featureClassNames:
            self.enabledFeatures[name] = []

    def disableAllFeatures(self):
        self.enabledFeatures = {}

    def enableFeatureClassByName(self, featureClass, enabled=True):
        if featureClass not in self.featureClassNames:
            logger.warning("Feature class %s is not recognized", featureClass)
            return
        if enabled:
            self.enabledFeatures[featureClass] = []
        elif featureClass in self.enabledFeatures:
            del self.enabledFeatures[featureClass]

    def enableFeaturesByName(self, **enabledFeatures):
        self.enabledFeatures.update(enabledFeatures)

    def _native_for_current_state(self):
        """The C++ extractor for the current settings (built again only when they change)."""
        params = {
            "setting": self.settings,
            "imageType": {k: (v or {}) for k, v in self.enabledImagetypes.items()},
            "featureClass": {k: (list(v) if v else None) for k, v in self.enabledFeatures.items()},
        }
        key = repr(params)
        if key != self._native_key:
            self._native = _radiomics.Extractor.from_dict(params, "extractor settings")
            self._native_key = key
        return self._native

    def execute(self, imageFilepath, maskFilepath, label=None, label_channel=None, voxelBased=False):
        """Features of one image and mask, as PyRadiomics's ``execute``.

        Image and mask: paths (NIfTI, NRRD, MetaImage, a DICOM series folder;
        the mask also ``RTSTRUCT.dcm#ROI`` or ``SEG.dcm#N``), scopemia.Image,
        nibabel images, or SimpleITK(-like) images. Returns an OrderedDict:
        ``diagnostics_*`` first, then ``<imageType>_<class>_<Feature>`` as
        numpy.float64.
        """
        if voxelBased:
            raise NotImplementedError("voxel-based extraction is not available in scopemia yet")
        if label_channel not in (None, 0):
            raise InputError("label_channel %r: vector (multi-channel) masks are not supported" % (label_channel,))
        if not self.enabledFeatures or (not self.enabledImagetypes and
                                        not any(c.startswith("shape") for c in self.enabledFeatures)):
            logger.warning("no features enabled")
        native = self._native_for_current_state()
        image = to_native(imageFilepath, "image")
        mask = to_native(maskFilepath, "mask")
        diagnostics, features = native.execute(image, mask, label)
        return _as_result(diagnostics, features)


def _as_result(diagnostics, features):
    import numpy
    result = collections.OrderedDict()
    for name, text in diagnostics:
        result[name] = _diagnostic_value(text)
    float64 = numpy.float64
    for name, value in features:
        result[name] = float64(value)
    return result


def _diagnostic_value(text):
    """A diagnostics text as the Python value PyRadiomics reports (tuple, dict, int, float, str)."""
    if text[:1] in ("(", "{", "["):
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return text
    try:
        return int(text)
    except ValueError:
        pass
    if any(c.isdigit() for c in text):
        try:
            import numpy
            return numpy.float64(float(text))
        except ValueError:
            pass
    return text
