#!/usr/bin/env bash
# The paper's Table 1 at the final CPU recipe's full length (issue 12):
# `scopemia ablate` over the 601 LIDC nodules (../shared/refdata/lidc), every
# variant (full and each single-component removal) x 3 seeds, 4 epochs each,
# scored by the last validation pass (SSIM, R). Because reconstruction is not
# what the embeddings are for, every run's checkpoint is then also embedded
# and scored like docs/results/lidc/embeddings (patient-grouped 5x5 CV, LR and
# RF, four endpoints, against radiomics), so the table says what each PDE
# component does to the lesion embedding too. Labels are never read by any
# pretraining.
#   bash bench/results/lidc_ablation.sh          # V15 recipe: ~2 h 10 min of both cores
#   OUT=runs/table1 bash bench/results/lidc_ablation.sh   # all again, beside the published records
#
# The 18 runs may take longer than one sitting (twice as long with builds
# beside them), and a sitting's working folder
# may not outlive it, so the unit of work is one run: pretrain it (`scopemia
# ablate` of one variant and one seed: the same configuration and folder as
# that run of the whole ablation), embed it, evaluate it, and write its
# record to $OUT/runs/<variant>_seed<s>/ (config.yaml, metrics.csv,
# table1.csv, evaluation/, times.txt) -- small text, meant to be committed.
# A run with a record is never redone; an interrupted one continues from its
# checkpoint while $WORK survives (ablate --resume). Two lanes run side by
# side (one compute thread each), seed 0 of every variant first, so a table
# that is not finished still has every variant. When all 18 records exist,
# lidc_ablation_merge.py writes table1.{csv,md}, embeddings/ and times.txt
# (`lidc_ablation_merge.py $OUT --partial` prints the table so far).
set -euo pipefail
cd "$(dirname "$0")/../.."
refdata=${SCOPEMIA_REFDATA:-../shared/refdata}
cases=$(realpath "$refdata/lidc/cases.csv")
config=${CONFIG:-configs/lidc-pretrain.yaml}
seeds=${SEEDS:-3}
out=${OUT:-docs/results/lidc/ablation}
work=${WORK:-runs/lidc-ablation}
jobs=${JOBS:-2}
scopemia=${SCOPEMIA:-./build/scopemia}
lanes=("full no_stability no_entropy" "no_hessian no_scale no_attention")
mkdir -p "$work" "$out/runs"

# shellcheck source=bench/results/common.sh
source bench/results/common.sh  # timed, lidc_inputs, lidc_cv
lidc_inputs
[ -d "$work/cache" ] || timed "cache" $scopemia pretrain --config "$config" --cases "$cases" --out "$work/cache-run" \
  --set data.cache_dir="$work/cache" --max-steps 1 >"$work/cache-run.log" 2>&1

# One run of the table, from pretraining to its record (written last, whole).
# Every step is checked by hand: `set -e` does not hold inside a function
# called as `table_run ... || ...`.
table_run() {
  local variant=$1 seed=$2
  local name=${variant}_seed$seed
  local record="$out/runs/$name"
  [ -s "$record/table1.csv" ] && return 0
  local ablate_out="$work/$name" times_file="$work/times-$name.txt"
  local run="$ablate_out/runs/$name"
  if [ ! -s "$ablate_out/table1.csv" ]; then
    timed "pretrain $name" $scopemia ablate --config "$config" --cases "$cases" --variants "$variant" --seeds 1 \
      --set seed="$seed" --set data.cache_dir="$work/cache" --out "$ablate_out" --resume \
      >>"$work/$name.log" 2>&1 || return 1
  fi
  [ -s "$ablate_out/table1.csv" ] && [ -s "$run/model.pt" ] || return 1
  # One compute thread: two OpenMP threads beside the other lane's training
  # wait on each other at every operator (6x slower, same output).
  if [ ! -s "$work/$name.csv" ]; then
    timed "embed $name" $scopemia --threads 1 embed --checkpoint "$run" --cases "$cases" -j 1 \
      -o "$work/$name.csv" || return 1
  fi
  rm -rf "$work/$name-evaluation"
  timed "evaluate $name" $scopemia --threads 1 evaluate --features "$work/radiomics.csv" --name radiomics \
    --features "$work/$name.csv" --name "${variant}-s$seed" "${lidc_cv[@]}" --classifiers logreg,rf --no-plots \
    -o "$work/$name-evaluation" >>"$work/$name.log" 2>&1 || return 1
  local staged="$work/$name-record"
  rm -rf "$staged"
  mkdir -p "$staged/evaluation" || return 1
  cp "$run/config.yaml" "$run/metrics.csv" "$ablate_out/table1.csv" "$staged/" || return 1
  cp "$times_file" "$staged/times.txt" || return 1
  for d in "$work/$name-evaluation"/*/; do
    mkdir -p "$staged/evaluation/$(basename "$d")" &&
      cp "$d/results.csv" "$d/comparison.csv" "$staged/evaluation/$(basename "$d")/" || return 1
  done
  rm -rf "$record"
  mv "$staged" "$record" || return 1
  echo "$name: recorded in $record ($(date -u +%H:%M) UTC)"
}

lane() {
  for ((s = 0; s < seeds; ++s)); do
    for v in $1; do
      table_run "$v" "$s" || { echo "$v seed $s failed: $work/${v}_seed$s.log" >&2; return 1; }
    done
  done
}

pids=()
for l in "${lanes[@]}"; do
  lane "$l" &
  pids+=($!)
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
[ $status -eq 0 ] || exit 1
python3 bench/results/lidc_ablation_merge.py "$out" --seeds "$seeds"
python3 bench/results/lidc_embeddings_summary.py "$out/embeddings" > "$out/embeddings/summary.md"
cat "$out/table1.md" "$out/embeddings/summary.md"
