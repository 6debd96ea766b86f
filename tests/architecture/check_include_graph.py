#!/usr/bin/env python3
"""Checks every #include of src/ against the layer graph of docs/architecture.md.

    check_include_graph.py --src src --doc docs/architecture.md [--expect FILE]

The graph is written once, in the "may use" column of architecture.md's
layer table (`nothing else of ours`, `everything`, or a list of layers; words
in parentheses are comments). A file in src/<layer>/ may include
"<other>/..." only when <other> is <layer> or one it may use. The layers
built without torch (the plain libraries of src/CMakeLists.txt) may not
include torch headers or core/tensor_bridge.h; in core only the tensor bridge
itself may. Files of one stem (x.h + x.cpp) form a component, and no
component may reach itself through includes (an include loop). Prints one line per violation, `path:line: why`, and exits 1 when
there is any; with --expect FILE it instead exits 0 only when the violations
are exactly the lines of FILE (the fixture test: the check must catch them).
"""
import argparse
import os
import re
import sys

PLAIN_LAYERS = ("core", "io", "imaging", "synth", "radiomics", "eval")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def read_graph(doc_path):
    graph = {}
    with open(doc_path) as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) < 3 or not re.fullmatch(r"`[a-z]+`", cells[0]):
                continue
            layer = cells[0].strip("`")
            uses = re.sub(r"\([^)]*\)", "", cells[-1]).strip()
            if uses.startswith("nothing"):
                graph[layer] = set()
            elif uses.startswith("everything"):
                graph[layer] = None  # filled below
            else:
                graph[layer] = {u.strip().strip("`") for u in uses.split(",") if u.strip()}
    for layer, uses in graph.items():
        if uses is None:
            graph[layer] = set(graph) - {layer}
    return graph


def violations(src, graph):
    found = []
    for layer in sorted(os.listdir(src)):
        folder = os.path.join(src, layer)
        if not os.path.isdir(folder):
            continue
        if layer not in graph:
            found.append("%s: folder is not a layer of the architecture table" % os.path.relpath(folder, src))
            continue
        allowed = graph[layer] | {layer}
        for name in sorted(os.listdir(folder)):
            if not name.endswith((".h", ".cpp", ".inc")):
                continue
            path = os.path.join(folder, name)
            rel = "%s/%s" % (layer, name)
            with open(path, errors="replace") as f:
                for number, text in enumerate(f, start=1):
                    m = INCLUDE.match(text)
                    if not m:
                        continue
                    quote, header = m.groups()
                    where = "%s:%d" % (rel, number)
                    if quote == '"' and "/" in header:
                        target = header.split("/")[0]
                        if target in graph and target not in allowed:
                            found.append("%s: %s may not include %s (%s may use: %s)" % (
                                where, layer, header, layer, ", ".join(sorted(graph[layer])) or "nothing"))
                    torch = header.startswith(("torch/", "ATen/", "c10/")) or header == "core/tensor_bridge.h"
                    bridge = layer == "core" and name.startswith("tensor_bridge")
                    if torch and layer in PLAIN_LAYERS and not bridge:
                        found.append("%s: %s is built without torch and may not include %s" % (where, layer, header))
    return found


def include_loops(src):
    """Files of one stem (x.h, x.cpp) are one component; a component that
    reaches itself through the quoted includes of its files is a loop (e.g.
    augment.h including loader.h while loader.cpp includes augment.h: the
    options belong with their own code)."""
    edges = {}
    for layer in sorted(os.listdir(src)):
        folder = os.path.join(src, layer)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith((".h", ".cpp", ".inc")):
                continue
            me = "%s/%s" % (layer, os.path.splitext(name)[0])
            edges.setdefault(me, {})
            with open(os.path.join(folder, name), errors="replace") as f:
                for text in f:
                    m = INCLUDE.match(text)
                    if m and m.group(1) == '"' and "/" in m.group(2):
                        other = os.path.splitext(m.group(2))[0]
                        if other != me:
                            edges[me].setdefault(other, "%s/%s" % (layer, name))
    found, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for other in sorted(edges.get(node, {})):
            if state.get(other) == "open":
                loop = path[path.index(other):] + [other]
                found.append("include loop: " + " -> ".join(
                    "%s (%s)" % (a, edges[a][b]) for a, b in zip(loop, loop[1:])))
            elif other in edges and other not in state:
                visit(other, path + [other])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", required=True)
    ap.add_argument("--doc", required=True)
    ap.add_argument("--expect")
    args = ap.parse_args()
    graph = read_graph(args.doc)
    if "core" not in graph:
        print("%s: no layer table found" % args.doc)
        return 1
    found = violations(args.src, graph) + include_loops(args.src)
    for line in found:
        print(line)
    if args.expect:
        with open(args.expect) as f:
            expected = [l.rstrip("\n") for l in f if l.strip()]
        if found == expected:
            print("the %d expected violations were found, and no other" % len(found))
            return 0
        print("expected:\n  " + "\n  ".join(expected))
        return 1
    print("%d files' includes follow the graph of %s" % (
        sum(len(fs) for _, _, fs in os.walk(args.src)), args.doc) if not found else
        "%d includes cross the layer graph the wrong way" % len(found))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
