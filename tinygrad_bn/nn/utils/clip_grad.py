"""Gradient clipping, in place on the parameters' `.grad` arrays (PyTorch's nn.utils):
`clip_grad_norm_` is `get_total_norm` of the gradients then `clip_grads_with_norm_`;
`clip_grad_value_` clamps each element. `foreach` chooses among PyTorch's implementations
and changes nothing here (one implementation)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from ...errors import ArgumentError, ArgumentTypeError, BackwardError
from ...tensor import Tensor

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_",
           "get_total_norm"]


def _tensors(op: str, tensors: Any) -> list[Tensor]:
    items = [tensors] if isinstance(tensors, Tensor) else None
    if items is None:
        if not isinstance(tensors, Iterable):
            raise ArgumentTypeError(f"{op}: expected a Tensor or an iterable of Tensors, got "
                                    f"{type(tensors).__name__}")
        items = list(tensors)
    bad = [type(t).__name__ for t in items if not isinstance(t, Tensor)]
    if bad:
        raise ArgumentTypeError(f"{op}: expected Tensors, got a {bad[0]}")
    return items


def _grads(op: str, parameters: Any) -> list[np.ndarray]:
    return [p.grad._data for p in _tensors(op, parameters) if p.grad is not None]


def _order(op: str, norm_type: Any) -> float:
    try:
        order = float(norm_type)
    except (TypeError, ValueError):
        raise ArgumentTypeError(f"{op}: norm_type must be a number or 'inf', got "
                                f"{norm_type!r}") from None
    if math.isnan(order) or order < 0 and not math.isinf(order):
        raise ArgumentError(f"{op}: norm_type must be >= 0 or +-inf, got {norm_type!r}")
    return order


def _vector_norm(values: np.ndarray, order: float) -> float:
    """The order-norm of a flat float64 array (0: count of non-zeros; +-inf: max/min |v|)."""
    if not values.size:
        return 0.0
    magnitude = np.abs(values)
    if order == math.inf:
        return float(magnitude.max())
    if order == -math.inf:
        return float(magnitude.min())
    if order == 0:
        return float(np.count_nonzero(magnitude))
    return float(np.sum(magnitude ** order) ** (1.0 / order))


def get_total_norm(tensors: Tensor | Iterable[Tensor], norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """The norm_type-norm of the tensors' norms (= the norm of all their elements as one
    vector, for p-norms and inf), as a 0-d Tensor of their promoted dtype; 0 for none."""
    op = "get_total_norm"
    order = _order(op, norm_type)
    arrays = [t._data for t in _tensors(op, tensors)]
    if not arrays:
        return Tensor(np.array(0.0, np.float32))
    norms = np.array([_vector_norm(a.astype(np.float64).ravel(), order) for a in arrays])
    total = _vector_norm(norms, order)
    if error_if_nonfinite and not math.isfinite(total):
        raise BackwardError(f"{op}: the total gradient norm is {total} (of order {order}), "
                            f"so the gradients cannot be clipped; pass "
                            f"error_if_nonfinite=False to scale them by it anyway")
    dtype = np.result_type(*(a.dtype for a in arrays))
    return Tensor(np.array(total, dtype if dtype.kind == "f" else np.float32))


def clip_grads_with_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                          total_norm: Any, foreach: bool | None = None) -> None:
    """Scale every gradient by min(1, max_norm / (total_norm + 1e-6)), in place, computed in
    total_norm's dtype as PyTorch's."""
    grads = _grads("clip_grads_with_norm_", parameters)
    total = total_norm._data if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    dtype = total.dtype if total.dtype.kind == "f" else np.dtype(np.float32)
    coefficient = min(dtype.type(max_norm) / (total.astype(dtype) + dtype.type(1e-6)),
                      dtype.type(1.0))
    with np.errstate(invalid="ignore"):  # an infinite norm: inf * 0 is nan, as PyTorch's
        for g in grads:
            g *= g.dtype.type(coefficient)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Scale all gradients by c = min(1, max_norm / (total + 1e-6)), total the norm_type-norm
    of all gradients seen as one vector (the max |g| for norm_type = inf); returns total.
    As PyTorch, the scaling happens even when c = 1 (a no-op), and a non-finite total
    raises (a BackwardError, a RuntimeError) only with error_if_nonfinite."""
    parameters = _tensors("clip_grad_norm_", parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return Tensor(np.array(0.0, np.float32))
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters: Tensor | Iterable[Tensor], max_norm: float,
                   norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """Deprecated spelling of clip_grad_norm_ (PyTorch warns, as here)."""
    warnings.warn("nn.utils.clip_grad_norm is deprecated in favor of nn.utils.clip_grad_norm_",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: Any,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient element to [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    if clip_value < 0:
        raise ArgumentError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for g in _grads("clip_grad_value_", parameters):
        np.clip(g, -clip_value, clip_value, out=g)
