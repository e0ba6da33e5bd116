"""Connectionist temporal classification loss (Graves et al. 2006), PyTorch's F.ctc_loss and
nn.CTCLoss: the negative log-likelihood of a target sequence summed over every alignment of
it to the input frames, alignments that may repeat labels and insert blanks.

For one sample with frames t < T, log-probabilities lp[t, c] and target l (length S), the
extended target l' = (blank, l1, blank, l2, ..., lS, blank) of length 2S + 1 and the forward
variables (log space)

    alpha_0(s) = lp[0, l'(s)] for s < 2 (else -inf)
    alpha_t(s) = lse(alpha_{t-1}(s), alpha_{t-1}(s - 1), alpha_{t-1}(s - 2) if l'(s) is a
                 label other than l'(s - 2)) + lp[t, l'(s)]
    loss = -lse(alpha_{T-1}(2S), alpha_{T-1}(2S - 1))

are computed for the whole batch at once, one step per frame, from Tensor ops (gathers,
shifts, log-sum-exp), so gradients of every order follow. Unreachable states hold a large
finite negative number rather than -inf (no NaN in gradients); a target no alignment fits
(too long for its input) has loss inf, or 0 with zero_infinity (and then no gradient).
reduction "mean" divides each loss by its target length (at least 1) before the batch mean.

The gradient is the derivative of this loss in log_probs. PyTorch's own backward returns it
plus exp(log_probs), which is the same once back-propagated through a log_softmax (its
intended input: the added term sums to zero through it), but not for other inputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError, DTypeError, IndexOutOfRange, ShapeError, names_errors
from ..tensor import Tensor, as_tensor, concatenate, where
from .loss_modules import _Loss
from .losses import _check_reduction

_UNREACHABLE = -1e30  # a log-probability no path reaches: exp() of it minus a real one is 0
_IMPOSSIBLE = 1e29  # a loss above this came from unreachable states only: inf


def _lengths(name: str, value: Any, count: int) -> np.ndarray:
    array = value._data if isinstance(value, Tensor) else np.asarray(value)
    array = array.reshape(-1) if array.ndim == 0 else array
    if array.dtype.kind not in "iu":
        raise DTypeError(f"ctc_loss: {name} must be integers, got dtype {array.dtype}")
    if array.shape != (count,):
        raise ShapeError(f"ctc_loss: {name} must hold one length per sample ({count}), got "
                         f"shape {array.shape}")
    return array.astype(np.int64)


def _target_rows(targets: Any, target_lengths: np.ndarray, batched: bool) -> list[np.ndarray]:
    """Each sample's target sequence, from (N, S) padded rows or their concatenation."""
    array = targets._data if isinstance(targets, Tensor) else np.asarray(targets)
    if array.dtype.kind not in "iu":
        raise DTypeError(f"ctc_loss: targets must be integers, got dtype {array.dtype}")
    if array.ndim == 2 and batched:
        if array.shape[0] != target_lengths.size or \
                (target_lengths.size and array.shape[1] < target_lengths.max()):
            raise ShapeError(f"ctc_loss: padded targets {array.shape} must have a row per sample "
                             f"and at least max(target_lengths) = "
                             f"{int(target_lengths.max(initial=0))} columns")
        return [row[:n] for row, n in zip(array, target_lengths)]
    if array.ndim != 1:
        raise ShapeError(f"ctc_loss: targets must be (N, S) padded or 1-d concatenated, got "
                         f"shape {array.shape}")
    if array.size < target_lengths.sum():
        raise ShapeError(f"ctc_loss: the concatenated targets hold {array.size} labels, "
                         f"target_lengths sum to {int(target_lengths.sum())}")
    ends = np.cumsum(target_lengths)
    return [array[end - n:end] for end, n in zip(ends, target_lengths)]


def _lse(*terms: Tensor) -> Tensor:
    """log(sum(exp(terms))) elementwise, shifted by the (constant) elementwise maximum."""
    shift = Tensor(np.maximum.reduce([t._data for t in terms]))
    total = None
    for t in terms:
        part = (t - shift).exp()
        total = part if total is None else total + part
    return shift + total.log()


def _shifted(alpha: Tensor, by: int) -> Tensor:
    """alpha moved `by` states to the right, unreachable states entering at the left."""
    by = min(by, alpha.shape[1])  # an empty target has a single state
    fill = Tensor(np.full((alpha.shape[0], by), _UNREACHABLE, dtype=alpha.dtype))
    return concatenate([fill, alpha[:, :alpha.shape[1] - by]], 1)


@names_errors("ctc_loss")
def ctc_loss(log_probs: Any, targets: Any, input_lengths: Any, target_lengths: Any,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """The CTC loss of (T, N, C) (or unbatched (T, C)) log-probabilities; see the module
    docstring."""
    _check_reduction("ctc_loss", reduction)
    lp = as_tensor(log_probs)
    if lp.dtype.kind != "f":
        raise DTypeError(f"ctc_loss: log_probs must be floating, got dtype {lp.dtype}")
    if lp.ndim not in (2, 3):
        raise ShapeError(f"ctc_loss: log_probs must be (T, N, C) or (T, C), got {lp.shape}")
    batched = lp.ndim == 3
    if not batched:
        lp = lp.unsqueeze(1)
    frames, count, classes = lp.shape
    if isinstance(blank, bool) or not isinstance(blank, int) or not 0 <= blank < classes:
        raise IndexOutOfRange(f"ctc_loss: blank must be a class index in [0, {classes}), got "
                              f"{blank!r}")
    input_lengths = _lengths("input_lengths", input_lengths, count)
    target_lengths = _lengths("target_lengths", target_lengths, count)
    if np.any(input_lengths < 1) or np.any(input_lengths > frames):
        raise ArgumentError(f"ctc_loss: input_lengths must lie in [1, {frames}] (the frames of "
                            f"log_probs), got {input_lengths.tolist()}")
    if np.any(target_lengths < 0):
        raise ArgumentError(f"ctc_loss: target_lengths must be >= 0, got "
                            f"{target_lengths.tolist()}")
    rows = _target_rows(targets, target_lengths, batched)
    for row in rows:
        if row.size and (row.min() < 0 or row.max() >= classes or np.any(row == blank)):
            raise IndexOutOfRange(f"ctc_loss: targets must be classes in [0, {classes}) other "
                                  f"than blank={blank}, got {row.tolist()}")
    states = 2 * int(target_lengths.max(initial=0)) + 1
    extended = np.full((count, states), blank, dtype=np.int64)
    for n, row in enumerate(rows):
        extended[n, 1:2 * row.size:2] = row
    skip = np.zeros((count, states), dtype=bool)  # s - 2 -> s allowed: a label unlike l'(s-2)
    skip[:, 2:] = (extended[:, 2:] != blank) & (extended[:, 2:] != extended[:, :-2])
    emissions = lp.gather(2, np.broadcast_to(extended, (frames, count, states)))
    unreachable = Tensor(np.full((count, states), _UNREACHABLE, dtype=lp.dtype))
    alpha = where(np.arange(states) < 2, emissions[0], unreachable)
    for t in range(1, frames):
        stepped = _lse(alpha, _shifted(alpha, 1),
                       where(skip, _shifted(alpha, 2), unreachable)) + emissions[t]
        alpha = where((t < input_lengths)[:, None], stepped, alpha)
    last = 2 * target_lengths  # the state of the final blank, then of the final label
    ends = alpha.gather(1, last[:, None])
    labels = where((last >= 1)[:, None], alpha.gather(1, np.maximum(last - 1, 0)[:, None]),
                   unreachable[:, :1])
    nll = -_lse(ends, labels).squeeze(1)
    impossible = nll._data > _IMPOSSIBLE
    if impossible.any():
        value = 0.0 if zero_infinity else np.inf
        nll = where(impossible, Tensor(np.full(count, value, dtype=lp.dtype)), nll)
    if reduction == "mean":
        return (nll / Tensor(np.maximum(target_lengths, 1).astype(lp.dtype))).mean()
    if reduction == "sum":
        return nll.sum()
    return nll if batched else nll.squeeze(0)


class CTCLoss(_Loss):
    """ctc_loss with fixed blank, reduction and zero_infinity; forward(log_probs, targets,
    input_lengths, target_lengths)."""

    def __init__(self, blank: int = 0, reduction: str = "mean",
                 zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        if isinstance(blank, bool) or not isinstance(blank, int) or blank < 0:
            raise ArgumentError(f"CTCLoss: blank must be a class index >= 0, got {blank!r}")
        self.blank, self.zero_infinity = blank, zero_infinity

    def forward(self, log_probs: Any, targets: Any, input_lengths: Any,
                target_lengths: Any) -> Tensor:
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                        self.reduction, self.zero_infinity)
