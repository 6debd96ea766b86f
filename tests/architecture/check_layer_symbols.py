#!/usr/bin/env python3
"""Checks that each layer's shared library calls only the layers it may use.

    check_layer_symbols.py --doc docs/architecture.md LIB...

LIB are the libscopemia_<layer>.so files (libscopemia_tensor.so is core's
tensor bridge, so it counts as core). For every symbol a library leaves
undefined (nm -D), the other given libraries that define it are looked up;
the reference is a violation when none of them is the library's own layer
or a layer it may use in the table of docs/architecture.md (the graph
IncludeGraph checks on #include lines). Symbols defined in several
libraries (inline functions, template instances) are fine when one of them
is allowed.

It then removes one edge the libraries really use from the graph and checks
that the same code reports it, so the check is seen to detect a violation.
"""
import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_include_graph import read_graph  # noqa: E402

ALIASES = {"tensor": "core"}  # library name -> layer


def layer_of(path):
    m = re.fullmatch(r"libscopemia_([a-z_]+)\.so", os.path.basename(path))
    if not m:
        raise SystemExit("%s: not a libscopemia_<layer>.so" % path)
    return ALIASES.get(m.group(1), m.group(1))


def dynamic_symbols(path, defined):
    flag = "--defined-only" if defined else "--undefined-only"
    out = subprocess.run(["nm", "-D", flag, path], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit("nm %s failed: %s" % (path, out.stderr.strip()))
    return {line.split()[-1] for line in out.stdout.splitlines() if line.strip()}


def uses(libraries):
    """(library, layer it calls, one symbol) for every cross-library call."""
    definers = {}
    for lib in libraries:
        for sym in dynamic_symbols(lib, True):
            definers.setdefault(sym, set()).add(lib)
    found = []
    for lib in libraries:
        for sym in sorted(dynamic_symbols(lib, False)):
            others = definers.get(sym, set()) - {lib}
            if others:
                found.append((lib, {layer_of(o) for o in others}, sym))
    return found


def violations(calls, graph):
    bad = {}
    for lib, layers, sym in calls:
        own = layer_of(lib)
        allowed = graph.get(own, set()) | {own}
        if not layers & allowed:
            bad.setdefault((lib, tuple(sorted(layers))), sym)
    return ["%s (layer %s) calls %s, which it may not use: %s" % (os.path.basename(lib), layer_of(lib),
                                                                 "/".join(layers), sym)
            for (lib, layers), sym in sorted(bad.items())]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--doc", required=True)
    ap.add_argument("libraries", nargs="+")
    args = ap.parse_args()
    graph = read_graph(args.doc)
    for lib in args.libraries:
        if layer_of(lib) not in graph:
            raise SystemExit("%s: layer %s is not in %s" % (lib, layer_of(lib), args.doc))
    calls = uses(args.libraries)
    found = violations(calls, graph)
    edges = sorted({(layer_of(lib), layer) for lib, layers, _ in calls for layer in layers if layer != layer_of(lib)})
    print("%d libraries, %d cross-library calls along %d layer edges: %s" % (
        len(args.libraries), len(calls), len(edges), ", ".join("%s->%s" % e for e in edges)))
    for v in found:
        print(v)
    # Seen to detect: without one edge the code really uses, the same check must complain.
    if edges:
        user, used = edges[-1]
        cut = {k: set(v) for k, v in graph.items()}
        cut[user].discard(used)
        if not any("(layer %s)" % user in v for v in violations(calls, cut)):
            print("self-check failed: removing %s->%s from the graph was not reported" % (user, used))
            return 1
        print("self-check: removing %s->%s from the graph is reported" % (user, used))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
