#!/usr/bin/env bash
# Cross-fitted pretraining on LIDC (issue 12): is what the descriptor head
# predicts learned, or remembered? The 601 nodules are split by patient into
# two halves (bench/results/split_patients.py); per seed the recipe is
# pretrained on each half and embeds the *other* half with the descriptor
# head's columns (`embed --descriptor-columns`, scope_head_*), so no nodule's
# columns come from a network that saw its patient or its radiomics. Those
# columns, one table for all 601 nodules (the head predicts the same named,
# standardised quantities whichever half it was trained on), are compared by
# the benchmark's patient-grouped 5x5 CV against radiomics, the head columns
# of the models pretrained on all 601 ($IN_SAMPLE/pretrained-s<S>, when
# given) and the head of the same network's random weights.
#   CONFIG=configs/bench/lidc-pretrain-fine-stem-radiomics-targets-mci.yaml WORK=runs/lidc-v14-crossfit \
#     IN_SAMPLE=runs/lidc-v14 PARALLEL=2 bash bench/results/lidc_crossfit.sh
# Finished steps are not redone; wall and CPU times in $WORK/times.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
refdata=${SCOPEMIA_REFDATA:-../shared/refdata}
cases=$(realpath "$refdata/lidc/cases.csv")
config=${CONFIG:-configs/lidc-pretrain.yaml}
seeds=${SEEDS:-0 1 2}
work=${WORK:-runs/lidc-crossfit}
out=${OUT:-$work/out}
in_sample=${IN_SAMPLE:-}
jobs=${JOBS:-1}
parallel=${PARALLEL:-2}
scopemia=${SCOPEMIA:-./build/scopemia}
mkdir -p "$work" "$out"

# shellcheck source=bench/results/common.sh
source bench/results/common.sh  # timed, lidc_inputs, lidc_evaluate
lidc_inputs
python3 bench/results/split_patients.py "$cases" "$work" --seed 0

pretrain() {  # half seed
  local half=$1 seed=$2
  [ -s "$work/$half-s$seed/model.pt" ] && return 0
  rm -rf "${work:?}/$half-s$seed"
  timed "pretrain $half-s$seed" $scopemia pretrain --config "$config" --cases "$work/half-$half.csv" \
    --out "$work/$half-s$seed" --set seed="$seed" --set data.cache_dir="$work/cache" >"$work/$half-s$seed.log" 2>&1
}
# The prepared-volume cache is built once, before runs share it.
[ -d "$work/cache" ] || timed "cache" $scopemia pretrain --config "$config" --cases "$cases" --out "$work/cache-run" \
  --set data.cache_dir="$work/cache" --max-steps 1 >"$work/cache-run.log" 2>&1
for s in $seeds; do
  for half in a b; do
    pretrain "$half" "$s" &
    while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n; done
  done
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n; done
for s in $seeds; do
  for half in a b; do
    [ -s "$work/$half-s$s/model.pt" ] || { echo "pretraining $half-s$s failed: $work/$half-s$s.log" >&2; exit 1; }
  done
done

embed() {  # output-name embed-arguments...
  local name=$1
  shift
  [ -s "$work/$name.csv" ] || timed "embed $name" $scopemia embed "$@" --descriptor-columns -j "$jobs" -o "$work/$name.csv"
}
head_columns() {  # in out
  python3 bench/results/select_columns.py "$1" "$2" 'scope_head_.*'
}
sets=(--features "$work/radiomics.csv" --name radiomics)
for s in $seeds; do
  embed "b-by-a-s$s" --checkpoint "$work/a-s$s" --cases "$work/half-b.csv"
  embed "a-by-b-s$s" --checkpoint "$work/b-s$s" --cases "$work/half-a.csv"
  head_columns "$work/a-by-b-s$s.csv" "$work/a-head-s$s.csv"
  head_columns "$work/b-by-a-s$s.csv" "$work/b-head-s$s.csv"
  cmp -s <(head -1 "$work/a-head-s$s.csv") <(head -1 "$work/b-head-s$s.csv") ||
    { echo "the halves' head columns differ (seed $s)" >&2; exit 1; }
  { cat "$work/a-head-s$s.csv"; tail -n +2 "$work/b-head-s$s.csv"; } >"$work/crossfit-head-s$s.csv"
  embed "random-s$s" --config "$config" --seed "$s" --cases "$cases"
  head_columns "$work/random-s$s.csv" "$work/random-head-s$s.csv"
  sets+=(--features "$work/crossfit-head-s$s.csv" --name "crossfit-head-s$s"
         --features "$work/random-head-s$s.csv" --name "random-head-s$s")
  if [ -n "$in_sample" ]; then
    embed "in-sample-s$s" --checkpoint "$in_sample/pretrained-s$s" --cases "$cases"
    head_columns "$work/in-sample-s$s.csv" "$work/in-sample-head-s$s.csv"
    sets+=(--features "$work/in-sample-head-s$s.csv" --name "in-sample-head-s$s")
  fi
done

lidc_evaluate "$out" "${sets[@]}"
python3 bench/results/lidc_embeddings_summary.py "$out/tuned-logreg" > "$out/tuned-logreg/summary.md"
python3 bench/results/lidc_embeddings_summary.py "$out" > "$out/summary.md"
cp "$work/times.txt" "$out/times.txt"
cat "$out/summary.md"
