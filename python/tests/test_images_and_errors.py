"""Images in and out with their geometry; bad input raises, the interpreter survives."""
import os
import subprocess
import sys

import numpy
import pytest

import scopemia
from scopemia import featureextractor


def test_write_read_round_trip_keeps_voxels_and_geometry(tmp_path):
    rng = numpy.random.default_rng(0)
    array = rng.integers(-1000, 2000, size=(5, 6, 7)).astype(numpy.int16)  # [z, y, x]
    c, s = numpy.cos(0.3), numpy.sin(0.3)
    direction = (c, -s, 0.0, s, c, 0.0, 0.0, 0.0, 1.0)
    image = scopemia.Image(array, spacing=(0.7, 0.8, 2.5), origin=(-10.0, 20.0, 30.5), direction=direction)
    assert image.GetSize() == (7, 6, 5)
    for name in ("a.nii.gz", "a.nrrd", "a.mha"):
        path = str(tmp_path / name)
        scopemia.write_image(image, path)
        back = scopemia.read_image(path)
        assert back.array.dtype == numpy.int16, name
        assert numpy.array_equal(back.array, array), name
        assert numpy.allclose(back.spacing, image.spacing, atol=1e-6), name
        assert numpy.allclose(back.origin, image.origin, atol=1e-5), name
        assert numpy.allclose(back.direction, image.direction, atol=1e-6), name
    # nibabel reads the NIfTI with the same geometry (RAS = LPS with x and y negated).
    import nibabel
    nii = nibabel.load(str(tmp_path / "a.nii.gz"))
    assert numpy.array_equal(numpy.asanyarray(nii.dataobj).transpose(2, 1, 0), array)
    lps = numpy.diag([-1.0, -1.0, 1.0]) @ nii.affine[:3, :]
    expected = numpy.asarray(direction).reshape(3, 3) @ numpy.diag(image.spacing)
    assert numpy.allclose(lps[:, :3], expected, atol=1e-5)
    assert numpy.allclose(lps[:, 3], image.origin, atol=1e-4)
    # and a nibabel image comes back in as the same scopemia image
    again = scopemia.as_image(nii)
    assert numpy.array_equal(again.array, array)
    assert numpy.allclose(again.direction, direction, atol=1e-6)


def test_write_is_atomic_and_types_are_kept(tmp_path):
    image = scopemia.Image(numpy.full((2, 3, 4), 0.5, dtype=numpy.float32), spacing=(1, 1, 1))
    path = tmp_path / "f.nrrd"
    scopemia.write_image(image, path)
    assert scopemia.read_image(path).array.dtype == numpy.float32
    scopemia.write_image(image, path, pixel_type="int16")  # replaces it, rounded
    assert scopemia.read_image(path).array.dtype == numpy.int16
    assert sorted(os.listdir(tmp_path)) == ["f.nrrd"]  # no temporary left behind
    with pytest.raises(scopemia.InputError):
        scopemia.write_image(image, tmp_path / "f.nrrd", pixel_type="complex")


def test_bad_inputs_raise_input_errors_naming_the_cause(refdata, tmp_path):
    image = refdata("pyradiomics/brain1_image.nrrd")
    mask = refdata("pyradiomics/brain1_label.nrrd")
    e = featureextractor.RadiomicsFeatureExtractor()

    with pytest.raises(FileNotFoundError) as missing:
        e.execute(str(tmp_path / "nope.nrrd"), mask)
    assert isinstance(missing.value, scopemia.InputError) and "nope.nrrd" in str(missing.value)
    assert missing.value.file.endswith("nope.nrrd")

    corrupt = tmp_path / "corrupt.nii.gz"
    corrupt.write_bytes(b"\x1f\x8b" + b"not really gzip" * 10)
    with pytest.raises(scopemia.InputError) as bad:
        e.execute(str(corrupt), mask)
    assert "corrupt.nii.gz" in str(bad.value)

    img = scopemia.read_image(image)
    empty = scopemia.Image(numpy.zeros(img.shape, numpy.uint8), img.spacing, img.origin, img.direction)
    with pytest.raises(scopemia.InputError):
        e.execute(img, empty)
    with pytest.raises(scopemia.InputError, match="label"):
        e.execute(image, mask, label=7)
    shifted = scopemia.Image(img.array, img.spacing, (100.0, 0.0, 0.0), img.direction)
    with pytest.raises(scopemia.InputError):
        e.execute(shifted, mask)
    with pytest.raises(scopemia.InputError, match="geometry"):
        e.execute(img.array, mask)  # a bare array: no spacing, refused
    with pytest.raises(scopemia.InputError, match="labels 0..255"):
        e.execute(img, scopemia.Image(numpy.full(img.shape, 0.5), img.spacing, img.origin, img.direction))
    with pytest.raises(scopemia.InputError):
        scopemia.Image(numpy.zeros((2, 2)), spacing=(1, 1, 1))
    with pytest.raises(scopemia.InputError, match="spacing"):
        scopemia.Image(numpy.zeros((2, 2, 2)), spacing=(1, 0, 1))

    with pytest.raises(scopemia.InputError, match="binWidht"):
        featureextractor.RadiomicsFeatureExtractor(binWidht=5)
    bad_params = tmp_path / "bad.yaml"
    bad_params.write_text("setting: {binWidth: -3}\n")
    with pytest.raises(scopemia.InputError, match="bad.yaml"):
        featureextractor.RadiomicsFeatureExtractor(str(bad_params))
    with pytest.raises(FileNotFoundError):
        featureextractor.RadiomicsFeatureExtractor(str(tmp_path / "absent.yaml"))
    with pytest.raises(NotImplementedError):
        e.execute(image, mask, voxelBased=True)
    # After all of that the extractor still works.
    assert e.execute(image, mask)["diagnostics_Mask-original_VoxelNum"] == 4137


def test_import_maps_no_libtorch_and_extraction_neither(refdata):
    image = refdata("pyradiomics/brain1_image.nrrd")
    mask = refdata("pyradiomics/brain1_label.nrrd")
    code = ("import scopemia\n"
            "maps = open('/proc/self/maps').read()\n"
            "assert 'libtorch' not in maps and 'libc10' not in maps, 'torch mapped at import'\n"
            "assert 'scopemia._radiomics' not in __import__('sys').modules\n"
            "from scopemia import featureextractor\n"
            "r = featureextractor.RadiomicsFeatureExtractor().execute(%r, %r)\n"
            "maps = open('/proc/self/maps').read()\n"
            "assert 'libscopemia_radiomics' in maps\n"
            "assert 'libtorch' not in maps and 'libc10' not in maps, 'torch mapped by extraction'\n"
            "print(len(r))\n" % (image, mask))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) > 100


def test_interpreter_survives_a_corrupt_file_in_a_subprocess(tmp_path):
    # The same corrupt inputs the C++ bad-input table covers, through Python:
    # each raises, the process exits normally.
    truncated = tmp_path / "t.nrrd"
    truncated.write_text("NRRD0004\ntype: short\ndimension: 3\nsizes: 10 10 10\nencoding: raw\n\n" + "x" * 10)
    png = tmp_path / "p.nii"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 400)
    code = ("import scopemia\n"
            "n = 0\n"
            "for p in %r:\n"
            "    try:\n"
            "        scopemia.read_image(p)\n"
            "    except scopemia.InputError as e:\n"
            "        n += 1\n"
            "print(n)\n" % ([str(truncated), str(png)],))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "2"
