"""Placing values into a tensor, as Tensor methods: scatter_reduce, index_copy,
masked_scatter, and the in-place variants of the placing methods (scatter_ scatter_add_
scatter_reduce_ index_add_ index_copy_ index_fill_ masked_scatter_).

None needs an op of its own. scatter_reduce lays every cell's contributors out in a row of
a dense table (the cell's own value unless include_self=False leaves it out of a cell that
receives any, then the src values sent to it, padded with the reduction's neutral value:
0, 1, -inf or +inf), read from x and src with one GetItem, and reduces the rows with Sum,
Prod, Max or Min: the gradient of each reduction (Prod's exact at zeros, Max's and Min's
split evenly between ties, as PyTorch's) flows back through GetItem to x and src.
index_copy and masked_scatter pick, for each cell, its source element (GetItem) and keep
x elsewhere (Where). The in-place variants write the out-of-place result with `_write`
(tensor_methods/inplace.py), so their autograd is that of every in-place write.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops
from ..autograd.primitive import is_tensor, new_tensor
from ..errors import ArgumentError, DTypeError, ShapeError
from ..keywords import one_axis
from .axis_alias import takes_axis
from .indexing import _along, _check_range, _index_array, _scalar_scatter, _source, same_dtype

if TYPE_CHECKING:
    from ..tensor import Tensor

_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _neutral(reduce: str, dtype: np.dtype) -> Any:
    """The value a padded slot holds: it changes no reduction of its row."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    if dtype.kind == "b":
        return reduce == "amin"
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


class PlacingMethods:
    """The mixin of Tensor's scatter_reduce, index_copy, masked_scatter and in-place placing."""

    __slots__ = ()

    @takes_axis
    def scatter_reduce(self, dim: int, index: Any, src: Any, reduce: str, *,
                       include_self: bool = True) -> Tensor:
        """x with src[i][j] reduced into the cell index[i][j] of axis dim (dim 0; likewise
        other dims) by reduce ("sum", "prod", "mean", "amax", "amin"); cells no index names
        keep x. include_self=False leaves x's value out of the cells that receive src
        values. "mean" divides by the number of values reduced (floor division for ints)."""
        if reduce not in _REDUCTIONS:
            raise ArgumentError(f"scatter_reduce: reduce must be one of {', '.join(_REDUCTIONS)}"
                                f", got {reduce!r}")
        if not is_tensor(src):
            raise ArgumentError(f"scatter_reduce: src must be a tensor, got "
                                f"{type(src).__name__}")
        if src.dtype != self.dtype:
            raise DTypeError(f"scatter_reduce: src's dtype {src.dtype} must be x's dtype "
                             f"{self.dtype}")
        if reduce == "mean" and self.dtype.kind == "b":
            raise DTypeError("scatter_reduce: reduce='mean' is not implemented for bool "
                             "tensors (as PyTorch)")
        if not self.ndim:
            return _scalar_scatter(self, "scatter_reduce", dim, index, src, reduce=reduce,
                                   include_self=include_self)
        _, grid, src = self._scatter_args("scatter_reduce", dim, index, src)
        n, m = self.numel(), src.numel()
        cells = np.ravel_multi_index(grid, self.shape).reshape(-1) if m else \
            np.zeros(0, np.int64)
        counts = np.bincount(cells, minlength=n)
        order = np.argsort(cells, kind="stable")
        rank = np.empty(m, np.int64)  # the place of each src value among its cell's
        rank[order] = np.arange(m) - (np.cumsum(counts) - counts)[cells[order]]
        pad = n + m  # the slot of the neutral value in the concatenation below
        table = np.full((n, 1 + (int(counts.max()) if m else 0)), pad, np.int64)
        table[:, 0] = np.where(include_self | (counts == 0), np.arange(n), pad)
        table[cells, 1 + rank] = n + np.arange(m)
        neutral = new_tensor(np.full(1, _neutral(reduce, self.dtype), dtype=self.dtype))
        rows = ops.Concatenate.apply(self.reshape(-1), src.reshape(-1), neutral, axis=0)[table]
        if reduce in ("sum", "mean"):
            out = rows.sum(1)
        elif reduce == "prod":
            out = rows.prod(1)
        else:
            out = (rows.amax if reduce == "amax" else rows.amin)(1)
        if reduce == "mean":
            count = (table != pad).sum(1)
            out = new_tensor(out._data // count) if self.dtype.kind in "biu" else \
                out * new_tensor((1.0 / count).astype(self.dtype))
        if out.dtype != self.dtype:  # (an integer sum or product is int64: x's dtype back)
            out = new_tensor(out._data.astype(self.dtype))
        return out.reshape(self.shape)

    @takes_axis
    def index_copy(self, dim: int, index: Any, source: Any) -> Tensor:
        """x with its slice index[i] of axis dim replaced by source's slice i."""
        _source("index_copy", "source", source)
        d = one_axis("index_copy", max(self.ndim, 1), None, dim)  # 0-d: dim 0 or -1
        idx = _index_array("index_copy", index).reshape(-1)
        source = same_dtype("index_copy", self, self._coerce(source, "index_copy"))
        x = self if self.ndim else self.reshape(1)
        s = source if source.ndim else source.reshape(1)
        expected = x.shape[:d] + (len(idx),) + x.shape[d + 1:]
        if s.shape != expected:
            raise ShapeError(f"index_copy: source of shape {source.shape} must have shape "
                             f"{expected} (x {self.shape} with {len(idx)} slices along dim {d})")
        _check_range("index_copy", idx, x.shape[d], d)
        which = np.zeros(x.shape[d], np.int64)  # the source slice of each slice of x
        which[idx] = np.arange(len(idx))
        hit = np.zeros(x.shape[d], bool)
        hit[idx] = True
        hit = hit.reshape((-1,) + (1,) * (x.ndim - d - 1))
        if not len(idx):
            return x.clone().reshape(self.shape)
        out = ops.IndexCopy.apply(x, s, hit=hit, winner=_along(d, which), picked=_along(d, idx))
        return out.reshape(self.shape)

    def masked_scatter(self, mask: Any, source: Any) -> Tensor:
        """x with the elements where the bool mask (broadcast with x) is True replaced, in
        order, by source's first elements (source read flattened)."""
        m = mask._data if is_tensor(mask) else np.asarray(mask)
        source = self._coerce(source, "masked_scatter")
        if m.dtype != np.bool_:
            raise DTypeError(f"masked_scatter: the mask must be bool, got dtype {m.dtype}")
        try:
            shape = np.broadcast_shapes(m.shape, self.shape)
        except ValueError:
            raise ShapeError(f"masked_scatter: mask of shape {m.shape} does not broadcast with "
                             f"x of shape {self.shape}") from None
        if source.dtype != self.dtype:
            raise DTypeError(f"masked_scatter: source's dtype {source.dtype} must be x's dtype "
                             f"{self.dtype}")
        m = np.broadcast_to(m, shape)
        wanted = int(m.sum())
        if source.numel() < wanted:
            raise ShapeError(f"masked_scatter: the mask selects {wanted} elements but source "
                             f"(shape {source.shape}) has {source.numel()}")
        x = self if self.shape == shape else self.expand(*shape)
        if not wanted:  # x; a source in the graph stays there with a zero gradient
            return ops.Where.apply(source.reshape(-1).sum(), x, cond=m) if \
                source.requires_grad else x.clone()
        taken = np.maximum(np.cumsum(m.reshape(-1)) - 1, 0).reshape(shape)
        return ops.Where.apply(source.reshape(-1)[taken], x, cond=m)

    # ---- in place
    @takes_axis
    def scatter_(self, dim: int, index: Any, src: Any = None, *, value: Any = None,
                 reduce: str | None = None) -> Tensor:
        return self._write("scatter_", lambda t: t.scatter(dim, index, src, value=value,
                                                          reduce=reduce))

    @takes_axis
    def scatter_add_(self, dim: int, index: Any, src: Any) -> Tensor:
        return self._write("scatter_add_", lambda t: t.scatter_add(dim, index, src))

    @takes_axis
    def scatter_reduce_(self, dim: int, index: Any, src: Any, reduce: str, *,
                        include_self: bool = True) -> Tensor:
        return self._write("scatter_reduce_", lambda t: t.scatter_reduce(
            dim, index, src, reduce, include_self=include_self))

    @takes_axis
    def index_add_(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
        return self._write("index_add_", lambda t: t.index_add(dim, index, source, alpha=alpha))

    @takes_axis
    def index_copy_(self, dim: int, index: Any, source: Any) -> Tensor:
        return self._write("index_copy_", lambda t: t.index_copy(dim, index, source))

    @takes_axis
    def index_fill_(self, dim: int, index: Any, value: Any) -> Tensor:
        return self._write("index_fill_", lambda t: t.index_fill(dim, index, value))

    def masked_scatter_(self, mask: Any, source: Any) -> Tensor:
        return self._write("masked_scatter_", lambda t: t.masked_scatter(mask, source))
