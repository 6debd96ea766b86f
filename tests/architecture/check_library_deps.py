#!/usr/bin/env python3
"""Checks with ldd which shared objects load libtorch.

    check_library_deps.py --without-torch LIB... [--with-torch LIB...]

Fails when a library given --without-torch depends on libtorch or libc10
(directly or through another library: ldd lists the whole closure), or when
one given --with-torch does not (so the check is seen to detect it).
"""
import argparse
import subprocess
import sys

TORCH = ("libtorch", "libc10")


def torch_libraries(path):
    out = subprocess.run(["ldd", path], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit("ldd %s failed: %s" % (path, out.stderr.strip()))
    if "not found" in out.stdout:
        raise SystemExit("%s: unresolved libraries:\n%s" % (path, out.stdout))
    return sorted({line.split()[0] for line in out.stdout.splitlines() if line.strip().startswith(TORCH)})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--without-torch", nargs="+", default=[])
    ap.add_argument("--with-torch", nargs="*", default=[])
    args = ap.parse_args()
    bad = 0
    for path in args.without_torch:
        found = torch_libraries(path)
        print("%s: %s" % (path, "loads " + ", ".join(found) if found else "no libtorch"))
        bad += bool(found)
    for path in args.with_torch:
        found = torch_libraries(path)
        print("%s: %s" % (path, "loads " + ", ".join(found) if found else "no libtorch (expected it)"))
        bad += not found
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
