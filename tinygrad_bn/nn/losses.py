"""Losses, as functions and as Modules, with PyTorch's semantics and defaults:
cross_entropy, nll_loss, mse_loss, l1_loss, binary_cross_entropy,
binary_cross_entropy_with_logits, each with reduction="mean" | "sum" | "none" (their
Modules are in loss_modules.py).

cross_entropy's common case (logits (N, C), integer targets, no weight,
ignore_index or smoothing) is one fused op, `CrossEntropy`; every other case
is the composite nll_loss(log_softmax(x)) plus the smoothing term, whose
gradients follow from the primitives. Shapes of input and target must match
where PyTorch would broadcast with a warning (a deliberate difference: a
silently broadcast loss is a bug). Every loss has PyTorch's signature, positional
order and the legacy size_average= / reduce= arguments included (see legacy_reduction).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.primitive import wrap_grads
from ..errors import ArgumentError, ArgumentTypeError, DTypeError, IndexOutOfRange, ShapeError
from ..tensor import Function, Tensor, as_tensor, is_grad_enabled, where
from .activations import log1p_exp, log_softmax, softmax
from .arguments import REAL_TYPES, same_dtype
from .legacy_reduction import REDUCTIONS as _REDUCTIONS
from .legacy_reduction import check_reduction as _check_reduction
from .legacy_reduction import legacy_reduction

__all__ = [
    "CrossEntropy", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "cross_entropy", "l1_loss", "mse_loss", "nll_loss",
]

def _reduce(loss: Tensor, reduction: str, op: str) -> Tensor:
    _check_reduction(op, reduction)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _target_array(op: str, target: Any) -> np.ndarray:
    array = target._data if isinstance(target, Tensor) else np.asarray(target)
    if array.dtype.kind not in "iu":
        raise DTypeError(f"{op}: target must hold integer class indices, got dtype "
                         f"{array.dtype} (convert labels with .astype(np.int64))")
    # a uint8 index is a boolean mask to tg's indexing, as PyTorch's: class indices are not
    return array.astype(np.int64) if array.dtype == np.uint8 else array


def _check_classes(op: str, array: np.ndarray, classes: int, ignore_index: int) -> np.ndarray:
    """Every index in [0, classes) or equal to ignore_index; returns the mask of kept ones."""
    kept = array != ignore_index
    # ufunc reductions, not ndarray.min/max: those add a Python wrapper per call
    bad = kept & ((array < 0) | (array >= classes))
    if array.size and np.logical_or.reduce(bad, axis=None):
        raise IndexOutOfRange(f"{op}: target class {array[bad][0]} is out of range for "
                              f"{classes} classes (valid: 0..{classes - 1})")
    return kept


def _rows(op: str, x: Tensor, target_shape: tuple[int, ...] | None
          ) -> tuple[Tensor, tuple[int, ...]]:
    """Scores of shape (C,), (N, C) or (N, C, d1, ...) as rows (M, C) with the class axis
    last, and the shape of one score per row, (), (N,) or (N, d1, ...)."""
    if x.ndim == 0:
        raise ShapeError(f"{op}: input must have shape (C,), (N, C) or (N, C, d1, ...), "
                         f"got a 0-d tensor")
    if x.ndim == 1:
        return x.reshape(1, -1), ()
    per_row = (x.shape[0],) + x.shape[2:]
    if target_shape is not None and target_shape != per_row:
        raise ShapeError(f"{op}: target of shape {target_shape} does not fit input of shape "
                         f"{x.shape}; expected shape {per_row}")
    if x.ndim == 2:
        return x, per_row
    order = (0, *range(2, x.ndim), 1)
    return x.transpose(order).reshape(-1, x.shape[1]), per_row


def _not_a_reduction(op: str, weight: Any) -> None:
    """A string where PyTorch's signature has `weight` is a reduction given positionally."""
    if isinstance(weight, str):
        raise ArgumentTypeError(f"{op}: weight must be a Tensor or None, got the string "
                                f"{weight!r} (PyTorch's third positional argument is weight; "
                                f"pass reduction={weight!r} by keyword)")


def _class_weights(op: str, weight: Any, classes: int, dtype: np.dtype) -> Tensor | None:
    if weight is None:
        return None
    _not_a_reduction(op, weight)
    if isinstance(weight, Tensor):  # PyTorch's losses do not promote a weight tensor
        same_dtype(op, dtype, weight=weight)
    # a constant, as in PyTorch (no gradient: "mean" divides by a sum of weights)
    weight = Tensor(np.asarray(weight._data if isinstance(weight, Tensor) else weight,
                               dtype=dtype))
    if weight.shape != (classes,):
        raise ShapeError(f"{op}: weight of shape {weight.shape}, expected ({classes},), one "
                         f"per class")
    return weight


def nll_loss(input: Any, target: Any, weight: Any = None,  # noqa: A002
             size_average: bool | None = None, ignore_index: int = -100,
             reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """loss_n = -w[t_n] input[n, t_n] for log-probabilities input (N, C) (or (C,), or
    (N, C, d1, ...) with one target per position), integer targets t; targets equal to
    ignore_index contribute 0 and no weight. "mean" divides the sum by sum_n w[t_n] over
    the kept targets (by their count without weight), as PyTorch; if that sum is 0 (every
    kept target weighs 0) the loss and its gradient are NaN (0 / 0), as PyTorch's."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction("nll_loss", size_average, reduce, reduction)
    return _nll("nll_loss", as_tensor(input), target, weight, ignore_index, reduction)


def _nll(op: str, x: Tensor, target: Any, weight: Any, ignore_index: int,
         reduction: str) -> Tensor:
    _check_reduction(op, reduction)
    array = _target_array(op, target)
    rows, per_row = _rows(op, x, array.shape if x.ndim > 1 else None)
    if x.ndim == 1 and array.shape != ():
        raise ShapeError(f"{op}: unbatched input of shape {x.shape} needs a 0-d target, "
                         f"got shape {array.shape}")
    classes = rows.shape[1]
    flat = array.reshape(-1)
    kept = _check_classes(op, flat, classes, ignore_index)
    safe = np.where(kept, flat, 0)
    factor = Tensor(kept.astype(x.dtype))  # w[t_n], 0 where ignored
    w = _class_weights(op, weight, classes, x.dtype)
    if w is not None:
        factor = w[safe] * factor
    losses = -rows[np.arange(len(flat)), safe] * factor
    if reduction == "none":
        return losses.reshape(per_row)
    total = losses.sum()
    if reduction != "mean":
        return total
    # the divisor stays an array (no float()): under tg.compile it follows the targets.
    # Every target ignored: PyTorch's loss is NaN (0 / 0) and its gradient 0, not NaN
    weight_sum = factor.sum()
    empty = weight_sum._data == 0
    mean = where(empty, np.nan, total / where(empty, 1.0, weight_sum))
    if w is None or not (empty and np.logical_or.reduce(kept, axis=None)):
        return mean
    # Kept targets that all weigh 0: PyTorch's gradient on their scores is w[t] / sum w =
    # 0 / 0 = NaN (ignored targets keep 0), which the guarded division above hides; this
    # term's value and gradient are NaN on the kept targets' scores, 0 on the others.
    poison = Tensor(np.where(kept, np.nan, 0.0).astype(x.dtype))
    return mean + (rows[np.arange(len(flat)), safe] * poison).sum()


def cross_entropy(input: Any, target: Any, weight: Any = None,  # noqa: A002
                  size_average: bool | None = None, ignore_index: int = -100,
                  reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits input (N, C), (C,) or (N, C, d1, ...) against target, which
    holds either integer class indices (shape (N,), () or (N, d1, ...)) or class
    probabilities (input's shape, floating). With logp = log_softmax over the class axis:

    - indices: loss_n = (1 - e) nll_n + (e / C) sum_c -w_c logp_nc (targets equal to
      ignore_index give 0); "mean" divides both terms' sums by sum_n w[t_n] over kept ones;
    - probabilities: loss_n = -sum_c w_c q_nc logp_nc with q = (1 - e) p + e / C; "mean"
      divides by the number of rows N d1 ...

    where e = label_smoothing and w the class weights (1 without `weight`). The plain
    case (2-d logits, indices, no weight, nothing ignored, e = 0) runs as the fused op
    `CrossEntropy`, whose gradient per row is softmax(x_n) - onehot(t_n)."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction("cross_entropy", size_average, reduce, reduction)
    x = input if isinstance(input, Tensor) else as_tensor(input)
    # the checks' common cases accepted inline (a step's loss: no call); else the full check
    if type(reduction) is not str or reduction not in _REDUCTIONS:
        _check_reduction("cross_entropy", reduction)
    if x._data.ndim == 0:
        _rows("cross_entropy", x, None)  # raises the shape error
    if type(label_smoothing) is not float or not 0.0 <= label_smoothing <= 1.0:
        _check_smoothing("cross_entropy", label_smoothing)
    array = target._data if isinstance(target, Tensor) else np.asarray(target)
    if array.dtype.kind == "f":
        if ignore_index >= 0:  # PyTorch refuses a class to ignore (a negative one is moot)
            raise ArgumentError(f"cross_entropy: ignore_index ({ignore_index}) is for class "
                                f"index targets, not class probabilities (as PyTorch)")
        return _soft_cross_entropy(x, as_tensor(target), weight, reduction, label_smoothing)
    shape = x._data.shape
    if (len(shape) == 2 and weight is None and label_smoothing == 0.0
            and array.dtype.kind in "iu" and array.shape == shape[:1]):
        n, classes = shape
        # The smallest and largest label decide both checks when ignore_index lies outside
        # them (the default -100 always does): two reductions instead of four.
        lo, hi = (np.minimum.reduce(array), np.maximum.reduce(array)) if n else (0, -1)
        if (isinstance(ignore_index, int) and not lo <= ignore_index <= hi) or \
                not np.logical_or.reduce(array == ignore_index, axis=None):
            # nothing ignored: the fused op, on labels in [0, classes)
            if lo < 0 or hi >= classes:
                bad = array[(array < 0) | (array >= classes)][0]
                raise IndexOutOfRange(f"cross_entropy: target class {bad} is out of range "
                                      f"for {classes} classes (valid: 0..{classes - 1})")
            return CrossEntropy.apply(x, target=array, reduction=reduction)
    logp = log_softmax(x, axis=0 if x.ndim == 1 else 1)
    nll = _nll("cross_entropy", logp, array, weight, ignore_index, reduction)
    if label_smoothing == 0.0:
        return nll
    rows, per_row = _rows("cross_entropy", logp, None)
    classes = rows.shape[1]
    w = _class_weights("cross_entropy", weight, classes, x.dtype)
    smooth = -(rows * w if w is not None else rows).sum(axis=1)
    flat = array.reshape(-1)
    kept = flat != ignore_index
    smooth = smooth * Tensor(kept.astype(x.dtype))
    if reduction == "none":
        smooth = smooth.reshape(per_row)
    elif reduction == "sum":
        smooth = smooth.sum()
    else:
        safe = np.where(kept, flat, 0)
        count = np.add.reduce(w._data[safe] * kept) if w is not None else np.add.reduce(kept)
        # every target ignored: the nll term's 0 / 0 already makes the loss NaN, as
        # PyTorch's; dividing the (all-masked) smoothing sum by 0 too would turn its zero
        # gradient into inf * 0 = NaN, where PyTorch's gradient is 0
        smooth = smooth.sum() / (float(count) if count else 1.0)
    return nll * (1.0 - label_smoothing) + smooth * (label_smoothing / classes)


def _soft_cross_entropy(x: Tensor, target: Tensor, weight: Any, reduction: str,
                        label_smoothing: float) -> Tensor:
    """cross_entropy with class-probability targets (see cross_entropy)."""
    if target.shape != x.shape:
        indices_shape = () if x.ndim == 1 else (x.shape[0],) + x.shape[2:]
        if target.shape == indices_shape:  # meant as class indices
            raise DTypeError(f"cross_entropy: target must hold integer class indices, got "
                             f"dtype {target.dtype} (convert labels with .astype(np.int64)); "
                             f"a floating target is read as class probabilities of the "
                             f"input's shape {x.shape}")
        raise ShapeError(f"cross_entropy: a floating target holds class probabilities and "
                         f"must have the input's shape {x.shape}, got {target.shape}")
    rows, per_row = _rows("cross_entropy", log_softmax(x, axis=0 if x.ndim == 1 else 1), None)
    q, _ = _rows("cross_entropy", target, None)
    classes = rows.shape[1]
    if label_smoothing:
        q = q * (1.0 - label_smoothing) + label_smoothing / classes
    w = _class_weights("cross_entropy", weight, classes, x.dtype)
    terms = rows * q if w is None else rows * q * w
    losses = -terms.sum(axis=1)
    return _reduce(losses.reshape(per_row), reduction, "cross_entropy")


class CrossEntropy(Function):
    """loss_n = log sum_j e^(x_nj) - x_n,t_n = -log softmax(x_n)[t_n], reduced;  dx_n = g
    (softmax(x_n) - onehot(t_n)).

    Computed about the row max m_n so that no exponent is positive, reduced by mean, sum or
    none, as one op. The backward builds softmax from Tensor
    ops (differentiable for create_graph): one forward node and a few backward ops instead
    of the ~20 nodes of the composite log_softmax / pick / mean. A plain backward (no
    create_graph) reuses the softmax the forward computed and stays on ndarrays."""

    saved_names = ("softmax",)
    fresh_grads = True  # the ndarray backward returns a new array (a scaled copy of softmax)
    exact_grads = True  # the softmax of x, scaled in place: x's shape and dtype

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
        if not is_grad_enabled():
            return wrap_grads(self.backward_arrays(g._data))
        logits = self.parents[0]  # create_graph: Tensor ops, differentiable
        return ((softmax(logits, axis=1) - Tensor(self._onehot())) * self._upstream(g),)

    def backward_arrays(self, g):
        """The plain rule on ndarrays, from the softmax the forward saved."""
        delta = self.saved[0].copy()  # a copy: backward may run again (retain_graph)
        delta[np.arange(len(delta)), self.target] -= 1
        delta *= self._upstream(g)
        return (delta,)

    def _upstream(self, g):
        """d(reduced loss)/d loss_n: g per row (none), g / n (mean) or g (sum); the same
        expressions on an ndarray (plain) or a Tensor (create_graph)."""
        n = self.parents[0]._data.shape[0]
        if self.reduction == "none":
            return g.reshape(n, 1)
        if self.reduction == "mean":
            return g * (1.0 / max(n, 1))
        return g

    def jvp(self, tx):
        """t_loss_n = sum_j (softmax(x_n) - onehot(t_n))_j t_x,nj, then reduced."""
        logits = self.parents[0]
        probabilities = softmax(logits, axis=1) if is_grad_enabled() and logits.requires_grad \
            else Tensor(self.saved[0])  # a constant unless a reverse graph needs it
        per_row = ((probabilities - Tensor(self._onehot())) * tx).sum(axis=1)
        if self.reduction == "none":
            return per_row
        total = per_row.sum()
        return total * (1.0 / max(logits.shape[0], 1)) if self.reduction == "mean" else total

    def _onehot(self) -> np.ndarray:
        logits = self.parents[0]
        onehot = np.zeros_like(logits._data)  # traced under tg.compile, as the targets
        onehot[np.arange(logits.shape[0]), self.target] = 1
        return onehot


def _paired(op: str, input: Any, target: Any) -> tuple[Tensor, Tensor]:  # noqa: A002
    """input and target as Tensors of one shape (target in input's dtype if not a Tensor)."""
    x = as_tensor(input)
    if not isinstance(target, Tensor):
        try:  # None would become NaN, a string of digits a number: refused with the rest
            if target is None or isinstance(target, str | bytes):
                raise TypeError
            target = Tensor(np.asarray(target, dtype=x.dtype))
        except (TypeError, ValueError) as error:
            raise ArgumentTypeError(f"{op}: target must be an array or Tensor of numbers, "
                                    f"got {type(target).__name__} {target!r}") from error
    if target.shape != x.shape:
        raise ShapeError(f"{op}: input of shape {x.shape} and target of shape "
                         f"{target.shape} differ")
    return x, target


def mse_loss(input: Any, target: Any, size_average: bool | None = None,  # noqa: A002
             reduce: bool | None = None, reduction: str = "mean", weight: Any = None
             ) -> Tensor:
    """w (input - target)^2 elementwise, reduced by mean, sum or none (w = 1 without
    `weight`; with it "mean" is sum(w l) / sum(w), as PyTorch). Shapes must match (no
    silent broadcasting); the target gets a gradient too if it requires one."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction("mse_loss", size_average, reduce, reduction)
    x, target = _paired("mse_loss", input, target)
    _check_reduction("mse_loss", reduction)
    diff = x - target
    return _weighted_reduce("mse_loss", diff * diff, weight, reduction)


def l1_loss(input: Any, target: Any, size_average: bool | None = None,  # noqa: A002
            reduce: bool | None = None, reduction: str = "mean", weight: Any = None
            ) -> Tensor:
    """w |input - target| elementwise, reduced by mean, sum or none (see mse_loss)."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction("l1_loss", size_average, reduce, reduction)
    x, target = _paired("l1_loss", input, target)
    _check_reduction("l1_loss", reduction)
    return _weighted_reduce("l1_loss", (x - target).abs(), weight, reduction)


def _weighted_reduce(op: str, losses: Tensor, weight: Any, reduction: str) -> Tensor:
    """losses * weight reduced, "mean" as sum(w l) / sum(w) (PyTorch's weighted
    regression losses); weight must have the losses' shape exactly, as PyTorch asks."""
    if weight is None:
        return _reduce(losses, reduction, op)
    _not_a_reduction(op, weight)
    w = weight if isinstance(weight, Tensor) else Tensor(np.asarray(weight, dtype=losses.dtype))
    if w.shape != losses.shape:
        raise ShapeError(f"{op}: weight of shape {w.shape} must have the input's shape "
                         f"{losses.shape}")
    weighted = losses * w
    if reduction == "mean":
        return weighted.sum() / w.sum()
    return _reduce(weighted, reduction, op)


def _elementwise_weight(op: str, weight: Any, x: Tensor) -> Tensor | None:
    if weight is None:
        return None
    _not_a_reduction(op, weight)
    weight = weight if isinstance(weight, Tensor) else Tensor(np.asarray(weight, dtype=x.dtype))
    try:
        fits = np.broadcast_shapes(weight.shape, x.shape) == x.shape
    except ValueError:  # not broadcastable at all
        fits = False
    if not fits:
        raise ShapeError(f"{op}: weight of shape {weight.shape} does not broadcast to the "
                         f"input's shape {x.shape}")
    return weight


def _clamped_log(x: Tensor) -> Tensor:
    """max(log x, -100), and -100 with no gradient at x = 0 (no log of 0 is evaluated)."""
    positive = x._data > 0
    safe = x.clip(min=float(np.finfo(x.dtype).tiny))
    return where(positive, safe.log().clip(min=-100.0), -100.0)


def _check_smoothing(op: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, REAL_TYPES):
        raise ArgumentTypeError(f"{op}: label_smoothing must be a number in [0, 1], got "
                                f"{type(value).__name__} {value!r}")
    if not 0.0 <= value <= 1.0:
        raise ArgumentError(f"{op}: label_smoothing must be in [0, 1], got {value}")


def binary_cross_entropy(input: Any, target: Any, weight: Any = None,  # noqa: A002
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """-w (y log x + (1 - y) log(1 - x)) elementwise for probabilities x in [0, 1]; each log
    is clamped at -100 as PyTorch does, so x = 0 or 1 gives a finite loss."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction("binary_cross_entropy", size_average, reduce, reduction)
    x, y = _paired("binary_cross_entropy", input, target)
    _check_reduction("binary_cross_entropy", reduction)
    if x._data.size and not (np.all(x._data >= 0) and np.all(x._data <= 1)):
        raise ArgumentError(f"binary_cross_entropy: input must hold probabilities in [0, 1], "
                            f"got values in [{x._data.min()}, {x._data.max()}] (use "
                            f"binary_cross_entropy_with_logits for logits)")
    if y._data.size and not (np.all(y._data >= 0) and np.all(y._data <= 1)):
        raise ArgumentError(f"binary_cross_entropy: target must hold probabilities in [0, 1] "
                            f"(as PyTorch), got values in [{y._data.min()}, {y._data.max()}]")
    w = _elementwise_weight("binary_cross_entropy", weight, x)
    losses = -(y * _clamped_log(x) + (1.0 - y) * _clamped_log(1.0 - x))
    return _reduce(losses if w is None else losses * w, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input: Any, target: Any,  # noqa: A002
                                     weight: Any = None, size_average: bool | None = None,
                                     reduce: bool | None = None, reduction: str = "mean",
                                     pos_weight: Any = None) -> Tensor:
    """w (p y log(1 + e^-x) + (1 - y) log(1 + e^x)) elementwise: binary cross-entropy of
    sigmoid(x), written with -log sigmoid(x) = log(1 + e^-x) so that no logit overflows;
    p = pos_weight (broadcast along the last axis, one per class) weighs the positives."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction("binary_cross_entropy_with_logits", size_average, reduce,
                                     reduction)
    x, y = _paired("binary_cross_entropy_with_logits", input, target)
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    w = _elementwise_weight("binary_cross_entropy_with_logits", weight, x)
    positive = log1p_exp(-x)
    if pos_weight is not None:
        positive = positive * _elementwise_weight("binary_cross_entropy_with_logits (pos_weight)",
                                                  pos_weight, x)
    losses = y * positive + (1.0 - y) * log1p_exp(x)
    return _reduce(losses if w is None else losses * w, reduction,
                   "binary_cross_entropy_with_logits")
