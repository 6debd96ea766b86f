#!/usr/bin/python3
"""Interleaved scopemia-vs-PyTorch timing of ConvNeXt-3D (bench/pytorch_compare.sh).

The scopemia side is bench_network_worker (one timed step per request over a
pipe); the PyTorch side is the replica in convnext3d.py, run in this process.
Both use the same libtorch 1.13 shared library (Debian's python3-torch links
/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13, as scopemia does), the same
thread count, the same input (torch.manual_seed(0); randn) and the same
malloc settings (the worker calls scopemia::tune_malloc(); this process is
started with the equivalent MALLOC_*_THRESHOLD_ variables by the shell
script). For every configuration: warm-up steps on both sides (the
allocators' caches fill), then R rounds of one step each, A B / B A
alternating, a short pause before every step. Reported: medians, quartiles,
the ratio of the medians and the median of the per-round ratios.

Sections: check (weights of the worker's models loaded into the replica give
the same outputs), convnext (forward; forward+backward), train (one AdamW
training step: backbone + linear head, and backbone + U-Net decoder with MSE),
pde (scopemia only: ConvNeXt-3D-S with / without PDE blocks after stages 1, 2).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import convnext3d  # noqa: E402


class Worker:
    def __init__(self, path):
        self.p = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        answer = self.p.stdout.readline().strip()
        if not answer or answer.startswith("err"):
            raise RuntimeError(f"worker: {line!r} -> {answer!r}")
        return answer

    def setup(self, sid, **kv):
        answer = self.ask(f"setup {sid} " + " ".join(f"{k}={v}" for k, v in kv.items()))
        return int(answer.split("params=")[1])

    def run(self, sid):
        return float(self.ask(f"run {sid}")[2:])

    def close(self):
        self.p.stdin.write("quit\n")
        self.p.stdin.close()
        self.p.wait()


def quartiles(v):
    q = statistics.quantiles(v, n=4, method="inclusive")
    return q[0], q[2]


def summarise(times):
    q1, q3 = quartiles(times)
    return {"median_ms": statistics.median(times), "q1_ms": q1, "q3_ms": q3, "n": len(times),
            "times_ms": [round(t, 3) for t in times]}


def interleave(runners, warmup, repeats, pause):
    """runners: dict name -> callable returning ms. Round r runs them in
    order (r even) or reversed (r odd)."""
    names = list(runners)
    for _ in range(warmup):
        for n in names:
            time.sleep(pause)
            runners[n]()
    times = {n: [] for n in names}
    for r in range(repeats):
        for n in (names if r % 2 == 0 else names[::-1]):
            time.sleep(pause)
            times[n].append(runners[n]())
    return times


def timed(step):
    def run():
        t0 = time.perf_counter()
        step()
        return 1e3 * (time.perf_counter() - t0)
    return run


def fmt_input(s):
    return "x".join(map(str, s))


def compare(worker, name, mode, kernel, input_size, threads, warmup, repeats, pause, sid):
    torch.set_num_threads(threads)
    worker.ask(f"threads {threads}")
    theirs = worker.setup(sid, model=name, mode=mode, kernel=kernel, input=fmt_input(input_size))
    step = convnext3d.Step(name, mode, kernel, input_size)
    assert step.params() == theirs, f"{name}: replica has {step.params()} parameters, scopemia {theirs}"
    times = interleave({"scopemia": lambda: worker.run(sid), "pytorch": timed(step)}, warmup, repeats, pause)
    worker.ask(f"drop {sid}")
    ratios = [a / b for a, b in zip(times["scopemia"], times["pytorch"])]
    s, p = summarise(times["scopemia"]), summarise(times["pytorch"])
    row = {"model": name, "mode": mode, "kernel": kernel, "input": fmt_input(input_size), "threads": threads,
           "params": theirs, "scopemia": s, "pytorch": p,
           "ratio_of_medians": s["median_ms"] / p["median_ms"], "median_ratio": statistics.median(ratios)}
    print(f"{name:17s} {mode:7s} k{kernel} {fmt_input(input_size):10s} t{threads}  "
          f"scopemia {s['median_ms']:8.1f} [{s['q1_ms']:.1f}-{s['q3_ms']:.1f}]  "
          f"pytorch {p['median_ms']:8.1f} [{p['q1_ms']:.1f}-{p['q3_ms']:.1f}]  "
          f"ratio {row['ratio_of_medians']:.3f} (per-round median {row['median_ratio']:.3f})", flush=True)
    return row


def check_equivalence(worker, name, mode, input_size, tmp):
    """Worker's weights (perturbed away from the initial layer scale of 1e-6,
    which would hide the blocks) into the replica (strict), same input -> the
    same output up to float rounding."""
    worker.setup("chk", model=name, mode=mode, kernel=3, input=fmt_input(input_size))
    worker.ask("perturb chk")
    worker.ask(f"save chk {tmp}")
    worker.ask("drop chk")
    step = convnext3d.Step(name, mode, 3, input_size)
    state = {k: v for k, v in torch.jit.load(os.path.join(tmp, "model.pt")).named_parameters()}
    step.model.load_state_dict(state, strict=True)
    io = dict(torch.jit.load(os.path.join(tmp, "io.pt")).named_buffers())
    assert torch.equal(io["input"], step.x), "inputs differ"
    step.model.train(mode != "fwd")
    with torch.no_grad():
        out = step.model(step.x)
    err = (out - io["output"]).abs().max().item()
    scale = io["output"].abs().max().item()
    print(f"check {name} {mode}: max |replica - scopemia| = {err:.3g} (output max {scale:.3g})", flush=True)
    assert err <= 1e-4 * max(scale, 1.0), f"{name} {mode}: outputs differ by {err}"
    return {"model": name, "mode": mode, "input": fmt_input(input_size), "max_abs_diff": err, "output_max": scale}


def pde_overhead(worker, name, mode, input_size, threads, warmup, repeats, pause, pde_losses):
    worker.ask(f"threads {threads}")
    worker.setup("base", model=name, mode=mode, kernel=3, input=fmt_input(input_size))
    worker.setup("pde", model=name, mode=mode, kernel=3, input=fmt_input(input_size), pde=1,
                 pde_losses=int(pde_losses))
    times = interleave({"without": lambda: worker.run("base"), "with": lambda: worker.run("pde")},
                       warmup, repeats, pause)
    worker.ask("drop base")
    worker.ask("drop pde")
    a, b = summarise(times["without"]), summarise(times["with"])
    ratios = [y / x for x, y in zip(times["without"], times["with"])]
    row = {"model": name, "mode": mode, "pde_losses": pde_losses, "input": fmt_input(input_size),
           "threads": threads, "without": a, "with": b,
           "overhead_pct": 100 * (b["median_ms"] / a["median_ms"] - 1),
           "overhead_pct_per_round_median": 100 * (statistics.median(ratios) - 1)}
    print(f"PDE {name} {mode}{' +losses' if pde_losses else ''} {fmt_input(input_size)} t{threads}: "
          f"without {a['median_ms']:.1f} [{a['q1_ms']:.1f}-{a['q3_ms']:.1f}]  "
          f"with {b['median_ms']:.1f} [{b['q1_ms']:.1f}-{b['q3_ms']:.1f}]  "
          f"overhead {row['overhead_pct']:+.1f} % (per-round median {row['overhead_pct_per_round_median']:+.1f} %)",
          flush=True)
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker", default="build/bench/bench_network_worker")
    ap.add_argument("--sections", default="check,convnext,train,pde")
    ap.add_argument("--repeats", type=float, default=1.0, help="scale every configuration's round count")
    ap.add_argument("--pause", type=float, default=0.005, help="seconds before every step")
    ap.add_argument("--k7", action="store_true", help="also the 7x7x7 depthwise kernel (nano, 16x64x64)")
    ap.add_argument("--threads", default="1,2", help="thread counts of the comparisons (the PDE section uses 1)")
    ap.add_argument("--json", help="write all results here")
    a = ap.parse_args()
    sections = set(a.sections.split(","))
    thread_counts = [int(t) for t in a.threads.split(",")]
    R = lambda n: max(3, int(round(n * a.repeats)))  # noqa: E731
    worker = Worker(a.worker)
    out = {"torch": torch.__version__, "host": os.uname().nodename, "cpus": os.cpu_count(),
           "loadavg_start": os.getloadavg(), "malloc_env": {k: v for k, v in os.environ.items()
                                                            if k.startswith("MALLOC_") or k == "LD_PRELOAD"},
           "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
    try:
        if "check" in sections:
            with tempfile.TemporaryDirectory() as tmp:
                torch.set_num_threads(1)
                worker.ask("threads 1")
                out["check"] = [check_equivalence(worker, m, mode, (16, 64, 64), tmp)
                                for m, mode in (("convnext3d_nano", "fwd"), ("convnext3d_small", "fwd"),
                                                ("convnext3d_nano", "mae"))]
        big, small = (16, 128, 128), (16, 64, 64)
        if "convnext" in sections:
            rows = []
            for threads in thread_counts:
                for name, size, n in (("convnext3d_nano", big, 20), ("convnext3d_nano", small, 20),
                                      ("convnext3d_small", big, 8), ("convnext3d_small", small, 12)):
                    rows.append(compare(worker, name, "fwdbwd", 3, size, threads, 2, R(n), a.pause, "cmp"))
                rows.append(compare(worker, "convnext3d_nano", "fwd", 3, big, threads, 2, R(20), a.pause, "cmp"))
                rows.append(compare(worker, "convnext3d_small", "fwd", 3, big, threads, 2, R(10), a.pause, "cmp"))
            if a.k7:
                for threads in thread_counts:
                    rows.append(compare(worker, "convnext3d_nano", "fwdbwd", 7, small, threads, 1, R(3), a.pause,
                                        "cmp"))
            out["convnext"] = rows
        if "train" in sections:
            rows = []
            for threads in thread_counts:
                for mode, size, n in (("train", big, 15), ("mae", small, 15), ("mae", big, 8)):
                    rows.append(compare(worker, "convnext3d_nano", mode, 3, size, threads, 2, R(n), a.pause, "cmp"))
            out["train"] = rows
        if "pde" in sections:
            torch.set_num_threads(1)
            rows = [pde_overhead(worker, "convnext3d_small", "fwd", big, 1, 2, R(15), a.pause, False),
                    pde_overhead(worker, "convnext3d_small", "fwdbwd", big, 1, 2, R(15), a.pause, False),
                    pde_overhead(worker, "convnext3d_small", "fwdbwd", big, 1, 1, R(15), a.pause, True),
                    pde_overhead(worker, "convnext3d_nano", "mae", small, 1, 2, R(15), a.pause, True)]
            out["pde"] = rows
    finally:
        worker.close()
    out["loadavg_end"] = os.getloadavg()
    out["finished"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    print(f"load average at start {out['loadavg_start']}, at end {out['loadavg_end']}")
    print_markdown(out)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)


LABEL = {"fwd": "forward", "fwdbwd": "forward + backward", "train": "train step (+ AdamW), linear head",
         "mae": "train step, U-Net decoder + MSE + AdamW"}


def print_markdown(out):
    def ms(s):
        return f"{s['median_ms']:.1f} ({s['q1_ms']:.1f}-{s['q3_ms']:.1f})"
    rows = out.get("convnext", []) + out.get("train", [])
    if rows:
        print("\n| model | step | kernel | input | threads | scopemia ms | PyTorch ms | ratio | per-round ratio | rounds |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['model']} | {LABEL[r['mode']]} | {r['kernel']}^3 | {r['input']} | {r['threads']} | {ms(r['scopemia'])} | "
                  f"{ms(r['pytorch'])} | **{r['ratio_of_medians']:.2f}** | {r['median_ratio']:.2f} | {r['scopemia']['n']} |")
    if out.get("pde"):
        print("\n| model | step | input | threads | without PDE ms | with PDE ms | overhead | per-round overhead | rounds |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in out["pde"]:
            step = LABEL[r["mode"]] + (" + PDE losses" if r["pde_losses"] else "")
            print(f"| {r['model']} | {step} | {r['input']} | {r['threads']} | {ms(r['without'])} | {ms(r['with'])} | "
                  f"**{r['overhead_pct']:+.1f} %** | {r['overhead_pct_per_round_median']:+.1f} % | {r['with']['n']} |")


if __name__ == "__main__":
    main()
