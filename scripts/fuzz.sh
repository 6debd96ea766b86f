#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang (Debian's clang +
# libclang-rt-dev: libFuzzer, ASan, UBSan) into build-fuzz/ and runs each for
# $SECONDS_EACH seconds (default 600) on its corpus: fuzz/corpus/<target>/
# (grown by the runs, kept out of git), first seeded from fuzz/seeds/<target>/.
# Prints each target's executions, rate and findings; exits non-zero when a
# target found a crash (the reproducer is left in build-fuzz/findings/).
#   bash scripts/fuzz.sh                      # every target, 10 minutes each
#   SECONDS_EACH=60 bash scripts/fuzz.sh csv  # one target, one minute
#   FUZZ_CORPUS=/tmp/c SECONDS_EACH=20 ...    # another corpus root (the tests' short runs)
#   bash scripts/fuzz.sh --build-only         # build every target, run none
# Without clang it exits 77 (ctest's skip), except under CI=true, where it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
build_only=0
if [ "${1:-}" = "--build-only" ]; then build_only=1; shift; fi
seconds=${SECONDS_EACH:-600}
all_targets="image_header image_read csv params_yaml train_config rtstruct"
targets=${*:-$all_targets}
out=${FUZZ_BUILD_DIR:-build-fuzz}
corpus_root=${FUZZ_CORPUS:-fuzz/corpus}

if ! command -v clang++ >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "fuzz: clang++ with libFuzzer (Debian: clang libclang-rt-dev) is not installed" >&2
  [ "${CI:-}" = "true" ] && exit 1
  exit 77
fi
cmake -S fuzz -B "$out" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
ninja -C "$out" -j "${SCOPEMIA_JOBS:-$(nproc)}" $(for t in $targets; do echo "${t}_fuzz"; done) >/dev/null
[ "$build_only" -eq 1 ] && exit 0

status=0
mkdir -p "$out/findings"
for t in $targets; do
  corpus=$corpus_root/$t
  mkdir -p "$corpus"
  if [ -z "$(ls -A "$corpus")" ] && [ -d "fuzz/seeds/$t" ]; then cp fuzz/seeds/$t/* "$corpus/"; fi
  # -timeout: one input taking over 10 s is a finding (a hang); the RSS limit
  # catches allocations a header announced but the file does not back.
  if "$out/${t}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$out/findings/${t}-" "$corpus" > "$out/${t}.log" 2>&1; then
    result="0 crashes"
  else
    result="FINDING (see $out/${t}.log and $out/findings/)"
    status=1
  fi
  runs=$(grep -Eo "stat::number_of_executed_units: *[0-9]+" "$out/${t}.log" | grep -Eo "[0-9]+$" || echo "?")
  echo "fuzz $t: ${runs} executions in ${seconds} s, corpus $(ls "$corpus" | wc -l) inputs: $result"
done
exit $status
