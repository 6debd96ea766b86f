"""scopemia.embed: the values `scopemia embed` writes, from paths or arrays."""
import os
import subprocess
import sys

import numpy
import pytest

import scopemia
from conftest import read_csv_rows

CONFIG = ("task: pretrain\n"
          "data: {val_fraction: 0.34, preprocess: {spacing: [0, 0, 0], height: 32, width: 32}}\n"
          "model: {pde_stages: [0, 1], input: {windows: [-1000, 400], roi: true}}\n"
          "embedding: {taps: [pde0, pde1], regions: [roi, shell]}\n"
          "masking: {strategy: tubes, ratio: [0.25, 0.75]}\npde_loss: {scale: 0}\n"
          "epochs: 50\nbatch_size: 2\nworkers: 0\nseed: 4\n")


@pytest.fixture(scope="module")
def cohort(run_cli, tmp_path_factory):
    """A 3-case phantom cohort and a checkpoint pretrained on it for 2 steps."""
    root = tmp_path_factory.mktemp("embed")
    r = run_cli("phantom", "-o", root / "cohort", "--cases", "3", "--seed", "5")
    assert r.returncode == 0, r.stderr
    config = root / "pre.yaml"
    config.write_text(CONFIG)
    r = run_cli("--threads", "1", "pretrain", "--config", config, "--cases", root / "cohort" / "cases.csv",
                "--out", root / "run", "--max-steps", "2")
    assert r.returncode == 0, r.stderr
    return root


def cli_embeddings(run_cli, root, *source):
    out = root / ("e-%d.csv" % abs(hash(source)))
    r = run_cli("--threads", "1", "embed", *source, "--cases", root / "cohort" / "cases.csv", "-o", out)
    assert r.returncode == 0, r.stderr
    return read_csv_rows(out)


def test_checkpoint_embeddings_equal_the_cli(cohort, run_cli):
    scopemia.set_compute_threads(1)
    cli = cli_embeddings(run_cli, cohort, "--checkpoint", cohort / "run")
    cases = read_csv_rows(cohort / "cohort" / "cases.csv")
    for case, cli_row in zip(cases, cli):
        image = str(cohort / "cohort" / case["Image"])
        mask = str(cohort / "cohort" / case["Mask"])
        vector, names = scopemia.embed(image, mask, checkpoint=cohort / "run")
        assert vector.dtype == numpy.float32 and len(vector) == len(names) > 0
        expected = numpy.array([float(cli_row[n]) for n in names], dtype=numpy.float32)
        assert numpy.array_equal(vector, expected)  # '{:.9g}' round-trips float32 exactly
        # From arrays: the same values.
        from_arrays, _ = scopemia.embed(scopemia.read_image(image), scopemia.read_image(mask),
                                        checkpoint=str(cohort / "run"))
        assert numpy.array_equal(from_arrays, vector)


def test_config_embeddings_equal_the_cli_and_errors_raise(cohort, run_cli):
    scopemia.set_compute_threads(1)
    config = cohort / "pre.yaml"
    cli = cli_embeddings(run_cli, cohort, "--config", config, "--seed", "6")
    case = read_csv_rows(cohort / "cohort" / "cases.csv")[0]
    image = str(cohort / "cohort" / case["Image"])
    mask = str(cohort / "cohort" / case["Mask"])
    vector, names = scopemia.embed(image, mask, config=config, seed=6)
    assert numpy.array_equal(vector, numpy.array([float(cli[0][n]) for n in names], dtype=numpy.float32))
    other, _ = scopemia.embed(image, mask, config=config, seed=7)
    assert not numpy.array_equal(other, vector)

    with pytest.raises(scopemia.InputError):
        scopemia.embed(image, mask)  # neither checkpoint nor config
    with pytest.raises(FileNotFoundError):
        scopemia.embed(image, mask, checkpoint=cohort / "no-such-run")
    img = scopemia.read_image(image)
    empty = scopemia.Image(numpy.zeros(img.shape, numpy.uint8), img.spacing, img.origin, img.direction)
    with pytest.raises(scopemia.InputError):
        scopemia.embed(img, empty, config=config)
