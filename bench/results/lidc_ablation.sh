#!/usr/bin/env bash
# The paper's Table 1 at the final CPU recipe's full length (issue 12):
# `scopemia ablate` over the 601 LIDC nodules (../shared/refdata/lidc), every
# variant (full and each single-component removal) x 3 seeds, 4 epochs each,
# scored by the last validation pass (SSIM, R). Because reconstruction is not
# what the embeddings are for, every run's checkpoint is then also embedded
# and scored like docs/results/lidc/embeddings (patient-grouped 5x5 CV, LR and
# RF, four endpoints), so the table says what each PDE component does to the
# lesion embedding too. Labels are never read by any pretraining.
#   bash bench/results/lidc_ablation.sh          # V1 recipe: ~90 min on 2 cores; V15: ~5 h
# Two ablate processes run side by side over disjoint variants (one compute
# thread each); their table1.csv rows are concatenated (a row is one variant).
# Writes docs/results/lidc/ablation/; runs, embeddings and times.txt stay in
# $WORK. Finished steps are not redone, an interrupted pretraining continues
# from its checkpoint (ablate --resume; delete $WORK to start over).
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
groups=("full no_stability no_entropy" "no_hessian no_scale no_attention")
mkdir -p "$work" "$out"

# shellcheck source=bench/results/common.sh
source bench/results/common.sh  # timed, lidc_inputs
lidc_inputs
[ -d "$work/cache" ] || timed "cache" $scopemia pretrain --config "$config" --cases "$cases" --out "$work/cache-run" \
  --set data.cache_dir="$work/cache" --max-steps 1 >"$work/cache-run.log" 2>&1

for g in "${!groups[@]}"; do
  [ -s "$work/ablate-$g/table1.csv" ] && continue
  # shellcheck disable=SC2086
  timed "ablate ${groups[$g]}" $scopemia ablate --config "$config" --cases "$cases" --seeds "$seeds" \
    --out "$work/ablate-$g" --variants ${groups[$g]} --set data.cache_dir="$work/cache" --resume \
    >"$work/ablate-$g.log" 2>&1 &
done
wait
for g in "${!groups[@]}"; do
  [ -s "$work/ablate-$g/table1.csv" ] || { echo "ablation ${groups[$g]} failed: $work/ablate-$g.log" >&2; exit 1; }
done
python3 bench/results/lidc_ablation_table.py "$work"/ablate-*/table1.csv > "$out/table1.md"
head -1 "$work/ablate-0/table1.csv" > "$out/table1.csv"
for g in "${!groups[@]}"; do tail -n +2 "$work/ablate-$g/table1.csv" >> "$out/table1.csv"; done

sets=(--features "$work/radiomics.csv" --name radiomics)
for run in "$work"/ablate-*/runs/*_seed*; do
  name=$(basename "$run" | sed 's/_seed/-s/')
  [ -s "$work/$name.csv" ] ||
    timed "embed $name" $scopemia embed --checkpoint "$run" --cases "$cases" -j "$jobs" -o "$work/$name.csv"
  sets+=(--features "$work/$name.csv" --name "$name")
done
timed evaluate $scopemia evaluate "${sets[@]}" --labels "$work/labels.csv" --group-column patient_id \
  --target malignant --target nonsolid --target poorly_defined_margin --target spiculated \
  --classifiers logreg,rf --folds 5 --repeats 5 --seed 0 --no-plots -o "$out/embeddings"
for d in "$out"/embeddings/*/; do
  [ -f "$d/oof_predictions.csv" ] && mv "$d/oof_predictions.csv" "$work/oof_$(basename "$d").csv"
done
python3 bench/results/lidc_embeddings_summary.py "$out/embeddings" > "$out/embeddings/summary.md"
cp "$work/times.txt" "$out/times.txt"
cat "$out/table1.md" "$out/embeddings/summary.md"
