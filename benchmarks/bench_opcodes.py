"""Python bytecodes executed per eager seed-B step, per function, at git revisions side by side.

The interpreter's share of a small step (what the eager engine adds on top of the NumPy
bound's kernels) is its bytecodes: this counts them with `sys.settrace` opcode events
over a few steps of the suite's own seed-B steps (benchmarking/cases.py; 784-100-100-100-10,
batch 60, without and with BatchNorm1d), per function, for each revision (its
tinygrad_bn/ extracted with `git archive`) and for the NumPy bound. Counts are exact and
do not move with machine load, and a run takes seconds where callgrind takes minutes;
they weigh every bytecode alike (a C call that does a lot counts as one), so callgrind
(bench_ops_callgrind.py) stays the measure of instructions.

Usage: python benchmarks/bench_opcodes.py [REV ...] [--top 25] [--bn]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

from bench_modes import ROOT, extract

COUNT = r'''
import collections, json, sys
import tinygrad_bn as tg
from tinygrad_bn import benchmarking
if hasattr(tg, "set_num_threads"):
    tg.set_num_threads(1)
bn, impl = sys.argv[1] == "bn", sys.argv[2]
workload = f"seed-B MLP relu{' +BN' if bn else ''} (batch 60)"
built = next(b for b in benchmarking.workloads(None) if b.name == workload)()
step = next(i for i in built.impls if i.name == impl)
for _ in range(5):  # first steps make state and scratch arrays
    step.step(None)
counts = collections.Counter()

def tracer(frame, event, arg):
    frame.f_trace_opcodes = True
    if event == "opcode":
        code = frame.f_code
        where = code.co_filename.split("tinygrad_bn/")[-1].split("site-packages/")[-1]
        counts[f"{where}:{code.co_name}"] += 1
    return tracer

steps = 10
sys.settrace(tracer)
for _ in range(steps):
    step.step(None)
sys.settrace(None)
print(json.dumps({k: v / steps for k, v in counts.items()}))
'''


def count(source: str, bn: bool, impl: str) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=source, OPENBLAS_NUM_THREADS="1", PYTHONHASHSEED="0")
    out = subprocess.run([sys.executable, "-c", COUNT, "bn" if bn else "plain", impl],
                         env=env, cwd=source, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revs", nargs="*", help="git revisions (default: the working tree)")
    parser.add_argument("--top", type=int, default=25, help="functions listed")
    parser.add_argument("--bn", action="store_true", help="the step with BatchNorm1d")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"working tree": str(ROOT)}
        if args.revs:
            trees = {rev: str(extract(rev, os.path.join(tmp, str(i))))
                     for i, rev in enumerate(args.revs)}
        counts = {rev: count(source, args.bn, "tinygrad_bn") for rev, source in trees.items()}
        bound = sum(count(next(iter(trees.values())), args.bn, "numpy").values())
    names = sorted(set().union(*counts.values()), key=lambda k: -max(c.get(k, 0)
                                                                      for c in counts.values()))
    print(f"seed-B step{' +BN' if args.bn else ''}: bytecodes per step")
    print("| function | " + " | ".join(counts) + " |")
    print("|---|" + "---|" * len(counts))
    print("| **whole step** | " + " | ".join(f"**{sum(c.values()):,.0f}**"
                                            for c in counts.values()) + " |")
    for name in names[:args.top]:
        print(f"| {name} | " + " | ".join(f"{c.get(name, 0):,.0f}" for c in counts.values())
              + " |")
    print(f"(the NumPy bound's step: {bound:,.0f} bytecodes)")


if __name__ == "__main__":
    main()
