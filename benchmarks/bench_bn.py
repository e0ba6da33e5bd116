"""Composite vs fused batch norm: graph size, memory kept for backward, time, float32 error.

One training-mode BatchNorm2d call (float32, default (64, 64, 16, 16)) per
implementation:

- op nodes: the ops recorded in the graph of y (leaves not counted);
- saved bytes: the distinct buffers the graph keeps alive for backward, beyond
  the caller's own arrays (input, gamma, beta, running statistics), as counted
  by `tinygrad_bn.benchmarking.graph_saved_bytes` (the project suite's measure);
- time: forward alone and forward + backward (upstream gradient given, leaf
  gradients reset each call), median of interleaved repeats; PyTorch CPU eager
  too when `torch` is importable;
- float32 error: max |y - y64| and |dx - dx64| relative to their scale, on data
  with mean 100 and std 10, against the same computation in float64; and the
  statistics' errors, also with the first sample (the fused op's reference for
  (N, C, S) input) moved away from the others.

Usage: python benchmarks/bench_bn.py [--shape 64 64 16 16] [--repeats 30] [--torch-threads 1]
The machine may be shared: medians of interleaved runs are the honest number,
and they still move by tens of percent between runs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from collections.abc import Callable

import numpy as np

import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor
from tinygrad_bn.benchmarking import graph_saved_bytes
from tinygrad_bn.tensor import topological_order

IMPLS = ("fused", "composite")


def make_data(shape: tuple[int, ...], dtype: type, mean: float = 0.0,
              std: float = 1.0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    channels = shape[1]
    return {"x": (rng.standard_normal(shape) * std + mean).astype(dtype),
            "up": rng.standard_normal(shape).astype(dtype),
            "weight": rng.uniform(0.5, 1.5, channels).astype(dtype),
            "bias": rng.standard_normal(channels).astype(dtype)}


def graph_report(data: dict[str, np.ndarray], impl: str) -> dict[str, object]:
    channels = data["x"].shape[1]
    x = Tensor(data["x"], requires_grad=True)
    weight = Tensor(data["weight"], requires_grad=True)
    bias = Tensor(data["bias"], requires_grad=True)
    rm, rv = np.zeros(channels, data["x"].dtype), np.ones(channels, data["x"].dtype)
    y = F.batch_norm(x, rm, rv, weight, bias, training=True, impl=impl)
    ops = Counter(t._ctx.name for t in topological_order([y]) if t._ctx is not None)
    saved = graph_saved_bytes(y, exclude=[data["x"], data["weight"], data["bias"], rm, rv])
    return {"op nodes": sum(ops.values()), "ops": dict(ops), "saved bytes": saved}


def tinygrad_step(data: dict[str, np.ndarray], impl: str,
                  backward: bool) -> Callable[[], None]:
    channels = data["x"].shape[1]
    x = Tensor(data["x"], requires_grad=True)
    weight = Tensor(data["weight"], requires_grad=True)
    bias = Tensor(data["bias"], requires_grad=True)
    up = Tensor(data["up"])
    rm, rv = np.zeros(channels, data["x"].dtype), np.ones(channels, data["x"].dtype)

    def step() -> None:
        x.grad = weight.grad = bias.grad = None
        y = F.batch_norm(x, rm, rv, weight, bias, training=True, impl=impl)
        if backward:
            y.backward(up)

    return step


def torch_step(data: dict[str, np.ndarray], backward: bool,
               threads: int) -> Callable[[], None] | None:
    try:
        import torch
    except ImportError:
        return None
    if threads:
        torch.set_num_threads(threads)
    x = torch.tensor(data["x"], requires_grad=True)
    weight = torch.tensor(data["weight"], requires_grad=True)
    bias = torch.tensor(data["bias"], requires_grad=True)
    up = torch.tensor(data["up"])
    channels = data["x"].shape[1]
    rm, rv = torch.zeros(channels), torch.ones(channels)

    def step() -> None:
        x.grad = weight.grad = bias.grad = None
        y = torch.nn.functional.batch_norm(x, rm, rv, weight, bias, training=True)
        if backward:
            y.backward(up)

    return step


def median_times(steps: dict[str, Callable[[], None]],
                 repeats: int) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds per call; one call of each step per round, rotating the
    order. CPU time (of the whole process, so all of PyTorch's threads count) is
    what the call cost; wall time also contains waiting for a core on a busy machine."""
    for step in steps.values():  # warm up: allocator, caches, thread pools
        step()
        step()
    names = list(steps)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:
            wall, cpu = time.perf_counter(), time.process_time()
            steps[name]()
            samples[name].append((time.perf_counter() - wall, time.process_time() - cpu))
    return {name: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
            for name, values in samples.items()}


def format_bytes(n: int) -> str:
    return f"{n / 2**20:.2f} MiB" if n >= 2**20 else f"{n / 2**10:.2f} KiB" if n >= 2**10 \
        else f"{n} B"


def float32_errors(shape: tuple[int, ...]) -> dict[str, tuple[float, float]]:
    """Relative max errors of y and dx in float32 against float64, mean 100 / std 10."""
    data32 = make_data(shape, np.float32, mean=100.0, std=10.0)
    data64 = {k: v.astype(np.float64) for k, v in data32.items()}

    def run(data: dict[str, np.ndarray], impl: str) -> tuple[np.ndarray, np.ndarray]:
        x = Tensor(data["x"], requires_grad=True)
        y = F.batch_norm(x, None, None, Tensor(data["weight"]), Tensor(data["bias"]),
                         training=True, impl=impl)
        y.backward(data["up"])
        return y.data, x.grad.data

    y64, dx64 = run(data64, "fused")
    errors = {}
    for impl in IMPLS:
        y, dx = run(data32, impl)
        errors[impl] = (float(np.abs(y - y64).max() / np.abs(y64).max()),
                        float(np.abs(dx - dx64).max() / np.abs(dx64).max()))
    return errors


def statistics_errors(shape: tuple[int, ...], mean: float, std: float,
                      first: float = 0.0) -> dict[str, tuple[float, float]]:
    """(mean error / std, var relative error) of four float32 ways to get per-channel
    statistics, against float64: one pass E[x^2] - E[x]^2, plain two-pass (mean, then
    centred variance), the corrected two-pass (the fused op's for (N, C) input), and the
    fused op itself (for (N, C, S) input: one pass about the first sample's mean). `first`
    moves the first sample by that many standard deviations."""
    x = make_data(shape, np.float32, mean=mean, std=std)["x"]
    x[0] += np.float32(first * std)
    x3 = x.reshape(shape[0], shape[1], -1)
    count = x3.shape[0] * x3.shape[2]
    x64 = x3.astype(np.float64)
    mean64, var64 = x64.mean(axis=(0, 2)), x64.var(axis=(0, 2))

    def errors(m: np.ndarray, v: np.ndarray) -> tuple[float, float]:
        return (float(np.abs(m - mean64).max() / std),
                float(np.abs(v - var64).max() / np.abs(var64).max()))

    m0 = np.einsum("ncs->c", x3) / count
    d = x3 - m0[:, None]
    two_pass = np.einsum("ncs,ncs->c", d, d) / count
    offset = np.einsum("ncs->c", d) / count
    # the op's own statistics: momentum 1 leaves the batch's mean and unbiased var behind
    running = (np.zeros(shape[1], np.float32), np.ones(shape[1], np.float32))
    F.batch_norm(Tensor(x), *running, training=True, momentum=1.0)
    return {"one pass E[x^2]-E[x]^2": errors(m0, np.einsum("ncs,ncs->c", x3, x3) / count
                                             - m0 * m0),
            "two-pass": errors(m0, two_pass),
            "corrected two-pass ((N, C) fused)": errors(m0 + offset, two_pass - offset * offset),
            "the fused op": errors(running[0], running[1] * np.float32((count - 1) / count))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shape", type=int, nargs="+", default=[64, 64, 16, 16])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--torch-threads", type=int, default=1,
                        help="PyTorch intra-op threads (0: its default); NumPy runs on one")
    args = parser.parse_args()
    shape = tuple(args.shape)
    data = make_data(shape, np.float32)
    print(f"BatchNorm, training mode, float32 input {shape} "
          f"({format_bytes(data['x'].nbytes)})\n")

    print("| impl | op nodes | saved for backward (beyond inputs) | ops |")
    print("|---|---|---|---|")
    for impl in IMPLS:
        r = graph_report(data, impl)
        ops = ", ".join(f"{name} {n}" for name, n in sorted(r["ops"].items()))
        print(f"| {impl} | {r['op nodes']} | {format_bytes(r['saved bytes'])} | {ops} |")

    for backward in (False, True):
        steps = {impl: tinygrad_step(data, impl, backward) for impl in IMPLS}
        torch = torch_step(data, backward, args.torch_threads)
        if torch is not None:
            steps["torch"] = torch
        times = median_times(steps, args.repeats)
        print(f"\n{'fwd+bwd' if backward else 'fwd'}, median of {args.repeats} (ms): "
              "| impl | wall | CPU |")
        for name, (wall, cpu) in times.items():
            print(f"| {name} | {wall * 1e3:.2f} | {cpu * 1e3:.2f} |")
        for kind, i in (("wall", 0), ("CPU", 1)):
            line = f"  {kind}: composite / fused {times['composite'][i] / times['fused'][i]:.2f}x"
            if "torch" in times:
                line += f", fused / torch {times['fused'][i] / times['torch'][i]:.2f}x"
            print(line)

    print("\nfloat32 error vs float64, data mean 100 std 10 (max |err| / max |ref|):")
    for impl, (ey, edx) in float32_errors(shape).items():
        print(f"  {impl}: y {ey:.1e}, dx {edx:.1e}")
    for mean, std, first in ((100.0, 10.0, 0.0), (1e4, 1.0, 0.0), (1e4, 1.0, 8.0),
                             (1e4, 1.0, 64.0)):
        print(f"float32 statistics, data mean {mean:g} std {std:g}, first sample moved by "
              f"{first:g} std: (max |mean error| / std, max var relative error)")
        for method, (em, ev) in statistics_errors(shape, mean, std, first).items():
            print(f"  {method}: {em:.1e}, {ev:.1e}")
    x = data["x"].reshape(shape[0], shape[1], -1)
    reductions = {"float32 einsum": lambda: np.einsum("ncs->c", x),
                  "float64 einsum of float32": lambda: np.einsum("ncs->c", x, dtype=np.float64)}
    times = median_times(reductions, args.repeats)
    print("one per-channel sum (ms, wall/CPU): " + ", ".join(
        f"{name} {w * 1e3:.2f}/{c * 1e3:.2f}" for name, (w, c) in times.items()))


if __name__ == "__main__":
    main()
