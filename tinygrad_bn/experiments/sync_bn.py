"""Synchronization in data parallelism: data-parallel batch norm needs an extra
synchronization, and it matters.

Run under MPI: `mpiexec -n 4 tinygrad-bn experiment sync-bn` (any N dividing the
global batch of 32). The seed-B MLP 784 -> 100 -> 100 -> 100 -> 10 with
BatchNorm1d before each ReLU (weights N(0, 0.05^2), biases 0) is trained with SGD
on the embedded MNIST three ways, in lockstep (one step of each in turn) and on
the same global batches of 32 (DistributedSampler shards of one permutation per
epoch):

  single   one process on the whole global batch of 32 (BN over 32 samples); run
           redundantly on every rank, so it meets the same CPU contention as the
           others, and without any communication;
  sync     N ranks of 32/N samples each, DistributedDataParallel + SyncBatchNorm:
           batch statistics over the global 32 (one all-reduce per BN layer
           forward and one backward) and gradients averaged (one bucket);
  ghost    N ranks, DistributedDataParallel + plain BatchNorm1d: each rank
           normalizes with the statistics of its own 32/N samples ("ghost" BN),
           gradients averaged; running statistics broadcast from rank 0.

`sync` takes the very steps `single` takes (same math, other summation order:
the JSON records the largest parameter difference at the end); `ghost` is a
different algorithm (BN over batches of 32/N). Recorded: test accuracy (eval
mode, running statistics) along training, the time per step split into the time
spent inside collectives ("sync": transfer plus waiting for the slowest rank)
and the rest ("compute"), the collectives and payload bytes per step.

With one process (no mpiexec) the experiment stops and says how to launch it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn
from ..data import DataLoader
from ..errors import ArgumentError, DistributedError
from ..nn import functional as F
from ..optim import SGD
from ..tensor import Tensor
from .common import Progress, accuracy, init_normal, mlp, mnist, write_record
from .plotting import pyplot, save

NAME = "sync-bn"
RUNS = ("single", "sync", "ghost")
HOW_TO_RUN = ("the sync-bn experiment compares training over several MPI ranks; launch it "
              "with mpiexec, e.g.\n  mpiexec -n 4 tinygrad-bn experiment sync-bn\n"
              "(pip install 'tinygrad_bn[mpi]' for mpi4py and mpiexec; several hosts: "
              "mpiexec -f hostfile -n 8 ..., see docs/distributed.md)")
COLORS = {"single": "#1f77b4", "sync": "#d62728", "ghost": "#2ca02c"}


def config(quick: bool) -> dict[str, Any]:
    return {
        "sizes": [784, 100, 100, 100, 10], "activation": "relu", "global_batch": 32,
        "optimizer": "SGD", "lr": 0.05, "init_std": 0.05,
        "init": "weights N(0, init_std^2), biases 0", "steps": 60 if quick else 1500,
        "eval_every": 20 if quick else 50,
        "bn": {"impl": "fused", "eps": 1e-5, "momentum": 0.1}, "dtype": "float32",
        "metric": "test accuracy (1000 images), eval mode (running statistics)",
    }


def labels(world: int, global_batch: int) -> dict[str, str]:
    local = global_batch // world
    return {"single": f"one process, BN over {global_batch}",
            "sync": f"{world} ranks x {local}, SyncBatchNorm over {global_batch}",
            "ghost": f"{world} ranks x {local}, ghost BN over {local} per rank"}


class CollectiveTimer:
    """Time spent inside the process group's collectives (including the waiting for the
    other ranks), by timing wrappers set on the group object and removed afterwards."""

    METHODS = ("all_reduce", "broadcast", "all_gather", "barrier")

    def __init__(self, group: Any) -> None:
        self.group = group
        self.seconds = 0.0

    @contextlib.contextmanager
    def installed(self) -> Iterator[CollectiveTimer]:
        for name in self.METHODS:
            setattr(self.group, name, self._timed(getattr(self.group, name)))
        try:
            yield self
        finally:
            for name in self.METHODS:
                delattr(self.group, name)  # the class's method shows through again

    def _timed(self, method: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
        return timed


def _endless(loader: DataLoader) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    epoch = 0
    while True:
        loader.sampler.set_epoch(epoch)
        yield from loader
        epoch += 1


def _models(cfg: dict[str, Any], seed: int, dist: Any) -> dict[str, nn.Module]:
    """Three copies of one BN MLP (the same draws on every rank): the bare one, one
    converted to SyncBatchNorm and one with plain BN, the last two wrapped in DDP (ghost
    BN with PyTorch's default broadcast of rank 0's buffers at each forward)."""
    def fresh() -> nn.Module:
        model = mlp(cfg["sizes"], cfg["activation"], norm="batch", impl=cfg["bn"]["impl"],
                    eps=cfg["bn"]["eps"], momentum=cfg["bn"]["momentum"])
        return init_normal(model, cfg["init_std"], np.random.default_rng(seed))
    synced = nn.SyncBatchNorm.convert_sync_batchnorm(fresh())
    return {"single": fresh(),
            # SyncBN's running statistics are equal on every rank: no buffer broadcasts
            "sync": dist.DistributedDataParallel(synced, broadcast_buffers=False),
            "ghost": dist.DistributedDataParallel(fresh())}


def run(out: Path, quick: bool = False, seed: int = 0, progress: bool = False) -> list[Path]:
    from .. import distributed as dist  # DependencyError naming the mpi extra without mpi4py

    world, rank = dist.world_size(), dist.rank()
    if world == 1:
        raise DistributedError(HOW_TO_RUN)
    cfg = config(quick)
    if cfg["global_batch"] % world:
        raise ArgumentError(f"sync-bn: the global batch of {cfg['global_batch']} does not "
                            f"split over {world} ranks; use a world size that divides it")
    local = cfg["global_batch"] // world
    x_train, y_train, x_test, y_test = mnist()
    models = _models(cfg, seed, dist)
    bare = {name: getattr(m, "module", m) for name, m in models.items()}
    optimizers = {name: SGD(m.parameters(), lr=cfg["lr"]) for name, m in models.items()}
    data = (x_train, y_train)
    batches = {
        "single": _endless(DataLoader(data, cfg["global_batch"], drop_last=True,
                                      sampler=dist.DistributedSampler(x_train, 1, 0, seed=seed))),
        **{name: _endless(DataLoader(data, local, drop_last=True,
                                     sampler=dist.DistributedSampler(x_train, seed=seed)))
           for name in ("sync", "ghost")},
    }
    timer = CollectiveTimer(dist.get_group())
    steps: list[int] = []
    record: dict[str, dict[str, list[float]]] = {
        name: {"test_acc": [], "loss": [], "step_s": [], "sync_s": [], "collectives": [],
               "bytes": []} for name in RUNS}

    def evaluate(step: int) -> None:
        steps.append(step)
        for name in RUNS:
            record[name]["test_acc"].append(accuracy(bare[name], x_test, y_test))

    bar = Progress(cfg["steps"], NAME, progress and rank == 0)
    with timer.installed():
        evaluate(0)
        for step in range(1, cfg["steps"] + 1):
            for name in RUNS:
                x, y = next(batches[name])
                timer.seconds = 0.0
                with dist.count_collectives() as counts:
                    start = time.perf_counter()
                    optimizers[name].zero_grad()
                    loss = F.cross_entropy(models[name](Tensor(x)), y)
                    loss.backward()
                    optimizers[name].step()
                    elapsed = time.perf_counter() - start
                r = record[name]
                r["step_s"].append(elapsed)
                r["sync_s"].append(timer.seconds)
                r["loss"].append(float(loss.item()))
                r["collectives"].append(counts["all_reduce"] + counts["broadcast"]
                                        + counts["checks"])
                r["bytes"].append(counts["bytes"])
            if step % cfg["eval_every"] == 0 or step == cfg["steps"]:
                evaluate(step)
            bar.update(1)
        bar.close()
        # every rank's local losses, for the mean over the ranks (one gather per run)
        for name in ("sync", "ghost"):
            losses = dist.all_gather(np.array(record[name]["loss"]))
            record[name]["loss"] = losses.mean(axis=0).tolist()
    summary = _summary(record, bare)
    if rank != 0:
        return []
    result = {"config": cfg | {"world_size": world, "per_rank_batch": local}, "seed": seed,
              "quick": quick, "step": steps, "runs": record, "summary": summary,
              "labels": labels(world, cfg["global_batch"])}
    return [write_record(out, NAME, result), *plot(result, out)]


def _summary(record: dict[str, Any], bare: dict[str, nn.Module]) -> dict[str, Any]:
    single = bare["single"].state_dict()
    summary: dict[str, Any] = {}
    for name in RUNS:
        r = record[name]
        step_s, sync_s = np.array(r["step_s"]), np.array(r["sync_s"])
        state = bare[name].state_dict()
        summary[name] = {
            "final_test_acc": r["test_acc"][-1],
            "median_step_ms": 1e3 * float(np.median(step_s)),
            "median_sync_ms": 1e3 * float(np.median(sync_s)),
            "median_compute_ms": 1e3 * float(np.median(step_s - sync_s)),
            "sync_fraction": float(sync_s.sum() / step_s.sum()),
            "collectives_per_step": int(np.median(r["collectives"])),
            "bytes_per_step": int(np.median(r["bytes"])),
            "max_abs_diff_to_single": max(float(np.max(np.abs(state[k] - single[k])))
                                          for k in single),
        }
    return summary


def plot(result: dict[str, Any], out: Path) -> list[Path]:
    plt = pyplot()
    if plt is None:
        return []
    fig, (left, right) = plt.subplots(1, 2, figsize=(11.5, 4.2),
                                      gridspec_kw={"width_ratios": [1.7, 1]})
    for name in RUNS:
        style = {"linestyle": "--", "linewidth": 2.4} if name == "single" else {}
        left.plot(result["step"], result["runs"][name]["test_acc"], color=COLORS[name],
                  label=result["labels"][name], **style)
    left.set(xlabel="training step (global batch of 32)", ylabel="test accuracy (eval mode)",
             ylim=(0, 1),
             title="Accuracy: SyncBN retraces one process; ghost BN takes its own path")
    left.grid(alpha=0.3)
    left.legend(loc="lower right", fontsize=8)
    summary = result["summary"]
    compute = [summary[n]["median_compute_ms"] for n in RUNS]
    sync = [summary[n]["median_sync_ms"] for n in RUNS]
    right.bar(RUNS, compute, color="#7f7f7f", label="compute")
    right.bar(RUNS, sync, bottom=compute, color="#ff7f0e", label="inside collectives")
    for i, name in enumerate(RUNS):
        right.text(i, compute[i] + sync[i], f"{summary[name]['bytes_per_step'] / 1e3:.0f} kB",
                   ha="center", va="bottom", fontsize=8)
    right.set(ylabel="median ms per step", ylim=(0, 1.25 * max(c + s for c, s in
                                                               zip(compute, sync))),
              title=f"Time per step on {result['config']['world_size']} ranks "
                    f"(label: payload/step)")
    right.legend(loc="upper left", fontsize=8)
    right.grid(alpha=0.3, axis="y")
    return [save(fig, out / f"{NAME}.png")]
