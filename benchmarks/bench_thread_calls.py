"""Python function calls per step of suite workloads at each thread setting, per revision.

The cheap, load-proof companion of bench_ops_callgrind.py --threads: a workload whose
work stays below the pool's grains must run the same Python at two threads as at one, so
its calls per step (cProfile, after two warm-up steps) must not depend on the setting.
Prints, per workload and revision, the calls per step at each setting and the calls made
inside tinygrad_bn/threads.py (the splitting bookkeeping), so that an extra call at n > 1
is named. Each revision runs in a process of its own (its tinygrad_bn/ extracted with `git
archive`; the working tree when no revision is given).

Usage: python benchmarks/bench_thread_calls.py [REV ...] [--only TEXT] [--steps 10]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

from bench_modes import ROOT, extract

DEFAULT_ROWS = ("seed-A MLP 784-100x5-10 relu (batch 100)", "Conv1d step (batch 32, 16x128, k 5)",
                "seed-B MLP relu width 100 (batch 16)", "seed-B MLP relu width 100 (batch 256)",
                "seed-B MLP relu width 1600 (batch 60)",
                "BatchNorm2d (32, 16, 28, 28) fwd+bwd")

COUNT = r'''
import cProfile, json, pstats, sys
import tinygrad_bn as tg
from tinygrad_bn.benchmarking.cases import workloads
rows, steps = json.loads(sys.argv[1]), int(sys.argv[2])
out = {}
for name in rows:
    built = next(b for b in workloads(None) if b.name == name)()
    for impl in built.impls:
        if not impl.name.startswith("tinygrad_bn") or "compiled" in impl.name:
            continue
        for n in (1, 2):
            tg.set_num_threads(n)
            impl.call()
            impl.call()
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(steps):
                impl.call()
            profile.disable()
            stats = pstats.Stats(profile).stats
            total = sum(v[1] for v in stats.values()) / steps
            pool = {k[2]: v[1] / steps for k, v in stats.items() if k[0].endswith("threads.py")}
            out[f"{name}: {impl.name} @{n}"] = {"calls": total, "threads.py": pool}
print(json.dumps(out))
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revs", nargs="*", help="git revisions (default: the working tree)")
    parser.add_argument("--only", help="the suite workloads whose name contains this text")
    parser.add_argument("--steps", type=int, default=10, help="profiled steps per setting")
    args = parser.parse_args()
    rows = [r for r in DEFAULT_ROWS if not args.only or args.only.lower() in r.lower()]
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"working tree": ROOT}
        if args.revs:
            trees = {rev: extract(rev, os.path.join(tmp, str(i)))
                     for i, rev in enumerate(args.revs)}
        print("| revision | workload: implementation | calls/step, 1 thread | 2 threads | "
              "extra | threads.py calls at 2 threads |")
        print("|---|---|---|---|---|---|")
        for label, source in trees.items():
            env = dict(os.environ, PYTHONPATH=str(source), OPENBLAS_NUM_THREADS="1")
            done = subprocess.run([sys.executable, "-c", COUNT, json.dumps(rows),
                                   str(args.steps)], env=env, cwd=str(source),
                                  capture_output=True, text=True, check=True)
            counts = json.loads(done.stdout)
            for key in counts:
                if not key.endswith("@1"):
                    continue
                base = key[:-2]
                one, two = counts[key], counts[base + "@2"]
                pool = ", ".join(f"{k} {v:g}" for k, v in sorted(two["threads.py"].items()))
                print(f"| {label} | {base} | {one['calls']:.0f} | {two['calls']:.0f} | "
                      f"{two['calls'] - one['calls']:+.0f} | {pool or '-'} |", flush=True)


if __name__ == "__main__":
    main()
