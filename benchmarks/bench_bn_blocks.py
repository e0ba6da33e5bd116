"""How the fused batch norm of an (N, C, *) input should be cut for the thread pool.

Three measurements, each interleaved and repeated (medians; the machine may be shared, so
the load average is printed with every table):

1. `blocks`: the cost of one elementwise op (in-place multiply by a (C, S) operand) and one
   reduction (einsum's per-row sums) on 1/8 of a (64, 64, 256) float32 array, taken as a
   block of channels (64 pieces of 8 KiB, 64 KiB apart) or as a block of samples (one
   contiguous 512 KiB piece), times 8: the whole array's cost when cut that way.
2. `handoff`: the wall time of `threads.map_blocks` over 2 blocks that do nothing (the
   caller's own cost of a split), and over 2 blocks of a real pass (a 512 KiB in-place
   multiply each) against the same two passes in the caller alone.
3. `bn`: F.batch_norm fwd+bwd (training, affine) of `--shape` at each `threads:grain`
   configuration (grain: log2 of threads.BN_GRAIN; 0 keeps the module's value).

Usage: python benchmarks/bench_bn_blocks.py [blocks] [handoff] [bn] [--shape 64 64 16 16]
       [--configs 1:0 2:0 2:19] [--rounds 15] [--free]
(run with PYTHONPATH set to another checkout to measure its batch norm the same way)
"""

from __future__ import annotations

import argparse
import statistics
import time
import timeit

import numpy as np

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor, threads


def load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:4])


def best(fn, number: int = 200, repeat: int = 7) -> float:
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def blocks_table() -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((64, 64, 256)).astype(np.float32)
    out = np.empty((64, 64), np.float32)
    print(f"\nload {load()}\n\n| block (1/8 of (64, 64, 256) float32) | in-place multiply x 8 | "
          f"per-row sums x 8 |\n|---|---|---|")
    for label, view, operand, rows in (
            ("8 channels (64 pieces, 64 KiB apart)", a[:, :8], np.ones((8, 256), np.float32),
             out[:, :8]),
            ("8 samples (one contiguous piece)", a[:8], np.ones((64, 256), np.float32),
             out[:8])):
        mul = best(lambda v=view, o=operand: np.multiply(v, o, out=v))
        red = best(lambda v=view, r=rows: np.einsum("ncs->nc", v, out=r))
        print(f"| {label} | {mul * 8e6:.0f} us | {red * 8e6:.0f} us |")
    print(f"| whole array, one call | {best(lambda: np.multiply(a, 1.0, out=a)) * 1e6:.0f} us | "
          f"{best(lambda: np.einsum('ncs->nc', a, out=out)) * 1e6:.0f} us |")


def handoff_table(rounds: int) -> None:
    tg.set_num_threads(2)
    free = threads._cores.free
    threads._cores.free = lambda: 1  # hand the block over whatever the load: the cost itself
    a = np.random.default_rng(0).standard_normal((16, 64, 256)).astype(np.float32)
    halves = [a[:8], a[8:]]

    def nothing(lo: int, hi: int) -> None:
        return None

    def multiply(lo: int, hi: int) -> None:
        for h in halves[lo:hi]:
            np.multiply(h, 1.0, out=h)

    def timed(fn) -> float:
        samples = []
        for _ in range(rounds * 20):
            threads._pool.skip = 0  # no back-off between samples
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
        return statistics.median(samples)

    try:
        rows = [("map_blocks, 2 empty blocks", timed(lambda: threads.map_blocks(2, 2, nothing))),
                ("map_blocks, 2 blocks of a 512 KiB multiply",
                 timed(lambda: threads.map_blocks(2, 2, multiply))),
                ("the same 2 multiplies in the caller", timed(lambda: multiply(0, 2)))]
    finally:
        threads._cores.free = free
    print(f"\nload {load()}\n\n| hand-off (2 threads) | median |\n|---|---|")
    for label, seconds in rows:
        print(f"| {label} | {seconds * 1e6:.1f} us |")


def bn_table(shape: tuple[int, ...], configs: list[tuple[int, int]], rounds: int,
             free: bool = False) -> None:
    rng = np.random.default_rng(0)
    c = shape[1]
    x = Tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    up = Tensor(rng.standard_normal(shape).astype(np.float32))
    w = Tensor(rng.uniform(0.5, 1.5, c).astype(np.float32), requires_grad=True)
    b = Tensor(rng.standard_normal(c).astype(np.float32), requires_grad=True)
    rm, rv = np.zeros(c, np.float32), np.ones(c, np.float32)

    pool = getattr(threads, "_pool", None)

    def step() -> None:
        if free and pool is not None:
            pool.skip = 0  # and no back-off after a late worker
        x.grad = w.grad = b.grad = None
        F.batch_norm(x, rm, rv, w, b, training=True).backward(up)

    default = getattr(threads, "BN_GRAIN", threads.GRAIN)  # older checkouts: no BN_GRAIN
    cores = getattr(threads, "_cores", None)  # older checkouts: no free-core count
    if free and cores is not None:  # every split wakes a worker, whatever the load
        cores.free = lambda: threads.get_num_threads() - 1
    samples: dict[tuple[int, int], list[float]] = {cfg: [] for cfg in configs}
    before = load()
    for r in range(rounds):
        for cfg in configs[r % len(configs):] + configs[:r % len(configs)]:
            tg.set_num_threads(cfg[0])
            threads.BN_GRAIN = default if cfg[1] == 0 else 1 << cfg[1]
            step()
            start = time.perf_counter()
            for _ in range(20):
                step()
            samples[cfg].append((time.perf_counter() - start) / 20)
    threads.BN_GRAIN = default
    base = statistics.median(samples[configs[0]])
    print(f"\nF.batch_norm fwd+bwd {shape}, {rounds} rounds, load {before} -> {load()}\n\n"
          f"| threads | BN_GRAIN | blocks | median | fastest round | / first row |\n"
          f"|---|---|---|---|---|---|")
    for cfg, values in samples.items():
        grain = default if cfg[1] == 0 else 1 << cfg[1]
        tg.set_num_threads(cfg[0])
        parts = threads.blocks(shape[0], int(np.prod(shape[1:])), grain)
        m = statistics.median(values)
        print(f"| {cfg[0]} | 2^{grain.bit_length() - 1} | {parts} | {m * 1e3:.3f} ms | "
              f"{min(values) * 1e3:.3f} ms | {m / base:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("parts", nargs="*", default=["blocks", "handoff", "bn"])
    parser.add_argument("--shape", type=int, nargs="+", default=[64, 64, 16, 16])
    parser.add_argument("--configs", nargs="+", default=["1:0", "2:0", "2:19", "2:20"])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--free", action="store_true",
                        help="count every core free: the pool hands each split out, as on an "
                             "idle machine, whatever the load (the hand-offs' own cost)")
    args = parser.parse_args()
    if "blocks" in args.parts:
        blocks_table()
    if "handoff" in args.parts:
        handoff_table(args.rounds)
    if "bn" in args.parts:
        configs = [tuple(int(v) for v in c.split(":")) for c in args.configs]
        bn_table(tuple(args.shape), configs, args.rounds, args.free)


if __name__ == "__main__":
    main()
