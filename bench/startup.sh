#!/usr/bin/env bash
# Whole-process times of the plain commands (issue 15; docs/performance.md,
# "Start-up and single cases"): program start, one brain1 case, the 601-case
# LIDC batch at -j 1 and -j 2, voxel maps of brain1. Mean of N runs each
# (perf stat -r), page faults beside. Run on a quiet machine:
#   bash bench/startup.sh [build/scopemia] [N]
set -euo pipefail
scopemia=${1:-build/scopemia}
runs=${2:-10}
refdata=${SCOPEMIA_REFDATA:-$(cd "$(dirname "$0")/../.." && pwd)/shared/refdata}
[ -d "$refdata" ] || refdata=/work/shared/refdata
brain=$refdata/pyradiomics
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

measure() {  # label, runs, command...
  local label=$1 n=$2
  shift 2
  local out
  out=$(perf stat -r "$n" -e page-faults,task-clock "$@" 2>&1 >/dev/null)
  local elapsed faults cpu
  elapsed=$(awk '/seconds time elapsed/ {print $1}' <<<"$out")
  faults=$(awk '/page-faults/ {print $1}' <<<"$out")
  cpu=$(awk '/task-clock/ {print $1}' <<<"$out")
  printf '| %s | %.1f ms | %s ms | %s |\n' "$label" "$(awk -v e="$elapsed" 'BEGIN {print 1000 * e}')" "$cpu" "$faults"
}

echo "| command | wall (mean of runs) | CPU | page faults |"
echo "|---|---|---|---|"
measure "scopemia --version" "$runs" "$scopemia" --version
measure "scopemia --threads 1 radiomics brain1 (1 case, NRRD gzip)" "$runs" \
  "$scopemia" --threads 1 radiomics "$brain/brain1_image.nrrd" "$brain/brain1_label.nrrd" -o "$tmp/b.csv"
measure "scopemia --threads 1 radiomics LIDC 601 cases -j 1" 3 \
  "$scopemia" --threads 1 radiomics "$refdata/lidc/cases.csv" -j 1 -o "$tmp/l1.csv"
measure "scopemia --threads 1 radiomics LIDC 601 cases -j 2" 3 \
  "$scopemia" --threads 1 radiomics "$refdata/lidc/cases.csv" -j 2 -o "$tmp/l2.csv"
cmp "$tmp/l1.csv" "$tmp/l2.csv"
measure "scopemia --threads 1 radiomics brain1 --mode voxel --voxel-grid cropped (93 maps)" 3 \
  "$scopemia" --threads 1 radiomics "$brain/brain1_image.nrrd" "$brain/brain1_label.nrrd" --mode voxel \
  --voxel-grid cropped --out-dir "$tmp/maps" -o "$tmp/v.csv"
