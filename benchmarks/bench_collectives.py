"""Cost of one collective, and of the agreement check before it, at the current world size.

Run under MPI, e.g. `mpiexec -n 4 python benchmarks/bench_collectives.py` (also plain
`python ...`: world size 1). For each payload it times `dist.all_reduce` of a float64
array with the agreement check on and off, interleaved round by round (so machine
load hits both alike), plus a bare mpi4py `Allreduce` for reference, and a fused
SyncBatchNorm1d layer's forward + backward against BatchNorm1d's at the same local
batch. Every time is the median over rounds of the mean of `--calls` calls, in
microseconds; rank 0 prints a table (and `--json PATH` writes it).
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
from mpi4py import MPI

import tinygrad_bn.distributed as dist
from tinygrad_bn import Tensor, nn


def _timed(fn, calls: int) -> float:
    dist.barrier()
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1e6


def _layer_step(layer: nn.Module, x: np.ndarray, g: Tensor):
    def step() -> None:
        xt = Tensor(x, requires_grad=True)
        layer(xt).backward(g)
        layer.weight.grad = layer.bias.grad = None
    return step


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    group = dist.get_group()
    rows = []
    for count in (1 + 2 * 64, 2 ** 17):  # SyncBN's packed stats at C = 64; 1 MiB
        a = np.ones(count)
        times: dict[str, list[float]] = {"checked": [], "unchecked": [], "mpi4py": []}
        calls = args.calls if count < 10_000 else max(args.calls // 10, 5)
        for _ in range(args.rounds):
            dist.set_collective_checks(True)
            times["checked"].append(_timed(lambda a=a: dist.all_reduce(a), calls))
            dist.set_collective_checks(False)
            times["unchecked"].append(_timed(lambda a=a: dist.all_reduce(a), calls))
            times["mpi4py"].append(_timed(
                lambda a=a: group.comm.Allreduce(MPI.IN_PLACE, a), calls))
        dist.set_collective_checks(True)
        rows.append({"what": f"all_reduce float64[{count}] ({a.nbytes} B)",
                     **{k: float(np.median(v)) for k, v in times.items()}})
    rng = np.random.default_rng(dist.rank())
    x = rng.normal(size=(8, 64))  # 8 samples per rank, 64 features
    g = Tensor(rng.normal(size=x.shape))
    layers = {"BatchNorm1d": nn.BatchNorm1d(64).to(np.float64),
              "SyncBatchNorm fused": nn.SyncBatchNorm(64).to(np.float64),
              "SyncBatchNorm composite": nn.SyncBatchNorm(64, impl="composite")
              .to(np.float64)}
    layer_times: dict[str, list[float]] = {k: [] for k in layers}
    for _ in range(args.rounds):
        for name, layer in layers.items():
            layer_times[name].append(_timed(_layer_step(layer, x, g), args.calls // 4))
    result = {"world_size": dist.world_size(), "load_average": os.getloadavg(),
              "collectives_us": rows,
              "layer_fwd_bwd_us (8 x 64 per rank)": {
                  k: float(np.median(v)) for k, v in layer_times.items()}}
    if dist.rank() == 0:
        print(f"world size {result['world_size']}, load average "
              f"{', '.join(f'{v:.1f}' for v in result['load_average'])}")
        print(f"{'collective':38s} {'checked':>10s} {'unchecked':>10s} {'mpi4py':>10s}  (us)")
        for row in rows:
            print(f"{row['what']:38s} {row['checked']:10.1f} {row['unchecked']:10.1f} "
                  f"{row['mpi4py']:10.1f}")
        for name, value in result["layer_fwd_bwd_us (8 x 64 per rank)"].items():
            print(f"{name + ' fwd+bwd (8 x 64)':38s} {value:10.1f}")
        if args.json:
            with open(args.json, "w") as f:
                json.dump(result, f, indent=1)
    return result


if __name__ == "__main__":
    main()
