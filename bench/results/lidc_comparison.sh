#!/usr/bin/env bash
# Radiomics vs SCOPE-MIA embeddings vs diameter alone on the 601 LIDC nodules
# (../shared/refdata/lidc), grouped by patient, for malignancy and for the
# endpoints size cannot explain (DESIGN.md): non-solid texture (texture < 5),
# poorly defined margin (margin <= 3), lobulation (>= 3), spiculation (>= 3).
# Writes docs/results/lidc/. Run from the repository root after building:
#   bash bench/results/lidc_comparison.sh
set -euo pipefail
refdata=${SCOPEMIA_REFDATA:-../shared/refdata}
cases=$refdata/lidc/cases.csv
out=docs/results/lidc
work=${TMPDIR:-/tmp}/scopemia-lidc
mkdir -p "$out" "$work"
scopemia=./build/scopemia

# Labels: every column of the cases file (so none of the radiologists' ratings
# that radiomics/embed carry through can ever be used as a feature) plus the
# binary endpoints derived from them.
python3 - "$cases" "$work/labels.csv" <<'PY'
import csv, sys
reader = csv.DictReader(open(sys.argv[1]))
rows = list(reader)
derived = ["nonsolid", "poorly_defined_margin", "lobulated", "spiculated"]
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(reader.fieldnames + derived)
    for r in rows:
        w.writerow([r[c] for c in reader.fieldnames] +
                   [int(float(r["texture"]) < 5), int(float(r["margin"]) <= 3),
                    int(float(r["lobulation"]) >= 3), int(float(r["spiculation"]) >= 3)])
# The sanity feature set: diameter alone, under a name the labels file does not use.
with open(sys.argv[2].replace("labels.csv", "diameter.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["ID", "nodule_diameter"])
    for r in rows:
        w.writerow([r["ID"], r["diameter_mm"]])
PY

$scopemia radiomics --batch "$cases" -j 2 -o "$work/radiomics.csv"
$scopemia embed --cases "$cases" --model convnext3d_nano --seed 0 -j 2 -o "$work/embeddings.csv"
$scopemia evaluate \
  --features "$work/radiomics.csv" --name radiomics \
  --features "$work/embeddings.csv" --name scope-mia-random \
  --features "$work/diameter.csv" --name diameter \
  --labels "$work/labels.csv" --group-column patient_id \
  --target malignant --target nonsolid --target poorly_defined_margin --target lobulated --target spiculated \
  --folds 5 --repeats 5 --seed 0 -o "$out"
# Out-of-fold predictions stay in the work folder (3.4 MB): the tables, ROC
# figures and comparisons are what docs/results keeps.
for d in "$out"/*/; do
  mv "$d/oof_predictions.csv" "$work/oof_$(basename "$d").csv"
done
