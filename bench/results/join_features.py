#!/usr/bin/env python3
"""Joins two feature CSVs by ID (inner join, order of the first): the
columns of both, each kept once (ID and the carried-through case columns come
from the first).

    python3 bench/results/join_features.py A.csv B.csv OUT.csv
"""
import csv
import sys

a_path, b_path, out_path = sys.argv[1:4]
a = list(csv.DictReader(open(a_path)))
b_reader = csv.DictReader(open(b_path))
b = {r["ID"]: r for r in b_reader}
a_fields = list(a[0].keys())
extra = [c for c in b_reader.fieldnames if c not in a_fields]
with open(out_path, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(a_fields + extra)
    for r in a:
        if r["ID"] in b:
            w.writerow([r[c] for c in a_fields] + [b[r["ID"]][c] for c in extra])
