# Shared by the LIDC benchmark scripts (sourced): `timed NAME CMD...` runs
# CMD and appends its wall and CPU time to $times_file (default
# $work/times.txt); `lidc_inputs` writes labels.csv and, once, radiomics.csv
# into $work; `lidc_cv` is the comparison design every benchmark scores with
# and `lidc_evaluate` compares feature sets with it (below). Source it after
# setting $work.
timed() {
  local name=$1
  shift
  local TIMEFORMAT="$name: wall %R s, user %U s, sys %S s"
  { time "$@" 2>&3; } 3>&2 2>>"${times_file:-$work/times.txt}"
}

lidc_inputs() {
  python3 bench/results/lidc_labels.py "$cases" "$work"
  [ -s "$work/radiomics.csv" ] ||
    timed radiomics $scopemia radiomics --batch "$cases" -j "$jobs" -o "$work/radiomics.csv"
}

# Patient-grouped 5x5 CV (seed 0) on the four LIDC endpoints: `scopemia
# evaluate` options beside --features and --classifiers.
lidc_cv=(--labels "$work/labels.csv" --group-column patient_id --target malignant --target nonsolid
         --target poorly_defined_margin --target spiculated --folds 5 --repeats 5 --seed 0)

# The benchmark's comparison of feature sets: lidc_cv with default logistic
# regression and random forest into OUT, then logistic regression with C chosen by nested CV inside
# each training part (--tune: C in 0.01..100) into OUT/tuned-logreg, so no
# feature set is judged by an untuned regularisation.
#   lidc_evaluate OUT --features A.csv --name a ...
lidc_evaluate() {
  local out=$1
  shift
  timed evaluate $scopemia evaluate "$@" "${lidc_cv[@]}" --classifiers logreg,rf -o "$out"
  timed "evaluate tuned" $scopemia evaluate "$@" "${lidc_cv[@]}" --classifiers logreg --tune --no-plots \
    -o "$out/tuned-logreg"
}
