"""The ranking, embedding, margin and likelihood losses, as functions and Modules, with
PyTorch's formulas, arguments and defaults, composed of Tensor ops (so gradients of
every order, and forward mode, follow from the primitives):

    cosine_embedding_loss  = 1 - cos(a, b) where y = 1, max(0, cos(a, b) - margin) where y = -1
    margin_ranking_loss    = max(0, -y (x1 - x2) + margin)
    triplet_margin_loss    = max(0, margin + d(a, p) - d(a, n)),  d the p-norm distance
                             (swap: d(a, n) replaced by min(d(a, n), d(p, n)))
    hinge_embedding_loss   = x where y != -1, plus max(0, margin - x) where y != 1
    soft_margin_loss       = log(1 + exp(-y x))
    multilabel_soft_margin = -mean_c (y log sigmoid(x) + (1 - y) log sigmoid(-x))
    poisson_nll_loss       = exp(x) - y x  (log_input) or x - y log(x + eps), plus Stirling's
                             y log y - y + log(2 pi y) / 2 where y > 1 when full
    gaussian_nll_loss      = (log max(var, eps) + (x - y)^2 / max(var, eps)) / 2
                             (+ log(2 pi) / 2 when full)

Each is reduced by reduction = "mean" | "sum" | "none" as PyTorch does.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError, BackwardError, ShapeError
from ..tensor import Tensor, as_tensor, where
from .activations import log1p_exp
from .arguments import real_number
from .distances import PairwiseDistance, pairwise_distance
from .legacy_reduction import legacy_reduction
from .loss_modules import _Loss, _WeightedLoss
from .losses import _check_reduction, _elementwise_weight, _reduce

__all__ = [
    "CosineEmbeddingLoss", "GaussianNLLLoss", "HingeEmbeddingLoss", "MarginRankingLoss",
    "MultiLabelSoftMarginLoss", "PoissonNLLLoss", "SoftMarginLoss", "TripletMarginLoss",
    "cosine_embedding_loss", "gaussian_nll_loss", "hinge_embedding_loss",
    "margin_ranking_loss", "multilabel_soft_margin_loss", "poisson_nll_loss",
    "soft_margin_loss", "triplet_margin_loss",
]


def _tensors(op: str, *values: Any) -> list[Tensor]:
    """Every value as a Tensor (arrays become constants in the first one's dtype)."""
    first = as_tensor(values[0])
    out = [first]
    for value in values[1:]:
        if isinstance(value, Tensor):
            out.append(value)
            continue
        try:
            if value is None or isinstance(value, str | bytes):
                raise TypeError
            out.append(Tensor(np.asarray(value, dtype=first.dtype)))
        except (TypeError, ValueError) as error:
            raise ArgumentTypeError(f"{op}: expected an array or Tensor of numbers, got "
                             f"{type(value).__name__} {value!r}") from error
    return out


def _same_shape(op: str, names: str, *tensors: Tensor) -> None:
    shapes = [t.shape for t in tensors]
    if any(s != shapes[0] for s in shapes):
        raise ShapeError(f"{op}: {names} must have one shape, got " +
                         ", ".join(str(s) for s in shapes))


def _broadcast_shape(op: str, names: str, *tensors: Tensor) -> tuple[int, ...]:
    """The shape the tensors broadcast to, or a ShapeError naming them."""
    shapes = [t.shape for t in tensors]
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ShapeError(f"{op}: {names} must broadcast together, got shapes " +
                         ", ".join(str(s) for s in shapes)) from None


def _positive_rectified(x: Tensor) -> Tensor:
    return x.clip(min=0.0)


def cosine_embedding_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0,
                          size_average: bool | None = None, reduce: bool | None = None,
                          reduction: str = "mean") -> Tensor:
    """1 - cos(a, b) for y = 1, max(0, cos(a, b) - margin) for y = -1 and 0 for any other
    label (PyTorch's formula), cos along the last dim of (N, D) or (D,) inputs with
    PyTorch's guard |a|^2 + 1e-12 under the root."""
    op = "cosine_embedding_loss"
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(op, size_average, reduce, reduction)
    a, b, y = _tensors(op, input1, input2, target)
    real_number(op, "margin", margin)
    _check_reduction(op, reduction)
    if a.ndim not in (1, 2) or a.shape != b.shape or y.shape != a.shape[:-1]:
        raise ShapeError(f"{op}: expected inputs of one shape (N, D) or (D,) and target (N,) "
                         f"or (), got {a.shape}, {b.shape} and {y.shape}")
    labels = y._data
    eps = float(np.float32(1e-12))  # PyTorch's EPSILON is a float: 9.9999999600e-13
    cos = (a * b).sum(-1) / (((a * a).sum(-1) + eps) * ((b * b).sum(-1) + eps)).sqrt()
    loss = where(labels == 1, 1.0 - cos, 0.0) + \
        where(labels == -1, _positive_rectified(cos - margin), 0.0)
    return _reduce(loss, reduction, op)


def margin_ranking_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    """max(0, -y (x1 - x2) + margin) elementwise (y = 1: x1 should rank higher); the three
    have one number of dims and broadcast together, as PyTorch's."""
    op = "margin_ranking_loss"
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(op, size_average, reduce, reduction)
    x1, x2, y = _tensors(op, input1, input2, target)
    real_number(op, "margin", margin)
    _check_reduction(op, reduction)
    shapes = (x1.shape, x2.shape, y.shape)
    try:
        if not x1.ndim == x2.ndim == y.ndim:
            raise ValueError("ranks differ")
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise ShapeError(f"{op}: input1, input2 and target must have one number of dims and "
                         f"broadcast together, got shapes {shapes}") from None
    return _reduce(_positive_rectified(-y * (x1 - x2) + margin), reduction, op)


def triplet_margin_loss(anchor: Any, positive: Any, negative: Any, margin: float = 1.0,
                        p: float = 2, eps: float = 1e-6, swap: bool = False,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    """max(0, margin + d(a, p) - d(a, n)) per row, d = pairwise_distance(., ., p, eps); with
    swap the negative distance is min(d(a, n), d(p, n)) (Balntas et al.)."""
    op = "triplet_margin_loss"
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(op, size_average, reduce, reduction)
    a, pos, neg = _tensors(op, anchor, positive, negative)
    real_number(op, "margin", margin)
    real_number(op, "p", p)
    _check_reduction(op, reduction)
    if a.ndim not in (1, 2):
        raise ShapeError(f"{op}: expected inputs of shape (N, D) or (D,), got {a.shape}")
    _same_shape(op, "anchor, positive and negative", a, pos, neg)
    return _triplet(op, lambda u, v: pairwise_distance(u, v, p, eps), a, pos, neg, margin,
                    swap, reduction)


def _triplet(op: str, distance: Any, a: Tensor, pos: Tensor, neg: Tensor, margin: float,
             swap: bool, reduction: str) -> Tensor:
    """max(0, margin + d(a, p) - d(a, n)), d(a, n) replaced by d(p, n) where smaller (swap)."""
    if margin <= 0:
        raise ArgumentError(f"{op}: margin must be greater than 0, got {margin}")
    d_pos, d_neg = distance(a, pos), distance(a, neg)
    if swap:
        d_swap = distance(pos, neg)
        d_neg = where(d_swap._data < d_neg._data, d_swap, d_neg)
    return _reduce(_positive_rectified(margin + d_pos - d_neg), reduction, op)


def triplet_margin_with_distance_loss(anchor: Any, positive: Any, negative: Any, *,
                                      distance_function: Any = None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Tensor:
    """max(0, margin + d(a, p) - d(a, n)) per sample with any distance d (a callable of two
    Tensors; default pairwise_distance); swap as triplet_margin_loss."""
    op = "triplet_margin_with_distance_loss"
    a, pos, neg = _tensors(op, anchor, positive, negative)
    real_number(op, "margin", margin)
    _check_reduction(op, reduction)
    if not a.ndim == pos.ndim == neg.ndim:
        raise ShapeError(f"{op}: anchor, positive and negative must have the same number of "
                         f"dims, got shapes {a.shape}, {pos.shape} and {neg.shape}")
    if distance_function is not None and not callable(distance_function):
        raise ArgumentTypeError(f"{op}: distance_function must be callable or None, got "
                                f"{type(distance_function).__name__}")
    return _triplet(op, distance_function or pairwise_distance, a, pos, neg, margin, swap,
                    reduction)


def hinge_embedding_loss(input: Any, target: Any, margin: float = 1.0,  # noqa: A002
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """x where y != -1 plus max(0, margin - x) where y != 1, elementwise, input and target
    broadcast together: PyTorch's formula term for term, so a target neither 1 nor -1 gets
    both terms (x + max(0, margin - x)), as PyTorch's; the target gets no gradient."""
    op = "hinge_embedding_loss"
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(op, size_average, reduce, reduction)
    x, y = _tensors(op, input, target)
    real_number(op, "margin", margin)
    _check_reduction(op, reduction)
    shape = _broadcast_shape(op, "input and target", x, y)
    x = x if x.shape == shape else x.expand(shape)
    labels = np.broadcast_to(y._data, shape)
    return _reduce(where(labels != -1, x, 0.0) +
                   where(labels != 1, _positive_rectified(margin - x), 0.0), reduction, op)


def soft_margin_loss(input: Any, target: Any,  # noqa: A002
                     size_average: bool | None = None, reduce: bool | None = None,
                     reduction: str = "mean") -> Tensor:
    """log(1 + exp(-y x)) elementwise (the logistic loss of ±1 labels), without overflow."""
    op = "soft_margin_loss"
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(op, size_average, reduce, reduction)
    x, y = _tensors(op, input, target)
    _check_reduction(op, reduction)
    _same_shape(op, "input and target", x, y)
    if y.requires_grad:  # PyTorch's kernel has no target gradient and refuses to pretend
        raise BackwardError(f"{op}: not differentiable with respect to target (as PyTorch); "
                            f"pass target.detach()")
    return _reduce(log1p_exp(-y * x), reduction, op)


def multilabel_soft_margin_loss(input: Any, target: Any, weight: Any = None,  # noqa: A002
                                size_average: bool | None = None, reduce: bool | None = None,
                                reduction: str = "mean") -> Tensor:
    """-(1/C) sum_c w_c (y_c log sigmoid(x_c) + (1 - y_c) log sigmoid(-x_c)) per sample of
    (N, C) or (C,) logits, with -log sigmoid(x) = log(1 + e^-x) so no logit overflows."""
    op = "multilabel_soft_margin_loss"
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(op, size_average, reduce, reduction)
    x, y = _tensors(op, input, target)
    _check_reduction(op, reduction)
    if x.ndim not in (1, 2):
        raise ShapeError(f"{op}: expected input of shape (N, C) or (C,), got {x.shape}")
    _same_shape(op, "input and target", x, y)
    loss = y * log1p_exp(-x) + (1.0 - y) * log1p_exp(x)
    w = _elementwise_weight(op, weight, x)
    if w is not None:
        loss = loss * w
    return _reduce(loss.mean(-1), reduction, op)


def poisson_nll_loss(input: Any, target: Any, log_input: bool = True,  # noqa: A002
                     full: bool = False, size_average: bool | None = None,
                     eps: float = 1e-8, reduce: bool | None = None,
                     reduction: str = "mean") -> Tensor:
    """exp(x) - y x when x is the log-rate (log_input), else x - y log(x + eps); full adds
    Stirling's approximation of log(y!) where y > 1."""
    op = "poisson_nll_loss"
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(op, size_average, reduce, reduction)
    x, y = _tensors(op, input, target)
    real_number(op, "eps", eps)
    _check_reduction(op, reduction)
    _same_shape(op, "input and target", x, y)
    loss = x.exp() - y * x if log_input else x - y * (x + eps).log()
    if full:  # PyTorch's formula term for term: its target gradient too (NaN at y = 0)
        stirling = y * y.log() - y + 0.5 * (2.0 * math.pi * y).log()
        loss = loss + where(y._data > 1, stirling, 0.0)
    return _reduce(loss, reduction, op)


def gaussian_nll_loss(input: Any, target: Any, var: Any, full: bool = False,  # noqa: A002
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """(log v + (x - y)^2 / v) / 2 with v = max(var, eps) in value (the clamp passes the
    gradient through unchanged, as PyTorch's in-place clamp under no_grad); var has the
    input's shape, or it without its last dim, or it with one dim of 1 (one variance
    shared along that dim: per sample for (N, 1)), or a Python float for every entry.
    target broadcasts with them (as PyTorch's, which checks only var against input).
    full adds log(2 pi) / 2."""
    op = "gaussian_nll_loss"
    x, y, v = _tensors(op, input, target, var)
    if isinstance(var, float):  # PyTorch's var * ones_like(input)
        v = v.expand(x.shape)
    real_number(op, "eps", eps)
    _check_reduction(op, reduction)
    if v.shape != x.shape:
        if x.ndim and v.shape == x.shape[:-1]:
            v = v.unsqueeze(-1)
        elif not (v.ndim == x.ndim and _one_dim_of_one(x.shape, v.shape)):
            raise ShapeError(f"{op}: var of shape {v.shape} does not fit input of shape "
                             f"{x.shape} (expected {x.shape}, {x.shape[:-1]} or it with "
                             f"one dim of 1, such as {x.shape[:-1] + (1,)})")
    _broadcast_shape(op, "input, target and var", x, y, v)
    if v._data.size and np.any(v._data < 0):
        raise ArgumentError(f"{op}: var has negative entries (min {v._data.min()})")
    v = v + Tensor(np.maximum(v._data, eps) - v._data)  # the clamp as a constant offset
    diff = x - y
    loss = 0.5 * (v.log() + diff * diff / v)
    if full:
        loss = loss + 0.5 * math.log(2.0 * math.pi)
    return _reduce(loss, reduction, op)


def _one_dim_of_one(shape: tuple[int, ...], var_shape: tuple[int, ...]) -> bool:
    """PyTorch's homoscedastic test: the var sizes where var and input differ add up to
    1 (one dim of 1: (4, 1, 32, 32) for (4, 3, 32, 32), (1, 3) for (4, 3))."""
    return sum(v for n, v in zip(shape, var_shape, strict=True) if n != v) == 1


# ------------------------------------------------------------------ modules

class CosineEmbeddingLoss(_Loss):
    def __init__(self, margin: float = 0.0, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = real_number("CosineEmbeddingLoss", "margin", margin)

    def forward(self, input1: Any, input2: Any, target: Any) -> Tensor:
        return cosine_embedding_loss(input1, input2, target, self.margin,
                                     reduction=self.reduction)


class MarginRankingLoss(_Loss):
    def __init__(self, margin: float = 0.0, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = real_number("MarginRankingLoss", "margin", margin)

    def forward(self, input1: Any, input2: Any, target: Any) -> Tensor:
        return margin_ranking_loss(input1, input2, target, self.margin,
                                   reduction=self.reduction)


class TripletMarginLoss(_Loss):
    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                 swap: bool = False, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = real_number("TripletMarginLoss", "margin", margin)
        self.p, self.eps, self.swap = p, eps, swap

    def forward(self, anchor: Any, positive: Any, negative: Any) -> Tensor:
        return triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps,
                                   self.swap, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    def __init__(self, *, distance_function: Any = None, margin: float = 1.0,
                 swap: bool = False, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        name = "TripletMarginWithDistanceLoss"
        if real_number(name, "margin", margin) <= 0:
            raise ArgumentError(f"{name}: margin must be greater than 0, got {margin}")
        if distance_function is not None and not callable(distance_function):
            raise ArgumentTypeError(f"{name}: distance_function must be callable or None, "
                                    f"got {type(distance_function).__name__}")
        # None means pairwise_distance, kept as a PairwiseDistance child (PyTorch's repr)
        self.distance_function = PairwiseDistance() if distance_function is None \
            else distance_function
        self.margin, self.swap = margin, swap

    def forward(self, anchor: Any, positive: Any, negative: Any) -> Tensor:
        return triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    def __init__(self, margin: float = 1.0, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = real_number("HingeEmbeddingLoss", "margin", margin)

    def forward(self, input: Any, target: Any) -> Tensor:  # noqa: A002
        return hinge_embedding_loss(input, target, self.margin, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    def forward(self, input: Any, target: Any) -> Tensor:  # noqa: A002
        return soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """multilabel_soft_margin_loss as a module; `weight` is a buffer, as PyTorch's."""

    def forward(self, input: Any, target: Any) -> Tensor:  # noqa: A002
        return multilabel_soft_margin_loss(input, target, self.weight,
                                           reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    def __init__(self, log_input: bool = True, full: bool = False,
                 size_average: bool | None = None, eps: float = 1e-8,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full = log_input, full
        self.eps = real_number("PoissonNLLLoss", "eps", eps)

    def forward(self, log_input: Any, target: Any) -> Tensor:
        return poisson_nll_loss(log_input, target, self.log_input, self.full,
                                eps=self.eps, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    def __init__(self, *, full: bool = False, eps: float = 1e-6,
                 reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.full = full
        self.eps = real_number("GaussianNLLLoss", "eps", eps)

    def forward(self, input: Any, target: Any, var: Any) -> Tensor:  # noqa: A002
        return gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)
