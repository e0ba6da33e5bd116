"""Does batch norm regularize? Dropout, BN, both and neither, over several seeds.

A claim of the BN literature is that BN regularizes somewhat, so that Dropout is needed
less. Test it where overfitting is easy: an MLP 784 -> 100 x 3 -> 10 (ReLU) trained far
past the point of fitting 4,000 training images (the embedded MNIST), tested on the
1,000 held-out ones. Four variants with the same initial weights (He's N(0, 2 / fan_in),
biases 0, so that all four train from the first step) and the same batches: neither;
Dropout(0.5) after every hidden ReLU; BatchNorm1d between every hidden Linear and its
ReLU; both. SGD, lr 0.1, batches of 60.

Metric, in eval mode (Dropout off, BN on its running statistics), at the end: accuracy on
the training images, on the test images, and the gap between them; repeated for several
seeds (initial weights, batch order and dropout masks all change with the seed), so the
differences can be compared with the spread from seed to seed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .. import nn
from ..optim import SGD
from ..seeding import manual_seed
from .common import (
    Progress,
    accuracy,
    copy_weights,
    epoch_batches,
    mlp,
    mnist,
    train_step,
    write_record,
)
from .plotting import BN_COLOR, PLAIN_COLOR, pyplot, save

NAME = "dropout-vs-bn"
VARIANTS = {  # label -> (batch norm?, dropout?, colour)
    "neither": (False, False, PLAIN_COLOR),
    "Dropout": (False, True, "#2ca02c"),
    "BN": (True, False, BN_COLOR),
    "BN + Dropout": (True, True, "#9467bd"),
}


def config(quick: bool) -> dict[str, Any]:
    return {
        "sizes": [784, 100, 100, 100, 10], "activation": "relu", "dropout_p": 0.5,
        "batch_size": 60, "optimizer": "SGD", "lr": 0.1, "init": "weights N(0, 2 / fan_in) (He)",
        "steps": 60 if quick else 3000, "eval_every": 30 if quick else 300,
        "seeds": 1 if quick else 3,
        "metric": "eval-mode accuracy on the 4,000 training and 1,000 test images; "
                  "gap = train - test",
    }


def build(sizes: list[int], bn: bool, dropout: float | None) -> nn.Sequential:
    """Linear -> [BN] -> ReLU -> [Dropout] per hidden layer, then the output Linear."""
    layers: list[nn.Module] = []
    for fan_in, fan_out in zip(sizes[:-2], sizes[1:-1]):
        layers.append(nn.Linear(fan_in, fan_out))
        if bn:
            layers.append(nn.BatchNorm1d(fan_out))
        layers.append(nn.ReLU())
        if dropout:
            layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    return nn.Sequential(*layers)


def run(out: Path, quick: bool = False, seed: int = 0, progress: bool = False) -> list[Path]:
    cfg = config(quick)
    x_train, y_train, x_test, y_test = mnist()
    bar = Progress(cfg["steps"] * cfg["seeds"], NAME, progress)
    runs: dict[str, list[dict[str, Any]]] = {label: [] for label in VARIANTS}
    eval_steps: list[int] = []
    for s in range(seed, seed + cfg["seeds"]):
        manual_seed(s)  # the dropout masks
        rng = np.random.default_rng(s)
        first = mlp(cfg["sizes"])
        for layer in first.modules():
            if isinstance(layer, nn.Linear):
                std = np.sqrt(2 / layer.in_features)
                layer.weight.data[...] = rng.normal(0, std, layer.weight.shape)
                layer.bias.data[...] = 0
        models = {}
        for label, (bn, dropout, _) in VARIANTS.items():
            models[label] = build(cfg["sizes"], bn, cfg["dropout_p"] if dropout else None)
            copy_weights(first, models[label])
        optimizers = {label: SGD(m.parameters(), lr=cfg["lr"]) for label, m in models.items()}
        batches = {label: epoch_batches(x_train, y_train, cfg["batch_size"], s)
                   for label in models}
        curves: dict[str, dict[str, list[float]]] = {
            label: {"train_acc": [], "test_acc": []} for label in models}
        eval_steps = []
        for step in range(1, cfg["steps"] + 1):
            for label, model in models.items():
                train_step(model, optimizers[label], *next(batches[label]))
            if step % cfg["eval_every"] == 0 or step == cfg["steps"]:
                eval_steps.append(step)
                for label, model in models.items():
                    curves[label]["train_acc"].append(accuracy(model, x_train, y_train))
                    curves[label]["test_acc"].append(accuracy(model, x_test, y_test))
            bar.update(1)
        for label in models:
            c = curves[label]
            runs[label].append({"seed": s, **c, "train_acc_end": c["train_acc"][-1],
                                "test_acc_end": c["test_acc"][-1],
                                "gap_end": c["train_acc"][-1] - c["test_acc"][-1]})
    bar.close()
    summary = {}
    for label, rs in runs.items():
        row = {}
        for key in ("train_acc_end", "test_acc_end", "gap_end"):
            values = [r[key] for r in rs]
            row[key.replace("_end", "")] = float(np.mean(values))
            row[key.replace("_end", "_sd")] = float(np.std(values, ddof=1)) \
                if len(values) > 1 else None
        summary[label] = row
    record = {"config": cfg, "seed": seed, "quick": quick, "eval_step": eval_steps,
              "summary": summary, "runs": runs}
    return [write_record(out, NAME, record), *plot(runs, eval_steps, out)]


def plot(runs: dict[str, list[dict[str, Any]]], eval_steps: list[int], out: Path) -> list[Path]:
    plt = pyplot()
    if plt is None:
        return []
    fig, (curve_ax, test_ax, gap_ax) = plt.subplots(1, 3, figsize=(15.0, 4.6))
    for i, (label, rs) in enumerate(runs.items()):
        color = VARIANTS[label][2]
        for k, r in enumerate(rs):
            curve_ax.plot(eval_steps, r["test_acc"], color=color, linewidth=1.2,
                          label=f"{label}: test" if k == 0 else None)
            curve_ax.plot(eval_steps, r["train_acc"], ":", color=color, linewidth=1.0,
                          label=f"{label}: train" if k == 0 else None)
        for ax, key in ((test_ax, "test_acc_end"), (gap_ax, "gap_end")):
            values = [r[key] for r in rs]
            ax.bar(i, np.mean(values), color=color, alpha=0.45)
            ax.plot([i] * len(values), values, "o", color=color, markersize=5)
    curve_ax.set(title="accuracy during training (eval mode), every seed", xlabel="step",
                 ylabel="accuracy", ylim=(0.8, 1.005))
    curve_ax.legend(fontsize=7, ncol=2)
    labels = list(runs)
    test_ax.set(title="final test accuracy (bar: mean, dots: seeds)", ylabel="accuracy")
    lows = [r["test_acc_end"] for rs in runs.values() for r in rs]
    test_ax.set_ylim(min(lows) - 0.02, min(1.0, max(lows) + 0.01))
    gap_ax.set(title="final train - test accuracy (overfitting gap)", ylabel="gap")
    for ax in (test_ax, gap_ax):
        ax.set_xticks(range(len(labels)), labels)
    for ax in (curve_ax, test_ax, gap_ax):
        ax.grid(alpha=0.3)
    fig.suptitle(f"Does BN regularize? MLP 784-100x3-10 on 4,000 MNIST images, "
                 f"{len(next(iter(runs.values())))} seed(s)")
    return [save(fig, out / f"{NAME}.png")]
