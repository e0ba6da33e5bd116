"""A small conv net on MNIST with and without BatchNorm2d, at three learning rates.

Conv 3x3 (1 -> 8) -> [BN2d] -> ReLU -> max-pool 2 -> conv 3x3 (8 -> 16) ->
[BN2d] -> ReLU -> max-pool 2 -> Linear (784 -> 10). BatchNorm2d normalizes
each channel over the batch and all positions (m' = m * p * q values), with
one gamma and beta per channel. Both models start from the same weights
(PyTorch's default initialization) and see the same batches of 60; SGD at
lr 0.01, 0.1 and 0.5. The statement tested (faster learning, docs/sources.md):
learning is faster with BN and a larger learning rate becomes usable.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from .. import nn
from .common import (
    Progress,
    Run,
    accuracy,
    batch_stat_accuracy,
    bn_cost_per_batch,
    copy_weights,
    epoch_batches,
    mnist,
    sgd_runs,
    train_lockstep,
    write_record,
)
from .plotting import BN_COLOR, PLAIN_COLOR, pyplot, save

NAME = "cnn"


def config(quick: bool) -> dict[str, Any]:
    return {
        "layers": "conv3x3(1->8) [BN2d] ReLU maxpool2 conv3x3(8->16) [BN2d] ReLU maxpool2 "
                  "Linear(784->10)",
        "batch_size": 60, "optimizer": "SGD", "lrs": [0.1] if quick else [0.01, 0.1, 0.5],
        "init": "PyTorch default (kaiming uniform, a=sqrt(5))", "steps": 40 if quick else 500,
        "eval_every": 20 if quick else 50, "bn": {"impl": "fused", "eps": 1e-5, "momentum": 0.1},
        "metric": "test accuracy on the test images in eval mode; test_acc_batch_stats: test "
                  "batches of 60 normalized with their own statistics",
    }


def cnn(batch_norm: bool) -> nn.Sequential:
    """The conv net of this experiment, with or without BatchNorm2d after each conv."""
    def block(c_in: int, c_out: int) -> list[nn.Module]:
        norm = [nn.BatchNorm2d(c_out)] if batch_norm else []
        return [nn.Conv2d(c_in, c_out, 3, padding=1), *norm, nn.ReLU(), nn.MaxPool2d(2)]

    return nn.Sequential(*block(1, 8), *block(8, 16), nn.Flatten(), nn.Linear(16 * 7 * 7, 10))


def run(out: Path, quick: bool = False, seed: int = 0, progress: bool = False) -> list[Path]:
    cfg = config(quick)
    x_train, y_train, x_test, y_test = mnist()
    x_train, x_test = x_train.reshape(-1, 1, 28, 28), x_test.reshape(-1, 1, 28, 28)
    bar = Progress(cfg["steps"] * len(cfg["lrs"]), NAME, progress)

    def evaluate(r: Run) -> dict[str, float]:
        return {"test_acc": accuracy(r.model, x_test, y_test, 250),
                "test_acc_batch_stats": batch_stat_accuracy(r.model, x_test, y_test,
                                                            cfg["batch_size"])}

    results = []
    for lr in cfg["lrs"]:
        nn.init.manual_seed(seed)
        plain, bn = cnn(False), cnn(True)
        copy_weights(plain, bn)
        runs = sgd_runs({"bn": bn, "plain": plain}, lr,
                        partial(epoch_batches, x_train, y_train, cfg["batch_size"], seed))
        steps = train_lockstep(runs, cfg["steps"], bar, evaluate, cfg["eval_every"])
        result = {"lr": lr, "step": steps, **{r.name: r.summary() for r in runs}}
        result["bn_cost_per_batch"] = bn_cost_per_batch(result)
        results.append(result)
    bar.close()
    summary = [{"lr": r["lr"], "bn_final_test_acc": r["bn"]["evals"]["test_acc"][-1],
                "plain_final_test_acc": r["plain"]["evals"]["test_acc"][-1],
                "bn_final_test_acc_batch_stats": r["bn"]["evals"]["test_acc_batch_stats"][-1],
                "bn_steps_per_s": r["bn"]["steps_per_s"],
                "plain_steps_per_s": r["plain"]["steps_per_s"],
                "bn_cost_per_batch": r["bn_cost_per_batch"]} for r in results]
    record = {"config": cfg, "seed": seed, "quick": quick, "summary": summary,
              "results": results}
    return [write_record(out, NAME, record), *plot(results, out)]


def plot(results: list[dict[str, Any]], out: Path) -> list[Path]:
    plt = pyplot()
    if plt is None:
        return []
    fig, axes = plt.subplots(1, len(results), figsize=(4.4 * len(results), 3.6), sharey=True,
                             squeeze=False)
    for ax, result in zip(axes.flat, results):
        for key, color, text in (("bn", BN_COLOR, "BatchNorm2d"), ("plain", PLAIN_COLOR, "no BN")):
            r = result[key]
            ax.plot(result["step"], r["evals"]["test_acc"], color=color,
                    label=f"{text} ({r['steps_per_s']:.0f} batches/s)")
        ax.plot(result["step"], result["bn"]["evals"]["test_acc_batch_stats"], ":",
                color=BN_COLOR, label="BatchNorm2d, batch statistics")
        ax.set(title=f"SGD lr {result['lr']}", xlabel="training iteration (batch of 60)",
               ylim=(0, 1))
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    axes[0, 0].set_ylabel("test accuracy")
    fig.suptitle("Conv net on MNIST with and without BatchNorm2d")
    return [save(fig, out / f"{NAME}.png")]
