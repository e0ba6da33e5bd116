"""PyTorch's Tensor methods that are composites, conversions or queries; the Tensor methods
of the same names call these.

Differentiable composites (clamp with tensor bounds, std, logsumexp, norm,
masked_fill, gather, split, chunk, repeat, t) are built from primitive ops,
so their gradients follow; the new primitives (sin, cos, sign, prod, cumsum,
flip, clone) are in tinygrad_bn/extra_ops.py. Queries (argmax, argmin, any,
all, isnan, isfinite) return tensors without a graph, as in PyTorch. Every
axis argument also accepts PyTorch's `dim=` and `keepdim=` (tinygrad_bn/keywords.py).
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import extra_ops
from .device import Device, check_device
from .dtypes import as_dtype
from .errors import ArgumentError, AxisError, BackwardError, DTypeError, IndexOutOfRange, ShapeError
from .keywords import axis_keywords, one_of, variance_ddof
from .tensor import Tensor, is_grad_enabled, normalize_axes, where

Axis = int | Sequence[int] | None


def _constant(array: Any) -> Tensor:
    return Tensor._from_op(np.asarray(array), None)


def _array(value: Any) -> np.ndarray:
    return value.data if isinstance(value, Tensor) else np.asarray(value)


def _one_axis(op: str, x: Tensor, axis: Any, dim: Any, required: bool = True) -> int | None:
    axis = one_of(op, "axis", axis, "dim", dim)
    if axis is None:
        if required:
            raise AxisError(f"{op}: needs an axis (axis= or dim=)")
        return None
    if not isinstance(axis, int | np.integer):
        raise AxisError(f"{op}: takes one axis (an int), got {axis!r}")
    return normalize_axes(op, int(axis), x.ndim)[0]


# ---------------------------------------------------------------- queries (no gradient)

def _arg_extremum(op: str, pick: Any, x: Tensor, axis: Any, keepdims: Any, dim: Any,
                  keepdim: Any) -> Tensor:
    axis, keepdims = axis_keywords(op, axis, keepdims or None, dim, keepdim)
    if x.data.size == 0:
        raise ShapeError(f"{op}: the tensor (shape {x.shape}) has no elements")
    if axis is not None:
        axis = _one_axis(op, x, axis, None)
    return _constant(pick(x.data, axis=axis, keepdims=bool(keepdims)).astype(np.int64))


def argmax(x: Tensor, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
           keepdim: bool | None = None) -> Tensor:
    """Index (int64) of the largest value along `axis`, the first one on ties; of the flattened
    tensor when no axis is given."""
    return _arg_extremum("argmax", np.argmax, x, axis, keepdims, dim, keepdim)


def argmin(x: Tensor, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
           keepdim: bool | None = None) -> Tensor:
    """Index (int64) of the smallest value along `axis`, the first one on ties."""
    return _arg_extremum("argmin", np.argmin, x, axis, keepdims, dim, keepdim)


def _logical(op: str, reduce: Any, x: Tensor, axis: Axis, keepdims: Any, dim: Axis,
             keepdim: Any) -> Tensor:
    axis, keepdims = axis_keywords(op, axis, keepdims or None, dim, keepdim)
    axes = normalize_axes(op, axis, x.ndim)
    return _constant(reduce(x.data.astype(bool, copy=False), axis=axes, keepdims=bool(keepdims)))


def any(x: Tensor, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,  # noqa: A001
        keepdim: bool | None = None) -> Tensor:
    """True where any value along `axis` (all axes by default) is nonzero (a bool tensor)."""
    return _logical("any", np.logical_or.reduce, x, axis, keepdims, dim, keepdim)


def all(x: Tensor, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,  # noqa: A001
        keepdim: bool | None = None) -> Tensor:
    """True where every value along `axis` (all axes by default) is nonzero (a bool tensor)."""
    return _logical("all", np.logical_and.reduce, x, axis, keepdims, dim, keepdim)


def isnan(x: Tensor) -> Tensor:
    """A bool tensor: True at NaNs."""
    return _constant(np.isnan(x.data))


def isfinite(x: Tensor) -> Tensor:
    """A bool tensor: True where the value is neither NaN nor infinite."""
    return _constant(np.isfinite(x.data))


def isinf(x: Tensor) -> Tensor:
    """A bool tensor: True at +inf and -inf."""
    return _constant(np.isinf(x.data))


def size(x: Tensor, dim: int | None = None) -> tuple[int, ...] | int:
    """PyTorch's `size()`: the shape (a tuple), or with `dim` the length of that axis."""
    if dim is None:
        return x.data.shape
    return x.data.shape[normalize_axes("size", dim, x.ndim)[0]]


# ---------------------------------------------------------------- dtypes and devices

def to_dtype(x: Tensor, dtype: Any) -> Tensor:
    """x as `dtype`. Between floating dtypes the cast is differentiable; any other target
    (int, bool) gives a tensor without a graph, as in PyTorch."""
    dtype = as_dtype("to", dtype)
    if dtype == x.dtype:
        return x
    if dtype.kind == "f":
        return x.astype(dtype)
    return _constant(x.data.astype(dtype))


def to(x: Tensor, *args: Any, dtype: Any = None, device: Any = None, copy: bool = False,
       non_blocking: bool = False) -> Tensor:
    """PyTorch's `to`: `to(dtype)`, `to("cpu")`, `to(device, dtype)`, `to(other_tensor)` (its
    dtype), or keywords. The device must be the CPU; `copy=True` always returns a new tensor."""
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = one_of("to", "dtype", dtype, "other tensor's dtype", arg.dtype)
        elif isinstance(arg, str | Device):
            device = one_of("to", "device", device, "positional device", arg)
        else:
            dtype = one_of("to", "dtype", dtype, "positional dtype", arg)
    check_device("to", device)
    out = x if dtype is None else to_dtype(x, dtype)
    return extra_ops.Clone.apply(out) if copy and out is x else out


def new_full(x: Tensor, size: tuple[Any, ...], fill_value: Any, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """PyTorch's `new_zeros` / `new_ones` / `new_full`: a tensor of `size` (varargs or a
    tuple) filled with `fill_value`, with x's dtype unless `dtype` is given."""
    from .creation import full  # lazily: creation imports nn.init, above the engine layers

    return full(size[0] if len(size) == 1 else size, fill_value,
                dtype=x.dtype if dtype is None else dtype, device=device,
                requires_grad=requires_grad)


def new_tensor(x: Tensor, data: Any, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """PyTorch's `new_tensor`: a copy of `data` with x's dtype unless `dtype` is given."""
    from .creation import tensor

    return tensor(data, dtype=x.dtype if dtype is None else dtype, device=device,
                  requires_grad=requires_grad)


# ---------------------------------------------------------------- in place, outside a graph

def _writable(op: str, x: Tensor) -> np.ndarray:
    """x's array, if writing it cannot corrupt a graph (else a BackwardError, as PyTorch's)."""
    if x._ctx is not None:
        raise BackwardError(f"{op}: the tensor (shape {x.shape}) is the output of "
                            f"{x._ctx.name} in a graph, whose backward may read its values; "
                            f"write into a copy: x.detach().clone().{op}(...)")
    if x.requires_grad and is_grad_enabled():
        raise BackwardError(f"{op}: a leaf tensor that requires grad (shape {x.shape}) cannot "
                            f"be modified in place while gradients are recorded; do it inside "
                            f"`with tg.no_grad():`")
    if not x.data.flags.writeable:
        raise ArgumentError(f"{op}: the tensor's array (shape {x.shape}) is a read-only view "
                            f"(e.g. from expand); clone() it first")
    return x.data


def fill_(x: Tensor, value: Any) -> Tensor:
    """Set every element to `value` (a number or a one-element tensor); returns x."""
    data = _writable("fill_", x)
    array = _array(value)
    if array.size != 1:
        raise ShapeError(f"fill_: needs one value, got shape {array.shape}")
    data[...] = array.reshape(())
    return x


def zero_(x: Tensor) -> Tensor:
    """Set every element to 0; returns x."""
    _writable("zero_", x)[...] = 0
    return x


def copy_(x: Tensor, src: Any) -> Tensor:
    """Copy `src` (broadcast to x's shape, cast to x's dtype) into x; returns x."""
    data = _writable("copy_", x)
    source = _array(src)
    try:
        if np.broadcast_shapes(source.shape, data.shape) != data.shape:
            raise ValueError("the source has more or larger axes")
    except ValueError as error:
        raise ShapeError(f"copy_: cannot copy a source of shape {source.shape} into a tensor "
                         f"of shape {data.shape}: {error}") from None
    np.copyto(data, source, casting="unsafe")
    return x


# ---------------------------------------------------------------- differentiable composites

def clamp(x: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """min(max(x, min), max) with number or tensor bounds (broadcasting); with min > max every
    value is max, as PyTorch. The gradient goes to x where min <= x <= max, else to the bound
    that was taken."""
    if min is None and max is None:
        raise ArgumentError("clamp: give at least one of min and max")
    if not isinstance(min, Tensor | np.ndarray) and not isinstance(max, Tensor | np.ndarray):
        return x.clip(min, max)
    out = x
    if min is not None:
        low = x._coerce(min)
        out = where(out.data < low.data, low, out)
    if max is not None:
        high = x._coerce(max)
        out = where(out.data > high.data, high, out)
    return out


def std(x: Tensor, axis: Axis = None, keepdims: bool = False, ddof: int = 0, *,
        dim: Axis = None, keepdim: bool | None = None, correction: int | None = None,
        unbiased: bool | None = None) -> Tensor:
    """sqrt(var) over the axes; ddof (PyTorch: `correction`, `unbiased`) as `var`: 0 unless
    given, so x.std()**2 == x.var()."""
    axis, keepdims = axis_keywords("std", axis, keepdims or None, dim, keepdim)
    return x.var(axis, keepdims, variance_ddof("std", ddof, correction, unbiased)).sqrt()


def logsumexp(x: Tensor, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
              keepdim: bool | None = None) -> Tensor:
    """log sum_i e^(x_i) = m + log sum_i e^(x_i - m), m = max x (a constant: no exponent is
    positive, so no overflow); the gradient is softmax(x)."""
    axis, keepdims = axis_keywords("logsumexp", axis, keepdims or None, dim, keepdim)
    axes = normalize_axes("logsumexp", axis, x.ndim)
    if x.data.size == 0:
        raise ShapeError(f"logsumexp: the tensor (shape {x.shape}) has no elements")
    m = np.max(x.data, axis=axes, keepdims=True)
    m = _constant(np.where(np.isfinite(m), m, 0).astype(x.dtype))
    out = (x - m).exp().sum(axes, keepdims=True).log() + m
    return out if keepdims else out.squeeze(axes)


def norm(x: Tensor, p: Any = "fro", axis: Axis = None, keepdims: bool = False, *,
         dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """The vector p-norm over the axes (all by default): (sum |x|^p)^(1/p); "fro" and 2 are
    sqrt(sum x^2), 1 is sum |x|, inf max |x|, -inf min |x|."""
    axis, keepdims = axis_keywords("norm", axis, keepdims or None, dim, keepdim)
    if p in ("fro", 2, 2.0):
        return (x * x).sum(axis, keepdims).sqrt()
    if p == 1:
        return x.abs().sum(axis, keepdims)
    if p == math.inf:
        return x.abs().max(axis, keepdims)
    if p == -math.inf:
        return x.abs().min(axis, keepdims)
    if not isinstance(p, int | float) or p <= 0:
        raise ArgumentError(f"norm: p must be 'fro', inf, -inf or a number > 0, got {p!r}")
    return (x.abs() ** float(p)).sum(axis, keepdims) ** (1.0 / p)


def masked_fill(x: Tensor, mask: Any, value: Any) -> Tensor:
    """x with `value` where the bool `mask` (broadcast to x's shape) is True; the gradient of x
    is g where the mask is False, that of a tensor value the sum of g where it is True."""
    cond = _array(mask)
    if cond.dtype != np.bool_:
        raise DTypeError(f"masked_fill: the mask must be a bool tensor, got dtype {cond.dtype}")
    try:
        if np.broadcast_shapes(cond.shape, x.shape) != x.shape:
            raise ValueError("it would grow the tensor")
    except ValueError as error:
        raise ShapeError(f"masked_fill: mask of shape {cond.shape} does not broadcast to the "
                         f"tensor's shape {x.shape}: {error}") from None
    fill = x._coerce(value)
    if fill.data.size != 1:
        raise ShapeError(f"masked_fill: value must be one number or a one-element tensor, got "
                         f"shape {fill.shape}")
    return where(cond, fill.reshape(()), x)


def gather(x: Tensor, axis: int | None = None, index: Any = None, *, dim: int | None = None
           ) -> Tensor:
    """out[i][j][k] = x[index[i][j][k]][j][k] for axis 0 (likewise for other axes): PyTorch's
    gather. `index` is an int tensor of x's rank, no larger than x outside `axis`. The
    gradient scatter-adds g back into x's shape (repeated indices accumulate)."""
    axis = _one_axis("gather", x, axis, dim)
    if index is None:
        raise ArgumentError("gather: needs an index tensor")
    idx = _array(index)
    if idx.dtype.kind not in "iu":
        raise DTypeError(f"gather: index must hold integers, got dtype {idx.dtype}")
    if idx.ndim != x.ndim or builtins.any(idx.shape[d] > x.shape[d] for d in range(x.ndim)
                                          if d != axis):
        raise ShapeError(f"gather: index of shape {idx.shape} must have the rank of the input "
                         f"{x.shape} and be no larger outside axis {axis}")
    if idx.size and (idx.min() < 0 or idx.max() >= x.shape[axis]):
        raise IndexOutOfRange(f"gather: index values must lie in [0, {x.shape[axis]}) along "
                              f"axis {axis} of shape {x.shape}, got {idx.min()}..{idx.max()}")
    grid = list(np.ogrid[tuple(slice(n) for n in idx.shape)])
    grid[axis] = idx
    return x[tuple(grid)]


def split(x: Tensor, split_size_or_sections: int | Sequence[int], axis: int | None = None, *,
          dim: int | None = None) -> tuple[Tensor, ...]:
    """Pieces along `axis` (default 0): of `split_size` each (the last may be smaller), or
    of the listed sizes, which must add up to the axis's length."""
    axis = _one_axis("split", x, one_of("split", "axis", axis, "dim", dim, default=0), None)
    n = x.shape[axis]
    if isinstance(split_size_or_sections, int | np.integer):
        step = int(split_size_or_sections)
        if step <= 0:
            raise ArgumentError(f"split: split_size must be a positive int, got {step}")
        sizes = [min(step, n - start) for start in range(0, n, step)] or [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or builtins.any(s < 0 for s in sizes):
            raise ShapeError(f"split: sections {sizes} must be non-negative and add up to "
                             f"{n}, the length of axis {axis} of shape {x.shape}")
    starts = np.cumsum([0] + sizes[:-1])
    return tuple(x[(slice(None),) * axis + (slice(int(s), int(s) + k),)]
                 for s, k in zip(starts, sizes))


def chunk(x: Tensor, chunks: int, axis: int | None = None, *, dim: int | None = None
          ) -> tuple[Tensor, ...]:
    """At most `chunks` pieces along `axis` (default 0), each ceil(n / chunks) long but the
    last: PyTorch's chunk (which may return fewer pieces)."""
    if not isinstance(chunks, int | np.integer) or chunks <= 0:
        raise ArgumentError(f"chunk: chunks must be a positive int, got {chunks!r}")
    axis = _one_axis("chunk", x, one_of("chunk", "axis", axis, "dim", dim, default=0), None)
    return split(x, max(math.ceil(x.shape[axis] / chunks), 1), axis)


def repeat(x: Tensor, *sizes: Any) -> Tensor:
    """x tiled `sizes[i]` times along each axis (PyTorch's repeat, NumPy's tile); more sizes
    than axes add leading axes. A reshape to (1, n0, 1, n1, ...), an expand to
    (r0, n0, r1, n1, ...) and a reshape to (r0 n0, r1 n1, ...): the gradient sums the copies."""
    reps = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], Sequence) else sizes
    if len(reps) < x.ndim or not builtins.all(isinstance(r, int | np.integer) and r >= 0
                                              for r in reps):
        raise ShapeError(f"repeat: needs one non-negative int per axis (at least {x.ndim}) for "
                         f"shape {x.shape}, got {reps}")
    shape = (1,) * (len(reps) - x.ndim) + x.shape
    spread = [n for pair in zip((1,) * len(shape), shape) for n in pair]
    tiled = [n for pair in zip(reps, shape) for n in pair]
    return x.reshape(spread).expand(tiled).reshape(tuple(r * n for r, n in zip(reps, shape)))


def t(x: Tensor) -> Tensor:
    """The transpose of a matrix; 0-d and 1-d tensors are returned as they are."""
    if x.ndim > 2:
        raise ShapeError(f"t: expects a tensor with at most 2 dims, got shape {x.shape}; use "
                         f"transpose(a, b) or permute")
    return x if x.ndim < 2 else x.transpose(1, 0)


def flip(x: Tensor, *axes: Any, dims: Any = None) -> Tensor:
    """x reversed along the given axes (PyTorch: `flip(dims)`, a tuple or varargs)."""
    given = axes[0] if len(axes) == 1 else (axes or None)
    chosen = one_of("flip", "axes", given, "dims", dims)
    if chosen is None:
        raise AxisError("flip: give the axes to reverse, e.g. flip(0) or flip(dims=(0, 1))")
    return extra_ops.Flip.apply(x, axes=normalize_axes("flip", chosen, x.ndim))


def cumsum(x: Tensor, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Running sums along `axis` (required, as in PyTorch)."""
    return extra_ops.Cumsum.apply(x, axis=_one_axis("cumsum", x, axis, dim))


def prod(x: Tensor, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
         keepdim: bool | None = None) -> Tensor:
    """Product of the values along one axis, or of all of them when no axis is given."""
    axis, keepdims = axis_keywords("prod", axis, keepdims or None, dim, keepdim)
    if axis is None:
        flat = extra_ops.Prod.apply(x.reshape(-1), axis=0, keepdims=False)
        return flat.reshape((1,) * x.ndim) if keepdims else flat
    return extra_ops.Prod.apply(x, axis=_one_axis("prod", x, axis, None), keepdims=keepdims)
