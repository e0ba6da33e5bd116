"""Adafactor (Shazeer and Stern 2018) as PyTorch's torch.optim.Adafactor: a second-moment
estimate that, for a matrix (or a batch of them: the last two axes), keeps only its row and
column means, so the state is O(rows + columns) instead of O(rows x columns).

At step t (g the gradient, -g with maximize), with beta2 decay c <= 0 and eps = (eps1, eps2):

    w       = t^c                                    (the weight of the new square)
    rho     = min(lr, 1 / sqrt(t));  alpha = max(eps2, RMS(p)) rho   (p before the decay)
    p      <- p (1 - lr weight_decay)
    matrix: R <- R + w (mean_cols(g^2) - R);  C <- C + w (mean_rows(g^2) - C)
            V = R C / mean_rows(R)  (R: row means, C: column means; the denominator at
            least eps1)
    else:   V <- V + w (g^2 - V)
    u = g / sqrt(max(V, eps1^2));  p <- p - alpha u / max(1, RMS(u) / d)

eps1 None means the parameter dtype's machine epsilon. State: step, and row_var/col_var
(shapes (..., n, 1) and (..., 1, m)) or variance, PyTorch's names and shapes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ArgumentError
from .optimizer import Optimizer, _check_range, _Scratch


class Adafactor(Optimizer):
    """Adafactor, PyTorch's defaults: lr 1e-2, beta2_decay -0.8, eps (None, 1e-3), d 1.0,
    weight_decay 0 (decoupled, multiplied by lr); see the module docstring."""

    def __init__(self, params: Any, lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0,
                 weight_decay: float = 0.0, *, foreach: bool | None = None,
                 maximize: bool = False) -> None:
        super().__init__(params, {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d,
                                  "weight_decay": weight_decay, "foreach": foreach,
                                  "maximize": maximize})

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_range("Adafactor", lr=group["lr"])
        decay, eps, d = group["beta2_decay"], group["eps"], group["d"]
        if isinstance(decay, bool) or not isinstance(decay, int | float) or decay > 0:
            raise ArgumentError(f"Adafactor: beta2_decay must be a number <= 0, got {decay!r}")
        if not isinstance(eps, tuple | list) or len(eps) != 2:
            raise ArgumentError(f"Adafactor: eps must be a pair (eps1 or None, eps2), got "
                                f"{eps!r}")
        if eps[0] is not None:
            _check_range("Adafactor", eps1=eps[0])
        _check_range("Adafactor", eps2=eps[1])
        if isinstance(d, bool) or not isinstance(d, int | float) or not d >= 1.0:
            raise ArgumentError(f"Adafactor: the clipping threshold d must be >= 1, got {d!r}")

    def _state_shape(self, key: str, shape: tuple[int, ...]) -> tuple[int, ...]:
        if key == "row_var":
            return shape[:-1] + (1,)
        if key == "col_var":
            return shape[:-2] + (1,) + shape[-1:]
        return shape

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any], s: _Scratch) -> None:
        lr, decay, d, wd = group["lr"], group["beta2_decay"], group["d"], group["weight_decay"]
        eps1, eps2 = group["eps"]
        if eps1 is None:
            eps1 = float(np.finfo(param.dtype).eps)
        matrix = grad.ndim > 1
        if not state:
            state["step"] = 0.0
            if matrix:
                state["row_var"] = np.zeros(grad.shape[:-1] + (1,), dtype=param.dtype)
                state["col_var"] = np.zeros(grad.shape[:-2] + (1, grad.shape[-1]),
                                            dtype=param.dtype)
            else:
                state["variance"] = np.zeros_like(param)
        state["step"] += 1.0
        t = state["step"]
        weight = t ** decay
        rho = min(lr, 1.0 / math.sqrt(t))
        rms = float(np.sqrt(np.mean(np.square(param, dtype=np.float64)))) if param.size else 0.0
        alpha = max(eps2, rms) * rho
        if wd:
            param *= 1.0 - lr * wd
        square = np.multiply(grad, grad, out=s[0])
        if matrix:
            rows, cols = state["row_var"], state["col_var"]
            rows += weight * (square.mean(axis=-1, keepdims=True) - rows)
            cols += weight * (square.mean(axis=-2, keepdims=True) - cols)
            estimate = np.matmul(rows, cols, out=s[1])
            estimate /= np.maximum(rows.mean(axis=-2, keepdims=True), eps1)
        else:
            variance = state["variance"]
            variance += weight * (square - variance)
            estimate = s[1]
            np.copyto(estimate, variance)
        np.maximum(estimate, eps1 * eps1, out=estimate)
        update = np.sqrt(estimate, out=estimate)
        np.divide(grad, update, out=update)
        size = update.size
        norm = float(np.sqrt(np.sum(np.square(update, dtype=np.float64)))) if size else 0.0
        denominator = max(1.0, norm / (math.sqrt(size) * d)) if size else 1.0
        update *= alpha / denominator
        param -= update
