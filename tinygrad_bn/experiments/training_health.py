"""Training health seen from inside: a deep tanh MLP with and without batch norm, from a
naive and from a scaled initialization, watched by `tg.lab.Monitor`.

Four MLPs 784 -> 100 x 5 -> 10 with tanh, on the embedded MNIST (inputs in [0, 1]):
with or without BatchNorm1d between every hidden Linear and its tanh, and weights drawn
either "naive", N(0, 1), or "scaled", N(0, (5/3)^2 / fan_in) (Kaiming's rule with tanh's
gain 5/3, which keeps the pre-activation variance near 1 from layer to layer), biases 0.
Each BN model starts from the same draws as its plain twin. SGD, lr 0.1, batches of 64
(shuffled epochs, the same for all four), test accuracy in eval mode every few steps.

The Monitor records, after every step, each tanh layer's saturated share (|t| > 0.97,
where the local gradient 1 - t^2 is below 0.06), the spread of the gradients reaching
it, and each weight's update:data ratio. What to look for: with naive weights and no BN
the pre-activations have standard deviations of about 10 (sqrt(fan_in) times the
inputs'), so most tanh units sit in the flat tails, and the backward pass multiplies the
gradient by W^T (entries of std 1) at every layer, so it grows toward the input; the
scaled init fixes this by hand, BN fixes the hidden layers for either init because it
rescales each pre-activation to unit variance whatever the weights' scale. (The output
Linear has no BN after it: with naive weights its logits stay huge, which BN does not
cure - the reason such recipes also shrink the last layer's initial weights.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .. import lab, nn
from ..optim import SGD
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
from .plotting import pyplot, save

NAME = "training-health"
TANH_GAIN = 5 / 3
VARIANTS = {  # label -> (batch norm?, init)
    "no BN, naive init": (False, "naive"),
    "no BN, scaled init": (False, "scaled"),
    "BN, naive init": (True, "naive"),
    "BN, scaled init": (True, "scaled"),
}


def config(quick: bool) -> dict[str, Any]:
    return {
        "sizes": [784, 100, 100, 100, 100, 100, 10], "activation": "tanh", "batch_size": 64,
        "optimizer": "SGD", "lr": 0.1, "steps": 30 if quick else 500,
        "eval_every": 10 if quick else 50,
        "inits": {"naive": "weights N(0, 1)",
                  "scaled": "weights N(0, (5/3)^2 / fan_in) (Kaiming, tanh gain)"},
        "saturation": "|tanh| > 0.97",
    }


def initialize(model: nn.Module, init: str, rng: np.random.Generator) -> nn.Module:
    """Every Linear's weight from N(0, 1) ("naive") or N(0, gain^2 / fan_in) ("scaled");
    biases 0."""
    for module in model.modules():
        if isinstance(module, nn.Linear):
            std = 1.0 if init == "naive" else TANH_GAIN / np.sqrt(module.in_features)
            module.weight.data[...] = rng.normal(0.0, std, module.weight.shape)
            module.bias.data[...] = 0
    return model


def run(out: Path, quick: bool = False, seed: int = 0, progress: bool = False) -> list[Path]:
    cfg = config(quick)
    x_train, y_train, x_test, y_test = mnist()
    models: dict[str, nn.Module] = {}
    for label, (bn, init) in VARIANTS.items():
        plain = initialize(mlp(cfg["sizes"], "tanh"), init, np.random.default_rng([seed, 1]))
        if bn:
            models[label] = mlp(cfg["sizes"], "tanh", norm="batch")
            copy_weights(plain, models[label])
        else:
            models[label] = plain
    monitors = {label: lab.Monitor(model) for label, model in models.items()}
    optimizers = {label: SGD(model.parameters(), lr=cfg["lr"]) for label, model in models.items()}
    batches = {label: epoch_batches(x_train, y_train, cfg["batch_size"], seed) for label in models}
    bar = Progress(cfg["steps"], NAME, progress)
    plt = pyplot()
    start_fig = None
    if plt is not None:
        start_fig, start_axes = plt.subplots(len(models), 2, figsize=(11.5, 3.0 * len(models)))
    evals: dict[str, list[float]] = {label: [] for label in models}
    losses: dict[str, list[float]] = {label: [] for label in models}
    eval_steps = []
    for step in range(1, cfg["steps"] + 1):
        for label, model in models.items():
            x, y = next(batches[label])
            with np.errstate(over="ignore", invalid="ignore"):
                losses[label].append(train_step(model, optimizers[label], x, y))
            monitors[label].step()
        if step == 1 and start_fig is not None:  # the distributions the initialization gives
            for row, (label, mon) in zip(start_axes, monitors.items()):
                mon.draw(row, ("activations", "gradients"))
                row[0].set_title(f"{label}: activations after step 1")
                row[1].set_title(f"{label}: gradients after step 1")
        if step % cfg["eval_every"] == 0 or step == cfg["steps"]:
            eval_steps.append(step)
            for label, model in models.items():
                evals[label].append(accuracy(model, x_test, y_test))
        bar.update(1)
    bar.close()
    results = {}
    for label, mon in monitors.items():
        mon.remove()
        layers = [name for name in mon.history[0] if "(Tanh)" in name]
        weights = [name for name, p in mon.params.items() if p.ndim == 2]
        results[label] = {
            "saturated": {name: [h[name]["saturated"] for h in mon.history] for name in layers},
            "grad_std": {name: [h[name]["grad_std"] for h in mon.history] for name in layers},
            "update_ratio": {name: [h[name]["update_ratio"] for h in mon.history]
                             for name in weights},
            "test_acc": evals[label], "losses": losses[label]}
    summary = {label: {
        "saturated_step1": float(np.mean([v[0] for v in r["saturated"].values()])),
        "saturated_end": float(np.mean([v[-1] for v in r["saturated"].values()])),
        "grad_std_first_over_last_layer_step1": float(
            list(r["grad_std"].values())[0][0] / list(r["grad_std"].values())[-1][0]),
        "test_acc_first_eval": r["test_acc"][0], "test_acc_end": r["test_acc"][-1]}
        for label, r in results.items()}
    record = {"config": cfg, "seed": seed, "quick": quick, "eval_step": eval_steps,
              "summary": summary, "results": results}
    files = [write_record(out, NAME, record)]
    if start_fig is not None:
        start_fig.suptitle("Deep tanh MLP (784-100x5-10) at initialization, seen by tg.lab.Monitor")
        files.append(save(start_fig, out / f"{NAME}-start.png"))
        files.append(plot_steps(plt, results, eval_steps, out))
    return files


def plot_steps(plt: Any, results: dict[str, Any], eval_steps: list[int], out: Path) -> Path:
    """Per variant: the saturated share of each tanh layer and the weights' update:data
    ratios over the steps; and the test accuracy of all four."""
    fig, axes = plt.subplots(len(results) + 1, 2, figsize=(11.5, 2.8 * (len(results) + 1)))
    for row, (label, r) in zip(axes, results.items()):
        for name, values in r["saturated"].items():
            row[0].plot(range(1, len(values) + 1), values, label=f"layer {name}")
        row[0].set(title=f"{label}: saturated share |t| > 0.97", ylim=(-0.02, 1.02),
                   xlabel="step")
        for name, values in r["update_ratio"].items():
            row[1].plot(range(1, len(values) + 1), values, label=name)
        row[1].axhline(-3, color="black", linestyle="--", linewidth=1, label="1e-3 guide")
        row[1].set(title=f"{label}: log10 update:data ratio", xlabel="step")
        for ax in row:
            ax.set_xscale("log")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=6, ncol=2)
    acc_ax, loss_ax = axes[-1]
    for label, r in results.items():
        acc_ax.plot(eval_steps, r["test_acc"], marker="o", markersize=3, label=label)
        loss_ax.plot(range(1, len(r["losses"]) + 1), r["losses"], linewidth=0.8, label=label)
    acc_ax.set(title="test accuracy (eval mode)", xlabel="step", ylim=(0, 1))
    loss_ax.set(title="training loss", xlabel="step", yscale="log")
    for ax in (acc_ax, loss_ax):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("Deep tanh MLP during training: saturation, update ratios, accuracy")
    return save(fig, out / f"{NAME}.png")
