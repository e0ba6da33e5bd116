"""Train mode vs eval mode: how the running statistics catch up with the real ones.

The BN model of experiment B (MLP 784 -> 100 x 3 -> 10, ReLU, weights
N(0, 0.05^2), SGD lr 0.01, batches of 60) is trained with BN momentum 0.1
and 0.01. At every evaluation the test accuracy is measured twice: in eval
mode (each BN layer normalizes with its running mean and variance) and in
train mode (test batches of 60 normalized with their own statistics, the
running statistics left untouched). For the first BN layer the running mean
and variance are compared with the population statistics: the mean and
unbiased variance of its input over all 4,000 training images, computed
with the current weights. The running statistics start at 0 and 1 and are an
exponential average over past batches, i.e. over past weights: they lag.
Training itself never reads them, so both models train identically and
differ only in eval mode.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn
from .common import (
    Progress,
    Run,
    accuracy,
    batch_stat_accuracy,
    bn_copy,
    epoch_batches,
    init_normal,
    mlp,
    mnist,
    sgd_runs,
    train_lockstep,
    write_record,
)
from .plotting import BN_COLOR, pyplot, save

NAME = "eval-gap"
FEATURES = 3  # how many features of the first BN layer are tracked in the figure
MOMENTUM_COLORS = {0.1: BN_COLOR, 0.01: "#8c564b"}


def config(quick: bool) -> dict[str, Any]:
    return {
        "sizes": [784, 100, 100, 100, 10], "activation": "relu", "batch_size": 60,
        "optimizer": "SGD", "lr": 0.01, "init_std": 0.05, "init": "weights N(0, 0.05^2)",
        "momenta": [0.1, 0.01], "steps": 100 if quick else 800,
        "eval_every": 25 if quick else 10, "tracked_features": FEATURES,
        "metric": "test accuracy in eval mode (running statistics) and in train mode (test "
                  "batches of 60 with their own statistics); first BN layer: running vs "
                  "population mean/variance (training set, current weights)",
    }


def _statistics(model: nn.Sequential, x: np.ndarray) -> dict[str, Any]:
    """The first BN layer's running statistics, the population statistics of its input
    over `x`, and the largest gaps relative to the population standard deviation."""
    linear, bn = model[0], model[1]
    h = x @ linear.weight.data.T + linear.bias.data
    mean, var = h.mean(axis=0), h.var(axis=0, ddof=1)
    std = np.sqrt(var)
    return {"running_mean": bn.running_mean[:FEATURES].tolist(),
            "running_var": bn.running_var[:FEATURES].tolist(),
            "population_mean": mean[:FEATURES].tolist(),
            "population_var": var[:FEATURES].tolist(),
            "max_mean_gap_in_std": float(np.max(np.abs(bn.running_mean - mean) / std)),
            "max_log_var_ratio": float(np.max(np.abs(np.log(bn.running_var / var))))}


def run(out: Path, quick: bool = False, seed: int = 0, progress: bool = False) -> list[Path]:
    cfg = config(quick)
    x_train, y_train, x_test, y_test = mnist()
    bar = Progress(cfg["steps"], NAME, progress)
    first = init_normal(mlp(cfg["sizes"]), cfg["init_std"], np.random.default_rng(seed))
    runs = sgd_runs({f"momentum {m}": bn_copy(first, cfg["sizes"], momentum=m)
                     for m in cfg["momenta"]},
                    cfg["lr"], partial(epoch_batches, x_train, y_train, cfg["batch_size"], seed))

    def evaluate(r: Run) -> dict[str, Any]:
        return {"eval_mode_acc": accuracy(r.model, x_test, y_test),
                "train_mode_acc": batch_stat_accuracy(r.model, x_test, y_test,
                                                      cfg["batch_size"]),
                **_statistics(r.model, x_train)}

    steps = train_lockstep(runs, cfg["steps"], bar, evaluate, cfg["eval_every"])
    bar.close()
    results = {momentum: r.summary() for momentum, r in zip(cfg["momenta"], runs)}
    summary = {str(m): {k: r["evals"][k][-1] for k in ("eval_mode_acc", "train_mode_acc",
                                                       "max_mean_gap_in_std",
                                                       "max_log_var_ratio")}
               for m, r in results.items()}
    record = {"config": cfg, "seed": seed, "quick": quick, "step": steps, "summary": summary,
              "results": {str(m): r for m, r in results.items()}}
    return [write_record(out, NAME, record), *plot(steps, results, out)]


def plot(steps: list[int], results: dict[float, dict[str, Any]], out: Path) -> list[Path]:
    plt = pyplot()
    if plt is None:
        return []
    fig, (acc_ax, mean_ax, var_ax) = plt.subplots(1, 3, figsize=(13.0, 5.0))
    for momentum, r in results.items():
        acc_ax.plot(steps, r["evals"]["eval_mode_acc"], color=MOMENTUM_COLORS.get(momentum),
                    label=f"eval mode (running stats), momentum {momentum}")
    # training never reads the running statistics: both models train identically
    acc_ax.plot(steps, next(iter(results.values()))["evals"]["train_mode_acc"], ":",
                color="black", label="train mode (batch stats), either momentum")
    acc_ax.set(title="test accuracy", ylim=(0, 1))
    below = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.16), "fontsize": 9,
             "frameon": False}  # legends under the panels: the curves stay uncovered
    acc_ax.legend(**below)
    r = results[max(results)]  # the statistics of the default momentum
    for ax, key, title in ((mean_ax, "mean", "first BN layer: mean"),
                           (var_ax, "var", "first BN layer: variance")):
        running = np.array(r["evals"][f"running_{key}"])
        population = np.array(r["evals"][f"population_{key}"])
        for j in range(running.shape[1]):
            line, = ax.plot(steps, running[:, j], label=f"running, feature {j}")
            ax.plot(steps, population[:, j], "--", color=line.get_color(),
                    label=f"population, feature {j}")
        ax.set_title(f"{title} (momentum {max(results)})")
    var_ax.set_yscale("log")
    mean_ax.legend(ncol=2, **below)  # the variance panel: the same lines
    for ax in (acc_ax, mean_ax, var_ax):
        ax.set_xscale("symlog", linthresh=10)  # the running statistics move most early on
        ax.set_xlim(0, steps[-1])
        ax.set_xlabel("iteration (linear to 10, then log)")
        ax.grid(alpha=0.3)
    return [save(fig, out / f"{NAME}.png")]
