#!/usr/bin/env bash
# Makes the built Python package importable from a virtual environment (or
# the user's site-packages) without copying or downloading anything: a .pth
# file naming <build>/python, as an editable install does. Build first
# (bash scripts/build.sh). docs/python.md.
#
#   python3 -m venv --system-site-packages .venv     # numpy, nibabel from Debian
#   bash scripts/install-python.sh .venv
#   .venv/bin/python -c "import scopemia"
#
#   bash scripts/install-python.sh --user             # ~/.local for /usr/bin/python3
set -euo pipefail
cd "$(dirname "$0")/.."
build="${SCOPEMIA_BUILD_DIR:-$PWD/build}"
if [ "$#" -ne 1 ]; then
  echo "usage: $0 VENV_DIR | --user" >&2
  exit 2
fi
if [ ! -d "$build/python/scopemia" ] || ! ls "$build"/python/scopemia/_radiomics*.so > /dev/null 2>&1; then
  echo "install-python: $build/python/scopemia is not built: run bash scripts/build.sh first" >&2
  exit 2
fi
if [ "$1" = "--user" ]; then
  python=/usr/bin/python3
  site="$($python -m site --user-site)"
else
  python="$1/bin/python3"
  if [ ! -x "$python" ]; then
    echo "install-python: $1 is not a virtual environment (no bin/python3): python3 -m venv --system-site-packages $1" >&2
    exit 2
  fi
  site="$($python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
fi
mkdir -p "$site"
tmp="$(mktemp "$site/.scopemia.pth.XXXXXX")"
printf '%s\n' "$(cd "$build/python" && pwd)" > "$tmp"
mv -f "$tmp" "$site/scopemia.pth"
"$python" -c "import scopemia; print('scopemia', scopemia.__version__, 'importable from', '$python')"
