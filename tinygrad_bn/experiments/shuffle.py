"""Unrepresentative batches: batch norm suffers when a mini-batch does not represent the data.

The MLP 784 -> 100 -> 100 -> 100 -> 10 (ReLU, PyTorch's default init), with
and without BatchNorm1d, SGD lr 0.01, batches of 60, fed three ways:

- `shuffled`: shuffled epochs (the normal case);
- `sorted`: the training set sorted by label and never shuffled: 0s, then 1s,
  ... (each batch holds one class, rarely two, and the classes come in order);
- `one-class`: every batch drawn from a single class picked at random, so the
  sequence is mixed but no batch is representative.

`sorted` also hurts a model without BN (it forgets earlier classes);
`one-class` isolates batch norm: the sequence is as mixed as with shuffling,
but BN subtracts each batch's mean, which is now the class's own mean: the
very signal that tells classes apart is removed during training, and the
running statistics used at test time describe a different mix.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn
from .common import (
    Batch,
    Progress,
    accuracy_on,
    bn_copy,
    epoch_batches,
    mlp,
    mnist,
    sgd_runs,
    sorted_batches,
    train_lockstep,
    write_record,
)
from .plotting import BN_COLOR, PLAIN_COLOR, pyplot, save

NAME = "shuffle"
ORDERS = {"shuffled": "shuffled epochs", "sorted": "sorted by class, never shuffled",
          "one-class": "one random class per batch"}


def config(quick: bool) -> dict[str, Any]:
    return {
        "sizes": [784, 100, 100, 100, 10], "activation": "relu", "batch_size": 60,
        "optimizer": "SGD", "lr": 0.01, "init": "PyTorch default",
        "orders": ["shuffled", "one-class"] if quick else list(ORDERS),
        "steps": 150 if quick else 1500, "eval_every": 50,
        "metric": "test accuracy (1000 images), eval mode; spread = std of the test accuracy "
                  "over the evaluations of the last half of training",
    }


def one_class_batches(x: np.ndarray, y: np.ndarray, batch_size: int,
                      rng: np.random.Generator) -> Iterator[Batch]:
    """Endless batches, each of `batch_size` distinct images of one class drawn at random."""
    members = [np.flatnonzero(y == c) for c in np.unique(y)]
    while True:
        idx = rng.choice(members[rng.integers(len(members))], batch_size, replace=False)
        yield x[idx], y[idx]


def _batches(order: str, x: np.ndarray, y: np.ndarray, batch_size: int,
             seed: int) -> Iterator[Batch]:
    if order == "shuffled":
        return epoch_batches(x, y, batch_size, seed)
    if order == "sorted":
        return sorted_batches(x, y, batch_size)
    return one_class_batches(x, y, batch_size, np.random.default_rng(seed))


def run(out: Path, quick: bool = False, seed: int = 0, progress: bool = False) -> list[Path]:
    cfg = config(quick)
    x_train, y_train, x_test, y_test = mnist()
    bar = Progress(cfg["steps"] * len(cfg["orders"]), NAME, progress)
    results = {}
    for order in cfg["orders"]:
        nn.init.manual_seed(seed)
        plain = mlp(cfg["sizes"])
        runs = sgd_runs({"bn": bn_copy(plain, cfg["sizes"]), "plain": plain}, cfg["lr"],
                        partial(_batches, order, x_train, y_train, cfg["batch_size"], seed))
        steps = train_lockstep(runs, cfg["steps"], bar, accuracy_on(x_test, y_test),
                               cfg["eval_every"])
        results[order] = {"step": steps, **{r.name: r.summary() for r in runs}}
    bar.close()
    summary = {order: {key: _summary(r[key]["evals"]["test_acc"]) for key in ("bn", "plain")}
               for order, r in results.items()}
    record = {"config": cfg, "seed": seed, "quick": quick, "summary": summary,
              "results": results}
    return [write_record(out, NAME, record), *plot(results, out)]


def _summary(accs: list[float]) -> dict[str, float]:
    late = accs[len(accs) // 2:]
    return {"final_test_acc": accs[-1], "late_mean": float(np.mean(late)),
            "late_spread": float(np.std(late))}


def plot(results: dict[str, dict[str, Any]], out: Path) -> list[Path]:
    plt = pyplot()
    if plt is None:
        return []
    fig, axes = plt.subplots(1, len(results), figsize=(4.4 * len(results), 3.6), sharey=True,
                             squeeze=False)
    for ax, (order, result) in zip(axes.flat, results.items()):
        for key, color, text in (("bn", BN_COLOR, "batch norm"), ("plain", PLAIN_COLOR, "no BN")):
            ax.plot(result["step"], result[key]["evals"]["test_acc"], color=color, label=text)
        ax.set(title=ORDERS[order], xlabel="training iteration (batch of 60)", ylim=(0, 1))
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
    axes[0, 0].set_ylabel("test accuracy (eval mode)")
    fig.suptitle("Batch norm and unrepresentative batches (MLP 784-100x3-10, SGD lr 0.01)")
    return [save(fig, out / f"{NAME}.png")]
