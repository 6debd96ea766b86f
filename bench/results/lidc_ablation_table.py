#!/usr/bin/env python3
"""Table 1 from several `scopemia ablate` table1.csv files over disjoint
variants (bench/results/lidc_ablation.sh runs two side by side): one markdown
table, variants in the order of train/ablation.h, mean ± sample sd over seeds.

    python3 bench/results/lidc_ablation_table.py A/table1.csv B/table1.csv
"""
import csv
import sys

order = ["full", "no_stability", "no_entropy", "no_hessian", "no_scale", "no_attention"]
rows = [r for path in sys.argv[1:] for r in csv.DictReader(open(path))]
rows.sort(key=lambda r: order.index(r["variant"]) if r["variant"] in order else len(order))
print("| Variant | SSIM | R | Seeds |")
print("|---|---:|---:|---:|")
for r in rows:
    print(f"| {r['label']} | {float(r['ssim_mean']):.4f} ± {float(r['ssim_std']):.4f} | "
          f"{float(r['r_mean']):.4f} ± {float(r['r_std']):.4f} | {r['seeds']} |")
