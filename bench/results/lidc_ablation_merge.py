#!/usr/bin/env python3
"""Table 1 from the per-run records of bench/results/lidc_ablation.sh
(OUT/runs/<variant>_seed<s>/): writes OUT/table1.csv and OUT/table1.md
(mean ± sample sd over seeds, variants in train/ablation.h's order, the
columns of `scopemia ablate`'s table1.csv), OUT/embeddings/<target>/
{results,comparison}.csv (every run's evaluation in one table, radiomics
once, Holm's adjustment redone over all comparisons) and OUT/times.txt (every timed step, and the sums).

Each record evaluated radiomics beside its own embedding with the same
splits; the radiomics rows must be the same in all of them, which is checked
(it is what makes the per-run evaluations one comparison).

    python3 bench/results/lidc_ablation_merge.py OUT [--seeds 3] [--partial]

--partial: print Table 1 of the records there are (Seeds column says how
many) to stdout and write nothing.
"""
import argparse
import csv
import math
import os
import re
import statistics
import sys

VARIANTS = [("full", "Full model"), ("no_stability", "w/o PDE stability loss"),
            ("no_entropy", "w/o entropy adaptation"), ("no_hessian", "w/o Hessian regularisation"),
            ("no_scale", "w/o scale consistency"), ("no_attention", "w/o attention guidance")]

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("--seeds", type=int, default=3)
parser.add_argument("--partial", action="store_true")
args = parser.parse_args()


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


records = {}  # (variant, seed) -> folder
missing = []
for variant, _ in VARIANTS:
    for seed in range(args.seeds):
        folder = os.path.join(args.out, "runs", f"{variant}_seed{seed}")
        if os.path.isfile(os.path.join(folder, "table1.csv")):
            records[(variant, seed)] = folder
        else:
            missing.append(f"{variant}_seed{seed}")
if missing and not args.partial:
    sys.exit(f"lidc_ablation_merge.py: {len(missing)} runs have no record in {args.out}/runs: {', '.join(missing)}")


def holm_adjust(rows, p_column, holm_column):
    """Holm over every comparison of the target, as one `scopemia evaluate`
    of all sets would (eval/stats.cpp), from the printed 6-digit p values:
    each record adjusted only over its own two comparisons."""
    ranked = sorted((i for i, r in enumerate(rows) if r[p_column] not in ("", "nan")),
                    key=lambda i: float(rows[i][p_column]))
    running = 0.0
    for k, i in enumerate(ranked):
        running = max(running, min(1.0, float(rows[i][p_column]) * (len(ranked) - k)))
        rows[i][holm_column] = f"{running:.6g}"


def mean_sd(values):
    if not values:
        return math.nan, math.nan
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else math.nan)


rows = []
for variant, label in VARIANTS:
    runs = [read_csv(os.path.join(records[(variant, s)], "table1.csv"))[0]
            for s in range(args.seeds) if (variant, s) in records]
    for r in runs:
        if r["variant"] != variant or r["seeds"] != "1":
            sys.exit(f"lidc_ablation_merge.py: a record of {variant} holds {r['variant']} over {r['seeds']} seeds")
    ssim = mean_sd([float(r["ssim_mean"]) for r in runs])
    r_ = mean_sd([float(r["r_mean"]) for r in runs])
    rows.append((variant, label, len(runs), ssim, r_))

markdown = ["| Variant | SSIM | R | Seeds |", "|---|---:|---:|---:|"]
for variant, label, n, ssim, r_ in rows:
    if n == 0:
        markdown.append(f"| {label} | – | – | 0 |")
        continue
    fmt = (lambda m: f"{m[0]:.4f} ± {m[1]:.4f}") if n > 1 else (lambda m: f"{m[0]:.4f}")
    markdown.append(f"| {label} | {fmt(ssim)} | {fmt(r_)} | {n} |")
if args.partial:
    print("\n".join(markdown))
    sys.exit(0)

with open(os.path.join(args.out, "table1.md"), "w") as f:
    f.write("\n".join(markdown) + "\n")
with open(os.path.join(args.out, "table1.csv"), "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["variant", "label", "seeds", "ssim_mean", "ssim_std", "r_mean", "r_std"])
    for variant, label, n, ssim, r_ in rows:
        w.writerow([variant, label, n, repr(ssim[0]), repr(ssim[1]), repr(r_[0]), repr(r_[1])])

ordered = [records[(v, s)] for s in range(args.seeds) for v, _ in VARIANTS]
targets = sorted(os.listdir(os.path.join(ordered[0], "evaluation")))
for target in targets:
    merged = {}
    for table in ("results.csv", "comparison.csv"):
        header, body, reference = None, [], None
        for folder in ordered:
            path = os.path.join(folder, "evaluation", target, table)
            with open(path, newline="") as f:
                reader = csv.reader(f)
                header = next(reader)
                rows_here = list(reader)
            if table == "results.csv":
                baseline = [r for r in rows_here if r[0] == "radiomics"]
                if reference is None:
                    reference = (path, baseline)
                    body += baseline
                elif baseline != reference[1]:
                    sys.exit(f"lidc_ablation_merge.py: radiomics is evaluated differently in {path} "
                             f"and {reference[0]}")
                body += [r for r in rows_here if r[0] != "radiomics"]
            else:
                body += rows_here
        if table == "comparison.csv" and "delong_p_holm" in header:
            holm_adjust(body, header.index("delong_p"), header.index("delong_p_holm"))
        os.makedirs(os.path.join(args.out, "embeddings", target), exist_ok=True)
        with open(os.path.join(args.out, "embeddings", target, table), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(body)

line = re.compile(r"(.+): wall ([0-9.]+) s, user ([0-9.]+) s, sys ([0-9.]+) s")
wall = user = 0.0
lines = []
for folder in ordered:
    with open(os.path.join(folder, "times.txt")) as f:
        for text in f:
            m = line.fullmatch(text.strip())
            if not m:
                sys.exit(f"lidc_ablation_merge.py: unreadable line in {folder}/times.txt: {text.strip()}")
            lines.append(text.strip())
            wall += float(m.group(2))
            user += float(m.group(3))
with open(os.path.join(args.out, "times.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
    f.write(f"all runs (two lanes side by side): wall {wall:.0f} s summed over steps, user {user:.0f} s\n")
