#!/usr/bin/env bash
# Builds the library, CLI and tests with AddressSanitizer + UndefinedBehavior-
# Sanitizer into build-asan/ (CMake option SCOPEMIA_SANITIZE) and runs every
# test there: any sanitizer report aborts the process, so the test fails.
# The short fuzz runs (label "fuzz") are left out: they are sanitized builds
# of their own. Extra arguments go to ctest, e.g. -R BadInput.
# Settings: tests/sanitizers/defaults.cpp. See docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SCOPEMIA_BUILD_DIR=build-asan bash scripts/build.sh -DSCOPEMIA_SANITIZE=address,undefined -DSCOPEMIA_BUILD_BENCHMARKS=OFF
cd build-asan
ctest --output-on-failure -j "$(nproc)" --timeout 1800 -LE fuzz "$@"
