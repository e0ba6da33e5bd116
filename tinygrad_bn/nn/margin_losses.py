"""The multi-class margin losses, PyTorch's F.multi_margin_loss / nn.MultiMarginLoss and
F.multilabel_margin_loss / nn.MultiLabelMarginLoss, for scores x of shape (N, C) or (C,):

    multi_margin:       l_n = sum_{i != y_n} w[y_n] max(0, margin - x[y_n] + x[i])^p / C
    multilabel_margin:  l_n = sum_{j in Y_n, i not in Y_n} max(0, 1 - (x[j] - x[i])) / C

where Y_n are the target classes of sample n, listed first in its target row and ended by
the first -1 (a class listed twice counts twice, as in PyTorch). Composites of Tensor ops
(the hinge's kink gets the subgradient 0); reduced by reduction = "mean" | "sum" | "none".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError, DTypeError, IndexOutOfRange, ShapeError
from ..tensor import Tensor, as_tensor
from .arguments import same_dtype
from .legacy_reduction import legacy_reduction
from .loss_modules import _WeightedLoss
from .losses import _check_reduction, _reduce
from .module import Module

__all__ = ["MultiLabelMarginLoss", "MultiMarginLoss", "multi_margin_loss",
           "multilabel_margin_loss"]


def _scores_and_targets(op: str, input: Any, target: Any, target_rank: int  # noqa: A002
                        ) -> tuple[Tensor, np.ndarray, bool]:
    x = as_tensor(input)
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    if x.dtype.kind != "f":
        raise DTypeError(f"{op}: input must be floating, got dtype {x.dtype}")
    if t.dtype.kind not in "iu":
        raise DTypeError(f"{op}: target must hold class indices (integers), got dtype "
                         f"{t.dtype}")
    if x.ndim == 0:  # PyTorch's: one sample's scores of a single class
        x = x.reshape(1)
        t = t.reshape(1) if target_rank == 2 and t.shape == () else t
    if target_rank == 1 and x.ndim == 1 and t.shape == (1,):  # PyTorch's batch of one
        x = x.reshape(1, -1)
    single = x.ndim == 1
    if x.ndim not in (1, 2) or x.shape[-1] == 0:
        raise ShapeError(f"{op}: input must be (N, C), (C,) with C > 0 or 0-d, got "
                         f"{x.shape}")
    expected = (x.shape[0],) if target_rank == 1 and not single else \
        (() if target_rank == 1 else x.shape)
    if t.shape != expected:
        raise ShapeError(f"{op}: target of shape {t.shape} does not fit input {x.shape} "
                         f"(expected {expected})")
    if single:
        x, t = x.reshape(1, -1), t.reshape(1, -1) if target_rank == 2 else t.reshape(1)
    return x, t.astype(np.int64), single


def multi_margin_loss(input: Any, target: Any, p: int = 1, margin: float = 1.0,  # noqa: A002
                      weight: Any = None, size_average: Any = None, reduce: Any = None,
                      reduction: str = "mean") -> Tensor:
    """The multi-class hinge loss (see the module docstring); p is 1 or 2."""
    op = "multi_margin_loss"
    reduction = legacy_reduction(op, size_average, reduce, reduction)
    _check_reduction(op, reduction)
    if p not in (1, 2) or isinstance(p, bool):
        raise ArgumentError(f"{op}: only p == 1 and p == 2 are supported, got {p!r}")
    w = None if weight is None else as_tensor(weight)
    if w is not None and w.ndim != 1:  # (checked first, as PyTorch's Python wrapper does)
        raise ShapeError(f"{op}: weight must be one-dimensional (one per class), got shape "
                         f"{w.shape}")
    x, t, single = _scores_and_targets(op, input, target, 1)
    n, c = x.shape
    if t.size and (t.min() < 0 or t.max() >= c):
        raise IndexOutOfRange(f"{op}: target {int(t[(t < 0) | (t >= c)][0])} is out of range "
                              f"for {c} classes")
    rows = np.arange(n)
    picked = x[rows, t].reshape(n, 1)
    hinge = (x - picked + margin).relu()
    if p == 2:
        hinge = hinge * hinge
    if w is not None:
        if isinstance(weight, Tensor):  # PyTorch's loss does not promote a weight tensor
            same_dtype(op, x.dtype, weight=w)
        if w.shape != (c,):
            raise ShapeError(f"{op}: weight must have shape ({c},), got {w.shape}")
        hinge = hinge * w[t].reshape(n, 1)
    others = np.ones((n, c), dtype=bool)
    others[rows, t] = False
    loss = (hinge * Tensor(others.astype(x.dtype))).sum(axis=1) / c
    return _reduce(loss.reshape(()) if single else loss, reduction, op)


def multilabel_margin_loss(input: Any, target: Any, size_average: Any = None,  # noqa: A002
                           reduce: Any = None, reduction: str = "mean") -> Tensor:
    """The multi-label hinge loss (see the module docstring)."""
    op = "multilabel_margin_loss"
    reduction = legacy_reduction(op, size_average, reduce, reduction)
    _check_reduction(op, reduction)
    x, t, single = _scores_and_targets(op, input, target, 2)
    n, c = x.shape
    if t.size and (t.min() < -1 or t.max() >= c):
        raise IndexOutOfRange(f"{op}: target entries must be class indices in [0, {c}) or "
                              f"-1 (the end of a sample's list), got "
                              f"{int(t[(t < -1) | (t >= c)][0])}")
    pairs = np.zeros((n, c, c), dtype=x.dtype)  # pairs[n, j, i]: j listed, i no target
    for row in range(n):
        listed = t[row]
        end = np.flatnonzero(listed == -1)
        listed = listed[:end[0] if end.size else c]
        counts = np.bincount(listed, minlength=c)  # a class listed twice counts twice
        pairs[row] = counts[:, None] * (counts == 0)[None, :]
    margins = (1.0 - (x.reshape(n, c, 1) - x.reshape(n, 1, c))).relu()
    loss = (margins * Tensor(pairs)).sum(axis=(1, 2)) / c
    return _reduce(loss.reshape(()) if single else loss, reduction, op)


class MultiMarginLoss(_WeightedLoss):
    """multi_margin_loss as a module; `weight` (per class) is a buffer, as PyTorch's."""

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Any = None,
                 size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2) or isinstance(p, bool):
            raise ArgumentError(f"MultiMarginLoss: only p == 1 and p == 2 are supported, got "
                                f"{p!r}")
        self.p, self.margin = p, margin

    def forward(self, input: Any, target: Any) -> Tensor:  # noqa: A002
        return multi_margin_loss(input, target, self.p, self.margin, self._class_weight(),
                                 reduction=self.reduction)


class MultiLabelMarginLoss(Module):
    """multilabel_margin_loss as a module."""

    def __init__(self, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__()
        reduction = legacy_reduction("MultiLabelMarginLoss", size_average, reduce, reduction)
        _check_reduction("MultiLabelMarginLoss", reduction)
        self.reduction = reduction

    def forward(self, input: Any, target: Any) -> Tensor:  # noqa: A002
        return multilabel_margin_loss(input, target, reduction=self.reduction)
