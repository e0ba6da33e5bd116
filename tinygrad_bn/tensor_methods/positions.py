"""Reading and writing elements by position, as PyTorch's: as_strided (a window on the
elements by sizes and strides), put and put_ (writes at flat indices), index_put (the
out-of-place index_put_), slice_scatter, select_scatter and diagonal_scatter (x with a
slice, a selected sub-tensor or a diagonal replaced), index_reduce(_) (scatter_reduce of
whole slices); and the function unravel_index (flat indices to coordinates).

    as_strided(x, size, stride, offset)[i] = flat(x)[offset + sum_k i_k stride_k]
    slice_scatter(x, src)                  = x with x[..., start:end:step, ...] = src

The reads are integer indexing (GetItem, whose gradient scatters back and sums where
windows overlap); the writes are IndexPut on a copy (the gradient of x is g with zeros at
the written places, that of src is g there), so gradients of every order follow.

`flat(x)` is x's elements in row-major order. For a contiguous tensor that is PyTorch's
storage, so as_strided agrees with PyTorch; on a view PyTorch would read the storage the
view shares (elements outside the view), which a tensor here does not expose.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops
from ..autograd.primitive import as_tensor, is_tensor, new_tensor
from ..errors import (
    ArgumentError,
    ArgumentTypeError,
    DTypeError,
    IndexOutOfRange,
    ShapeError,
    UnsupportedError,
)
from ..keywords import int_sizes, one_axis
from .axis_alias import takes_axis
from .memory_views import window_view

if TYPE_CHECKING:
    from ..tensor import Tensor


def _ints(op: str, what: str, value: Any) -> tuple[int, ...]:
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return (int(value),)
    if is_tensor(value) or not isinstance(value, Sequence) or isinstance(value, str):
        raise ArgumentTypeError(f"{op}: {what} must be a sequence of ints, got "
                                f"{type(value).__name__}")
    return int_sizes(op, value)


def _flat_index(op: str, index: Any, numel: int) -> np.ndarray:
    """An int64 index tensor's values, negatives counted from the end, checked in range."""
    if not is_tensor(index):
        raise ArgumentTypeError(f"{op}: index must be an int64 Tensor, got "
                                f"{type(index).__name__}")
    if index.dtype != np.int64:
        raise DTypeError(f"{op}: expected an int64 (long) tensor for index, got {index.dtype}")
    flat = index._data.reshape(-1)
    bad = flat[(flat < -numel) | (flat >= numel)]
    if bad.size:
        raise IndexOutOfRange(f"{op}: index {int(bad[0])} is out of range for a tensor of "
                              f"{numel} elements")
    return np.where(flat < 0, flat + numel, flat)


class PositionMethods:
    """The mixin of Tensor's as_strided, put, put_, index_put, slice_scatter,
    select_scatter and diagonal_scatter."""

    __slots__ = ()

    def as_strided(self, size: Sequence[int], stride: Sequence[int],
                   storage_offset: int | None = None) -> Tensor:
        """The tensor of shape `size` whose element i is flat(x)[offset + sum_k i_k
        stride_k]: windows, diagonals, repeats; elements read twice get both gradients.
        A view of a row-major x (a copy of another: flat(x) is then no memory)."""
        size, stride = _ints("as_strided", "size", size), _ints("as_strided", "stride", stride)
        offset = 0 if storage_offset is None else storage_offset
        if len(size) != len(stride):
            raise ShapeError(f"as_strided: size {size} and stride {stride} differ in length")
        if any(n < 0 for n in size) or any(s < 0 for s in stride):
            raise ArgumentError(f"as_strided: sizes and strides must be non-negative, got "
                                f"size {size}, stride {stride}")
        if isinstance(offset, bool) or not isinstance(offset, int | np.integer) or offset < 0:
            raise ArgumentError(f"as_strided: storage_offset must be a non-negative int, got "
                                f"{storage_offset!r}")
        offset, numel = int(offset), self._data.size
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if 0 not in size and last >= numel:
            raise ShapeError(f"as_strided: sizes {size}, strides {stride} and offset {offset} "
                             f"reach element {last}, but x (shape {self.shape}) has "
                             f"{numel} elements")
        if self.ndim and self._data.flags.c_contiguous:  # flat(x) is x's memory: a view

            def window(data: np.ndarray) -> np.ndarray:
                return np.lib.stride_tricks.as_strided(
                    data.reshape(-1)[offset:], size, tuple(s * data.itemsize for s in stride),
                    writeable=True)

            return window_view(self, window)
        flat = np.full(size, offset, np.int64)
        for axis, (n, s) in enumerate(zip(size, stride)):
            flat += (np.arange(n, dtype=np.int64) * s).reshape((-1,) + (1,) * (len(size) - axis
                                                                               - 1))
        return self.reshape(-1)[flat]

    def as_strided_(self, size: Sequence[int], stride: Sequence[int],
                    storage_offset: int | None = None) -> Tensor:
        """In place, this tensor becomes `as_strided(size, stride, storage_offset)` of its
        memory (PyTorch changes the tensor's sizes and strides). Refused on a tensor whose
        memory is not row-major: the window is over flat(x), which is then no memory."""
        if not self._data.flags.c_contiguous:
            raise UnsupportedError(f"as_strided_: a non-contiguous tensor (shape {self.shape}, "
                                   f"strides {self.stride()}) cannot be re-strided in place "
                                   f"here; call contiguous() first")
        return self._restride("as_strided_", lambda t: t.as_strided(size, stride,
                                                                    storage_offset))

    def put_(self, index: Any, source: Any, accumulate: bool = False) -> Tensor:
        """Write source's elements at the flat (row-major) positions `index` of x, in place
        (negative positions from the end); accumulate=True adds them, repeats summing."""
        flat = _flat_index("put_", index, self._data.size)
        source = self._coerce(source, "put_")
        if source.dtype != self.dtype:
            raise DTypeError(f"put_: source's dtype {source.dtype} must be x's dtype "
                             f"{self.dtype}")
        if source.numel() != flat.size:
            raise ShapeError(f"put_: source has {source.numel()} elements but index has "
                             f"{flat.size}; expected one per index")
        if not flat.size and (self.ndim == 0 or not source.requires_grad):
            return self
        if self.ndim == 0:  # every index is 0: the sum, or the last value written
            values = source.reshape(-1)
            return self.index_put_((), values.sum(dtype=self.dtype) if accumulate else
                                   values[-1], accumulate)
        where = tuple(np.unravel_index(flat, self.shape))
        return self.index_put_(where, source.reshape(-1), accumulate)

    def put(self, index: Any, source: Any, accumulate: bool = False) -> Tensor:
        """put_ on a copy: x with source's elements at the flat positions `index`."""
        return self.clone().put_(index, source, accumulate)

    def index_put(self, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
        """index_put_ on a copy: x with x[indices] = values (+= with accumulate=True)."""
        return self.clone().index_put_(indices, values, accumulate)

    @takes_axis
    def slice_scatter(self, src: Any, dim: int = 0, start: int | None = None,
                      end: int | None = None, step: int = 1) -> Tensor:
        """x with x[..., start:end:step, ...] (on dim) replaced by src, which must have that
        slice's shape (cast to x's dtype)."""
        d = one_axis("slice_scatter", max(self.ndim, 1), None, dim)
        if isinstance(step, bool) or not isinstance(step, int | np.integer) or step <= 0:
            raise ArgumentError(f"slice_scatter: step must be a positive int, got {step!r}")
        index = (slice(None),) * d + (slice(start, end, step),)
        return _scatter_at(self, "slice_scatter", src, index)

    @takes_axis
    def select_scatter(self, src: Any, dim: int, index: int) -> Tensor:
        """x with x.select(dim, index) replaced by src (of x's shape without dim)."""
        if self.ndim == 0:
            raise ShapeError("select_scatter: cannot select from a 0-d tensor")
        d = one_axis("select_scatter", self.ndim, None, dim)
        n = self.shape[d]
        if isinstance(index, bool) or not isinstance(index, int | np.integer):
            raise ArgumentTypeError(f"select_scatter: index must be an int, got {index!r}")
        if not -n <= index < n:
            raise IndexOutOfRange(f"select_scatter: index {index} is out of range for dim {d} "
                                  f"of size {n} (shape {self.shape})")
        return _scatter_at(self, "select_scatter", src, (slice(None),) * d + (int(index),))

    def diagonal_scatter(self, src: Any, offset: int = 0, dim1: int = 0, dim2: int = 1
                         ) -> Tensor:
        """x with its diagonal x.diagonal(offset, dim1, dim2) replaced by src (of that
        diagonal's shape: the other axes, then the diagonal's length)."""
        if self.ndim < 2:
            raise ShapeError(f"diagonal_scatter: needs at least 2 dims, got shape {self.shape}")
        a = one_axis("diagonal_scatter", self.ndim, None, dim1)
        b = one_axis("diagonal_scatter", self.ndim, None, dim2)
        if a == b:
            raise ArgumentError(f"diagonal_scatter: dim1 and dim2 must differ, got {dim1}, "
                                f"{dim2}")
        if isinstance(offset, bool) or not isinstance(offset, int | np.integer):
            raise ArgumentTypeError(f"diagonal_scatter: offset must be an int, got {offset!r}")
        moved = self.movedim((a, b), (-2, -1))
        rows, cols = moved.shape[-2:]
        length = max(0, min(rows + min(offset, 0), cols - max(offset, 0)))
        k = np.arange(length)
        index = (Ellipsis, k - min(offset, 0), k + max(offset, 0))
        return _scatter_at(moved, "diagonal_scatter", src, index).movedim((-2, -1), (a, b))


    @takes_axis
    def index_reduce(self, dim: int, index: Any, source: Any, reduce: str, *,
                     include_self: bool = True) -> Tensor:
        """x with source's slice i (along dim) reduced into x's slice index[i] by reduce
        ("prod", "mean", "amax", "amin"): scatter_reduce with index spread over the slice."""
        if reduce not in ("prod", "mean", "amax", "amin"):
            raise ArgumentError(f"index_reduce: reduce must be one of prod, mean, amax or "
                                f"amin, got {reduce!r}")
        d = one_axis("index_reduce", max(self.ndim, 1), None, dim)
        if not is_tensor(index) or index.dtype != np.int64 or index.ndim > 1:
            raise DTypeError(f"index_reduce: index must be a 1-d int64 tensor, got "
                             f"{getattr(index, 'dtype', type(index).__name__)} of shape "
                             f"{getattr(index, 'shape', None)}")
        source = self._coerce(source, "index_reduce")
        if not self.ndim:  # a 0-d x is one slice, and a 0-d source its one reduced value
            if source.ndim:
                raise ShapeError(f"index_reduce: of a 0-d x, source must be 0-d too (as "
                                 f"PyTorch), got shape {source.shape}")
            return self.reshape(1).index_reduce(0, index, source.reshape(1), reduce,
                                                include_self=include_self).reshape(())
        if self.dtype.kind == "b" and reduce in ("prod", "mean"):
            raise DTypeError(f"index_reduce: reduce={reduce!r} is not implemented for bool "
                             f"tensors (as PyTorch)")
        expected = self.shape[:d] + (index.numel(),) + self.shape[d + 1:]
        if source.shape != expected:
            raise ShapeError(f"index_reduce: source of shape {source.shape} must have shape "
                             f"{expected} (x {self.shape} with index's {index.numel()} "
                             f"slices along dim {d})")
        spread = np.broadcast_to(index._data.reshape((-1,) + (1,) * (self.ndim - d - 1)),
                                 expected)
        return self.scatter_reduce(d, new_tensor(np.ascontiguousarray(spread)), source, reduce,
                                   include_self=include_self)

    @takes_axis
    def index_reduce_(self, dim: int, index: Any, source: Any, reduce: str, *,
                      include_self: bool = True) -> Tensor:
        """index_reduce written into x in place."""
        return self._write("index_reduce_", lambda t: t.index_reduce(
            dim, index, source, reduce, include_self=include_self))


def _scatter_at(x: Tensor, op: str, src: Any, index: Any) -> Tensor:
    """x with x[index] = src, src of exactly x[index]'s shape (cast to x's dtype)."""
    src = x._coerce(src, op) if not is_tensor(src) else src
    target = np.empty(x.shape, dtype=bool)[index].shape
    if src.shape != target:
        raise ShapeError(f"{op}: src of shape {src.shape} must have the shape of the part it "
                         f"replaces, {target} (x of shape {x.shape})")
    if src.dtype != x.dtype:
        src = src.astype(x.dtype) if src.dtype.kind == "f" and x.dtype.kind == "f" else \
            new_tensor(src._data.astype(x.dtype))
    return ops.IndexPut.apply(x, src, index=index)


def unravel_index(indices: Any, shape: Any) -> tuple[Tensor, ...]:
    """The coordinates in a tensor of `shape` of each flat (row-major) index: one int64
    tensor per axis, each of indices' shape; negative indices count from the end."""
    if isinstance(indices, int | np.integer) and not isinstance(indices, bool):
        indices = new_tensor(np.asarray(indices, np.int64))
    if not is_tensor(indices):
        raise ArgumentTypeError(f"unravel_index: indices must be an int or an integer "
                                f"Tensor, got {type(indices).__name__}")
    if indices.dtype.kind not in "iu":
        raise DTypeError(f"unravel_index: expected indices of an integer dtype, got "
                         f"{indices.dtype}")
    dims = _ints("unravel_index", "shape", shape)
    if any(n < 0 for n in dims):
        raise ArgumentError(f"unravel_index: shape {dims} cannot have negative values")
    numel = int(np.prod(dims, dtype=np.int64))
    flat = as_tensor(indices)._data.astype(np.int64)
    bad = flat[(flat < -numel) | (flat >= numel)]
    if bad.size:
        raise IndexOutOfRange(f"unravel_index: index {int(bad.reshape(-1)[0])} is out of "
                              f"range for shape {dims} ({numel} elements)")
    flat = np.where(flat < 0, flat + numel, flat)
    return tuple(new_tensor(c.astype(np.int64)) for c in np.unravel_index(flat, dims))
