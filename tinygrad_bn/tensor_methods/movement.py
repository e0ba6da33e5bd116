"""Tensor methods that move elements: reshape, transpose, permute, T, mT, expand, squeeze,
flatten, pad, flip, gather, split, chunk, unbind, repeat; and `concatenate`, `stack`.

Each is a primitive op (tinygrad_bn/ops/movement.py) or a composite of them, so each
gradient moves g back the way the forward moved x. Axis arguments take NumPy's and
PyTorch's words (tinygrad_bn/keywords.py).
"""

from __future__ import annotations

import builtins
import functools
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops
from ..autograd import versions
from ..autograd.primitive import as_tensor, is_tensor
from ..dtypes import DType, promote_types
from ..errors import (
    ArgumentError,
    ArgumentTypeError,
    AxisError,
    DTypeError,
    IndexOutOfRange,
    ShapeError,
)
from ..keywords import int_sizes, normalize_axes, one_axis, one_of
from .axis_alias import takes_axis
from .memory_views import view_as_dtype

if TYPE_CHECKING:
    from ..tensor import Tensor


class MovementMethods:
    """The mixin of Tensor's shape and indexing methods."""

    __slots__ = ()

    def _as_view(self, out: Tensor, index: Any = None) -> Tensor:
        """Mark `out` as a view of this tensor when NumPy made its array one (reshape may
        copy): it then shares this tensor's version counter, and with a basic `index` an
        in-place write through it also updates this tensor (autograd/versions.py). NumPy's
        copy (a transposed matrix reshaped) has a base too, its own new memory: no view."""
        data = out._data
        if out is not self and data.base is not None and (
                not data.size or np.may_share_memory(data, self._data)):
            out._base = versions.root(self)
            if index is not None:
                out._view_of = (self, index)
        return out

    def _indexed(self, index: Any) -> Tensor:
        """self[index], the index as ops.array_index gives it: a view for a basic index.
        Integers mixed with arrays are applied first, as PyTorch's selects (ints_first)."""
        if (split := ops.ints_first(index, self.ndim)) is not None:
            return self._indexed(split[0])._indexed(split[1])
        out = ops.GetItem.apply(self, index=index)
        return self._as_view(out, index) if ops.is_basic_index(index) else out

    def reshape(self, *shape: Any) -> Tensor:
        _given("reshape", "shape", shape)
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], Sequence | np.ndarray) \
            else shape
        target = int_sizes("reshape", shape)
        size = self._data.size
        if target.count(-1) == 1:
            known = math.prod([n for n in target if n != -1])
            if known > 0 and size % known == 0:
                target = tuple(size // known if n == -1 else n for n in target)
        if math.prod(target) != size or any(n < 0 for n in target):
            raise ShapeError(f"reshape: cannot reshape a tensor of shape {self.shape} "
                             f"({self._data.size} elements) into {shape}")
        if target == self.shape:
            return self
        return self._as_view(ops.Reshape.apply(self, shape=target))

    def view(self, *shape: Any) -> Tensor:
        """`reshape` that must share the memory: where the new shape cannot be laid over the
        tensor's strides (a transposed matrix flattened), PyTorch refuses, and so do we.
        `view(dtype)` reads the same memory as another dtype (memory_views.py)."""
        _given("view", "shape", shape)
        if len(shape) == 1 and isinstance(shape[0], DType):
            return view_as_dtype(self, shape[0])
        out = self.reshape(*shape)
        if out is self:  # a new tensor all the same, as PyTorch's (an alias: `t_()` on it
            return self._as_view(ops.Reshape.apply(self, shape=self.shape))  # keeps self)
        if out._data.size and not np.may_share_memory(out._data, self._data):
            raise ShapeError(f"view: the shape {out.shape} cannot be laid over the memory of "
                             f"a non-contiguous tensor of shape {self.shape} (strides "
                             f"{self._data.strides}); use reshape(), or contiguous().view()")
        return out

    def transpose(self, *axes: Any, dim0: Any = None, dim1: Any = None) -> Tensor:
        """`transpose(a, b)` (or dim0=a, dim1=b): swap axes a and b (at every rank, as
        PyTorch); one tuple or list, or one int per axis: a NumPy permutation; no
        argument: all axes reversed."""
        if dim0 is not None or dim1 is not None:
            if len(axes) + (dim0 is not None) + (dim1 is not None) != 2:
                raise ArgumentTypeError(f"transpose: give two dims (dim0, dim1), got "
                                        f"{axes} and dim0={dim0}, dim1={dim1}")
            given = list(axes) + [d for d in (dim0, dim1) if d is not None]
            return self._swap("transpose", *given)
        if not axes:
            return self._as_view(ops.Transpose.apply(self, axes=tuple(range(self.ndim - 1, -1,
                                                                            -1))))
        if len(axes) == 2 and not isinstance(axes[0], tuple | list):
            return self._swap("transpose", *axes)
        return self.permute(*axes)

    def permute(self, *dims: Any) -> Tensor:
        """Reorder the axes: output axis i is input axis dims[i] (negatives count from the
        end); `permute(2, 0, 1)` or `permute((2, 0, 1))`. The gradient is g permuted back."""
        _given("permute", "dims", dims)
        if len(dims) == 1 and isinstance(dims[0], tuple | list):
            dims = tuple(dims[0])
        if len(dims) != self.ndim or any(not isinstance(d, int | np.integer) for d in dims):
            raise AxisError(f"permute: dims {dims} are not a permutation of the {self.ndim} "
                            f"axes of a tensor of shape {self.shape}")
        order = tuple(int(d) % self.ndim if -self.ndim <= d < self.ndim else -1 for d in dims)
        if sorted(order) != list(range(self.ndim)):
            raise AxisError(f"permute: dims {dims} are not a permutation of the {self.ndim} "
                            f"axes of a tensor of shape {self.shape}")
        return self._as_view(ops.Transpose.apply(self, axes=order))

    @property
    def T(self) -> Tensor:  # noqa: N802
        return self.transpose()

    @property
    def mT(self) -> Tensor:  # noqa: N802 (PyTorch's name)
        """The last two axes swapped (a batch of matrices, each transposed); a 0-d x itself,
        as PyTorch's (which warns that this is deprecated)."""
        if not self.ndim:
            return self.reshape(())
        if self.ndim < 2:
            raise ShapeError(f"mT: needs a matrix or a batch of matrices (at least 2 dims), "
                             f"got shape {self.shape}")
        return self._swap("mT", -2, -1)

    @property
    def mH(self) -> Tensor:  # noqa: N802 (PyTorch's name)
        """The conjugate transpose of the last two axes: `mT`, tensors being real here."""
        return self.mT

    def swapaxes(self, axis0: int, axis1: int) -> Tensor:
        """Axes axis0 and axis1 swapped (PyTorch's names; NumPy's are axis1, axis2)."""
        return self._swap("swapaxes", axis0, axis1)

    def _swap(self, op: str, axis1: int, axis2: int) -> Tensor:
        if self.ndim == 0:  # PyTorch: a 0-d tensor takes dims 0 and -1, and stays as it is
            for axis in (axis1, axis2):
                normalize_axes(op, axis, 0, scalar_axis=True)
            return self._as_view(ops.Transpose.apply(self, axes=()))
        a, b = (normalize_axes(op, axis, self.ndim)[0] for axis in (axis1, axis2))
        order = list(range(self.ndim))
        order[a], order[b] = order[b], order[a]
        return self._as_view(ops.Transpose.apply(self, axes=tuple(order)))

    def expand(self, *shape: Any) -> Tensor:
        _given("expand", "size", shape)
        shape = tuple(shape[0]) if len(shape) == 1 and not isinstance(shape[0], int) else shape
        new_axes = len(shape) - self.ndim
        if any(n == -1 for n in shape[:max(new_axes, 0)]):
            raise ShapeError(f"expand: -1 (keep the size) in {shape} is only allowed for the "
                             f"existing axes of shape {self.shape}, not for new leading axes")
        shape = tuple(self.shape[i - new_axes] if n == -1 else n for i, n in enumerate(shape))
        if shape == self.shape:
            return self
        try:
            broadcast = np.broadcast_shapes(self.shape, shape)
        except ValueError as error:
            raise ShapeError(f"expand: cannot broadcast shape {self.shape} to {shape}") from error
        if broadcast != shape:
            raise ShapeError(f"expand: cannot broadcast shape {self.shape} to {shape}")
        return self._as_view(ops.Expand.apply(self, shape=shape))

    def broadcast_to(self, *shape: Any) -> Tensor:
        return self.expand(*shape)

    def squeeze(self, dim: int | Sequence[int] | None = None, *,
                axis: int | Sequence[int] | None = None) -> Tensor:
        """Drop the size-1 axes among `dim` (all of them by default); an axis of another
        size stays, as PyTorch's (NumPy would raise)."""
        dim = one_of("squeeze", "dim", dim, "axis", axis)
        shape = self.shape
        axes = range(self.ndim) if dim is None else \
            normalize_axes("squeeze", dim, self.ndim, scalar_axis=True)
        dropped = {a for a in axes if shape[a] == 1}
        return self.reshape(tuple(n for i, n in enumerate(shape) if i not in dropped))

    def unsqueeze(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        axis = one_of("unsqueeze", "axis", axis, "dim", dim)
        if axis is None:
            raise AxisError("unsqueeze: missing the axis (axis= or dim=) of the new size-1 axis")
        (axis,) = normalize_axes("unsqueeze", axis, self.ndim + 1)
        return self.reshape(self.shape[:axis] + (1,) + self.shape[axis:])

    def flatten(self, start_axis: int = 0, end_axis: int = -1, *, start_dim: int | None = None,
                end_dim: int | None = None) -> Tensor:
        start_axis = one_of("flatten", "start_axis", start_axis or None, "start_dim", start_dim,
                            default=0)
        end_axis = one_of("flatten", "end_axis", None if end_axis == -1 else end_axis, "end_dim",
                          end_dim, default=-1)
        if self.ndim == 0:  # dims 0 and -1 name the one element, as PyTorch's
            for a in (start_axis, end_axis):
                normalize_axes("flatten", a, 0, scalar_axis=True)
            return self.reshape(1)
        start, end = (normalize_axes("flatten", a, self.ndim)[0] for a in (start_axis, end_axis))
        if start > end:
            raise AxisError(f"flatten: start axis {start_axis} comes after end axis {end_axis} "
                            f"for a tensor of shape {self.shape}")
        merged = math.prod(self.shape[start:end + 1])  # explicit: -1 is ambiguous at size 0
        return self.reshape(self.shape[:start] + (merged,) + self.shape[end + 1:])

    def pad(self, pad_width: Any, value: float = 0.0) -> Tensor:
        """Constant padding, NumPy's `pad_width`: an int, a (before, after) pair, or one pair
        per axis."""
        if self.ndim == 0:
            raise ShapeError(f"pad: a 0-d tensor has no axis to pad (pad_width {pad_width!r})")
        widths = np.asarray(pad_width)
        if widths.dtype.kind not in "iu" and widths.size:
            raise ArgumentTypeError(f"pad: pad_width must hold ints, got {pad_width!r} "
                                    f"(dtype {widths.dtype})")
        try:
            widths = np.broadcast_to(widths.astype(np.int64), (self.ndim, 2))
        except ValueError as error:
            raise ShapeError(f"pad: pad_width {pad_width!r} does not fit a tensor of shape "
                             f"{self.shape}") from error
        if (widths < 0).any():
            raise ShapeError(f"pad: negative pad_width {pad_width!r}")
        widths = tuple((int(lo), int(hi)) for lo, hi in widths)
        return ops.Pad.apply(self, pad_width=widths, value=value)

    def flip(self, *axes: Any, dims: Any = None) -> Tensor:
        """x reversed along the given axes (PyTorch: `flip(dims)`, a tuple or varargs), in
        new memory as PyTorch's."""
        given = axes[0] if len(axes) == 1 else (axes or None)
        chosen = one_of("flip", "axes", given, "dims", dims)
        if chosen is None:
            raise ArgumentTypeError("flip: missing the dims to reverse (as PyTorch), e.g. "
                                    "flip(0) or flip(dims=(0, 1))")
        return ops.Flip.apply(self, axes=normalize_axes("flip", chosen, self.ndim,
                                                        scalar_axis=True))

    def t(self) -> Tensor:
        """The transpose of a matrix; 0-d and 1-d tensors are returned as they are."""
        if self.ndim > 2:
            raise ShapeError(f"t: expects a tensor with at most 2 dims, got shape {self.shape}; "
                             f"use transpose(a, b) or permute")
        return self if self.ndim < 2 else self.transpose(1, 0)

    @takes_axis
    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """The slices along `dim`, that axis removed: x[i] for each i (views, as PyTorch's);
        each slice's gradient lands in its place of x."""
        if self.ndim == 0:
            raise AxisError("unbind: a 0-d tensor has no dimension to unbind")
        axis = one_axis("unbind", self.ndim, None, dim)
        lead = (slice(None),) * axis
        return tuple(self[lead + (i,)] for i in range(self.shape[axis]))

    def expand_as(self, other: Tensor) -> Tensor:
        return self.expand(other.shape)

    def view_as(self, other: Tensor) -> Tensor:
        """`view(other.shape)`: a new tensor sharing the memory (refused where the shape
        cannot be laid over it)."""
        return self.view(other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return self.reshape(other.shape)

    def gather(self, dim: int | None = None, index: Any = None, *, axis: int | None = None
               ) -> Tensor:
        """out[i][j][k] = x[index[i][j][k]][j][k] for axis 0 (likewise for other axes):
        PyTorch's gather. `index` is an int tensor of x's rank, no larger than x outside
        `axis` (an empty index, of any shape, gives an empty result). The gradient
        scatter-adds g back into x's shape (repeated indices accumulate)."""
        if not self.ndim and index is not None:  # dim 0 or -1: x as a 1-element 1-d tensor
            one_axis("gather", 1, axis, dim)
            idx = index._data if is_tensor(index) else np.asarray(index)
            if idx.ndim > 1:
                raise ShapeError(f"gather: an index into a 0-d tensor has at most 1 dim, got "
                                 f"shape {idx.shape}")
            return self.reshape(1).gather(0, idx.reshape(-1)).reshape(idx.shape)
        axis = one_axis("gather", self.ndim, axis, dim)
        if index is None:
            raise ArgumentError("gather: needs an index tensor")
        idx = index._data if is_tensor(index) else np.asarray(index)
        if idx.dtype.kind not in "iu":
            raise DTypeError(f"gather: index must hold integers, got dtype {idx.dtype}")
        if not idx.size:  # PyTorch checks no shape for an empty index: an empty result
            return self.reshape(-1)[:0].reshape(idx.shape)
        if idx.ndim != self.ndim or builtins.any(idx.shape[d] > self.shape[d]
                                                 for d in range(self.ndim) if d != axis):
            raise ShapeError(f"gather: index of shape {idx.shape} must have the rank of the "
                             f"input {self.shape} and be no larger outside axis {axis}")
        if idx.size and (idx.min() < 0 or idx.max() >= self.shape[axis]):
            raise IndexOutOfRange(f"gather: index values must lie in [0, {self.shape[axis]}) "
                                  f"along axis {axis} of shape {self.shape}, got "
                                  f"{idx.min()}..{idx.max()}")
        grid = list(np.ogrid[tuple(slice(n) for n in idx.shape)])
        grid[axis] = idx
        return self[tuple(grid)]

    def split(self, split_size_or_sections: int | Sequence[int], dim: int | None = None, *,
              axis: int | None = None) -> tuple[Tensor, ...]:
        """Pieces along `dim` (default 0): of `split_size` each (the last may be smaller), or
        of the listed sizes, which must add up to the axis's length."""
        axis = one_axis("split", self.ndim, one_of("split", "axis", axis, "dim", dim, default=0),
                        None)
        n = self.shape[axis]
        if isinstance(split_size_or_sections, int | np.integer):
            step = int(split_size_or_sections)
            if step < 0 or step == 0 and n:  # (0 splits an empty axis, as PyTorch)
                raise ArgumentError(f"split: split_size must be a positive int (0 only for an "
                                    f"empty dim), got {step} for dim {axis} of size {n}")
            sizes = [min(step, n - start) for start in range(0, n, step)] if step else []
            sizes = sizes or [0]
        else:
            sections = split_size_or_sections
            if not isinstance(sections, Sequence) or isinstance(sections, str) or not \
                    builtins.all(isinstance(s, int | np.integer) and not isinstance(s, bool)
                                 for s in sections):
                raise ArgumentTypeError(f"split: split_size_or_sections must be an int or a "
                                        f"sequence of ints, got {sections!r}")
            sizes = [int(s) for s in sections]
            if sum(sizes) != n or builtins.any(s < 0 for s in sizes):
                raise ShapeError(f"split: sections {sizes} must be non-negative and add up to "
                                 f"{n}, the length of axis {axis} of shape {self.shape}")
        starts = np.cumsum([0] + sizes[:-1])
        return tuple(self[(slice(None),) * axis + (slice(int(s), int(s) + k),)]
                     for s, k in zip(starts, sizes))

    def chunk(self, chunks: int, dim: int | None = None, *, axis: int | None = None
              ) -> tuple[Tensor, ...]:
        """At most `chunks` pieces along `dim` (default 0), each ceil(n / chunks) long but the
        last: PyTorch's chunk (which may return fewer pieces)."""
        if not isinstance(chunks, int | np.integer) or chunks <= 0:
            raise ArgumentError(f"chunk: chunks must be a positive int, got {chunks!r}")
        axis = one_axis("chunk", self.ndim, one_of("chunk", "axis", axis, "dim", dim, default=0),
                        None)
        if self.shape[axis] == 0:  # as PyTorch: `chunks` empty pieces
            return self.split([0] * int(chunks), axis)
        return self.split(math.ceil(self.shape[axis] / chunks), axis)

    def repeat(self, *sizes: Any) -> Tensor:
        """x tiled `sizes[i]` times along each axis (PyTorch's repeat, NumPy's tile); more
        sizes than axes add leading axes. A reshape to (1, n0, 1, n1, ...), an expand to
        (r0, n0, r1, n1, ...) and a reshape to (r0 n0, r1 n1, ...): the gradient sums the
        copies. The result owns its memory (writable, sharing none with x), as PyTorch's."""
        _given("repeat", "repeats", sizes)
        reps = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], Sequence) else sizes
        if len(reps) < self.ndim or not builtins.all(isinstance(r, int | np.integer) and r >= 0
                                                     for r in reps):
            raise ShapeError(f"repeat: needs one non-negative int per axis (at least "
                             f"{self.ndim}) for shape {self.shape}, got {reps}")
        shape = (1,) * (len(reps) - self.ndim) + self.shape
        spread = [n for pair in zip((1,) * len(shape), shape) for n in pair]
        tiled = [n for pair in zip(reps, shape) for n in pair]
        out = self.reshape(spread).expand(tiled).reshape(tuple(r * n for r, n in
                                                               zip(reps, shape)))
        # PyTorch's repeat always copies: where the last reshape could stay a view (of the
        # read-only expand, or of x itself when every size is 1) the result is cloned, so
        # that an in-place write neither fails nor reaches x
        if out._data.flags.writeable and not np.may_share_memory(out._data, self._data):
            return out
        return out.clone()


def _given(op: str, name: str, args: tuple) -> None:
    """PyTorch's sized methods refuse a call without sizes (`x.view()`): a 0-d tensor's
    sizes are `()`, given explicitly."""
    if not args:
        raise ArgumentTypeError(f"{op}() missing its {name} argument (as in PyTorch; an "
                                f"empty one is {op}(()))")


def concatenate(tensors: Sequence[Tensor], axis: int | None = None, *,
                dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (default 0; `tg.cat` is this function), in the
    dtype PyTorch promotes them to (int64 with float32: float32)."""
    axis = one_of("concatenate", "axis", axis, "dim", dim, default=0)
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ShapeError("concatenate: needs at least one tensor")
    dtype = functools.reduce(promote_types, (t.dtype for t in tensors))
    # PyTorch's legacy rule: an empty 1-D tensor (`tg.tensor([])`, where a loop starts
    # accumulating) is left out of the shape checks (all of them empty: of the axis check
    # too); it joins as an empty block of the others' shape, so its graph stays
    kept = [t for t in tensors if t.shape != (0,)]
    if not kept:
        axis, kept = 0, tensors
    (axis,) = normalize_axes("concatenate", axis, kept[0].ndim)
    empty = kept[0].shape[:axis] + (0,) + kept[0].shape[axis + 1:]
    tensors = [t.reshape(empty) if t.shape == (0,) else t for t in tensors]
    shapes = [t.shape for t in tensors]
    if any(len(s) != len(shapes[0]) or s[:axis] + s[axis + 1:] != shapes[0][:axis] +
           shapes[0][axis + 1:] for s in shapes):
        raise ShapeError(f"concatenate: shapes {shapes} differ outside axis {axis}")
    return ops.Concatenate.apply(*(t if t.dtype == dtype else t.astype(dtype)  # PyTorch's
                                   for t in tensors), axis=axis)           # promotion


def stack(tensors: Sequence[Tensor], axis: int | None = None, *, dim: int | None = None
          ) -> Tensor:
    """Join tensors along a new axis (default 0)."""
    axis = one_of("stack", "axis", axis, "dim", dim, default=0)
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ShapeError("stack: needs at least one tensor")
    if any(t.shape != tensors[0].shape for t in tensors):
        raise ShapeError(f"stack: all shapes must be equal, got {[t.shape for t in tensors]}")
    (axis,) = normalize_axes("stack", axis, tensors[0].ndim + 1)
    return concatenate([t.unsqueeze(axis) for t in tensors], axis)
