#!/usr/bin/env python3
"""Keeps the ID column and the feature columns whose whole name matches a
regular expression, e.g. one tap of an embedding, for a probe of what that
part carries (docs/results/lidc/embeddings/README.md):

    python3 bench/results/select_columns.py in.csv out.csv 'scope_stem_.*'
"""
import csv
import os
import re
import sys

if len(sys.argv) != 4:
    sys.exit("usage: select_columns.py IN.csv OUT.csv REGEX")
source, target, pattern = sys.argv[1], sys.argv[2], re.compile(sys.argv[3])
with open(source, newline="") as f:
    rows = list(csv.reader(f))
if not rows or "ID" not in rows[0]:
    sys.exit(f"{source}: no ID column")
keep = [rows[0].index("ID")] + [i for i, name in enumerate(rows[0]) if pattern.fullmatch(name)]
if len(keep) == 1:
    sys.exit(f"{source}: no column matches {sys.argv[3]}")
with open(target + ".part", "w", newline="") as f:
    w = csv.writer(f)
    for row in rows:
        w.writerow([row[i] for i in keep])
os.replace(target + ".part", target)
