"""Sorting, selecting and placing elements as Tensor methods: sort argsort topk kthvalue,
index_select take take_along_dim masked_select, scatter scatter_add index_add index_fill,
nonzero argwhere count_nonzero, tril triu diagonal diag trace, roll repeat_interleave
narrow select movedim unflatten tile diff. As PyTorch's, a 0-d tensor takes dim 0 or -1 in
index_select, scatter, scatter_add, index_add and movedim (its one element as a 1-d tensor).

None needs an op of its own: the positions are found on the data (argsort, a mask), and
the values move with indexing (GetItem: the gradient scatter-adds back, repeated indices
accumulate) or are placed with ScatterAdd (the gradient gathers), so gradients of every
order follow. Sorting returns PyTorch's named pairs (values, indices); equal values keep
their order (a stable sort), so ties are deterministic.

Just over 500 lines: one family sharing its index helpers.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops, return_types
from ..autograd.primitive import as_tensor, is_tensor, new_tensor
from ..errors import (
    ArgumentError,
    ArgumentTypeError,
    DTypeError,
    DTypeMismatchError,
    IndexOutOfRange,
    ShapeError,
    named,
    short_repr,
)
from ..keywords import every_axis_if_empty, normalize_axes, one_axis
from .axis_alias import takes_axis
from .elementwise import no_bool
from .memory_views import placed, window_view, writable_like
from .movement import _given, concatenate

if TYPE_CHECKING:
    from ..tensor import Tensor


def _index_array(op: str, index: Any) -> np.ndarray:
    idx = index._data if is_tensor(index) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise DTypeError(f"{op}: index must hold integers, got dtype {idx.dtype}")
    return idx.astype(np.int64, copy=False)


def _along(axis: int, index: Any) -> tuple:
    return (slice(None),) * axis + (index,)


class IndexingMethods:
    """The mixin of Tensor's sorting, selecting and placing methods."""

    __slots__ = ()

    # ---- sorting
    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False, *,
                axis: int | None = None) -> Tensor:
        """The indices that sort x along dim (ascending, or descending), equal values in
        their original order."""
        # axis= (PyTorch's alias) with dim at its default -1 names the axis alone
        d = one_axis("argsort", max(self.ndim, 1), axis, None if axis is not None and
                     dim == -1 else dim)  # 0-d: dim 0 or -1, as one
        data = self._data if self.ndim else self._data.reshape(1)
        if descending and data.dtype.kind == "f":  # NaN is the largest, first (PyTorch's)
            order = np.lexsort((-data, ~np.isnan(data)), axis=d)  # stable: ties first-come
        else:  # a stable sort of the negated values keeps ties first-come
            if descending:
                data = -(data.astype(np.int64) if data.dtype.kind in "bu" else data)
            order = np.argsort(data, axis=d, kind="stable")
        return new_tensor(order.reshape(self.shape).astype(np.int64))

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False, *,
             axis: int | None = None) -> return_types.sort:
        """(values, indices) sorted along dim; values = x.gather(dim, indices)."""
        indices = self.argsort(dim, descending, stable, axis=axis)
        if not self.ndim:
            return return_types.sort(self.clone(), indices)
        d = one_axis("sort", self.ndim, axis, None if axis is not None and dim == -1 else dim)
        return return_types.sort(self.gather(d, indices), indices)

    def msort(self) -> Tensor:
        return self.sort(0).values

    @takes_axis
    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True  # noqa: A002
             ) -> return_types.topk:
        """The k largest (or smallest) values along dim and their indices, in order."""
        no_bool("topk", self)
        d = one_axis("topk", max(self.ndim, 1), None, dim)  # 0-d: dim 0 or -1
        n = self.shape[d] if self.ndim else 1
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 0 <= k <= n:
            raise ArgumentError(f"topk: k must be an int in [0, {n}] for dim {dim} of shape "
                                f"{self.shape}, got {k!r}")
        if not self.ndim:  # the one element, 0-d, as PyTorch's (for k = 0 too)
            one_axis("topk", 1, None, dim)
            values, indices = self.reshape(1).topk(1, 0, largest, sorted)
            return return_types.topk(values.reshape(()), indices.reshape(()))
        order = self.argsort(d, descending=largest)._data
        indices = new_tensor(order[_along(d, slice(0, k))])
        return return_types.topk(self.gather(d, indices), indices)

    @takes_axis
    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> return_types.kthvalue:
        """The k-th smallest value along dim (k from 1) and its index."""
        no_bool("kthvalue", self)
        if not self.ndim:  # PyTorch: dim 0 or -1, over the one element
            one_axis("kthvalue", 1, None, dim)
            values, indices = self.reshape(1).kthvalue(k, 0, keepdim)
            return return_types.kthvalue(values.reshape(()), indices.reshape(()))
        d = one_axis("kthvalue", self.ndim, None, dim)
        n = self.shape[d]
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= n:
            raise ArgumentError(f"kthvalue: k must be an int in [1, {n}], got {k!r}")
        order = self.argsort(d)._data[_along(d, slice(k - 1, k))]
        values = self.gather(d, order)
        if not keepdim:
            return return_types.kthvalue(values.squeeze(d), new_tensor(order.squeeze(d)))
        return return_types.kthvalue(values, new_tensor(order))

    # ---- selecting
    @takes_axis
    def index_select(self, dim: int, index: Any) -> Tensor:
        """The slices index[0], index[1], ... of axis dim (a 1-D int index; a 0-d x takes dim
        0 or -1 and an index of one value, as PyTorch's)."""
        if not self.ndim:
            one_axis("index_select", 1, None, dim)
            idx = _index_array("index_select", index)
            if idx.size != 1:
                raise ShapeError(f"index_select: the index into a 0-d tensor can have only 1 "
                                 f"value, got {idx.size}")
            return self.reshape(1).index_select(0, idx.reshape(1)).reshape(())
        d = one_axis("index_select", self.ndim, None, dim)
        idx = _index_array("index_select", index)
        if idx.ndim > 1:
            raise ShapeError(f"index_select: index must be 1-D, got shape {idx.shape}")
        _check_range("index_select", idx, self.shape[d], d)
        return self[_along(d, idx.reshape(-1))]

    def take(self, index: Any) -> Tensor:
        """x.flatten()[index], shaped like index."""
        idx = _index_array("take", index)
        _check_range("take", idx, self.numel(), None, allow_negative=True)
        return self.reshape(-1)[idx]

    @takes_axis
    def take_along_dim(self, indices: Any, dim: int | None = None) -> Tensor:
        """gather along dim with indices broadcast against x (dim None: x flattened)."""
        idx = _index_array("take_along_dim", indices)
        if dim is None:
            return self.reshape(-1).gather(0, idx.reshape(-1))
        d = one_axis("take_along_dim", self.ndim, None, dim)
        try:
            shape = list(np.broadcast_shapes(
                tuple(1 if i == d else s for i, s in enumerate(self.shape)),
                tuple(1 if i == d else s for i, s in enumerate(idx.shape))))
        except ValueError:
            raise ShapeError(f"take_along_dim: indices of shape {idx.shape} do not broadcast "
                             f"with the tensor's shape {self.shape} outside dim {d}") from None
        x_shape, i_shape = list(shape), list(shape)
        x_shape[d], i_shape[d] = self.shape[d], idx.shape[d]
        _check_range("take_along_dim", idx, self.shape[d], d, allow_negative=True)
        idx = idx % max(self.shape[d], 1)  # PyTorch's take_along_dim counts from the end
        return self.expand(*x_shape).gather(d, np.broadcast_to(idx, i_shape))

    def masked_select(self, mask: Any) -> Tensor:
        """The elements where the bool mask (broadcast with x) is True, as a 1-D tensor."""
        m = mask._data if is_tensor(mask) else np.asarray(mask)
        if m.dtype != np.bool_:
            raise DTypeError(f"masked_select: the mask must be bool, got dtype {m.dtype}")
        try:
            shape = np.broadcast_shapes(m.shape, self.shape)
        except ValueError:
            raise ShapeError(f"masked_select: the mask's shape {m.shape} does not broadcast "
                             f"with the tensor's {self.shape}") from None
        x = self if self.shape == shape else self.expand(*shape)
        return x[np.broadcast_to(m, shape)]

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        """The indices of the nonzero elements: an (n, ndim) int64 tensor, or one 1-D tensor
        per axis with as_tuple=True."""
        found = np.nonzero(self._data if self.ndim else self._data.reshape(1))
        if as_tuple:
            return tuple(new_tensor(a.astype(np.int64)) for a in found)
        return new_tensor(np.stack(found, axis=1).astype(np.int64) if self.ndim
                          else np.zeros((len(found[0]), 0), np.int64))

    def argwhere(self) -> Tensor:
        return self.nonzero()

    @takes_axis
    def count_nonzero(self, dim: Any = None) -> Tensor:
        dim = every_axis_if_empty(dim)
        axes = None if dim is None else normalize_axes("count_nonzero", dim, self.ndim,
                                                       scalar_axis=True)  # 0-d: dim 0, -1
        return new_tensor(np.asarray(np.count_nonzero(self._data, axis=axes), dtype=np.int64))

    # ---- placing
    @takes_axis
    def scatter_add(self, dim: int, index: Any, src: Any) -> Tensor:
        """x with src[i][j] added at row index[i][j] of axis dim (dim 0; likewise others);
        repeated indices accumulate."""
        _source("scatter_add", "src", src)
        if not self.ndim:  # dim 0 or -1, the one element as a 1-d tensor (PyTorch's)
            return _scalar_scatter(self, "scatter_add", dim, index, src)
        d, grid, src = self._scatter_args("scatter_add", dim, index, src)
        return self + ops.ScatterAdd.apply(src, index=grid, shape=self.shape)

    @takes_axis
    def scatter(self, dim: int, index: Any, src: Any = None, *, value: Any = None,
                reduce: str | None = None) -> Tensor:
        """x with the cells index[i][j] of axis dim replaced by src[i][j] (or value); reduce
        "add" adds instead, "multiply" multiplies (every source of a repeated index, as
        scatter_reduce's "prod"). A repeated index keeps one of its sources (PyTorch does
        not say which); each of them gets the cell's gradient, as PyTorch's."""
        if isinstance(src, int | float) and value is None:  # PyTorch's scatter(dim, i, 2.5)
            src, value = None, src
        if (src is None) == (value is None):
            raise ArgumentError("scatter: give src or value")
        if value is not None:
            src = new_tensor(np.full(_index_array("scatter", index).shape,
                                     fill_number("scatter", self, value), dtype=self.dtype))
        if reduce == "add":
            return self.scatter_add(dim, index, src)
        if reduce == "multiply":
            if not self.ndim:
                return self.reshape(1).scatter(dim, index, src, reduce=reduce).reshape(())
            return self.scatter_reduce(dim, new_tensor(_index_array("scatter", index)), src,
                                       "prod")
        if reduce is not None:
            raise ArgumentError(f"scatter: reduce must be None, 'add' or 'multiply', got "
                                f"{reduce!r}")
        if not self.ndim:
            return _scalar_scatter(self, "scatter", dim, index, src)
        d, grid, src = self._scatter_args("scatter", dim, index, src)
        if not src._data.size:  # nothing to place (in the graph of src all the same)
            return ops.Where.apply(src.sum(), self, cond=np.zeros(self.shape, bool)) \
                if src.requires_grad else self.clone()
        # src written at the cells (IndexPut): a repeated cell keeps one of its sources,
        # the last, as NumPy's assignment and PyTorch's CPU kernel do; in reverse mode each
        # of its sources gets the cell's gradient, as PyTorch's backward (which gathers g
        # at the index), and in forward mode the tangent is the one written source's, as
        # PyTorch's (IndexPut's jvp writes the tangents as its forward writes the values)
        return ops.IndexPut.apply(self, src, index=grid)

    def _scatter_args(self, op: str, dim: int, index: Any, src: Any
                      ) -> tuple[int, tuple, Tensor]:
        d = one_axis(op, self.ndim, None, dim)
        idx = _index_array(op, index)
        src = self._coerce(src, op) if not is_tensor(src) else same_dtype(op, self, src)
        if idx.ndim != self.ndim or builtins.any(
                idx.shape[k] > self.shape[k] for k in range(self.ndim) if k != d) or \
                (src.ndim and builtins.any(idx.shape[k] > src.shape[k]
                                           for k in range(idx.ndim))):
            raise ShapeError(f"{op}: index of shape {idx.shape} must have the rank of the "
                             f"input {self.shape}, be no larger outside dim {d}, and no larger "
                             f"than src {src.shape}")
        _check_range(op, idx, self.shape[d], d)
        if src.shape != idx.shape:
            src = src.expand(*idx.shape) if not src.ndim else \
                src[tuple(slice(0, n) for n in idx.shape)]
        grid = list(np.ogrid[tuple(slice(n) for n in idx.shape)])
        grid[d] = idx
        return d, tuple(np.broadcast_arrays(*grid)), src

    @takes_axis
    def index_add(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
        """x with alpha * source's slices added at the slices index of axis dim."""
        _source("index_add", "source", source)
        if not self.ndim:
            return _scalar_scatter(self, "index_add", dim, index, source, alpha=alpha)
        d = one_axis("index_add", self.ndim, None, dim)
        idx = _index_array("index_add", index).reshape(-1)
        _check_range("index_add", idx, self.shape[d], d)
        source = same_dtype("index_add", self, self._coerce(source, "index_add"))
        expected = self.shape[:d] + (len(idx),) + self.shape[d + 1:]
        if source.shape != expected:
            raise ShapeError(f"index_add: source of shape {source.shape} must have shape "
                             f"{expected} (x {self.shape} with {len(idx)} slices along dim {d})")
        if alpha != 1:
            source = source * alpha
        out = self + ops.ScatterAdd.apply(source, index=_along(d, idx), shape=self.shape)
        # (bools: alpha * source is an integer; PyTorch's result stays bool)
        return out if out.dtype == self.dtype else new_tensor(out._data.astype(self.dtype))

    @takes_axis
    def index_fill(self, dim: int, index: Any, value: Any) -> Tensor:
        """x with the slices index of axis dim set to value (a 0-d x: dim 0 or -1, its one
        element)."""
        if not self.ndim:
            one_axis("index_fill", 1, None, dim)
            return self.reshape(1).index_fill(0, index, value).reshape(())
        d = one_axis("index_fill", self.ndim, None, dim)
        idx = _index_array("index_fill", index).reshape(-1)
        _check_range("index_fill", idx, self.shape[d], d, allow_negative=True)  # PyTorch's
        hit = np.zeros(self.shape, dtype=bool)
        hit[_along(d, idx)] = True
        return self.masked_fill(hit, value)

    # ---- triangles and diagonals (of the last two axes, or dim1/dim2)
    def tril(self, diagonal: int = 0) -> Tensor:
        """x with the entries above the diagonal-th diagonal zeroed (last two axes)."""
        return self * self._triangle("tril", np.tril, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        """x with the entries below the diagonal-th diagonal zeroed (last two axes)."""
        return self * self._triangle("triu", np.triu, diagonal)

    def _triangle(self, op: str, pick: Any, diagonal: int) -> np.ndarray:
        if self.ndim < 2:
            raise ShapeError(f"{op}: needs at least 2 dims, got shape {self.shape}")
        return pick(np.ones(self.shape[-2:], dtype=bool), int(diagonal))

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """The offset-th diagonal of the planes (dim1, dim2), as the last axis: a view, as
        PyTorch's (a write through it reaches x, and x's graph)."""
        a = one_axis("diagonal", self.ndim, None, dim1)
        b = one_axis("diagonal", self.ndim, None, dim2)
        if a == b:
            raise ArgumentError(f"diagonal: dim1 and dim2 must differ, got {dim1}, {dim2}")
        if isinstance(offset, bool) or not isinstance(offset, int | np.integer):
            raise ArgumentTypeError(f"diagonal: offset must be an int, got {offset!r}")
        offset = int(offset)
        rest = [k for k in range(self.ndim) if k not in (a, b)]
        first, second = max(0, -offset), max(0, offset)  # where the diagonal starts
        count = max(0, min(self.shape[a] - first, self.shape[b] - second))
        steps = np.arange(count)
        index = [placed(np.arange(self.shape[k]), (i,), len(rest) + 1)
                 for i, k in enumerate(rest)]
        index.insert(min(a, b), None)
        index.insert(max(a, b), None)
        index[a], index[b] = (placed(steps + start, (len(rest),), len(rest) + 1)
                              for start in (first, second))
        return window_view(self, lambda data: writable_like(
            np.diagonal(data, offset, a, b), data), overlaps=False, index=tuple(index))

    def diag(self, diagonal: int = 0) -> Tensor:
        """A 1-D x as the diagonal-th diagonal of a square matrix; a 2-D x's diagonal."""
        if self.ndim == 2:
            return self.diagonal(diagonal)
        if self.ndim != 1:
            raise ShapeError(f"diag: needs a 1-D or 2-D tensor, got shape {self.shape}")
        n = self.shape[0] + abs(diagonal)
        rows = np.arange(self.shape[0]) + max(0, -diagonal)
        return ops.ScatterAdd.apply(self, index=(rows, rows + diagonal), shape=(n, n))

    def trace(self) -> Tensor:
        no_bool("trace", self)
        if self.ndim != 2:
            raise ShapeError(f"trace: needs a 2-D tensor, got shape {self.shape}")
        return self.diagonal().sum()

    # ---- rearranging
    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        """Elements shifted cyclically by shifts along dims (x flattened when dims is None)."""
        if dims is None:
            if isinstance(shifts, Sequence) and len(shifts) != 1:
                raise ArgumentError(f"roll: without dims, shifts must be one int, got {shifts}")
            s = int(shifts[0] if isinstance(shifts, Sequence) else shifts)
            n = self.numel()
            return self.reshape(-1)[(np.arange(n) - s) % max(n, 1)].reshape(self.shape)
        shifts = list(shifts) if isinstance(shifts, Sequence) else [shifts]
        dims = list(dims) if isinstance(dims, Sequence) else [dims]
        if len(shifts) != len(dims):
            raise ArgumentError(f"roll: {len(shifts)} shifts for {len(dims)} dims")
        x = self
        for s, dim in zip(shifts, dims):
            d = one_axis("roll", self.ndim, None, dim)
            n = self.shape[d]
            x = x[_along(d, (np.arange(n) - int(s)) % max(n, 1))]
        return x

    @takes_axis
    def repeat_interleave(self, repeats: Any = None, dim: int | None = None, *,
                          output_size: int | None = None) -> Tensor:
        """Each element (dim None: of x flattened) or slice of dim repeated repeats times
        (an int, or one count per element). Without repeats, x holds the counts: the
        positions 0, 1, ... each repeated its count of times (x = [1, 2]: [0, 1, 1])."""
        if repeats is None:
            if self.ndim != 1 or self.dtype.kind not in "iu":
                raise ArgumentError(f"repeat_interleave: without repeats, input must be 1-D "
                                    f"counts of an integer dtype, got {self.dtype} "
                                    f"{self.shape}")
            return new_tensor(np.arange(self.shape[0])).repeat_interleave(self)
        x = self.reshape(-1) if dim is None else self
        d = 0 if dim is None else one_axis("repeat_interleave", self.ndim, None, dim)
        counts = repeats._data if is_tensor(repeats) else np.asarray(repeats)
        if counts.dtype.kind not in "iu" or (counts < 0).any() or counts.ndim > 1 or \
                (counts.ndim == 1 and counts.size not in (1, x.shape[d])):
            raise ArgumentError(f"repeat_interleave: repeats must be a non-negative int or "
                                f"one per element of dim ({x.shape[d]}), got {repeats!r}")
        return x[_along(d, np.repeat(np.arange(x.shape[d]), counts))]

    @takes_axis
    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        d = one_axis("narrow", self.ndim, None, dim)
        n = self.shape[d]
        if is_tensor(start):  # PyTorch takes a 0-d integer tensor for start, nothing else
            if start.ndim or start.dtype.kind not in "iu":
                raise ArgumentError(f"narrow: a tensor start must be a 0-d integer tensor, "
                                    f"got shape {start.shape}, dtype {start.dtype}")
            start = int(start.item())
        start = start + n if start < 0 else start
        if not (0 <= start <= n and 0 <= length <= n - start):
            raise IndexOutOfRange(f"narrow: start {start} and length {length} do not fit dim "
                                  f"{d} of length {n}")
        return self[_along(d, slice(start, start + length))]

    @takes_axis
    def select(self, dim: int, index: int) -> Tensor:
        """The slice at `index` of axis dim, that axis removed (x[:, index] for dim 1);
        a negative index counts from the end."""
        if not self.ndim:
            raise IndexOutOfRange("select: cannot be applied to a 0-dim tensor")
        d = one_axis("select", self.ndim, None, dim)
        if isinstance(index, bool) or not isinstance(index, int | np.integer):
            index = _index_array("select", index)
            if index.size != 1:
                raise ShapeError(f"select: index must be one int, got shape {index.shape}")
            index = int(index.reshape(()))
        n = self.shape[d]
        if not -n <= index < n:
            raise IndexOutOfRange(f"select: index {index} out of range for tensor of size "
                                  f"{self.shape} at dimension {d}")
        return self[_along(d, int(index))]

    def movedim(self, source: Any, destination: Any) -> Tensor:
        src = [source] if isinstance(source, int) else list(source)
        dst = [destination] if isinstance(destination, int) else list(destination)
        if len(src) != len(dst):
            raise ArgumentError(f"movedim: {len(src)} source dims for {len(dst)} destinations")
        if not self.ndim:  # dims 0 and -1 name the one element, as PyTorch's
            for s in src + dst:
                one_axis("movedim", 1, None, s)
            return self.reshape(())
        src = [one_axis("movedim", self.ndim, None, s) for s in src]
        dst = [one_axis("movedim", self.ndim, None, s) for s in dst]
        for name, dims in (("source", src), ("destination", dst)):
            if len(set(dims)) != len(dims):
                raise ArgumentError(f"movedim: repeated dim in {name} {tuple(dims)} (as "
                                    f"PyTorch)")
        order = [k for k in range(self.ndim) if k not in src]
        for s, t in sorted(zip(dst, src)):
            order.insert(s, t)
        return self.permute(*order)

    moveaxis = movedim

    def swapdims(self, dim0: int, dim1: int) -> Tensor:
        return self.transpose(dim0, dim1)

    def unflatten(self, dim: int, sizes: Sequence[int]) -> Tensor:
        d = one_axis("unflatten", self.ndim, None, dim)
        sizes = list(sizes)
        known = math.prod(n for n in sizes if n != -1)
        inferred = sizes.count(-1)
        if inferred > 1 or not inferred and known != self.shape[d] or \
                inferred and (not known or self.shape[d] % known):
            # (checked here: reshape alone would accept (2, 2) for an empty dim of 3)
            raise ShapeError(f"unflatten: sizes {tuple(sizes)} don't multiply up to the size "
                             f"{self.shape[d]} of dim {d} (shape {self.shape}), as PyTorch")
        if inferred:  # -1 from dim's size, also where that is 0
            sizes[sizes.index(-1)] = self.shape[d] // known
        return self.reshape(*self.shape[:d], *sizes, *self.shape[d + 1:])

    def tile(self, *dims: Any) -> Tensor:
        _given("tile", "dims", dims)
        reps = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], Sequence) else dims
        reps = (1,) * (self.ndim - len(reps)) + tuple(reps)
        return self.repeat(reps)  # (one tuple: a 0-d tensor tiled by () is itself)

    @takes_axis
    def diff(self, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None
             ) -> Tensor:
        """The n-th forward difference along dim, of x with `prepend` and `append` (tensors
        of x's shape but along dim) joined before and after it first; n = 0 gives a copy of
        x itself, without them (PyTorch's and NumPy's)."""
        d = one_axis("diff", self.ndim, None, dim)
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise ArgumentError(f"diff: n (the order) must be an int >= 0, got {n!r}")
        x = self
        if prepend is not None or append is not None:
            parts = [as_tensor(prepend), self] if prepend is not None else [self]
            parts += [as_tensor(append)] if append is not None else []
            try:
                x = concatenate(parts, d)
            except ShapeError as error:
                raise named("diff", error) from error
        if n == 0:  # (a new tensor, as PyTorch's: writing to it leaves self alone)
            return self.clone()
        for _ in range(n):
            x = x[_along(d, slice(1, None))] - x[_along(d, slice(None, -1))]
        return x


def same_dtype(op: str, x: Tensor, source: Tensor) -> Tensor:
    """A source tensor of x's dtype; another one is refused, as PyTorch's scatter, index_add
    and index_copy refuse it."""
    if source.dtype != x.dtype:
        raise DTypeMismatchError(f"{op}: the source's dtype {source.dtype} must be the "
                                 f"tensor's {x.dtype} (as PyTorch); cast it first")
    return source


def fill_number(op: str, x: Tensor, value: Any) -> Any:
    """A number to write into x: NaN and infinities do not fit an integer dtype."""
    if x.dtype.kind in "iu" and isinstance(value, float) and not math.isfinite(value):
        raise ArgumentError(f"{op}: the value {value} cannot be converted to the tensor's "
                            f"dtype {x.dtype}")
    return value


def _check_range(op: str, idx: np.ndarray, n: int, axis: int | None,
                 allow_negative: bool = False) -> None:
    low = -n if allow_negative else 0
    if idx.size and (idx.min() < low or idx.max() >= n):
        where = "" if axis is None else f" along dim {axis}"
        raise IndexOutOfRange(f"{op}: index values must lie in [{low}, {n}){where}, got "
                              f"{idx.min()}..{idx.max()}")


def _source(op: str, name: str, value: Any) -> None:
    """PyTorch's placing ops take their source as a tensor (an array here too), not as a
    number: scatter(dim, index, value) is the spelling that fills one."""
    if not (is_tensor(value) or isinstance(value, np.ndarray)):
        raise ArgumentTypeError(f"{op}: {name} must be a tensor (as PyTorch), got "
                                f"{type(value).__name__} {short_repr(value)}")


def _scalar_scatter(x: Tensor, op: str, dim: int, index: Any, src: Any, alpha: Any = 1,
                    **options: Any) -> Tensor:
    """scatter, scatter_add, scatter_reduce (its `options`) or index_add into a 0-d x along
    dim 0 or -1, as PyTorch's: the op on x as one element of a 1-d tensor, with the index
    and a tensor source flattened."""
    one_axis(op, 1, None, dim)
    idx = _index_array(op, index).reshape(-1)
    if is_tensor(src) or isinstance(src, np.ndarray):
        src = as_tensor(src).reshape(-1)
    one = x.reshape(1)
    out = one.index_add(0, idx, src, alpha=alpha) if op == "index_add" else \
        getattr(one, op)(0, idx, src, **options)
    return out.reshape(())
