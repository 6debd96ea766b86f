#!/usr/bin/env python3
"""LIDC labels for the benchmarks: every column of cases.csv (so none of the
radiologists' ratings that radiomics/embed carry through can become a
feature) plus the binary endpoints derived from the ratings, and diameter.csv
(diameter alone, under a name the labels file does not use).

    python3 bench/results/lidc_labels.py CASES.csv WORK_DIR
"""
import csv
import os
import sys

cases, work = sys.argv[1], sys.argv[2]
reader = csv.DictReader(open(cases))
rows = list(reader)
derived = {
    "nonsolid": lambda r: float(r["texture"]) < 5,
    "poorly_defined_margin": lambda r: float(r["margin"]) <= 3,
    "lobulated": lambda r: float(r["lobulation"]) >= 3,
    "spiculated": lambda r: float(r["spiculation"]) >= 3,
}
with open(os.path.join(work, "labels.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(reader.fieldnames + list(derived))
    for r in rows:
        w.writerow([r[c] for c in reader.fieldnames] + [int(rule(r)) for rule in derived.values()])
with open(os.path.join(work, "diameter.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["ID", "nodule_diameter"])
    for r in rows:
        w.writerow([r["ID"], r["diameter_mm"]])
