#!/usr/bin/env bash
# Radiomics vs SCOPE-MIA embeddings vs diameter alone on the 601 LIDC nodules
# (../shared/refdata/lidc), grouped by patient, for malignancy and for the
# endpoints size cannot explain (docs/paper-map.md §8): non-solid texture (texture < 5),
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
python3 bench/results/lidc_labels.py "$cases" "$work"

$scopemia radiomics --batch "$cases" -j 2 -o "$work/radiomics.csv"
$scopemia embed --cases "$cases" --model convnext3d_nano --seed 0 -j 2 -o "$work/embeddings.csv"
$scopemia evaluate \
  --features "$work/radiomics.csv" --name radiomics \
  --features "$work/embeddings.csv" --name scope-mia-random \
  --features "$work/diameter.csv" --name diameter --feature-columns '^nodule_diameter$' \
  --labels "$work/labels.csv" --group-column patient_id \
  --target malignant --target nonsolid --target poorly_defined_margin --target lobulated --target spiculated \
  --primary logreg --folds 5 --repeats 5 --seed 0 -o "$out"
# Out-of-fold predictions stay in the work folder (3.4 MB): the tables, ROC
# figures and comparisons are what docs/results keeps.
for d in "$out"/*/; do
  if [ -f "$d/oof_predictions.csv" ]; then mv "$d/oof_predictions.csv" "$work/oof_$(basename "$d").csv"; fi
done
