#!/usr/bin/env bash
# scopemia vs PyTorch (Debian python3-torch 1.13), ConvNeXt-3D, interleaved.
# One command, about 6-8 minutes on a quiet 2-core machine:
#
#   bench/pytorch_compare.sh [build-dir] [compare.py options...]
#
# e.g. bench/pytorch_compare.sh build --json /tmp/compare.json
#      bench/pytorch_compare.sh build --sections pde --repeats 2
# Needs: a build with -DSCOPEMIA_BUILD_BENCHMARKS=ON (target
# bench_network_worker) and python3-torch (scripts/install-deps.sh --bench).
# Both sides get the same malloc settings as the scopemia program
# (scopemia::tune_malloc(): mmap and trim thresholds 1 GiB), the same thread
# counts and the same input. Results and the method: docs/performance.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-build}"
[ $# -gt 0 ] && shift
worker="$build/bench/bench_network_worker"
if [ ! -x "$worker" ]; then
  echo "pytorch_compare: $worker missing; build it with" >&2
  echo "  cmake -S . -B $build -G Ninja -DSCOPEMIA_BUILD_BENCHMARKS=ON && ninja -C $build bench_network_worker" >&2
  exit 2
fi
# Debian's PyTorch belongs to the system interpreter (a python3 earlier on
# PATH may lack it).
py=/usr/bin/python3
if ! "$py" -c 'import torch' 2>/dev/null; then
  echo "pytorch_compare: $py cannot import torch; run scripts/install-deps.sh --bench" >&2
  exit 2
fi
echo "# $(date -u '+%F %T UTC'), $(nproc) CPUs, $(uptime | sed 's/.*load/load/')"
export MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=1073741824
exec "$py" "$here/pytorch/compare.py" --worker "$worker" "$@"
