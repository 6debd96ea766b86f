"""DICOM in Python: a CT series folder and an RTSTRUCT ROI, as the CLI reads them."""
import numpy

import scopemia
from scopemia import featureextractor
from conftest import read_csv_rows, same_double


def test_dicom_series_and_rtstruct_equal_the_cli(refdata, run_cli, tmp_path):
    series = refdata("ibsi/ct_phantom/dicom/image")
    rtstruct = refdata("ibsi/ct_phantom/dicom/mask/DCM_RS_00060.dcm")
    reference_mask = refdata("ibsi/ct_phantom/nifti/mask/mask.nii.gz")
    mask_spec = rtstruct + "#GTV-1"

    extractor = featureextractor.RadiomicsFeatureExtractor()
    result = extractor.execute(series, mask_spec)
    out = tmp_path / "cli.csv"
    r = run_cli("radiomics", series, mask_spec, "-o", out)
    assert r.returncode == 0, r.stderr
    (row,) = read_csv_rows(out)
    features = [k for k in result if not k.startswith("diagnostics_")]
    assert len(features) == 107
    for name in features:
        assert same_double(result[name], row[name]), name

    # The series in HU with its geometry; the RTSTRUCT rasterised on it is the IBSI voxel mask.
    image = scopemia.read_image(series)
    assert image.GetSize() == (204, 201, 60) and image.array.min() == -1000  # HU (rescale applied)
    assert numpy.allclose(image.spacing, (0.977, 0.977, 3.0), atol=1e-3)
    mask = scopemia.read_mask(mask_spec, image=series)
    expected = scopemia.read_image(reference_mask)
    assert mask.array.shape == image.array.shape
    assert numpy.array_equal(mask.array > 0, expected.array > 0)
    # Arrays from the series give the same features as the paths.
    from_arrays = extractor.execute(image, mask)
    for name in features:
        assert same_double(from_arrays[name], result[name]), name
