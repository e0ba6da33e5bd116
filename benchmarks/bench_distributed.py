"""What synchronization costs: SyncBatchNorm vs BatchNorm, and the gradient all-reduce of
the seed-B model, at 1, 2 and 4 ranks.

Run without mpiexec: the script launches itself as `mpiexec -n N` for each N of
--ranks (default 1 2 4), collects rank 0's numbers and prints one table. Each run
measures, in interleaved repeats (one repeat of every row in turn, each preceded
by a barrier so that a row starts with the ranks together), the median time of:

- BN1d layer fwd+bwd on this rank's (32 / N, 100) float32 slice of a global batch
  of 32 (a seed-B layer): BatchNorm1d fused (local statistics, no communication),
  SyncBatchNorm fused and composite (global statistics);
- all_reduce of the seed-B MLP's gradient (99,710 float32 = 398,840 B, one DDP
  bucket), with the agreement check on and off, and of SyncBN's packed
  per-channel statistics (3 x 100 float64);
- one training step (forward, backward, SGD update) of the seed-B MLP with BN at
  per-rank batch 32 / N: alone (no communication), wrapped in DDP with plain BN
  (ghost BN) and with SyncBatchNorm; for the DDP steps also the time spent inside
  collectives and, of it, in DDP's gradient all-reduce (one bucket).

Usage: python benchmarks/bench_distributed.py [--ranks 1 2 4] [--repeats 50] [--json PATH]
On a 2-core machine 4 ranks oversubscribe the cores: the times at N = 4 include
the ranks waiting for each other to be scheduled, not just the transfers. The
machine may be shared: the load average is printed with the results.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

GLOBAL_BATCH, FEATURES = 32, 100
SIZES = [784, 100, 100, 100, 10]


def _worker(repeats: int, out: Path) -> None:
    import tinygrad_bn.distributed as dist
    from tinygrad_bn import Tensor, nn
    from tinygrad_bn.experiments.common import mlp
    from tinygrad_bn.experiments.sync_bn import CollectiveTimer
    from tinygrad_bn.nn import functional as F
    from tinygrad_bn.optim import SGD

    world, rank = dist.world_size(), dist.rank()
    local = GLOBAL_BATCH // world
    rng = np.random.default_rng(rank)
    x = rng.normal(size=(local, FEATURES)).astype(np.float32)
    up = rng.normal(size=(local, FEATURES)).astype(np.float32)
    layers = {"BatchNorm1d fused (local)": nn.BatchNorm1d(FEATURES),
              "SyncBatchNorm fused": nn.SyncBatchNorm(FEATURES),
              "SyncBatchNorm composite": nn.SyncBatchNorm(FEATURES, impl="composite")}

    def layer_step(layer: nn.Module) -> Callable[[], None]:
        def step() -> None:
            xt = Tensor(x, requires_grad=True)
            layer.zero_grad()
            layer(xt).backward(Tensor(up))
        return step

    grad = rng.normal(size=sum(p.data.size for p in mlp(SIZES).parameters())).astype(
        np.float32)
    stats = rng.normal(size=3 * FEATURES)
    group = dist.get_group()

    def reduce(buffer: np.ndarray, checks: bool) -> Callable[[], None]:
        def step() -> None:
            group.checks = checks
            try:
                dist.all_reduce(buffer.copy())
            finally:
                group.checks = True
        return step

    xb = rng.random((local, 784)).astype(np.float32)
    yb = rng.integers(0, 10, local)
    models = {"BN, alone (no communication)": mlp(SIZES, norm="batch"),
              "DDP + ghost BN": dist.DistributedDataParallel(mlp(SIZES, norm="batch")),
              "DDP + SyncBN": dist.DistributedDataParallel(
                  nn.SyncBatchNorm.convert_sync_batchnorm(mlp(SIZES, norm="batch")),
                  broadcast_buffers=False)}
    timer = CollectiveTimer(group)

    def train_step(model: nn.Module) -> Callable[[], None]:
        opt = SGD(model.parameters(), lr=0.01)

        def step() -> None:
            opt.zero_grad()
            F.cross_entropy(model(Tensor(xb)), yb).backward()
            opt.step()
        return step

    rows: dict[str, Callable[[], None]] = {
        **{f"BN1d (32/N, {FEATURES}) fwd+bwd: {name}": layer_step(layer)
           for name, layer in layers.items()},
        f"all_reduce seed-B gradient ({grad.nbytes:,} B), checks on": reduce(grad, True),
        f"all_reduce seed-B gradient ({grad.nbytes:,} B), checks off": reduce(grad, False),
        f"all_reduce SyncBN statistics ({stats.nbytes:,} B), checks on": reduce(stats, True),
        **{f"seed-B step, batch 32/N: {name}": train_step(model)
           for name, model in models.items()},
    }
    times: dict[str, list[float]] = {name: [] for name in rows}
    wrapped = {f"seed-B step, batch 32/N: {name}": model for name, model in models.items()
               if isinstance(model, dist.DistributedDataParallel)}
    inside: dict[str, list[float]] = {name: [] for name in wrapped}
    gradient: dict[str, list[float]] = {name: [] for name in inside}
    with timer.installed():
        for fn in rows.values():  # warm up
            fn()
        for _ in range(repeats):
            for name, fn in rows.items():
                group.barrier()
                timer.seconds = 0.0
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
                if name in inside:
                    inside[name].append(timer.seconds)
                    gradient[name].append(wrapped[name].last_sync["seconds"])
    if rank == 0:
        def ms(values: list[float]) -> float:
            return 1e3 * statistics.median(values)

        result = {"world_size": world, "repeats": repeats,
                  "median_ms": {n: ms(t) for n, t in times.items()},
                  "inside_collectives_ms": {n: ms(t) for n, t in inside.items()},
                  "gradient_all_reduce_ms": {n: ms(t) for n, t in gradient.items()},
                  "load_average_1m": os.getloadavg()[0]}
        out.write_text(json.dumps(result, indent=1))


def _launch(ranks: int, repeats: int) -> dict:
    mpiexec = shutil.which("mpiexec")
    if mpiexec is None:
        sys.exit("bench_distributed: mpiexec not found (pip install 'tinygrad_bn[mpi]')")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
        subprocess.run([mpiexec, "-n", str(ranks), sys.executable, __file__, "--worker",
                        "--repeats", str(repeats), "--out", str(out)], check=True, env=env,
                       timeout=1800)
        return json.loads(out.read_text())


def _table(results: list[dict]) -> str:
    def row(label: str, values: list[float], fmt: str = "9.3f") -> str:
        return f"{label:<66}" + "".join(f"{v:>{fmt}}" for v in values)

    lines = [f"{'median ms':<66}" + "".join(f"{'N=' + str(r['world_size']):>9}"
                                            for r in results)]
    for name in results[0]["median_ms"]:
        lines.append(row(name, [r["median_ms"][name] for r in results]))
        if name in results[0]["inside_collectives_ms"]:
            lines.append(row("    of which inside collectives",
                             [r["inside_collectives_ms"][name] for r in results]))
            lines.append(row("    of which DDP's gradient all-reduce",
                             [r["gradient_all_reduce_ms"][name] for r in results]))
    lines.append(row("load average (1 min) after the run",
                     [r["load_average_1m"] for r in results], "9.1f"))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ranks", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.repeats, args.out)
        return
    results = [_launch(n, args.repeats) for n in args.ranks]
    print(_table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
