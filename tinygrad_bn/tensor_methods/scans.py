"""Running reductions and counting as Tensor methods: cumprod (and cumprod_), cummax,
cummin (named (values, indices)), logcumsumexp, and the counting functions bincount,
histc, bucketize, searchsorted, unique, unique_consecutive.

cummax/cummin find, at each position, the index of the running extremum on the data
(np.maximum.accumulate; a tie takes the later index, as PyTorch) and gather the values
there, so their gradient goes to that element. logcumsumexp(x) = log(cumsum(e^(x - m))) + m
with m the maximum along dim (no overflow). The counting functions return tensors without
a graph, as PyTorch's.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops, return_types
from ..autograd.primitive import is_tensor, new_tensor
from ..errors import ArgumentError, DTypeError, IndexOutOfRange, ShapeError
from ..keywords import one_axis
from .axis_alias import takes_axis

if TYPE_CHECKING:
    from ..tensor import Tensor


def _running_arg(data: np.ndarray, axis: int, better: Any) -> np.ndarray:
    """At each position along axis, the index of the running extremum (a tie: the later)."""
    moved = np.moveaxis(data, axis, -1)
    n = moved.shape[-1]
    best = np.empty(moved.shape, dtype=np.int64)
    if n:
        best[..., 0] = 0
        current = moved[..., 0].copy()
        for k in range(1, n):
            take = better(moved[..., k], current) | (moved[..., k] == current) | \
                np.isnan(moved[..., k])
            current = np.where(take, moved[..., k], current)
            best[..., k] = np.where(take, k, best[..., k - 1])
    return np.moveaxis(best, -1, axis)


class ScanMethods:
    """The mixin of Tensor's running reductions and counting."""

    __slots__ = ()

    @takes_axis
    def cummax(self, dim: int) -> return_types.cummax:
        """(values, indices) of the running maximum along dim."""
        return self._running("cummax", dim, np.greater, return_types.cummax)

    @takes_axis
    def cummin(self, dim: int) -> return_types.cummin:
        """(values, indices) of the running minimum along dim."""
        return self._running("cummin", dim, np.less, return_types.cummin)

    def _running(self, op: str, dim: int, better: Any, result: type) -> Any:
        if not self.ndim:
            one_axis(op, 1, None, dim)  # a 0-d tensor takes dim 0 or -1
            return result(self.clone(), new_tensor(np.zeros((), np.int64)))
        d = one_axis(op, self.ndim, None, dim)
        index = _running_arg(self._data, d, better)
        return result(self.gather(d, index), new_tensor(index))

    @takes_axis
    def cumprod(self, dim: int, *, dtype: Any = None) -> Tensor:
        """Running products along dim (ints and bools give int64, as PyTorch; dtype= casts
        first). The gradient divides by no element, so it is right at zeros (ops.Cumprod)."""
        x = self if dtype is None else self.to(dtype)
        if x.dtype.kind in "biu" and x.dtype != np.int64:
            x = x.astype(np.int64)
        if not x.ndim:  # the product of one element is that element
            one_axis("cumprod", 1, None, dim)  # a 0-d tensor takes dim 0 or -1
            return x.clone()  # (not a Cumprod of a view: cumprod_ overwrites what it saved)
        return ops.Cumprod.apply(x, axis=one_axis("cumprod", x.ndim, None, dim))

    @takes_axis
    def cumprod_(self, dim: int, *, dtype: Any = None) -> Tensor:
        return self._write("cumprod_", lambda t: t.cumprod(dim, dtype=dtype))

    @takes_axis
    def logcumsumexp(self, dim: int) -> Tensor:
        """log(cumsum(e^x)) along dim, shifted by the maximum (no overflow); floating only,
        as PyTorch's."""
        if self.dtype.kind != "f":
            raise DTypeError(f"logcumsumexp: not implemented for dtype {self.dtype} (floating "
                             f"only, as PyTorch)")
        d = one_axis("logcumsumexp", max(self.ndim, 1), None, dim)
        if not self.ndim or not self.shape[d]:
            return self.clone()
        m = np.max(self._data, axis=d, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        return (self - m).exp().cumsum(d).log() + m

    def bincount(self, weights: Any = None, minlength: int = 0) -> Tensor:
        """Counts (or summed weights) of each value of a 1-D non-negative int tensor."""
        if self.ndim != 1 or self.dtype.kind not in "iu" or (self.numel() and
                                                             self._data.min() < 0):
            raise ArgumentError(f"bincount: needs a 1-D tensor of non-negative ints, got "
                                f"shape {self.shape} dtype {self.dtype}")
        w = None if weights is None else (weights._data if is_tensor(weights)
                                          else np.asarray(weights))
        out = np.bincount(self._data, w, minlength)
        if w is None:
            return new_tensor(out.astype(np.int64))
        # PyTorch's dtype: float weights keep theirs, other weights give float64
        return new_tensor(out.astype(w.dtype if w.dtype.kind == "f" else np.float64))

    def histc(self, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
        """Counts in `bins` equal bins over [min, max] (both 0: the data's range); values
        outside are ignored."""
        if self.dtype.kind != "f":
            raise DTypeError(f"histc: needs a floating tensor, got dtype {self.dtype}")
        if isinstance(bins, bool) or not isinstance(bins, int | np.integer) or bins < 1:
            raise ArgumentError(f"histc: bins must be an int >= 1, got {bins!r}")
        low, high = (float(self._data.min()), float(self._data.max())) \
            if min == max == 0 and self.numel() else (float(min), float(max))
        if low == high:
            low, high = low - 1, high + 1
        if low > high:
            raise ArgumentError(f"histc: max ({max}) must not be below min ({min})")
        counts, _ = np.histogram(self._data, bins=int(bins), range=(low, high))
        return new_tensor(counts.astype(self.dtype))

    def unique(self, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
               return_counts: bool = False, dim: int | None = None) -> Any:
        """The distinct values (sorted), and optionally each element's index into them and
        their counts; with dim, the distinct slices along dim (sorted lexicographically),
        each slice's index into them and their counts."""
        if dim is not None:
            d = _slices_axis("unique", self.shape, dim)
            values, inverse, counts = np.unique(self._data, return_inverse=True,
                                                return_counts=True, axis=d)
            inverse = inverse.reshape(-1)
        else:
            # each NaN is its own value, as PyTorch's (NumPy's default merges them)
            values, inverse, counts = np.unique(self._data, return_inverse=True,
                                                return_counts=True, equal_nan=False)
            inverse = inverse.reshape(self.shape)
        out = [new_tensor(values)]
        if return_inverse:
            out.append(new_tensor(inverse.astype(np.int64)))
        if return_counts:
            out.append(new_tensor(counts.astype(np.int64)))
        return out[0] if len(out) == 1 else tuple(out)

    def unique_consecutive(self, return_inverse: bool = False, return_counts: bool = False,
                           dim: int | None = None) -> Any:
        """x with each run of equal consecutive elements (of x flattened) reduced to one;
        with dim, each run of equal consecutive slices along dim."""
        if dim is None:
            rows, shape = self._data.reshape(-1, 1), self.shape
        else:
            d = _slices_axis("unique_consecutive", self.shape, dim)
            rows = np.moveaxis(self._data, d, 0).reshape(self.shape[d], self._data.size //
                                                         max(self.shape[d], 1))
            shape = (self.shape[d],)
        starts = np.ones(len(rows), bool)
        starts[1:] = (rows[1:] != rows[:-1]).any(axis=1)
        kept = np.flatnonzero(starts)
        out = [new_tensor(self._data.reshape(-1)[kept] if dim is None
                          else np.take(self._data, kept, axis=d))]
        if return_inverse:
            out.append(new_tensor((np.cumsum(starts) - 1).reshape(shape).astype(np.int64)))
        if return_counts:
            edges = np.flatnonzero(np.concatenate([starts, [True]]))
            out.append(new_tensor(np.diff(edges).astype(np.int64)))
        return out[0] if len(out) == 1 else tuple(out)


def _slices_axis(op: str, shape: tuple[int, ...], dim: Any) -> int:
    """The axis whose slices unique compares: every other axis must be non-empty (as
    PyTorch: an empty slice has nothing to compare, unless all of them are)."""
    d = one_axis(op, len(shape), None, dim)
    if any(n == 0 for k, n in enumerate(shape) if k != d):
        raise ShapeError(f"{op}: shape {shape} has an empty axis other than dim {d}, whose "
                         f"slices it would compare (as PyTorch refuses)")
    return d


def searchsorted(sorted_sequence: Any, values: Any, *, out_int32: bool = False,
                 right: bool = False, side: str | None = None, sorter: Any = None) -> Tensor:
    """For each value, the index where it would be inserted into the sorted last axis of
    sorted_sequence (the leftmost, or with right=True / side="right" the rightmost). With
    `sorter` (int64 indices of sorted_sequence's shape, e.g. its argsort) the sequence is
    read in that order: the index is into sorted_sequence.gather(-1, sorter)."""
    seq = sorted_sequence._data if is_tensor(sorted_sequence) else np.asarray(sorted_sequence)
    if sorter is not None:
        seq = _sorted_by("searchsorted", seq, sorter)
    if seq.dtype.kind == "b":
        raise DTypeError("searchsorted: not implemented for a bool sorted_sequence (as "
                         "PyTorch); convert it first, e.g. .int()")
    vals = values._data if is_tensor(values) else np.asarray(values)
    which = side or ("right" if right else "left")
    if which not in ("left", "right"):
        raise ArgumentError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    if seq.dtype.kind == "f" and np.isnan(seq).any():  # (NumPy's order differs, see there)
        out = _torch_bound(seq, vals, which == "right")
    elif seq.ndim <= 1:
        out = np.searchsorted(seq, vals, side=which)
    else:
        if seq.shape[:-1] != vals.shape[:-1]:
            raise ShapeError(f"searchsorted: leading dims of the sequence {seq.shape} and the "
                             f"values {vals.shape} must match")
        rows = math.prod(seq.shape[:-1])
        flat_seq = seq.reshape(rows, seq.shape[-1])
        flat_vals = vals.reshape(rows, vals.shape[-1])
        out = np.empty(flat_vals.shape, np.int64)
        for k in range(rows):
            out[k] = np.searchsorted(flat_seq[k], flat_vals[k], side=which)
        out = out.reshape(vals.shape)
    return new_tensor(np.asarray(out).astype(np.int32 if out_int32 else np.int64))


def _sorted_by(op: str, seq: np.ndarray, sorter: Any) -> np.ndarray:
    """seq's last axis taken in the order of `sorter` (PyTorch's: int64, seq's shape)."""
    order = sorter._data if is_tensor(sorter) else np.asarray(sorter)
    if order.dtype != np.int64:
        raise DTypeError(f"{op}: sorter must be an int64 tensor, got dtype {order.dtype}")
    if order.shape != seq.shape:
        raise ShapeError(f"{op}: sorter of shape {order.shape} must have the sorted "
                         f"sequence's shape {seq.shape}")
    if order.size and (order.min() < 0 or order.max() >= seq.shape[-1]):
        raise IndexOutOfRange(f"{op}: sorter's indices must lie in [0, {seq.shape[-1]}), "
                              f"got {order.min()} to {order.max()}")
    return np.take_along_axis(seq, order, -1) if seq.ndim else seq


def _torch_bound(seq: np.ndarray, vals: np.ndarray, right: bool) -> np.ndarray:
    """PyTorch's binary search over a sequence holding NaN, step for step: the search moves
    right past s[mid] unless s[mid] >= v (s[mid] > v with right), so a NaN there reads as
    smaller than every value, wherever it sits (NumPy sorts NaN last, and answers
    otherwise). Vectorized over the values: about log2(n) steps for all of them."""
    if seq.ndim > 1 and seq.shape[:-1] != vals.shape[:-1]:
        raise ShapeError(f"searchsorted: leading dims of the sequence {seq.shape} and the "
                         f"values {vals.shape} must match")
    rows = np.broadcast_to(seq[..., None, :], vals.shape + seq.shape[-1:]) if seq.ndim > 1 \
        else np.broadcast_to(seq, vals.shape + seq.shape)
    start = np.zeros(vals.shape, np.int64)
    end = np.full(vals.shape, seq.shape[-1], np.int64)
    with np.errstate(invalid="ignore"):
        while (active := start < end).any():
            mid = (start + end) // 2
            at = np.take_along_axis(rows, np.minimum(mid, seq.shape[-1] - 1)[..., None],
                                    -1)[..., 0]
            moves = ~(at > vals) if right else ~(at >= vals)
            start = np.where(active & moves, mid + 1, start)
            end = np.where(active & ~moves, mid, end)
    return start


def bucketize(input: Any, boundaries: Any, *, out_int32: bool = False,  # noqa: A002
              right: bool = False) -> Tensor:
    """The bucket of each value among the 1-D sorted boundaries (PyTorch's right: with
    right=False, boundaries[i-1] < x <= boundaries[i])."""
    bounds = boundaries._data if is_tensor(boundaries) else np.asarray(boundaries)
    if bounds.ndim != 1:
        raise ShapeError(f"bucketize: boundaries must be 1-D, got shape {bounds.shape}")
    return searchsorted(bounds, input, out_int32=out_int32, right=right)
