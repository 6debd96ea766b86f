"""RadiomicsFeatureExtractor: PyRadiomics's API, scopemia's numbers.

Equal bit for bit to `scopemia radiomics` (same C++ extractor, same voxels)
and within 1e-6 of PyRadiomics's own values (its brain1 baselines, LIDC).
"""
import ast
import collections
import csv
import os

import pytest

import scopemia
from scopemia import featureextractor
from conftest import close_to_reference, read_csv_rows, same_double


def features_of(result):
    return collections.OrderedDict((k, v) for k, v in result.items() if not k.startswith("diagnostics_"))


def assert_equals_cli_row(result, row):
    """Every feature of `result` equals the CLI row's text (shortest round-trip repr) bit for bit, in order."""
    features = features_of(result)
    cli_features = [k for k in row if k not in ("ID", "Image", "Mask", "error") and not k.startswith("diagnostics_")]
    assert list(features) == cli_features
    for name, value in features.items():
        assert same_double(value, row[name]), "%s: %r vs CLI %s" % (name, value, row[name])
    assert [k for k in result if k.startswith("diagnostics_")] == [k for k in row if k.startswith("diagnostics_")]


def test_defaults_match_pyradiomics_defaults():
    e = featureextractor.RadiomicsFeatureExtractor()
    assert e.enabledImagetypes == {"Original": {}}
    assert list(e.enabledFeatures) == ["firstorder", "glcm", "gldm", "glrlm", "glszm", "ngtdm", "shape"]
    assert "binWidth" not in e.settings  # a class default, not an extractor setting, as in PyRadiomics
    assert e.settings["label"] == 1 and e.settings["interpolator"] == "sitkBSpline"
    e2 = featureextractor.RadiomicsFeatureExtractor(binWidth=10, label=2)
    assert e2.settings["binWidth"] == 10 and e2.settings["label"] == 2


def test_brain1_equals_cli_and_pyradiomics_baselines(refdata, run_cli, tmp_path):
    image = refdata("pyradiomics/brain1_image.nrrd")
    mask = refdata("pyradiomics/brain1_label.nrrd")
    baseline_dir = refdata("pyradiomics/baseline")

    # The settings and image types of PyRadiomics's `brain1` test configuration.
    expected = {}
    settings = image_types = None
    for cls in ("firstorder", "glcm", "gldm", "glrlm", "glszm", "ngtdm"):
        for row in read_csv_rows(os.path.join(baseline_dir, "baseline_%s.csv" % cls)):
            name = row["featureName"]
            if name == "diagnostics_Configuration_Settings":
                settings = ast.literal_eval(row["brain1"])
            elif name == "diagnostics_Configuration_EnabledImageTypes":
                image_types = ast.literal_eval(row["brain1"])
            elif not name.startswith("diagnostics_"):
                expected[name] = row["brain1"]
    for row in read_csv_rows(os.path.join(baseline_dir, "brain1_shape_pyradiomics31.csv")):
        expected[row["featureName"]] = row["brain1_pyradiomics31"]

    extractor = featureextractor.RadiomicsFeatureExtractor(**settings)
    extractor.disableAllImageTypes()
    extractor.enableImageTypes(**image_types)
    result = extractor.execute(image, mask)

    checked = 0
    for name, value in expected.items():
        assert name in result, name
        assert close_to_reference(result[name], value), "%s: %r vs PyRadiomics %s" % (name, result[name], value)
        checked += 1
    assert checked >= 100

    # The CLI on the same case with the same settings, as a params file.
    params = tmp_path / "brain1.yaml"
    import yaml
    params.write_text(yaml.safe_dump({"setting": settings, "imageType": image_types}, sort_keys=False))
    out = tmp_path / "cli.csv"
    r = run_cli("radiomics", image, mask, "--params", params, "-o", out)
    assert r.returncode == 0, r.stderr
    (row,) = read_csv_rows(out)
    assert_equals_cli_row(result, row)
    # Diagnostics carry PyRadiomics's types.
    assert isinstance(result["diagnostics_Configuration_Settings"], dict)
    assert result["diagnostics_Mask-original_BoundingBox"] == (162, 84, 11, 47, 70, 7)
    assert result["diagnostics_Mask-original_VoxelNum"] == 4137


def test_lidc_30_cases_equal_cli_batch_and_pyradiomics(refdata, lidc_cases, run_cli, tmp_path):
    cases_csv = tmp_path / "cases.csv"
    with open(cases_csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["ID", "Image", "Mask"])
        for case in lidc_cases:
            w.writerow(case)
    out = tmp_path / "cli.csv"
    r = run_cli("radiomics", "--batch", cases_csv, "-o", out)
    assert r.returncode == 0, r.stderr
    cli_rows = {row["ID"]: row for row in read_csv_rows(out)}
    reference = {row["ID"]: row for row in read_csv_rows(refdata("lidc/pyradiomics_original.csv"))}

    extractor = featureextractor.RadiomicsFeatureExtractor()
    compared = 0
    for case_id, image, mask in lidc_cases:
        result = extractor.execute(image, mask)
        assert_equals_cli_row(result, cli_rows[case_id])
        ref = reference[case_id]
        for name, value in features_of(result).items():
            assert close_to_reference(value, ref[name]), "%s %s: %r vs PyRadiomics %s" % (case_id, name, value, ref[name])
            compared += 1
    assert compared == 30 * 107


class StandInSimpleITKImage:
    """What a user's SimpleITK image offers, without SimpleITK (not packaged in Debian)."""

    def __init__(self, array, spacing, origin, direction):
        self._array, self._spacing, self._origin, self._direction = array, spacing, origin, direction

    def GetSpacing(self):
        return tuple(self._spacing)

    def GetOrigin(self):
        return tuple(self._origin)

    def GetDirection(self):
        return tuple(self._direction)

    def GetDimension(self):
        return 3

    def __array__(self, dtype=None):
        return self._array


def test_every_kind_of_input_gives_the_same_result(refdata, lidc_cases):
    import nibabel
    import numpy
    extractor = featureextractor.RadiomicsFeatureExtractor()
    for case_id, image_path, mask_path in lidc_cases[:3]:
        from_paths = extractor.execute(image_path, mask_path)
        image, mask = scopemia.read_image(image_path), scopemia.read_image(mask_path)
        assert image.array.dtype == numpy.int16
        kinds = {
            "scopemia.Image": (image, mask),
            "numpy + geometry": (scopemia.Image(image.array.copy(), image.spacing, image.origin, image.direction),
                                 scopemia.Image(mask.array.astype(numpy.float64), mask.spacing, mask.origin,
                                                mask.direction)),
            "nibabel": (nibabel.load(image_path), nibabel.load(mask_path)),
            "SimpleITK-like": (StandInSimpleITKImage(image.array, image.spacing, image.origin, image.direction),
                               StandInSimpleITKImage(mask.array, mask.spacing, mask.origin, mask.direction)),
            "pathlib": (__import__("pathlib").Path(image_path), mask_path),
        }
        for kind, (img, msk) in kinds.items():
            result = extractor.execute(img, msk)
            assert list(result) == list(from_paths), kind
            for name, value in from_paths.items():
                if name.startswith("diagnostics_"):
                    if "Spacing" in name or "CenterOfMass" == name[-12:]:
                        # nibabel's float64 affine vs ITK's float32 header: the same to 1e-6 mm
                        assert numpy.allclose(result[name], value, rtol=1e-6, atol=1e-6), (kind, name)
                    else:
                        assert result[name] == value, (kind, name, result[name], value)
                else:
                    assert same_double(result[name], value), (kind, case_id, name, result[name], value)


def test_settings_api_behaves_as_pyradiomics(refdata, run_cli, tmp_path):
    image = refdata("pyradiomics/brain1_image.nrrd")
    mask = refdata("pyradiomics/brain1_label.nrrd")
    e = featureextractor.RadiomicsFeatureExtractor()
    e.disableAllFeatures()
    e.enableFeaturesByName(firstorder=["Mean", "Entropy"], glcm=None)
    result = e.execute(image, mask)
    features = list(features_of(result))
    assert features[:2] == ["original_firstorder_Mean", "original_firstorder_Entropy"]
    assert all(f.startswith("original_glcm_") for f in features[2:]) and len(features) == 2 + 24

    e.enableFeatureClassByName("glcm", False)
    e.settings["binWidth"] = 10  # the settings dict is read at execute time
    e.enableImageTypeByName("LoG", customArgs={"sigma": [2.0]})
    result = e.execute(image, mask)
    assert list(features_of(result)) == ["original_firstorder_Mean", "original_firstorder_Entropy",
                                         "log-sigma-2-0-mm-3D_firstorder_Mean", "log-sigma-2-0-mm-3D_firstorder_Entropy"]
    assert result["diagnostics_Configuration_EnabledImageTypes"] == {"Original": {}, "LoG": {"sigma": [2.0]}}
    params = tmp_path / "p.yaml"
    params.write_text("setting: {binWidth: 10}\nimageType: {Original: {}, LoG: {sigma: [2.0]}}\n"
                      "featureClass: {firstorder: [Mean, Entropy]}\n")
    out = tmp_path / "o.csv"
    r = run_cli("radiomics", image, mask, "--params", params, "-o", out)
    assert r.returncode == 0, r.stderr
    (row,) = read_csv_rows(out)
    for name, value in features_of(result).items():
        assert same_double(value, row[name]), name

    e.enableImageTypeByName("NoSuchFilter")  # PyRadiomics warns and ignores
    assert "NoSuchFilter" not in e.enabledImagetypes
    e.enableAllImageTypes()
    assert set(e.enabledImagetypes) == set(featureextractor.getImageTypes())
    e.enableAllFeatures()
    assert "shape2D" in e.enabledFeatures  # enableAllFeatures includes it, as PyRadiomics's does
    e.addProvenance(False)
    assert e.settings["additionalInfo"] is False


def test_params_file_dict_and_json_agree(refdata):
    params_file = refdata("pyradiomics/params/Params.yaml")
    import yaml
    with open(params_file) as f:
        as_dict = yaml.safe_load(f)
    import json
    from_file = featureextractor.RadiomicsFeatureExtractor(params_file)
    from_dict = featureextractor.RadiomicsFeatureExtractor(as_dict)
    from_json = featureextractor.RadiomicsFeatureExtractor()
    from_json.loadJSONParams(json.dumps(as_dict))
    for e in (from_dict, from_json):
        assert e.settings == from_file.settings
        assert e.enabledImagetypes == from_file.enabledImagetypes
        assert e.enabledFeatures == from_file.enabledFeatures
