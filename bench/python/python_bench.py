#!/usr/bin/env python3
"""The Python package's speed (issue 16; numbers in docs/performance.md).

    PYTHONPATH=build/python /usr/bin/python3 bench/python/python_bench.py [--cases N] [--repeats R]

1. `python3 -c "import scopemia"` whole-process wall time (median of R runs),
   beside `python3 -c pass`, and whether libtorch is mapped after the import.
2. In-process extraction of LIDC nodules (PyRadiomics defaults: Original, 107
   features) from numpy arrays (scopemia.Image), median and mean ms per
   nodule on one thread; the same from file paths.
3. Throughput of two Python threads extracting at once against one thread,
   same cases, arrays preloaded.
Reads ../shared/refdata/lidc (or $SCOPEMIA_REFDATA/lidc).
"""
import argparse
import csv
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def wall(cmd, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, env=os.environ)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    refdata = os.environ.get("SCOPEMIA_REFDATA") or os.path.join(here, "..", "..", "..", "shared", "refdata")
    lidc = os.path.join(refdata, "lidc")

    py = sys.executable
    t_pass = wall([py, "-c", "pass"], args.repeats)
    t_import = wall([py, "-c", "import scopemia"], args.repeats)
    maps = subprocess.run([py, "-c", "import scopemia; print(open('/proc/self/maps').read())"],
                          capture_output=True, text=True, check=True, env=os.environ).stdout
    print("import: python3 -c pass %.1f ms; python3 -c 'import scopemia' %.1f ms (median of %d); "
          "libtorch mapped: %s" % (t_pass, t_import, args.repeats, "libtorch" in maps))
    t_first = wall([py, "-c", "from scopemia import featureextractor"], args.repeats)
    print("import of scopemia.featureextractor (loads the radiomics/IO libraries): %.1f ms" % t_first)

    import scopemia
    from scopemia import featureextractor
    with open(os.path.join(lidc, "cases.csv")) as f:
        rows = list(csv.DictReader(f))[:args.cases]
    paths = [(os.path.join(lidc, r["Image"]), os.path.join(lidc, r["Mask"])) for r in rows]
    arrays = [(scopemia.read_image(i), scopemia.read_image(m)) for i, m in paths]
    extractor = featureextractor.RadiomicsFeatureExtractor()
    extractor.execute(*arrays[0])  # warm-up (first call builds the extractor)

    def per_case(inputs):
        times = []
        for image, mask in inputs:
            t = time.perf_counter()
            extractor.execute(image, mask)
            times.append(time.perf_counter() - t)
        return times

    t_arrays = per_case(arrays)
    t_paths = per_case(paths)
    print("extraction, one thread, %d LIDC nodules: from numpy arrays median %.2f ms, mean %.2f ms; "
          "from files (read included) median %.2f ms" % (len(arrays), statistics.median(t_arrays) * 1e3,
                                                         statistics.mean(t_arrays) * 1e3,
                                                         statistics.median(t_paths) * 1e3))

    def throughput(threads, rounds=3):
        work = arrays * rounds
        t = time.perf_counter()
        if threads == 1:
            for image, mask in work:
                extractor.execute(image, mask)
        else:
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(lambda c: extractor.execute(*c), work))
        return len(work) / (time.perf_counter() - t)

    one = throughput(1)
    two = throughput(2)
    print("threads: 1 thread %.0f cases/s, 2 threads %.0f cases/s: %.2fx (cpus: %d)" % (
        one, two, two / one, os.cpu_count()))


if __name__ == "__main__":
    main()
