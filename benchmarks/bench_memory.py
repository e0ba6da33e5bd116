"""Where a seed-B step's memory work goes: allocations per step and cache misses per step,
for the eager step, the compiled step on sliced batches and the NumPy bound.

- `allocs` (default): malloc calls per step (all, and those of 4 KiB or more: array data,
  which NumPy's own small-block cache does not serve), bytes requested per step, and the
  peak of traced memory above the start of one step (tracemalloc, which sees NumPy's data
  allocations). malloc is counted by a small interposer (C, built with `cc` into a
  temporary directory, loaded with LD_PRELOAD into a child process; glibc only).
- `cache`: valgrind's callgrind with its cache simulation (`--cache-sim=yes`: 32 KiB L1s
  and the host's last-level cache) over n and 4n steps; per step, the difference over 3n,
  by library (OpenBLAS, NumPy, libc, the interpreter). Under valgrind OpenBLAS and NumPy
  run their AVX2 kernels (valgrind has no AVX-512), so instruction counts are not those of
  a native run; the split between the parts is what it shows.

Usage: python benchmarks/bench_memory.py [allocs|cache] [--bn] [-n 10]
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile

from bench_modes import ROOT

SHIM = r"""
#include <stddef.h>
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
static int on = 0;
static long calls = 0, big = 0, bytes = 0;
void mc_on(int v) { on = v; }
void mc_reset(void) { calls = big = bytes = 0; }
long mc_get(int i) { return i == 0 ? calls : i == 1 ? big : bytes; }
static void count(size_t s) { if (on) { calls++; bytes += s; if (s >= 4096) big++; } }
void *malloc(size_t s) { count(s); return __libc_malloc(s); }
void *calloc(size_t a, size_t b) { count(a * b); return __libc_calloc(a, b); }
void *realloc(void *p, size_t s) { count(s); return __libc_realloc(p, s); }
void free(void *p) { __libc_free(p); }
"""

BUILD = r"""
import gc, sys
import tinygrad_bn as tg
from tinygrad_bn import benchmarking
tg.set_num_threads(1)
bn = sys.argv[1] == "bn"
workload = f"seed-B MLP relu{' +BN' if bn else ''} (batch 60)"
built = next(b for b in benchmarking.workloads(None) if b.name == workload)()
IMPLS = ("tinygrad_bn", "tinygrad_bn compiled, sliced batches", "numpy, sliced batches")
"""

ALLOCS = BUILD + r"""
import ctypes, json, tracemalloc
mc = ctypes.CDLL(sys.argv[2])
mc.mc_get.restype = ctypes.c_long
n, rows = int(sys.argv[3]), {}
for impl in (i for i in built.impls if i.name in IMPLS):
    for _ in range(10):
        impl.step(None)
    gc.collect()
    gc.disable()
    mc.mc_reset()
    mc.mc_on(1)
    for _ in range(n):
        impl.step(None)
    mc.mc_on(0)
    counts = [mc.mc_get(i) / n for i in range(3)]
    tracemalloc.start()
    impl.step(None)
    start = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    impl.step(None)
    peak = tracemalloc.get_traced_memory()[1] - start
    tracemalloc.stop()
    gc.enable()
    rows[impl.name] = counts + [peak]
print(json.dumps(rows))
"""

CACHE = BUILD + r"""
impl = next(i for i in built.impls if i.name == sys.argv[2])
gc.disable()
for _ in range(int(sys.argv[3])):
    impl.step(None)
"""

EVENTS = ("Ir", "Dr", "Dw", "I1mr", "D1mr", "D1mw", "ILmr", "DLmr", "DLmw")


def allocs(bn: bool, n: int) -> None:
    import json
    with tempfile.TemporaryDirectory() as tmp:
        src, lib = os.path.join(tmp, "mc.c"), os.path.join(tmp, "libmc.so")
        with open(src, "w") as f:
            f.write(SHIM)
        subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", lib, src], check=True)
        env = dict(os.environ, LD_PRELOAD=lib, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
        out = subprocess.run([sys.executable, "-c", ALLOCS, "bn" if bn else "nobn", lib, str(n)],
                             env=env, capture_output=True, text=True, check=True).stdout
    rows = json.loads(out.strip().splitlines()[-1])
    print("| implementation | malloc calls / step | of them >= 4 KiB | KiB requested / step "
          "| traced peak over the step's start (KiB) |")
    print("|---|---|---|---|---|")
    for name, (calls, big, nbytes, peak) in rows.items():
        print(f"| {name} | {calls:.0f} | {big:.0f} | {nbytes / 1024:,.0f} | {peak / 1024:,.0f} |")


def _functions(path: str) -> dict[str, list[int]]:
    text = subprocess.run(["callgrind_annotate", "--threshold=100", path], capture_output=True,
                          text=True, check=True).stdout
    rows = {}
    for line in text.splitlines():
        line = re.sub(r"\(\s*[\d.]+%\)", "", line)
        parts = line.split()
        if len(parts) < 10 or "PROGRAM TOTALS" in line:
            continue
        fields = [p.replace(",", "") for p in parts[:9]]
        if all(f.isdigit() or f == "." for f in fields):
            rows[" ".join(parts[9:])] = [int(f) if f != "." else 0 for f in fields]
    return rows


def _part(name: str) -> str:
    lib = name.rsplit("[", 1)[-1]
    if "openblas" in lib:
        return "OpenBLAS"
    if "_multiarray_umath" in lib:
        return "NumPy"
    if "libpython" in lib or "bin/python" in lib:
        return "the interpreter"
    if "libc." in lib:
        return "libc (malloc, memset)"
    return "other"


def cache(bn: bool, n: int) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1", PYTHONHASHSEED="0")
    print("| implementation | part | instructions | L1 read misses | L1 write misses "
          "| last-level misses |")
    print("|---|---|---|---|---|---|")
    for impl in ("numpy, sliced batches", "tinygrad_bn compiled, sliced batches", "tinygrad_bn"):
        runs = []
        with tempfile.TemporaryDirectory() as tmp:
            for steps in (n, 4 * n):
                out = os.path.join(tmp, f"cg{steps}")
                subprocess.run(["valgrind", "--tool=callgrind", "--cache-sim=yes",
                                f"--callgrind-out-file={out}", sys.executable, "-c", CACHE,
                                "bn" if bn else "nobn", impl, str(steps)],
                               env=env, capture_output=True, check=True)
                runs.append(_functions(out))
        parts: dict[str, list[float]] = collections.defaultdict(lambda: [0.0] * 9)
        for name, counts in runs[1].items():
            before = runs[0].get(name, [0] * 9)
            for i in range(9):
                parts[_part(name)][i] += (counts[i] - before[i]) / (3 * n)
        total = [sum(p[i] for p in parts.values()) for i in range(9)]
        for part, c in [*sorted(parts.items(), key=lambda kv: -kv[1][0]), ("total", total)]:
            if abs(c[0]) < 1000:
                continue
            print(f"| {impl} | {part} | {c[0]:,.0f} | {c[4]:,.0f} | {c[5]:,.0f} "
                  f"| {c[6] + c[7] + c[8]:,.0f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", choices=("allocs", "cache"), default="allocs")
    parser.add_argument("--bn", action="store_true", help="the +BN step")
    parser.add_argument("-n", type=int, default=10, help="steps of the short run")
    args = parser.parse_args()
    (cache if args.mode == "cache" else allocs)(args.bn, args.n if args.mode == "cache"
                                                 else 10 * args.n)


if __name__ == "__main__":
    main()
