"""extract_batch: the CLI's batch rows in Python, one failed case never stops the others."""
import csv
import os

import scopemia
from scopemia import featureextractor
from conftest import read_csv_rows, same_double


def test_batch_rows_equal_the_cli_and_a_bad_case_gets_its_error(lidc_cases, run_cli, tmp_path):
    cases_csv = tmp_path / "cases.csv"
    with open(cases_csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["ID", "Image", "Mask", "site"])
        for case_id, image, mask in lidc_cases[:4]:
            w.writerow([case_id, image, mask, "A"])
        w.writerow(["broken", str(tmp_path / "missing.nii.gz"), lidc_cases[0][2], "B"])
    out = tmp_path / "cli.csv"
    r = run_cli("radiomics", "--batch", cases_csv, "-o", out)
    assert r.returncode == 3, r.stderr  # some cases failed
    cli = read_csv_rows(out)

    for jobs in (1, 2):
        rows = scopemia.extract_batch(str(cases_csv), jobs=jobs)
        assert [row["ID"] for row in rows] == [row["ID"] for row in cli]
        for row, cli_row in zip(rows, cli):
            assert row["site"] == cli_row["site"]
            if row["ID"] == "broken":
                assert "missing.nii.gz" in row["error"] and cli_row["error"]
                continue
            assert row["error"] == "" and cli_row["error"] == ""
            for name, value in row.items():
                if name.startswith("original_"):
                    assert same_double(value, cli_row[name]), name

    # Rows (a DataFrame's records) work as well as a CSV path.
    records = [{"ID": i, "Image": im, "Mask": m} for i, im, m in lidc_cases[:2]]
    rows = scopemia.extract_batch(records, params={"setting": {"binWidth": 10}})
    single = featureextractor.RadiomicsFeatureExtractor(binWidth=10).execute(lidc_cases[1][1], lidc_cases[1][2])
    assert same_double(rows[1]["original_firstorder_Entropy"], single["original_firstorder_Entropy"])
