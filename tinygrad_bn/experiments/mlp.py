"""The MLP accuracy-and-speed experiment (docs/sources.md): an MLP on MNIST with and
without batch norm, ReLU and sigmoid.

MLP 784 -> 100 -> 100 -> 100 -> 10; the BN model has BatchNorm1d between every
hidden Linear and its activation, otherwise the two are identical and start
from the same weights, drawn from N(0, 0.05^2) ("small variance"; biases 0).
SGD, lr 0.01, batches of 60 from shuffled epochs of the 4,000 training
images; test accuracy on the 1,000 test images (eval mode) every
`eval_every` steps. The article reports: both reach high accuracy, BN passes
90% almost at once, and BN costs 1.9x per batch (270 vs 510 batches/s) yet
converges in less total time.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from .common import (
    Progress,
    accuracy_on,
    bn_copy,
    bn_cost_per_batch,
    epoch_batches,
    init_normal,
    mlp,
    mnist,
    sgd_runs,
    sizes_text,
    train_lockstep,
    write_record,
)
from .plotting import BN_COLOR, PLAIN_COLOR, pyplot, save

NAME = "mlp"
TARGET_ACC = 0.9


def config(quick: bool) -> dict[str, Any]:
    return {
        "sizes": [784, 100, 100, 100, 10], "activations": ["relu", "sigmoid"],
        "batch_size": 60, "optimizer": "SGD", "lr": 0.01, "init_std": 0.05,
        "init": "weights N(0, init_std^2), biases 0", "steps": 120 if quick else 5000,
        "eval_every": 40 if quick else 100, "bn": {"impl": "fused", "eps": 1e-5, "momentum": 0.1},
        "metric": "test accuracy on the test images, eval mode",
    }


def bn_vs_plain(cfg: dict[str, Any], activation: str, seed: int, data: tuple,
                bar: Progress | None) -> dict[str, Any]:
    """Train the plain and the BN MLP of `cfg` in lockstep on the same batches; returns
    each run's summary (losses, test accuracy per evaluation, step times) and the steps."""
    x_train, y_train, x_test, y_test = data
    plain = init_normal(mlp(cfg["sizes"], activation), cfg["init_std"],
                        np.random.default_rng(seed))
    bn = bn_copy(plain, cfg["sizes"], activation=activation, impl=cfg["bn"]["impl"],
                 eps=cfg["bn"]["eps"])
    runs = sgd_runs({"bn": bn, "plain": plain}, cfg["lr"],
                    partial(epoch_batches, x_train, y_train, cfg["batch_size"], seed))
    steps = train_lockstep(runs, cfg["steps"], bar, accuracy_on(x_test, y_test),
                           cfg["eval_every"])
    result: dict[str, Any] = {"step": steps}
    for r in runs:
        summary = r.summary()
        summary["first_step_at_target"], summary["train_s_to_target"] = _time_to(
            TARGET_ACC, steps, summary["evals"]["test_acc"], r.step_times)
        result[r.name] = summary
    result["bn_cost_per_batch"] = bn_cost_per_batch(result)
    return result


def _time_to(target: float, steps: list[int], accs: list[float],
             step_times: list[float]) -> tuple[int | None, float | None]:
    """The first evaluated step with accuracy >= target, and the training time spent
    until then (sum of step times); (None, None) if never reached."""
    for step, acc in zip(steps, accs):
        if acc >= target:
            return step, float(np.sum(step_times[:step]))
    return None, None


def run(out: Path, quick: bool = False, seed: int = 0, progress: bool = False) -> list[Path]:
    cfg = config(quick)
    data = mnist()
    bar = Progress(cfg["steps"] * len(cfg["activations"]), NAME, progress)
    results = {act: bn_vs_plain(cfg, act, seed, data, bar) for act in cfg["activations"]}
    bar.close()
    record = {"config": cfg, "seed": seed, "quick": quick, "results": results,
              "summary": {act: {k: {"final_test_acc": r[k]["evals"]["test_acc"][-1],
                                    "steps_per_s": r[k]["steps_per_s"],
                                    "first_step_at_90": r[k]["first_step_at_target"],
                                    "train_s_to_90": r[k]["train_s_to_target"]}
                                for k in ("bn", "plain")}
                          | {"bn_cost_per_batch": r["bn_cost_per_batch"]}
                          for act, r in results.items()}}
    return [write_record(out, NAME, record), *plot(results, out, sizes_text(data))]


def accuracy_axes(ax: Any, result: dict[str, Any], title: str) -> None:
    """Test accuracy against iteration for the BN and the plain model of one result."""
    for key, color, text in (("bn", BN_COLOR, "batch norm"), ("plain", PLAIN_COLOR, "no BN")):
        r = result[key]
        ax.plot(result["step"], r["evals"]["test_acc"], color=color,
                label=f"{text} ({r['steps_per_s']:.0f} batches/s)")
    ax.axhline(TARGET_ACC, color="grey", linewidth=0.8, linestyle=":")
    ax.annotate(f"{TARGET_ACC:.0%} test accuracy", (0.01, TARGET_ACC), xycoords=("axes fraction",
                "data"), xytext=(0, 3), textcoords="offset points", fontsize=8, color="dimgrey")
    ax.set(title=title, xlabel="training iteration (batch of 60)", ylabel="test accuracy",
           ylim=(0, 1))
    ax.grid(alpha=0.3)
    ax.legend(loc="center right", fontsize=8)


def plot(results: dict[str, dict[str, Any]], out: Path, sizes: str) -> list[Path]:
    plt = pyplot()
    if plt is None:
        return []
    fig, axes = plt.subplots(1, len(results), figsize=(5.2 * len(results), 3.8), squeeze=False)
    for ax, (act, result) in zip(axes.flat, results.items()):
        cost = result["bn_cost_per_batch"]
        accuracy_axes(ax, result, f"{act}: BN costs {cost:.2f}x per batch")
    fig.suptitle(f"MLP 784-100-100-100-10 on MNIST ({sizes}), SGD lr 0.01")
    return [save(fig, out / f"{NAME}.png")]
