"""Gradient clipping, in place on the parameters' `.grad` arrays (PyTorch's nn.utils)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ...errors import ArgumentError, TinygradError
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[np.ndarray]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad._data for p in params if p.grad is not None]


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Scale all gradients by c = min(1, max_norm / (total + 1e-6)), where total is the
    norm_type-norm of all gradients seen as one vector (the max |g| for norm_type = inf);
    returns total (a 0-d Tensor, computed in float64). As PyTorch, the scaling happens even
    when c = 1 (a no-op), and a non-finite total raises only with error_if_nonfinite."""
    norm_type = float(norm_type)
    if norm_type <= 0 and not math.isinf(norm_type):
        raise ArgumentError(f"clip_grad_norm_: norm_type must be positive or inf, got "
                            f"{norm_type}")
    grads = _grads(parameters)
    if not grads:
        return Tensor(np.array(0.0))
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    else:
        total = float(sum(np.sum(np.abs(g.astype(np.float64)) ** norm_type) for g in grads)
                      ** (1.0 / norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise TinygradError(f"clip_grad_norm_: the total gradient norm is {total}; pass "
                            f"error_if_nonfinite=False to scale anyway")
    coefficient = min(1.0, max_norm / (total + 1e-6))
    for g in grads:
        g *= g.dtype.type(coefficient)
    return Tensor(np.array(total))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: Any) -> None:
    """Clamp every gradient element to [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    if clip_value < 0:
        raise ArgumentError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for g in _grads(parameters):
        np.clip(g, -clip_value, clip_value, out=g)
