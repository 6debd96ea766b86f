#!/usr/bin/env bash
# Installs every build and run dependency of scopemia on a fresh Debian 12.
# All packages come from Debian's archive; nothing is downloaded at build time.
#
#   scripts/install-deps.sh          build, test and run dependencies (what CI needs)
#   scripts/install-deps.sh --bench  also Debian's PyTorch for Python (python3-torch
#                                    1.13, same libtorch as the build), used only by
#                                    bench/pytorch_compare.sh; never by the tests
set -euo pipefail

with_bench=0
for arg in "$@"; do
  case "$arg" in
    --bench) with_bench=1 ;;
    *) echo "usage: $0 [--bench]" >&2; exit 2 ;;
  esac
done

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libtorch-dev libopenblas0-openmp libgloo-dev
  libinsighttoolkit5-dev libdcmtk-dev libgdcm-dev
  libeigen3-dev libsvm-dev libxgboost-dev
  libyaml-cpp-dev libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libjemalloc-dev libpng-dev zlib1g-dev libdeflate-dev libssl-dev
  gnuplot-nox chromium
  clang libclang-rt-dev
  pybind11-dev python3-dev python3-venv python3-numpy python3-yaml python3-nibabel python3-pytest
)
# Optional: the PyTorch side of bench/pytorch_compare.sh.
bench_packages=(python3-torch)
[ "$with_bench" -eq 1 ] && packages+=("${bench_packages[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "scopemia: all ${#packages[@]} dependency packages present"
