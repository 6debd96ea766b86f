#!/usr/bin/env python3
"""The disentanglement table: per PDE block, the share of in-plane spectral
energy above half Nyquist of the anatomical (z_A) and textural (z_T)
streams (`scopemia embed --spectra`), mean ± sd over cases, and the fraction
of cases where z_T's share is above z_A's; one block of rows per file (seed).

    python3 bench/results/lidc_spectra_summary.py spectra-s0.csv spectra-s1.csv ...
"""
import csv
import os
import re
import statistics
import sys

print("### High-frequency energy share (above half Nyquist, in-plane) of the PDE streams\n")
print("| run | block | z_A share | z_T share | cases with z_T > z_A |")
print("|---|---|---|---|---|")
for path in sys.argv[1:]:
    rows = [r for r in csv.DictReader(open(path)) if r.get("error", "") == ""]
    blocks = sorted({int(m.group(1)) for c in rows[0] for m in [re.fullmatch(r"hf_share_pde(\d+)A", c)] if m})
    for b in blocks:
        a = [float(r[f"hf_share_pde{b}A"]) for r in rows]
        t = [float(r[f"hf_share_pde{b}T"]) for r in rows]
        above = sum(x > y for x, y in zip(t, a))
        print(f"| {os.path.basename(path)[:-4]} | {b} | {statistics.mean(a):.3f} ± {statistics.stdev(a):.3f} | "
              f"{statistics.mean(t):.3f} ± {statistics.stdev(t):.3f} | {above}/{len(rows)} |")
