# Shared by the LIDC benchmark scripts (sourced): `timed NAME CMD...` runs
# CMD and appends its wall and CPU time to $work/times.txt; `lidc_inputs`
# writes labels.csv and, once, radiomics.csv into $work.
timed() {
  local name=$1
  shift
  local TIMEFORMAT="$name: wall %R s, user %U s, sys %S s"
  { time "$@" 2>&3; } 3>&2 2>>"$work/times.txt"
}

lidc_inputs() {
  python3 bench/results/lidc_labels.py "$cases" "$work"
  [ -s "$work/radiomics.csv" ] ||
    timed radiomics $scopemia radiomics --batch "$cases" -j "$jobs" -o "$work/radiomics.csv"
}
