#!/usr/bin/env python3
"""The summary table of bench/results/lidc_embeddings.sh: validation AUC per
target and learner (mean over the 25 CV splits) for every feature set; sets
named <family>-s<seed> are also folded into one row per family as mean ± sd
over seeds; with the out-of-fold AUC's 95 % CI and the DeLong comparison
against radiomics (comparison.csv) for each set.

    python3 bench/results/lidc_embeddings_summary.py docs/results/lidc/embeddings
"""
import csv
import os
import re
import statistics
import sys

out = sys.argv[1]
targets = [t for t in ("malignant", "nonsolid", "poorly_defined_margin", "spiculated")
           if os.path.exists(os.path.join(out, t, "results.csv"))]
learners = [("logreg", "LR"), ("rf", "RF")]

auc = {}   # (target, learner, set) -> mean validation AUC over splits
order = []
for t in targets:
    for r in csv.DictReader(open(os.path.join(out, t, "results.csv"))):
        if r["split"] == "validation" and r["metric"] == "auc":
            auc[(t, r["classifier"], r["feature_set"])] = float(r["mean"])
            if r["feature_set"] not in order:
                order.append(r["feature_set"])
oof = {}   # (target, learner, set) -> (auc, lo, hi, delong p vs radiomics)
for t in targets:
    path = os.path.join(out, t, "comparison.csv")
    if not os.path.exists(path):
        continue
    for r in csv.DictReader(open(path)):
        oof[(t, r["classifier"], r["set_a"])] = (float(r["auc_a"]), float(r["auc_a_ci_low"]), float(r["auc_a_ci_high"]), None)
        oof[(t, r["classifier"], r["set_b"])] = (float(r["auc_b"]), float(r["auc_b_ci_low"]), float(r["auc_b_ci_high"]),
                                                  float(r["delong_p"]))

present = {l for (_, l, _) in auc}
learners = [(l, name) for l, name in learners if l in present]

families = {}
for s in order:
    m = re.fullmatch(r"(.+)-s(\d+)", s)
    if m:
        families.setdefault(m.group(1), []).append(s)

header = "| features | " + " | ".join(f"{t} {name}" for t in targets for _, name in learners) + " |"
rule = "|---|" + "---|" * (len(targets) * len(learners))
print("### Validation AUC, mean over 25 splits (5-fold x 5, grouped by patient)\n")
print("Families over pretraining seeds: mean ± sd of the per-seed values.\n")
print(header)
print(rule)
for s in order:
    if re.fullmatch(r"(.+)-s(\d+)", s):
        continue
    print(f"| {s} | " + " | ".join(f"{auc.get((t, l, s), float('nan')):.3f}" for t in targets for l, _ in learners) + " |")
for fam, members in families.items():
    cells = []
    for t in targets:
        for l, _ in learners:
            v = [auc[(t, l, s)] for s in members if (t, l, s) in auc]
            sd = statistics.stdev(v) if len(v) > 1 else 0.0
            cells.append(f"{statistics.mean(v):.3f} ± {sd:.3f}" if v else "–")
    print(f"| {fam} (seeds {', '.join(s.rsplit('-s', 1)[1] for s in members)}) | " + " | ".join(cells) + " |")

print("\n### Per set: out-of-fold AUC [95 % CI] (averaged over repeats), DeLong p against radiomics\n")
print(header)
print(rule)
for s in order:
    cells = []
    for t in targets:
        for l, _ in learners:
            if (t, l, s) in oof:
                a, lo, hi, p = oof[(t, l, s)]
                cells.append(f"{a:.3f} [{lo:.3f}, {hi:.3f}]" + ("" if p is None else f" p={p:.2g}"))
            else:
                cells.append("–")
    print(f"| {s} | " + " | ".join(cells) + " |")
