#!/usr/bin/env python3
"""Splits a cases CSV into two halves by patient (every nodule of a patient on
one side), for cross-fitted pretraining: a model pretrained on one half
embeds the other, so no embedding comes from a network that saw its patient
(bench/results/lidc_crossfit.sh). Image and mask paths are written absolute,
so the halves can live anywhere. Deterministic for a given seed.

    python3 bench/results/split_patients.py CASES.csv OUT_DIR [--group patient_id] [--seed 0]
    -> OUT_DIR/half-a.csv, OUT_DIR/half-b.csv
"""
import argparse
import collections
import csv
import os
import random

p = argparse.ArgumentParser()
p.add_argument("cases")
p.add_argument("out_dir")
p.add_argument("--group", default="patient_id")
p.add_argument("--seed", type=int, default=0)
a = p.parse_args()

base = os.path.dirname(os.path.abspath(a.cases))
with open(a.cases, newline="") as f:
    reader = csv.DictReader(f)
    fields, rows = reader.fieldnames, list(reader)
if a.group not in fields:
    raise SystemExit(f"{a.cases}: no column {a.group}")
for r in rows:
    for column in ("Image", "Mask"):
        if column in r and r[column] and not os.path.isabs(r[column]):
            r[column] = os.path.join(base, r[column])

nodules = collections.Counter(r[a.group] for r in rows)
patients = sorted(nodules)
random.Random(a.seed).shuffle(patients)
# Patients in shuffled order go to the half with fewer nodules so far: halves
# within one patient's nodules of each other.
count = {"a": 0, "b": 0}
side = {}
for patient in patients:
    half = "a" if count["a"] <= count["b"] else "b"
    side[patient] = half
    count[half] += nodules[patient]
os.makedirs(a.out_dir, exist_ok=True)
for half in ("a", "b"):
    target = os.path.join(a.out_dir, f"half-{half}.csv")
    with open(target + ".part", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(r for r in rows if side[r[a.group]] == half)
    os.replace(target + ".part", target)
print(f"half a: {count['a']} cases, half b: {count['b']} cases, {len(patients)} patients")
