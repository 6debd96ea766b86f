"""Batch extraction: PyRadiomics's batch CSV (or rows of a DataFrame) in, one row per case out."""
import collections
import os

from . import _radiomics
from ._errors import InputError


def _cases_of(cases):
    """(columns, image, mask spec, label) per case from a CSV path or rows."""
    if isinstance(cases, (str, os.PathLike)):
        out = []
        for c in _radiomics.read_cases(os.fspath(cases)):
            columns = collections.OrderedDict(c["columns"])
            out.append((columns, c["image"], c["mask"], columns.get("Label") or None))
        return out
    if hasattr(cases, "to_dict"):  # a pandas DataFrame
        cases = cases.to_dict("records")
    out = []
    for i, row in enumerate(cases):
        row = collections.OrderedDict((str(k), v) for k, v in dict(row).items())
        if "Image" not in row or "Mask" not in row:
            raise InputError("case %d: a row needs 'Image' and 'Mask'" % (i + 1))
        mask = row["Mask"]
        if row.get("ROI"):
            mask = "%s#%s" % (os.fspath(mask), row["ROI"])
        out.append((row, row["Image"], mask, row.get("Label") or None))
    return out


def extract_batch(cases, params=None, jobs=1, **settings):
    """Radiomics of every case, like ``scopemia radiomics --batch`` (and PyRadiomics's batch mode).

    ``cases``: a cases CSV (``ID``, ``Image``, ``Mask``, optional ``Label``,
    ``ROI`` and any other columns; paths relative to the CSV's folder) or an
    iterable of such rows (dicts, or a DataFrame). ``params``: a parameter
    file or dict; ``settings`` override it. ``jobs`` cases run at once on
    threads (the computation releases the GIL).

    Returns one OrderedDict per case, in input order: the case's columns,
    ``error`` (empty when it succeeded: one failed case never stops the
    others), then the diagnostics and features.
    """
    from .featureextractor import RadiomicsFeatureExtractor
    extractor = RadiomicsFeatureExtractor(params, **settings) if params is not None \
        else RadiomicsFeatureExtractor(**settings)
    items = _cases_of(cases)

    def run(item):
        columns, image, mask, label = item
        row = collections.OrderedDict(columns)
        row["error"] = ""
        try:
            result = extractor.execute(image, mask, label=int(label) if label is not None else None)
        except Exception as e:  # the case's row says why; the others go on
            row["error"] = str(e) or type(e).__name__
            return row
        row.update(result)
        return row

    if jobs <= 1 or len(items) <= 1:
        return [run(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=int(jobs)) as pool:
        return list(pool.map(run, items))
