#!/usr/bin/env bash
# The main job on its built-in default: installs what is missing, builds, and
# writes a synthetic 100-case CT cohort to out/demo, printing its summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
./build/scopemia phantom -o out/demo --cases 100 --seed 42
