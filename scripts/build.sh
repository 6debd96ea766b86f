#!/usr/bin/env bash
# Configures and builds scopemia (library, CLI, tests, benchmarks) in build/.
# Extra arguments go to CMake, e.g. -DCMAKE_PREFIX_PATH=/opt/libtorch.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${SCOPEMIA_BUILD_DIR:-build}
jobs=${SCOPEMIA_JOBS:-$(nproc)}
# ccache and the torch precompiled header: see docs/building.md.
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
ninja -C "$build_dir" -j "$jobs"
