"""Batch-size dependence: batch norm needs big enough batches; LayerNorm and GroupNorm do not.

An MLP 784 -> 100 -> 100 -> 10 (ReLU) with a norm layer after each hidden
Linear - BatchNorm1d, GroupNorm (4 groups of 25), LayerNorm, or none - is
trained at batch sizes 2 ... 128 on the same number of samples (2 epochs of
the 4,000 training images), SGD with lr = 0.1 * sqrt(B / 32) (square-root
scaling keeps the gradient noise comparable across B). Reported: test
accuracy in eval mode (BN uses its running statistics), and for BN also with
test batches of size B normalized by their own statistics.

With B = 2 every BN output is +-gamma + beta whatever the input (two values
standardize to -1 and +1), so BN throws information away; LayerNorm and
GroupNorm normalize each sample alone and do not care about B.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .. import nn
from ..optim import SGD
from .common import (
    Progress,
    Run,
    accuracy,
    batch_stat_accuracy,
    epoch_batches,
    mlp,
    mnist,
    train_lockstep,
    write_record,
)
from .plotting import COLORS, pyplot, save

NAME = "batch-size"
LABELS = {"batch": "BatchNorm1d", "group": "GroupNorm (4 groups)", "layer": "LayerNorm",
          "none": "no normalization"}


def config(quick: bool) -> dict[str, Any]:
    return {
        "sizes": [784, 100, 100, 10], "activation": "relu",
        "norms": ["batch", "layer"] if quick else ["batch", "group", "layer", "none"],
        "batch_sizes": [2, 16] if quick else [2, 4, 8, 16, 32, 64, 128],
        "samples": 600 if quick else 8000, "optimizer": "SGD", "lr": "0.1 * sqrt(B / 32)",
        "init": "PyTorch default", "group_norm_groups": 4,
        "metric": "test accuracy after training: eval mode, and for BN also test batches of B "
                  "normalized with their own statistics",
    }


def run(out: Path, quick: bool = False, seed: int = 0, progress: bool = False) -> list[Path]:
    cfg = config(quick)
    x_train, y_train, x_test, y_test = mnist()
    total = sum(cfg["samples"] // b for b in cfg["batch_sizes"]) * len(cfg["norms"])
    bar = Progress(total, NAME, progress)
    results: dict[str, list[dict[str, Any]]] = {norm: [] for norm in cfg["norms"]}
    for b in cfg["batch_sizes"]:
        lr = 0.1 * math.sqrt(b / 32)
        for norm in cfg["norms"]:
            nn.init.manual_seed(seed)  # the same first-layer draws for every norm
            model = mlp(cfg["sizes"], norm=None if norm == "none" else norm)
            r = Run(norm, model, SGD(model.parameters(), lr=lr),
                    epoch_batches(x_train, y_train, b, seed))
            train_lockstep([r], cfg["samples"] // b, bar)
            entry = {"batch_size": b, "lr": lr, "steps": cfg["samples"] // b,
                     "test_acc": accuracy(model, x_test, y_test),
                     "final_loss": sum(r.losses[-20:]) / len(r.losses[-20:]),
                     "steps_per_s": r.steps_per_s()}
            if norm == "batch":
                entry["test_acc_batch_stats"] = batch_stat_accuracy(model, x_test, y_test, b)
            results[norm].append(entry)
    bar.close()
    record = {"config": cfg, "seed": seed, "quick": quick, "results": results}
    return [write_record(out, NAME, record), *plot(results, out)]


def plot(results: dict[str, list[dict[str, Any]]], out: Path) -> list[Path]:
    plt = pyplot()
    if plt is None:
        return []
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for norm, entries in results.items():
        sizes = [e["batch_size"] for e in entries]
        ax.plot(sizes, [e["test_acc"] for e in entries], "o-", color=COLORS[norm],
                label=LABELS[norm] + (" (eval mode)" if norm == "batch" else ""))
        if norm == "batch":
            ax.plot(sizes, [e["test_acc_batch_stats"] for e in entries], "o:",
                    color=COLORS[norm], alpha=0.6, label="BatchNorm1d (test batches of B)")
    ax.set_xscale("log", base=2)
    ax.set_xticks(sizes, [str(s) for s in sizes])
    ax.set(xlabel="batch size B", ylabel="test accuracy after 2 epochs", ylim=(0, 1),
           title="Normalization vs batch size (MLP 784-100-100-10, lr = 0.1·√(B/32))")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    return [save(fig, out / f"{NAME}.png")]
