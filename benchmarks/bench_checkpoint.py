"""Gradient checkpointing on a deep MLP: bytes kept for backward and time, every k blocks.

The model: `depth` blocks of Linear(width, width) + BatchNorm1d + ReLU (float32), a
batch of `batch` rows, cross-entropy on the last block's output. For k in the given
list, the blocks are run as segments of k through `tg.checkpoint` ("none": plainly).

- kept: the distinct buffers the graph of the loss keeps for backward beyond the
  caller's arrays (input, parameters, buffers), counted by
  `tinygrad_bn.benchmarking.graph_saved_bytes`;
- peak: tracemalloc's peak over one forward + backward, above what was allocated
  before (includes the recompute of one segment during backward);
- time: CPU time of forward + backward (process_time: steadier than wall time on a
  shared machine; one BLAS thread), median of interleaved repeats (each repeat runs every
  variant once, in an order rotated per repeat).

Usage: python benchmarks/bench_checkpoint.py [--depth 32] [--width 256] [--batch 128]
       [--every 1 2 4 8 16] [--repeats 15]
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

import numpy as np

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor, nn
from tinygrad_bn.benchmarking import graph_saved_bytes


def build(depth: int, width: int) -> list[nn.Module]:
    tg.manual_seed(0)
    return [nn.Sequential(nn.Linear(width, width), nn.BatchNorm1d(width), nn.ReLU())
            for _ in range(depth)]


def loss_of(blocks: list[nn.Module], x: np.ndarray, target: np.ndarray,
            every: int | None) -> Tensor:
    h = Tensor(x)
    step = every or len(blocks)
    for start in range(0, len(blocks), step):
        segment = nn.Sequential(*blocks[start:start + step])
        h = tg.checkpoint(segment, h) if every else segment(h)
    return F.cross_entropy(h, target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=32)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--every", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    blocks = build(args.depth, args.width)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((args.batch, args.width)).astype(np.float32)
    target = rng.integers(0, args.width, args.batch)
    own = [x] + [p.data for m in blocks for p in m.parameters()] + \
        [b for m in blocks for b in m.buffers() if b is not None]
    variants: list[int | None] = [None, *args.every]
    kept, peaks = {}, {}
    reference = None
    for every in variants:
        loss = loss_of(blocks, x, target, every)
        kept[every] = graph_saved_bytes(loss, exclude=own)
        del loss
        for m in blocks:
            m.zero_grad()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        loss_of(blocks, x, target, every).backward()
        peaks[every] = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        grads = [p.grad.data.copy() for m in blocks for p in m.parameters()]
        if reference is None:
            reference = grads
        same = all(np.array_equal(a, b) for a, b in zip(reference, grads))
        assert same, f"every={every}: gradients differ from the plain run"
    times: dict[int | None, list[float]] = {v: [] for v in variants}
    for r in range(args.repeats):
        order = variants[r % len(variants):] + variants[:r % len(variants)]
        for every in order:
            for m in blocks:
                m.zero_grad()
            start = time.process_time()
            loss_of(blocks, x, target, every).backward()
            times[every].append(time.process_time() - start)
    plain_time = statistics.median(times[None])
    print(f"deep MLP: {args.depth} x (Linear({args.width}, {args.width}) + BatchNorm1d + "
          f"ReLU), batch {args.batch}, float32; gradients equal bit for bit in every row")
    print(f"{'checkpoint every':>17} | {'kept for backward':>17} | {'fwd+bwd peak':>12} | "
          f"{'fwd+bwd CPU ms':>19} | {'time / none':>11}")
    for every in variants:
        t = statistics.median(times[every])
        print(f"{'none' if every is None else every:>17} | {kept[every] / 2**20:>13.2f} MiB | "
              f"{peaks[every] / 2**20:>8.2f} MiB | {t * 1e3:>19.1f} | {t / plain_time:>10.2f}x")


if __name__ == "__main__":
    main()
