"""The same training with each batch-norm implementation: same curves, different cost.

Two copies of experiment B's BN model (MLP 784 -> 100 x 3 -> 10, ReLU,
weights N(0, 0.05^2), SGD lr 0.01, batches of 60), one with
`BatchNorm1d(impl="composite")` (autograd derives the backward from ~10
primitive ops), one with `impl="fused"` (one op with the analytic backward),
start from the same weights and see the same batches. Both compute the same
function, so their losses must agree up to float32 rounding, which training
may amplify only slowly. Cost per step: median time; memory: the bytes the
graph of one training step keeps for backward (distinct buffers, the batch
and the parameters not counted) and the tracemalloc peak of one step.
"""

from __future__ import annotations

import tracemalloc
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from ..benchmarking import graph_saved_bytes
from ..nn import functional as F
from .common import (
    Progress,
    Run,
    accuracy_on,
    bn_copy,
    epoch_batches,
    init_normal,
    mlp,
    mnist,
    sgd_runs,
    train_lockstep,
    train_step,
    write_record,
)
from .plotting import BN_COLOR, pyplot, save

NAME = "composite-vs-fused"
IMPLS = {"composite": "#7f7f7f", "fused": BN_COLOR}


def config(quick: bool) -> dict[str, Any]:
    return {
        "sizes": [784, 100, 100, 100, 10], "activation": "relu", "batch_size": 60,
        "optimizer": "SGD", "lr": 0.01, "init_std": 0.05, "init": "weights N(0, 0.05^2)",
        "impls": list(IMPLS), "dtypes": ["float32", "float64"],
        "steps": 60 if quick else 1500, "eval_every": 20 if quick else 100,
        "metric": "training loss per step, test accuracy (eval mode), median step time, bytes "
                  "saved for backward by one step's graph, tracemalloc peak of one step",
    }


def _memory(run: Run, x: np.ndarray, y: np.ndarray) -> dict[str, int]:
    """Saved-for-backward bytes of one step's graph, and the allocation peak of one step."""
    mine = [p.data for p in run.model.parameters()] + \
        [b for b in run.model.buffers() if b is not None]
    loss = F.cross_entropy(run.model(x), y)
    saved = graph_saved_bytes(loss, exclude=[x, *mine])
    del loss
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        train_step(run.model, run.optimizer, x, y)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return {"saved_bytes": saved, "peak_bytes": peak}


def _agreement(composite: Run, fused: Run) -> dict[str, Any]:
    loss_diff = np.abs(np.array(composite.losses) - np.array(fused.losses))
    return {
        "loss_diff": loss_diff,
        "max_abs_loss_diff": float(loss_diff.max()),
        "max_rel_loss_diff": float(np.max(loss_diff / np.array(fused.losses))),
        "max_abs_param_diff_at_end": max(
            float(np.max(np.abs(a.data - b.data)))
            for a, b in zip(composite.model.parameters(), fused.model.parameters())),
        "max_abs_test_acc_diff": float(np.max(np.abs(np.subtract(
            composite.evals["test_acc"], fused.evals["test_acc"])))),
    }


def run(out: Path, quick: bool = False, seed: int = 0, progress: bool = False) -> list[Path]:
    cfg = config(quick)
    x_train, y_train, x_test, y_test = mnist()
    bar = Progress(cfg["steps"], NAME, progress)
    first = init_normal(mlp(cfg["sizes"]), cfg["init_std"], np.random.default_rng(seed))
    runs: dict[str, Run] = {}  # by name: "<impl> <dtype>"
    for dtype in cfg["dtypes"]:
        models = {f"{impl} {dtype}": bn_copy(first, cfg["sizes"], impl=impl).to(dtype)
                  for impl in cfg["impls"]}
        batches = partial(epoch_batches, x_train.astype(dtype), y_train, cfg["batch_size"], seed)
        runs |= {r.name: r for r in sgd_runs(models, cfg["lr"], batches)}
    steps = train_lockstep(list(runs.values()), cfg["steps"], bar, accuracy_on(x_test, y_test),
                           cfg["eval_every"])
    bar.close()
    agreement = {dtype: _agreement(runs[f"composite {dtype}"], runs[f"fused {dtype}"])
                 for dtype in cfg["dtypes"]}
    timed = {impl: runs[f"{impl} float32"] for impl in cfg["impls"]}  # the dtype people train in
    x, y = next(epoch_batches(x_train, y_train, cfg["batch_size"], seed + 1))
    summary = {
        "agreement": {d: {k: v for k, v in a.items() if k != "loss_diff"}
                      for d, a in agreement.items()},
        "steps_per_s_float32": {impl: r.steps_per_s() for impl, r in timed.items()},
        "composite_time_over_fused": float(np.median(timed["composite"].step_times)
                                           / np.median(timed["fused"].step_times)),
        "memory_float32": {impl: _memory(r, x, y) for impl, r in timed.items()},
    }
    record = {"config": cfg, "seed": seed, "quick": quick, "summary": summary, "step": steps,
              "loss_diff": {d: a["loss_diff"] for d, a in agreement.items()},
              "results": {r.name: r.summary() for r in runs.values()}}
    return [write_record(out, NAME, record), *plot(record, out)]


def plot(record: dict[str, Any], out: Path) -> list[Path]:
    plt = pyplot()
    if plt is None:
        return []
    results, summary = record["results"], record["summary"]
    fig, (loss_ax, diff_ax, cost_ax) = plt.subplots(1, 3, figsize=(14.0, 3.8))
    for impl, color in IMPLS.items():
        losses = results[f"{impl} float32"]["losses"]
        loss_ax.plot(np.arange(1, len(losses) + 1), losses, color=color, linewidth=0.8,
                     alpha=0.8, label=impl)
    loss_ax.set(title="training loss, float32 (the curves coincide)", xlabel="iteration",
                ylabel="cross-entropy")
    loss_ax.legend(fontsize=8)
    for dtype, color in (("float32", "black"), ("float64", "#17becf")):
        diffs = np.asarray(record["loss_diff"][dtype])
        nonzero = np.flatnonzero(diffs)  # a log scale cannot show the steps that agree exactly
        diff_ax.plot(nonzero + 1, diffs[nonzero], ".", color=color, markersize=2,
                     label=f"{dtype} ({len(diffs) - len(nonzero)} of {len(diffs)} steps "
                           f"exactly equal)")
    diff_ax.set(title="|loss composite - loss fused| per step", xlabel="iteration",
                yscale="log")
    diff_ax.legend(fontsize=8)
    names = list(IMPLS)
    ms = [1e3 / summary["steps_per_s_float32"][n] for n in names]
    saved = [summary["memory_float32"][n]["saved_bytes"] / 2**20 for n in names]
    pos = np.arange(len(names))
    bars = cost_ax.bar(pos - 0.2, ms, 0.4, color=[IMPLS[n] for n in names])
    cost_ax.bar_label(bars, fmt="%.2f ms", fontsize=8, label_type="center", rotation=90)
    cost_ax.set_ylabel("median ms per training step")
    mem_ax = cost_ax.twinx()
    bars = mem_ax.bar(pos + 0.2, saved, 0.4, color=[IMPLS[n] for n in names], alpha=0.45,
                      hatch="//")
    mem_ax.bar_label(bars, fmt="%.2f MiB", fontsize=8, label_type="center", rotation=90,
                     bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5})
    mem_ax.set_ylabel("MiB saved for backward (hatched)")
    cost_ax.set_xticks(pos, names)
    cost_ax.set_title("cost of one training step (float32)")
    for ax in (loss_ax, diff_ax):
        ax.grid(alpha=0.3)
    return [save(fig, out / f"{NAME}.png")]
