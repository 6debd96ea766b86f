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

# shellcheck source=bench/results/common.sh
source bench/results/common.sh  # timed, lidc_inputs, lidc_evaluate
lidc_inputs

# Pretraining runs, $PARALLEL at a time (each uses one compute thread).
parallel=${PARALLEL:-2}
pretrain() {  # name seed overrides...
  local name=$1 seed=$2
  shift 2
  [ -s "$work/$name/model.pt" ] && return 0
  rm -rf "${work:?}/$name"
  timed "pretrain $name" $scopemia pretrain --config "$config" --cases "$cases" --out "$work/$name" \
    --set seed="$seed" --set data.cache_dir="$work/cache" "$@" >"$work/$name.log" 2>&1
}
# The prepared-volume cache is built once, before runs share it.
[ -d "$work/cache" ] || timed "cache" $scopemia pretrain --config "$config" --cases "$cases" --out "$work/cache-run" \
  --set data.cache_dir="$work/cache" --max-steps 1 >"$work/cache-run.log" 2>&1
runs=()
for s in $seeds; do runs+=("pretrained-s$s $s"); done
# Without PDE blocks the stage outputs are pooled where the PDE streams were
# (NOPDE_TAPS, e.g. "[stem,stage0,stage1]" for a recipe that pools the stem).
nopde_taps=${NOPDE_TAPS:-[stage0,stage1]}
for s in $nopde_seeds; do runs+=("nopde-s$s $s --set model.pde_stages=[] --set embedding.taps=$nopde_taps"); done
for r in "${runs[@]}"; do
  set -f  # the YAML lists in the overrides are not globs
  # shellcheck disable=SC2086
  pretrain $r &
  set +f
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n; done
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n; done
for r in "${runs[@]}"; do
  name=${r%% *}
  [ -s "$work/$name/model.pt" ] || { echo "pretraining $name failed: $work/$name.log" >&2; exit 1; }
done

embed() {  # output-name embed-arguments...
  local name=$1
  shift
  [ -s "$work/$name.csv" ] ||
    timed "embed $name" $scopemia embed "$@" --cases "$cases" -j "$jobs" -o "$work/$name.csv"
}
sets=(--features "$work/radiomics.csv" --name radiomics)
for s in $seeds; do
  embed "pretrained-s$s" --checkpoint "$work/pretrained-s$s"
  embed "random-s$s" --config "$config" --seed "$s"
  # The disentanglement measure on the trained model (docs/results/lidc/embeddings).
  embed "spectra-s$s" --checkpoint "$work/pretrained-s$s" --spectra
  sets+=(--features "$work/pretrained-s$s.csv" --name "pretrained-s$s" --features "$work/random-s$s.csv" --name "random-s$s")
done
for s in $nopde_seeds; do
  embed "nopde-s$s" --checkpoint "$work/nopde-s$s"
  sets+=(--features "$work/nopde-s$s.csv" --name "nopde-s$s")
done
embed plain-cnn --config configs/bench/plain-cnn.yaml
sets+=(--features "$work/plain-cnn.csv" --name plain-cnn)
first=$(echo $seeds | cut -d' ' -f1)
python3 bench/results/join_features.py "$work/radiomics.csv" "$work/pretrained-s$first.csv" "$work/radiomics+pretrained-s$first.csv"
sets+=(--features "$work/radiomics+pretrained-s$first.csv" --name "radiomics+pretrained-s$first")

lidc_evaluate "$out" "${sets[@]}"
for d in "$out"/*/ "$out"/tuned-logreg/*/; do
  [ -f "$d/oof_predictions.csv" ] && mv "$d/oof_predictions.csv" "$work/oof_$(basename "$d").csv"
done
python3 bench/results/lidc_embeddings_summary.py "$out/tuned-logreg" > "$out/tuned-logreg/summary.md"
cp "$work/times.txt" "$out/times.txt"
for s in $seeds; do cp "$work/pretrained-s$s/metrics.csv" "$out/metrics-pretrained-s$s.csv"; done
python3 bench/results/lidc_spectra_summary.py "$work"/spectra-s*.csv > "$out/spectra.md"
python3 bench/results/lidc_embeddings_summary.py "$out" > "$out/summary.md"
cat "$out/summary.md" "$out/spectra.md"
