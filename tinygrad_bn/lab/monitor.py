"""`Monitor(model)`: the health of a network during training, seen from inside.

The statistics people plot by hand to see whether a deep network trains well (and what
batch normalization changes), recorded per layer at every `step()`:

- for each activation layer (Tanh, Sigmoid, ReLU and the other nn activations): the mean
  and standard deviation of its output; for Tanh the share of saturated outputs
  (|t| > 0.97, where the local derivative 1 - t^2 is below 0.06), for Sigmoid the same
  band (s < 0.015 or s > 0.985, the image of |tanh| > 0.97); for ReLU-like layers the
  share of dead units (a unit, i.e. a feature or channel, that is zero for every example
  of the batch, so that no gradient passes through it);
- the mean and standard deviation of the gradient of the loss with respect to that output;
- for every parameter: the update:data ratio log10(std(update) / std(data)), where the
  update is the change of the parameter since the previous `step()` (so it measures what
  the optimizer did, whatever it is), and std(grad) / std(data).

Use: build the model, `mon = Monitor(model)`, then after each `optimizer.step()` call
`mon.step()`. Only forward passes with grad enabled are recorded (an evaluation under
no_grad does not overwrite the training batch's activations). `mon.summary()` gives the
latest statistics, `mon.history` every step's, `mon.plot(path)` draws the figures.
`mon.remove()` (or leaving `with Monitor(model) as mon:`) takes its hooks off.

Without a monitor nothing is installed: the only cost of the feature is the module-call
check for hooks (see nn/hooks.py; benchmarks/bench_modes.py counts it).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn
from ..errors import ArgumentTypeError, DependencyError
from ..nn.hooks import RemovableHandle
from ..tensor import Tensor

__all__ = ["Monitor"]

SATURATING = (nn.Tanh, nn.Sigmoid)
RECTIFYING = (nn.ReLU,)
ACTIVATIONS = (nn.Tanh, nn.Sigmoid, nn.ReLU, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU,
               nn.Softplus)
TANH_SATURATION = 0.97
PANELS = ("activations", "gradients", "updates")
UPDATE_GUIDE = -3.0  # log10 of the update:data ratio a well-tuned learning rate gives (~1e-3)


def _std(a: np.ndarray) -> float:
    return float(a.std()) if a.size else math.nan


def _saturated(module: nn.Module, out: np.ndarray) -> float:
    if isinstance(module, nn.Tanh):
        return float(np.mean(np.abs(out) > TANH_SATURATION))
    # sigmoid(x) = (1 + tanh(x / 2)) / 2: the same band in the sigmoid's units
    return float(np.mean(np.abs(2 * out - 1) > TANH_SATURATION))


def _dead(out: np.ndarray) -> float:
    """Share of units (axis 1: features or channels) that are zero for the whole batch."""
    if out.ndim < 2:
        return float(np.all(out == 0))
    per_unit = np.moveaxis(out, 1, 0).reshape(out.shape[1], -1)
    return float(np.mean(np.all(per_unit == 0, axis=1)))


class Monitor:
    """Per-layer activation and gradient statistics and per-parameter update:data ratios of
    `model`, recorded at each `step()` (call it after `optimizer.step()`).

    layers: the module types whose outputs are watched (default: the nn activations);
    `summary()` -> {name: {stat: value}}: layers by their dotted name in the model, with
    mean, std, saturated (Tanh/Sigmoid) or dead (ReLU), grad_mean, grad_std; parameters by
    their dotted name, with update_ratio (log10) and grad_data_ratio.
    """

    def __init__(self, model: nn.Module, layers: tuple[type, ...] = ACTIVATIONS) -> None:
        if not isinstance(model, nn.Module):
            raise ArgumentTypeError(f"Monitor: expected an nn.Module, got "
                                    f"{type(model).__name__}")
        self.model = model
        self.layers = {name: module for name, module in model.named_modules()
                       if isinstance(module, layers)}
        self.params = dict(model.named_parameters())
        self.history: list[dict[str, dict[str, float]]] = []
        self._out: dict[str, np.ndarray] = {}  # the latest training batch's outputs
        self._grad: dict[str, np.ndarray] = {}
        self._previous = {name: p._data.copy() for name, p in self.params.items()}
        self._handles: list[RemovableHandle] = [
            module.register_forward_hook(self._watch(name))
            for name, module in self.layers.items()]

    def _watch(self, name: str) -> Any:
        def hook(module: nn.Module, args: tuple, out: Any) -> None:
            if not isinstance(out, Tensor) or not out.requires_grad:
                return  # an evaluation pass: keep the training batch's statistics
            self._out[name] = out._data
            self._grad.pop(name, None)

            def catch(grad: Tensor) -> None:
                self._grad[name] = grad._data

            out.register_hook(catch)
        return hook

    def step(self) -> dict[str, dict[str, float]]:
        """Record the statistics of the latest forward and backward and of the update since
        the previous step; returns them (also appended to `history`)."""
        stats: dict[str, dict[str, float]] = {}
        for name, module in self.layers.items():
            if name not in self._out:
                continue
            out = self._out[name]
            row = {"mean": float(out.mean()), "std": _std(out)}
            if isinstance(module, SATURATING):
                row["saturated"] = _saturated(module, out)
            elif isinstance(module, RECTIFYING):
                row["dead"] = _dead(out)
            grad = self._grad.get(name)
            row["grad_mean"] = float(grad.mean()) if grad is not None else math.nan
            row["grad_std"] = _std(grad) if grad is not None else math.nan
            stats[f"{name} ({type(module).__name__})"] = row
        for name, p in self.params.items():
            data_std = _std(p._data)
            update = p._data - self._previous[name]
            self._previous[name] = p._data.copy()
            ratio = _std(update) / data_std if data_std > 0 else math.nan
            grad_ratio = (_std(p.grad._data) / data_std if p.grad is not None and data_std > 0
                          else math.nan)
            stats[name] = {"update_ratio": math.log10(ratio) if ratio > 0 else -math.inf,
                           "grad_data_ratio": grad_ratio}
        self.history.append(stats)
        return stats

    def summary(self) -> dict[str, dict[str, float]]:
        """The latest step's statistics, {name: {stat: value}} (empty before any step)."""
        return self.history[-1] if self.history else {}

    def remove(self) -> None:
        """Take the monitor's hooks off the model."""
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()

    def plot(self, path: str | Path, title: str | None = None) -> Path:
        """Draw the figures into one PNG at `path`: the latest activation histograms per
        layer, the gradient histograms per layer, and the update:data ratio of every weight
        (parameters with 2 or more axes) over the steps with the 1e-3 guide line."""
        try:
            import matplotlib
        except ImportError as error:
            raise DependencyError("Monitor.plot needs matplotlib: pip install "
                                  "'tinygrad_bn[examples]'") from error
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 3, figsize=(16.0, 4.6))
        self.draw(axes)
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return path

    def draw(self, axes: Any, panels: tuple[str, ...] = PANELS) -> None:
        """Draw `panels` (of "activations", "gradients", "updates": the three of `plot`) into
        as many matplotlib axes."""
        for ax, panel in zip(axes, panels, strict=True):
            if panel == "updates":
                self._draw_updates(ax)
            else:
                self._draw_histograms(ax, panel)
            ax.grid(alpha=0.3)
            if ax.lines:
                ax.legend(fontsize=7)

    def _draw_histograms(self, ax: Any, panel: str) -> None:
        source = self._out if panel == "activations" else self._grad
        for name, module in self.layers.items():
            label = f"{name} ({type(module).__name__})"
            values = source.get(name)
            if values is None or not values.size:
                continue
            counts, edges = np.histogram(values, bins=50, density=True)
            stat = self.summary().get(label, {}) if panel == "activations" else {}
            extra = (f", saturated {stat['saturated']:.0%}" if "saturated" in stat
                     else f", dead {stat['dead']:.0%}" if "dead" in stat else "")
            ax.plot((edges[:-1] + edges[1:]) / 2, counts,
                    label=f"{label}: std {values.std():.2g}{extra}")
        if panel == "activations":
            ax.set(title="activations (latest step)", xlabel="output value", ylabel="density")
        else:
            ax.set(title="gradients of the activations (latest step)", xlabel="gradient value",
                   ylabel="density")

    def _draw_updates(self, ax: Any) -> None:
        for name, p in self.params.items():
            if p.ndim < 2:
                continue
            ratios = [h[name]["update_ratio"] for h in self.history if name in h]
            ax.plot(range(1, len(ratios) + 1), ratios, label=name)
        ax.axhline(UPDATE_GUIDE, color="black", linestyle="--", linewidth=1, label="1e-3 guide")
        ax.set(title="update:data ratio of the weights", xlabel="step",
               ylabel="log10(std(update) / std(weight))")
