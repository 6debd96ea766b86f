#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ with clang (Debian's clang + its
# libFuzzer runtime, with ASan and UBSan) and runs each for $SECONDS_EACH
# seconds (default 600) on the corpus in fuzz/corpus/<target>/ (seeded from
# tests' tiny files, grown by the run, kept out of git).
#   bash scripts/fuzz.sh            # every target, 10 minutes each
#   SECONDS_EACH=60 bash scripts/fuzz.sh image_header
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SECONDS_EACH:-600}
targets=${*:-image_header}
out=build-fuzz
mkdir -p "$out"
flags=(-std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc)
for t in $targets; do
  case $t in
    image_header) sources=(src/io/image_file_checks.cpp src/core/error.cpp src/core/atomic_file.cpp) ;;
    *) echo "unknown fuzz target $t" >&2; exit 2 ;;
  esac
  clang++ "${flags[@]}" "fuzz/${t}_fuzz.cpp" "${sources[@]}" -lfmt -lz -o "$out/${t}_fuzz"
  corpus=fuzz/corpus/$t
  mkdir -p "$corpus"
  [ -n "$(ls -A "$corpus")" ] || for f in fuzz/seeds/$t/*; do [ -f "$f" ] && cp "$f" "$corpus/"; done
  "$out/${t}_fuzz" -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 "$corpus" 2>&1 |
    tee "$out/${t}.log" | grep -E "^#[0-9]+ +DONE|stat::|ERROR|SUMMARY" || true
done
