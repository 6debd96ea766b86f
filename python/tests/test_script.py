"""A PyRadiomics-style script runs unchanged apart from its import line."""
import csv
import os
import subprocess
import sys

from conftest import close_to_reference, read_csv_rows

SCRIPT = os.path.join(os.path.dirname(__file__), "scripts", "pyradiomics_batch.py")


def test_pyradiomics_script_with_wavelet_runs_after_changing_one_line(refdata, tmp_path):
    reference = {row["ID"]: row for row in read_csv_rows(refdata("lidc/pyradiomics_wavelet.csv"))}
    cases = read_csv_rows(refdata("lidc/cases.csv"))[:4]
    root = os.path.dirname(refdata("lidc/cases.csv"))

    original = open(SCRIPT).read().splitlines(keepends=True)
    changed = [line.replace("from radiomics import featureextractor", "from scopemia import featureextractor")
               for line in original]
    assert sum(a != b for a, b in zip(original, changed)) == 1  # exactly the import line
    script = tmp_path / "batch.py"
    script.write_text("".join(changed))

    cases_csv = tmp_path / "cases.csv"
    with open(cases_csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["ID", "Image", "Mask"])
        for c in cases:
            w.writerow([c["ID"], os.path.join(root, c["Image"]), os.path.join(root, c["Mask"])])
    params = tmp_path / "Params.yaml"
    params.write_text("setting:\n  binWidth: 25\n  label: 1\nimageType:\n  Original: {}\n")
    out = tmp_path / "features.csv"
    r = subprocess.run([sys.executable, str(script), str(cases_csv), str(params), str(out)],
                       capture_output=True, text=True, env=os.environ)
    assert r.returncode == 0, r.stderr

    rows = read_csv_rows(out)
    assert [row["ID"] for row in rows] == [c["ID"] for c in cases]
    for row in rows:
        features = [k for k in row if k != "ID"]
        assert len(features) == 851  # 107 original + 8 wavelet sub-bands x 93
        ref = reference[row["ID"]]
        for name in features:
            assert close_to_reference(row[name], ref[name]), "%s %s: %s vs PyRadiomics %s" % (
                row["ID"], name, row[name], ref[name])
