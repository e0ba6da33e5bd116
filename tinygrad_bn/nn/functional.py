"""Composite functions on Tensors: activations, linear, softmax, losses, dropout, and
(re-exported from their own files) convolution, pooling and normalization.

Each function is built from primitive ops, so its gradient (and second
derivative) follows from theirs; the docstrings state the math.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError, DTypeError, IndexOutOfRange, ShapeError
from ..tensor import Function, Tensor, is_grad_enabled, normalize_axes
from .arguments import probability
from .convolution import avg_pool2d, conv2d, max_pool2d
from .init import generator
from .normalization import batch_norm, group_norm, layer_norm

__all__ = [
    "avg_pool2d", "batch_norm", "conv2d", "cross_entropy", "dropout", "group_norm",
    "layer_norm", "linear", "log_softmax", "max_pool2d", "mse_loss", "relu", "sigmoid",
    "softmax", "tanh",
]

_REDUCTIONS = ("mean", "sum", "none")


def relu(x: Tensor) -> Tensor:
    """max(x, 0)."""
    return x.relu()


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e^-x)."""
    return x.sigmoid()


def tanh(x: Tensor) -> Tensor:
    """tanh x."""
    return x.tanh()


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b for x of shape (..., in), W (out, in), b (out,)."""
    x_shape, w_shape = x.data.shape, weight.data.shape  # arrays' shapes: no property calls
    if len(w_shape) != 2 or not x_shape or x_shape[-1] != w_shape[1]:
        raise ShapeError(f"linear: input of shape {x_shape} needs last dim equal to the "
                         f"weight's in_features; weight has shape {w_shape} (out, in)")
    if bias is not None and bias.data.shape != w_shape[:1]:
        raise ShapeError(f"linear: bias of shape {bias.shape}, expected ({w_shape[0]},)")
    rows = x if len(x_shape) == 2 else x.reshape(-1, x_shape[-1])
    y = Linear.apply(rows, weight) if bias is None else Linear.apply(rows, weight, bias)
    return y if len(x_shape) == 2 else y.reshape(x_shape[:-1] + w_shape[:1])


class Linear(Function):
    """y = x W^T + b as one op for x (N, in), W (out, in) and an optional bias b (out,):
    dx = g W, dW = g^T x, db = sum_n g (the rules autograd derives for the composite
    x @ W.T + b). One graph node instead of three: small models are dominated by
    per-op overhead. A plain backward evaluates the three products on ndarrays; under
    create_graph (grad mode on inside backward) they are Tensor ops, differentiable."""

    saves_inputs = (0, 1)
    fresh_grads = True  # the ndarray backward returns three new products

    def forward(self, x, w, b=None):
        y = np.matmul(x, w.T)
        if b is None:
            return y
        if y.dtype == b.dtype:
            y += b  # in place: no second (N, out) array
            return y
        return y + b

    def backward(self, g):
        x, w = self.parents[0], self.parents[1]
        wants_b = len(self.parents) == 3 and self.parents[2].requires_grad
        if is_grad_enabled():
            gx = g @ w if x.requires_grad else None
            gw = g.T @ x if w.requires_grad else None
            gb = g.sum(axis=0) if wants_b else None
        else:
            gx = Tensor._from_op(g.data @ w.data, None) if x.requires_grad else None
            gw = Tensor._from_op(g.data.T @ x.data, None) if w.requires_grad else None
            gb = Tensor._from_op(np.add.reduce(g.data, axis=0), None) if wants_b else None
        return (gx, gw) if len(self.parents) == 2 else (gx, gw, gb)


def _shifted(x: Tensor, axis: int, op: str) -> tuple[Tensor, tuple[int, ...]]:
    """x - max(x) along `axis`, and the axis normalized. The max is a constant (no graph):
    log_softmax and softmax do not depend on it mathematically, and it keeps exp() from
    overflowing. An empty x has no max: it is returned unshifted."""
    if x.ndim == 0:
        raise ShapeError(f"{op}: needs at least one axis, got a 0-d tensor")
    axes = normalize_axes(op, axis, x.ndim)
    if x.size == 0:
        return x, axes
    return x - Tensor(np.max(x.data, axis=axes, keepdims=True)), axes


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """log softmax(x)_i = (x_i - m) - log sum_j e^(x_j - m), m = max_j x_j (stable for
    logits of any magnitude: every exponent is <= 0 and the sum is >= 1)."""
    z, axes = _shifted(x, axis, "log_softmax")
    if x.size == 0:  # the empty result (its sums over the axis would give log 0)
        return z.exp()
    return z - z.exp().sum(axis=axes, keepdims=True).log()


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """softmax(x)_i = e^(x_i - m) / sum_j e^(x_j - m), m = max_j x_j."""
    z, axes = _shifted(x, axis, "softmax")
    e = z.exp()
    if x.size == 0:  # the empty result (its sums over the axis would give 0 / 0)
        return e
    return e / e.sum(axis=axes, keepdims=True)


def _reduce(loss: Tensor, reduction: str, op: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ArgumentError(f"{op}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _class_indices(target: Any, n: int, classes: int) -> np.ndarray:
    """Validate cross_entropy's target: n integer class indices in [0, classes)."""
    array = target.data if isinstance(target, Tensor) else np.asarray(target)
    if array.dtype.kind not in "iu":
        raise DTypeError(f"cross_entropy: target must hold integer class indices, got dtype "
                         f"{array.dtype} (convert labels with .astype(np.int64))")
    if array.shape != (n,):
        raise ShapeError(f"cross_entropy: target of shape {array.shape} does not fit logits "
                         f"with batch size {n}; expected shape ({n},)")
    # ufunc reductions, not ndarray.min/max: those add a Python wrapper per call
    if n and (np.minimum.reduce(array) < 0 or np.maximum.reduce(array) >= classes):
        bad = array[(array < 0) | (array >= classes)][0]
        raise IndexOutOfRange(f"cross_entropy: target class {bad} is out of range for "
                              f"{classes} classes (valid: 0..{classes - 1})")
    return array


def cross_entropy(logits: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """loss_n = -log softmax(logits_n)[target_n] for logits (N, C) and integer class
    indices target (N,) (an ndarray or an int Tensor); reduced by mean, sum or none.
    The gradient per row is softmax(logits_n) - onehot(target_n)."""
    if logits.ndim != 2:
        raise ShapeError(f"cross_entropy: logits must have shape (N, C), got {logits.shape}")
    if reduction not in _REDUCTIONS:
        raise ArgumentError(f"cross_entropy: reduction must be one of {_REDUCTIONS}, got "
                            f"{reduction!r}")
    n, classes = logits.shape
    return CrossEntropy.apply(logits, target=_class_indices(target, n, classes),
                              reduction=reduction)


class CrossEntropy(Function):
    """loss_n = log sum_j e^(x_nj) - x_n,t_n (= -log softmax(x_n)[t_n], computed about the
    row max m_n so that no exponent is positive), reduced by mean, sum or none, as one op:
    d loss_n / dx_n = softmax(x_n) - onehot(t_n). The backward builds softmax from Tensor
    ops (differentiable for create_graph): one forward node and a few backward ops instead
    of the ~20 nodes of the composite log_softmax / pick / mean. A plain backward (no
    create_graph) reuses the softmax the forward computed and stays on ndarrays."""

    fresh_grads = True  # the ndarray backward returns a new array (a scaled copy of softmax)

    def forward(self, x):
        rows = np.arange(len(x))
        shifted = x - np.maximum.reduce(x, axis=1, keepdims=True)
        e = np.exp(shifted)
        row_sums = np.add.reduce(e, axis=1, keepdims=True)
        losses = np.log(row_sums[:, 0]) - shifted[rows, self.target]
        self.save_for_backward(np.divide(e, row_sums, out=e))  # softmax, for backward
        if self.reduction == "none":
            return losses
        total = np.add.reduce(losses)
        # as the composite's mean: sum / n, so an empty batch gives NaN (as PyTorch)
        return total * total.dtype.type(1.0 / len(x) if len(x) else np.nan) \
            if self.reduction == "mean" else total

    def backward(self, g):
        logits = self.parents[0]
        n = logits.shape[0]
        rows = np.arange(n)
        plain = not is_grad_enabled()
        # d(reduced loss)/d loss_n: g per row (none), g / n (mean) or g (sum); the same
        # expressions on an ndarray (plain) or a Tensor (create_graph)
        upstream = g.data if plain else g
        if self.reduction == "none":
            upstream = upstream.reshape(n, 1)
        elif self.reduction == "mean":
            upstream = upstream * (1.0 / max(n, 1))
        if plain:
            delta = self.saved[0].copy()  # a copy: backward may run again (retain_graph)
            delta[rows, self.target] -= 1
            delta *= upstream
            return Tensor._from_op(delta, None)
        onehot = np.zeros(logits.shape, dtype=logits.dtype)
        onehot[rows, self.target] = 1
        return (softmax(logits, axis=1) - Tensor(onehot)) * upstream


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """(input - target)^2 elementwise, reduced by mean, sum or none. Shapes must match
    (no silent broadcasting); the target gets a gradient too if it requires one."""
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(target, dtype=input.dtype))
    if target.shape != input.shape:
        raise ShapeError(f"mse_loss: input of shape {input.shape} and target of shape "
                         f"{target.shape} differ")
    diff = input - target
    return _reduce(diff * diff, reduction, "mse_loss")


def dropout(x: Tensor, p: float = 0.5, training: bool = True,
            rng: np.random.Generator | None = None) -> Tensor:
    """Inverted dropout: zero each element with probability p and scale the rest by
    1 / (1 - p), so the expectation is unchanged and eval needs no rescaling.
    Identity when not training or p = 0. The mask comes from `rng`, or the
    generator that `tg.manual_seed` seeds (see tinygrad_bn.nn.init)."""
    p = probability("dropout", p)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    draws = generator(rng, "dropout").random(x.shape)
    mask = (draws >= p).astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    return x * Tensor(mask)
