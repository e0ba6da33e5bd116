"""Distances, normalisation and the robust and divergence losses, with PyTorch's arguments
and defaults, composed of Tensor ops (gradients of every order follow):

    normalize(x) = x / max(||x||_p, eps) along dim
    cosine_similarity(a, b) = <a, b> / max(||a|| ||b||, eps) along dim
    pairwise_distance(a, b) = ||a - b + eps||_p along the last dim
    pdist(x)[k] = ||x[i] - x[j]||_p for the rows i < j of x (N, M), in row-major order
    smooth_l1_loss = 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta   (d = x - y)
    huber_loss     = 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta)
    kl_div(input, target) = target (log target - input)  (input holds log-probabilities;
                    log_target=True: exp(target) (target - input))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError, DTypeError, ShapeError, names_errors
from ..linalg import vector_norm
from ..tensor import Tensor, as_tensor, where
from .arguments import REAL_TYPES
from .legacy_reduction import legacy_reduction
from .loss_modules import _Loss
from .losses import _elementwise_weight, _reduce
from .module import Module


def _norm(x: Tensor, p: float, dim: int, keepdim: bool) -> Tensor:
    """The vector p-norm along dim, as PyTorch's: inf the largest |x|, 0 the count of
    nonzeros, the gradient 0 at the zero vector."""
    return x.norm(p, dim, keepdim)


@names_errors("normalize")
def normalize(input: Any, p: float = 2.0, dim: int = 1, eps: float = 1e-12,  # noqa: A002
              out: Tensor | None = None) -> Tensor:
    """x / max(||x||_p, eps) along dim; written into `out` (and returned) when given."""
    x = as_tensor(input)
    norm = _norm(x, p, dim, True)
    result = x / where(norm._data < eps, eps, norm)
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise ArgumentTypeError(f"normalize: out must be a Tensor, got {type(out).__name__}")
    return out.copy_(result)


@names_errors("cosine_similarity")
def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> Tensor:
    a, b = as_tensor(x1), as_tensor(x2)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ShapeError(f"cosine_similarity: shapes {a.shape} and {b.shape} do not "
                         f"broadcast") from None
    # PyTorch's formula: the inputs broadcast first (the norms are of the broadcast
    # vectors: a (1,) against a (2,) counts its element twice), each over its norm, the
    # norms raised to eps in value only (its clamp_min_ runs under no_grad), then the dot
    # product
    a, b = a.expand(shape), b.expand(shape)
    return ((a / _at_least(_norm(a, 2, dim, True), eps)) *
            (b / _at_least(_norm(b, 2, dim, True), eps))).sum(dim)


def _at_least(norm: Tensor, eps: float) -> Tensor:
    """max(norm, eps) in value, with norm's gradient unchanged."""
    return norm + Tensor(np.maximum(norm._data, eps) - norm._data)


@names_errors("pairwise_distance")
def pairwise_distance(x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    if isinstance(p, bool) or not isinstance(p, int | float | np.integer | np.floating):
        raise DTypeError(f"pairwise_distance: p must be a float, not {type(p).__name__} "
                         f"{p!r}")
    a, b = as_tensor(x1), as_tensor(x2)
    return _norm(a - b + eps, p, -1, keepdim)


@names_errors("pdist")
def pdist(input: Any, p: float = 2.0) -> Tensor:  # noqa: A002
    """The p-norm distances between every pair of rows i < j of x (N, M): N (N - 1) / 2 of
    them, ordered (0, 1), (0, 2), ..., (1, 2), ... (the upper triangle of cdist(x, x)). At
    equal rows the gradient is 0 (vector_norm's subgradient), as PyTorch's."""
    x = as_tensor(input)
    if x.ndim != 2:
        raise ShapeError(f"pdist: input must be 2-D (N, M), got shape {x.shape}")
    if x.dtype.kind != "f":
        raise DTypeError(f"pdist: needs a floating input, got dtype {x.dtype}")
    if isinstance(p, bool) or not isinstance(p, int | float | np.integer | np.floating) \
            or not p >= 0:
        raise ArgumentError(f"pdist: p must be a non-negative number, got {p!r}")
    rows, cols = np.triu_indices(x.shape[0], 1)
    diff = x[rows] - x[cols]
    if p == 0:  # the count of differing entries, with PyTorch's zero gradient (a graph)
        return diff.sign().abs().sum(-1)
    return vector_norm(diff, float(p), dim=-1)


def _pair(op: str, input: Any, target: Any) -> tuple[Tensor, Tensor]:  # noqa: A002
    x, y = as_tensor(input), as_tensor(target)
    if x.shape != y.shape:
        raise ShapeError(f"{op}: input {x.shape} and target {y.shape} must have one shape")
    return x, y


def smooth_l1_loss(input: Any, target: Any, size_average: bool | None = None,  # noqa: A002
                   reduce: bool | None = None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """(x - y)^2 / (2 beta) where |x - y| < beta, else |x - y| - beta / 2; elementwise."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction("smooth_l1_loss", size_average, reduce, reduction)
    x, y = _pair("smooth_l1_loss", input, target)
    _threshold("smooth_l1_loss", "beta", beta)
    if beta < 0:
        raise ArgumentError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    d = x - y
    if beta == 0:
        return _reduce(d.abs(), reduction, "smooth_l1_loss")
    small = np.abs(d._data) < beta
    near = where(small, d, 0.0)  # the square's own input: an inf d stays out of its gradient
    return _reduce(where(small, near * near * (0.5 / beta), d.abs() - 0.5 * beta), reduction,
                   "smooth_l1_loss")


def _threshold(op: str, name: str, value: Any) -> None:
    """A loss's delta or beta must be a number (an int or float, a bool passing as an int
    as in PyTorch); a string or complex one raised a bare '<=' TypeError."""
    if not isinstance(value, REAL_TYPES):
        raise ArgumentTypeError(f"{op}: {name} must be a float or int, got "
                                f"{type(value).__name__} {value!r}")


def huber_loss(input: Any, target: Any, reduction: str = "mean",  # noqa: A002
               delta: float = 1.0, weight: Any = None) -> Tensor:
    """w (x - y)^2 / 2 where |x - y| < delta, else w delta (|x - y| - delta / 2); with
    `weight` (the input's shape) "mean" is the mean of the weighted terms, as PyTorch."""
    x, y = _pair("huber_loss", input, target)
    _threshold("huber_loss", "delta", delta)
    if delta <= 0:
        raise ArgumentError(f"huber_loss: delta must be > 0, got {delta}")
    d = x - y
    small = np.abs(d._data) < delta
    near = where(small, d, 0.0)  # the square's own input: an inf d stays out of its gradient
    loss = where(small, near * near * 0.5, (d.abs() - 0.5 * delta) * delta)
    if weight is not None:
        w = _elementwise_weight("huber_loss", weight, x)
        if w.shape != x.shape:
            raise ShapeError(f"huber_loss: weight of shape {w.shape} must have the input's "
                             f"shape {x.shape}")
        loss = loss * w
    return _reduce(loss, reduction, "huber_loss")


def kl_div(input: Any, target: Any, size_average: bool | None = None,  # noqa: A002
           reduce: bool | None = None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """y (log y - x) elementwise (x log-probabilities; y probabilities, or log-probabilities
    with log_target), reduced; "batchmean" divides the sum by the batch size."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction("kl_div", size_average, reduce, reduction)
    x, y = _pair("kl_div", input, target)
    if reduction not in ("mean", "sum", "none", "batchmean"):
        raise ArgumentError(f"kl_div: reduction must be 'mean', 'sum', 'none' or 'batchmean', "
                            f"got {reduction!r}")
    if log_target:
        loss = y.exp() * (y - x)
    else:  # xlogy(y, y) - y x: 0 log 0 = 0, its y-gradient NaN there, as PyTorch's
        loss = y.xlogy(y) - y * x
    if reduction == "batchmean":
        return loss.sum() / (x.shape[0] if x.ndim else 1)
    return _reduce(loss, reduction, "kl_div")


class SmoothL1Loss(_Loss):
    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Any, target: Any) -> Tensor:  # noqa: A002
        return smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        _threshold("HuberLoss", "delta", delta)  # PyTorch's check here; the value at forward
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Any, target: Any) -> Tensor:  # noqa: A002
        return huber_loss(input, target, self.reduction, self.delta)


class KLDivLoss(Module):
    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__()
        reduction = legacy_reduction("KLDivLoss", size_average, reduce, reduction)
        self.reduction, self.log_target = reduction, log_target

    def forward(self, input: Any, target: Any) -> Tensor:  # noqa: A002
        return kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class CosineSimilarity(Module):
    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Any, x2: Any) -> Tensor:
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Any, x2: Any) -> Tensor:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
