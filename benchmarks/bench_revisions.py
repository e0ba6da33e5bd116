"""Before/after in CPU time: suite workloads measured as of several git revisions, one
process per (revision, workload), the revisions alternating, one thread everywhere.

On a shared machine wall-time medians of two runs minutes apart move by 20-50%; this
measures each implementation's CPU time (`time.thread_time`, blind to the time other
processes hold the core, though not to the memory bandwidth and caches they share) in
processes that alternate between the revisions, so that both see the same load. Each
process builds the workload from its revision's own suite (tinygrad_bn/benchmarking),
runs every implementation asked for that the revision has (the NumPy bound on sliced
batches, for instance, exists only from perf25 on), 20 untimed calls each, then `rounds`
blocks of `calls` calls each in turn, and reports the median per call. The table gives the
median over the processes of each revision, and the median over the processes of each
time divided by the reference implementation's (the NumPy bound) in the same process.

Usage: python benchmarks/bench_revisions.py REV [REV ...] [--workload NAME ...]
           [--impl NAME ...] [--processes 3] [--calls 300] [--rounds 5]
e.g.   python benchmarks/bench_revisions.py c55142d HEAD --workload "seed-B MLP relu (batch 60)"
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

from bench_modes import extract

IMPLS = ("tinygrad_bn compiled, sliced batches", "tinygrad_bn compiled", "tinygrad_bn",
         "tinygrad_bn fused", "numpy", "numpy, sliced batches", "torch")
WORKLOADS = ("seed-B MLP relu (batch 60)", "seed-B MLP relu +BN (batch 60)",
             "BatchNorm2d (64, 64, 16, 16) fwd+bwd")

CHILD = r'''
import json, statistics, sys, time
import tinygrad_bn as tg
from tinygrad_bn import benchmarking
tg.set_num_threads(1)
try:
    import torch
    torch.set_num_threads(1)
except ImportError:
    torch = None
name, wanted = sys.argv[1], sys.argv[2].split(";")
calls, rounds = int(sys.argv[3]), int(sys.argv[4])
workload = next(b for b in benchmarking.workloads(torch) if b.name == name)()
impls = [i for i in workload.impls if i.name in wanted]
for impl in impls:
    for _ in range(20):
        impl.call()
samples = {impl.name: [] for impl in impls}
for _ in range(rounds):
    for impl in impls:
        samples[impl.name] += [impl.call(time.thread_time) for _ in range(calls)]
print(json.dumps({k: statistics.median(v) for k, v in samples.items()}))
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revs", nargs="+", help="git revisions (HEAD: the commit, not the "
                        "working tree's edits)")
    parser.add_argument("--workload", nargs="+", default=list(WORKLOADS))
    parser.add_argument("--impl", nargs="+", default=list(IMPLS))
    parser.add_argument("--processes", type=int, default=3, help="processes per revision")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reference", default="numpy", help="the implementation each "
                        "time is also divided by, in the same process (steadier under load "
                        "than times of processes minutes apart)")
    args = parser.parse_args()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    medians: dict[tuple[str, str, str], list[float]] = {}
    ratios: dict[tuple[str, str, str], list[float]] = {}  # over `reference`, same process
    with tempfile.TemporaryDirectory() as tmp:
        trees = {rev: extract(rev, os.path.join(tmp, str(i))) for i, rev in enumerate(args.revs)}
        total = len(args.workload) * args.processes * len(trees)
        done = 0
        for name in args.workload:
            for _ in range(args.processes):
                for rev, tree in trees.items():
                    result = subprocess.run(
                        [sys.executable, "-c", CHILD, name, ";".join(args.impl),
                         str(args.calls), str(args.rounds)],
                        env=dict(env, PYTHONPATH=str(tree)), cwd=str(tree),
                        capture_output=True, text=True, check=True)
                    values = json.loads(result.stdout)
                    for impl, value in values.items():
                        medians.setdefault((name, impl, rev), []).append(value)
                        if args.reference in values:
                            ratios.setdefault((name, impl, rev), []).append(
                                value / values[args.reference])
                    done += 1
                    print(f"[{done}/{total}] {rev}: {name}", file=sys.stderr, flush=True)
    revs = list(trees)
    print("| workload | impl | " + " | ".join(revs) + " | last / first | " +
          " | ".join(f"/ {args.reference}, {rev}" for rev in revs) + " |")
    print("|---|---|" + "---|" * (2 * len(revs) + 1))
    for name in args.workload:
        for impl in args.impl:
            cells = [medians.get((name, impl, rev)) for rev in revs]
            if all(c is None for c in cells):
                continue
            ms = [None if c is None else statistics.median(c) * 1e3 for c in cells]
            change = f"{ms[-1] / ms[0]:.3f}" if ms[0] and ms[-1] else ""
            rel = [ratios.get((name, impl, rev)) for rev in revs]
            print(f"| {name} | {impl} | " + " | ".join(
                "-" if m is None else f"{m:.3f} ms" for m in ms) + f" | {change} | " +
                " | ".join("-" if r is None else f"{statistics.median(r):.3f}"
                           for r in rel) + " |")
    print(f"\n(CPU time per call, median over {args.processes} processes per revision of "
          f"each process's median of {args.rounds} x {args.calls} calls; one thread; "
          f"load average {os.getloadavg()[0]:.1f} at the end)")


if __name__ == "__main__":
    main()
