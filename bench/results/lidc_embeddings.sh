#!/usr/bin/env bash
# The embedding benchmark of issue 12, one command: pretrain SCOPE-MIA on the
# 601 LIDC nodules (../shared/refdata/lidc) with the final CPU recipe for each
# seed, embed every nodule, and compare by patient-grouped 5x5 CV
# (logistic regression and random forest) on malignant, nonsolid,
# poorly_defined_margin and spiculated against
#   radiomics          PyRadiomics's 107 original features (scopemia radiomics)
#   random-s<S>        the same network with the weights its run starts from
#   nopde-s<S>         the same backbone without PDE blocks, trained identically
#                      (stage 0 and 1 outputs pooled like the PDE streams)
#   plain-cnn          a random 3D ResNet-18, image + ROI channels (configs/bench/plain-cnn.yaml)
#   radiomics+pretrained-s0   both sets side by side
# Writes docs/results/lidc/embeddings/ (tables, README table by
# bench/results/lidc_embeddings_summary.py); runs, embeddings and times.txt
# stay in $WORK. Finished steps are not redone (delete $WORK to start over).
#   bash bench/results/lidc_embeddings.sh                 # seeds 0 1 2
#   SEEDS="0" NOPDE_SEEDS="" bash bench/results/lidc_embeddings.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
refdata=${SCOPEMIA_REFDATA:-../shared/refdata}
cases=$(realpath "$refdata/lidc/cases.csv")
config=${CONFIG:-configs/lidc-pretrain.yaml}
seeds=${SEEDS:-0 1 2}
nopde_seeds=${NOPDE_SEEDS-0 1 2}
out=${OUT:-docs/results/lidc/embeddings}
work=${WORK:-runs/lidc-embeddings}
jobs=${JOBS:-2}
scopemia=${SCOPEMIA:-./build/scopemia}
mkdir -p "$work" "$out"

# Each step's wall and CPU time go to times.txt.
timed() {
  local name=$1
  shift
  local TIMEFORMAT="$name: wall %R s, user %U s, sys %S s"
  { time "$@" 2>&3; } 3>&2 2>>"$work/times.txt"
}

python3 bench/results/lidc_labels.py "$cases" "$work"
[ -s "$work/radiomics.csv" ] ||
  timed radiomics $scopemia radiomics --batch "$cases" -j "$jobs" -o "$work/radiomics.csv"

pretrain() {  # name seed overrides...
  local name=$1 seed=$2
  shift 2
  [ -s "$work/$name/model.pt" ] ||
    timed "pretrain $name" $scopemia pretrain --config "$config" --cases "$cases" --out "$work/$name" \
      --set seed="$seed" --set data.cache_dir="$work/cache" "$@"
  [ -s "$work/$name.csv" ] ||
    timed "embed $name" $scopemia embed --checkpoint "$work/$name" --cases "$cases" -j "$jobs" -o "$work/$name.csv"
}

sets=(--features "$work/radiomics.csv" --name radiomics)
for s in $seeds; do
  pretrain "pretrained-s$s" "$s"
  [ -s "$work/random-s$s.csv" ] ||
    timed "embed random-s$s" $scopemia embed --config "$config" --seed "$s" --cases "$cases" -j "$jobs" -o "$work/random-s$s.csv"
  sets+=(--features "$work/pretrained-s$s.csv" --name "pretrained-s$s" --features "$work/random-s$s.csv" --name "random-s$s")
done
for s in $nopde_seeds; do
  pretrain "nopde-s$s" "$s" --set "model.pde_stages=[]" --set "embedding.taps=[stage0, stage1]"
  sets+=(--features "$work/nopde-s$s.csv" --name "nopde-s$s")
done
[ -s "$work/plain-cnn.csv" ] ||
  timed "embed plain-cnn" $scopemia embed --config configs/bench/plain-cnn.yaml --cases "$cases" -j "$jobs" -o "$work/plain-cnn.csv"
sets+=(--features "$work/plain-cnn.csv" --name plain-cnn)
first=$(echo $seeds | cut -d' ' -f1)
python3 bench/results/join_features.py "$work/radiomics.csv" "$work/pretrained-s$first.csv" "$work/radiomics+pretrained-s$first.csv"
sets+=(--features "$work/radiomics+pretrained-s$first.csv" --name "radiomics+pretrained-s$first")

timed evaluate $scopemia evaluate "${sets[@]}" --labels "$work/labels.csv" --group-column patient_id \
  --target malignant --target nonsolid --target poorly_defined_margin --target spiculated \
  --classifiers logreg,rf --folds 5 --repeats 5 --seed 0 -o "$out"
for d in "$out"/*/; do
  [ -f "$d/oof_predictions.csv" ] && mv "$d/oof_predictions.csv" "$work/oof_$(basename "$d").csv"
done
cp "$work/times.txt" "$out/times.txt"
python3 bench/results/lidc_embeddings_summary.py "$out" > "$out/summary.md"
cat "$out/summary.md"
