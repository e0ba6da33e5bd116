"""The weight-scale sweep (docs/sources.md): training accuracy against the scale of the
initial weights.

MLPs 784 -> 100 x 5 -> 10 (ReLU), identical except for BatchNorm1d between
every hidden Linear and its ReLU, start from the same weights drawn from
N(0, w^2) with biases 0, for 16 values w = logspace(0, -4, 16). All see the
same batches: 100 of the first 1,000 training images, drawn uniformly with
replacement; SGD with lr 0.01; 20 epochs of 10 iterations. The statement
tested (robustness to initialization): with BN learning goes on for almost
every w, without BN it fails for badly scaled w.

Two BN variants: eps = 1e-7 (the sources') and eps = 1e-5 (PyTorch's and our
default). For w <= 1e-3 the pre-activation variance falls below 1e-5, so eps
then dominates the denominator sqrt(var + eps) and the layer no longer
normalizes: the experiment shows how much that statement depends on eps.

Metric: accuracy on the 1,000 training images after every epoch, each batch
of 100 normalized with its own statistics (what training sees). Eval-mode
accuracy (running statistics) is recorded too: the running variance starts
at 1 and needs many steps to forget that start when the true variance is
~1e-8 (see the eval-gap experiment).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from .common import (
    Progress,
    Run,
    accuracy,
    batch_stat_accuracy,
    bn_copy,
    init_normal,
    mlp,
    mnist,
    random_batches,
    sgd_runs,
    train_lockstep,
    write_record,
)
from .plotting import BN_COLOR, PLAIN_COLOR, pyplot, save

NAME = "init-sweep"
# label -> (BN eps or None for no BN, line style, colour, legend text)
VARIANTS = {
    "bn": (1e-7, "-", BN_COLOR, "batch norm, eps=1e-7 (as the textbook)"),
    "bn_eps1e-5": (1e-5, ":", "#ff9f40", "batch norm, eps=1e-5 (default)"),
    "plain": (None, "--", PLAIN_COLOR, "no batch norm"),
}


def config(quick: bool) -> dict[str, Any]:
    stds = [0.01, 1e-4] if quick else np.logspace(0, -4, 16).tolist()
    return {
        "sizes": [784, 100, 100, 100, 100, 100, 10], "activation": "relu",
        "train_images": 1000, "batch_size": 100, "sampling": "uniform with replacement",
        "optimizer": "SGD", "lr": 0.01, "epochs": 3 if quick else 20,
        "iters_per_epoch": 10, "init": "weights N(0, w^2), biases 0", "stds": stds,
        "bn": {"impl": "fused", "momentum": 0.1,
               "eps": {k: v[0] for k, v in VARIANTS.items() if v[0] is not None}},
        "metric": "train_acc: accuracy on the 1000 training images, batches of 100 normalized "
                  "with their own statistics; eval_acc: eval mode (running statistics)",
    }


def run(out: Path, quick: bool = False, seed: int = 0, progress: bool = False) -> list[Path]:
    cfg = config(quick)
    x, y = (a[:cfg["train_images"]] for a in mnist()[:2])
    steps = cfg["epochs"] * cfg["iters_per_epoch"]
    bar = Progress(steps * len(cfg["stds"]), NAME, progress)

    def evaluate(r: Run) -> dict[str, float]:
        return {"train_acc": batch_stat_accuracy(r.model, x, y, cfg["batch_size"]),
                "eval_acc": accuracy(r.model, x, y)}

    panels = []
    for i, std in enumerate(cfg["stds"]):
        first = init_normal(mlp(cfg["sizes"]), std, np.random.default_rng([seed, i]))
        models = {label: first if eps is None else bn_copy(first, cfg["sizes"], eps=eps)
                  for label, (eps, *_) in VARIANTS.items()}
        runs = sgd_runs(models, cfg["lr"],
                        partial(random_batches, x, y, cfg["batch_size"], [seed, i, 1]))
        with np.errstate(over="ignore", invalid="ignore"):  # w = 1 without BN diverges
            evaluated = train_lockstep(runs, steps, bar, evaluate, cfg["iters_per_epoch"])
        panels.append({"std": std, "epoch": [s // cfg["iters_per_epoch"] for s in evaluated],
                       **{r.name: r.summary() for r in runs}})
    bar.close()
    final = [{"std": p["std"], **{k: p[k]["evals"]["train_acc"][-1] for k in VARIANTS}}
             for p in panels]
    record = {"config": cfg, "seed": seed, "quick": quick, "final_train_acc": final,
              "panels": panels}
    return [write_record(out, NAME, record), *plot(panels, out)]


def plot(panels: list[dict[str, Any]], out: Path) -> list[Path]:
    plt = pyplot()
    if plt is None:
        return []
    cols = min(4, len(panels))
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 2.5 * rows), sharex=True,
                             sharey=True, squeeze=False)
    for ax, panel in zip(axes.flat, panels):
        for label, (_, style, color, text) in VARIANTS.items():
            ax.plot(panel["epoch"], panel[label]["evals"]["train_acc"], style, color=color,
                    label=text, linewidth=1.6)
        ax.set_title(f"w = {panel['std']:.2g}", fontsize=10)
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("epoch")
    for ax in axes[:, 0]:
        ax.set_ylabel("train accuracy")
    fig.suptitle("Weight scale sweep: MLP 784-100x5-10, 1,000 MNIST images, weights ~ N(0, w²)")
    handles, labels = axes.flat[0].get_legend_handles_labels()  # below the panels, not on one
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=9, frameon=False)
    return [save(fig, out / f"{NAME}.png", rect=(0, 0.05, 1, 1))]
