#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (ctest). Tests that
# need ../shared/refdata skip when it is absent, and fail instead under CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
cd build
ctest --output-on-failure -j "$(nproc)" --timeout 600
