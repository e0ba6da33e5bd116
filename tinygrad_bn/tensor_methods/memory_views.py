"""Tensor methods about the memory under a tensor: `view(dtype)` (the same bytes read as
another dtype), the DLPack protocol (`__dlpack__`, `__dlpack_device__`: NumPy's and
PyTorch's `from_dlpack` share the memory), `new_empty_strided`, `dim_order` and
`narrow_copy`; and `window_view`, the views that are no basic index (diagonal, unfold,
as_strided): windows on the memory by other strides.

A view as another dtype is no function of the values that autograd can follow (PyTorch's
is not differentiable either): its result never requires grad, and writes through it
reach the tensor's memory, as writes through any view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops
from ..autograd import versions
from ..autograd.primitive import new_tensor
from ..device import check_device
from ..dtypes import as_dtype
from ..errors import ArgumentError, ArgumentTypeError, BackwardError, ShapeError
from ..keywords import int_sizes
from ..memory_format import contiguous_format
from .axis_alias import takes_axis

if TYPE_CHECKING:
    from ..tensor import Tensor


def strided_zeros(op: str, size: Any, stride: Any, dtype: np.dtype) -> np.ndarray:
    """A zero-filled array of shape size whose strides are `stride` elements."""
    shape, steps = int_sequence(op, "size", size), int_sequence(op, "stride", stride)
    if len(shape) != len(steps):
        raise ShapeError(f"{op}: size {shape} and stride {steps} differ in length")
    if any(n < 0 for n in shape) or any(s < 0 for s in steps):
        raise ArgumentError(f"{op}: sizes and strides must be non-negative, got size {shape}, "
                            f"stride {steps}")
    extent = 0 if 0 in shape else 1 + sum((n - 1) * s for n, s in zip(shape, steps))
    memory = np.zeros(extent, dtype)
    return np.lib.stride_tricks.as_strided(
        memory, shape, tuple(s * dtype.itemsize for s in steps), writeable=True)


def int_sequence(op: str, name: str, values: Any) -> tuple[int, ...]:
    if not isinstance(values, Sequence) or isinstance(values, str):
        raise ArgumentTypeError(f"{op}: {name} must be a sequence of ints, got "
                                f"{type(values).__name__} {values!r}")
    return int_sizes(op, tuple(values))


def view_as_dtype(x: Tensor, dtype: Any) -> Tensor:
    """x's memory read as dtype. Equal element sizes keep the shape; otherwise the last
    dim (which must be contiguous) scales by the ratio of the sizes, as PyTorch's."""
    dtype = as_dtype("view", dtype)
    data, old = x._data, x.dtype
    if dtype.itemsize != old.itemsize:
        named = f"to view {old} as {dtype} (different element sizes)"
        if data.ndim == 0:
            raise ShapeError(f"view: a 0-d tensor cannot be viewed as {dtype} {named}")
        if data.strides[-1] != old.itemsize and data.shape[-1] != 1:
            raise ShapeError(f"view: the last dim must be contiguous (stride 1) {named}, got "
                             f"strides {x.stride()}")
        if (data.shape[-1] * old.itemsize) % dtype.itemsize:
            raise ShapeError(f"view: the last dim (size {data.shape[-1]}) must be divisible "
                             f"by {dtype.itemsize // old.itemsize} {named}")
        if data.shape[-1] == 1 and data.strides[-1] != old.itemsize:
            data = data.reshape(data.shape[:-1] + (1,))  # a free stride NumPy would refuse
    out = new_tensor(data.view(dtype))
    out._base = versions.root(x)
    return out


def window_view(x: Tensor, window: Callable[[np.ndarray], np.ndarray],
                overlaps: bool = True, index: tuple | None = None) -> Tensor:
    """The elements of x that `window` picks, as a view sharing x's memory (PyTorch's
    diagonal, unfold and as_strided are views). `window` makes an array's view by that
    array's own strides (np.diagonal, a sliding window); applied to the row-major ids of
    x's elements it gives the coordinates in x of each element of the view: the index
    by which the gradient scatters back (ops.StridedView) and by which an in-place write
    through the view reaches x's graph (inplace.py), as for a view by basic indexing.

    `index`, when given, is that index (arrays broadcast to the view's shape); else it is
    computed from the ids. `overlaps`: whether the window may hold an element twice
    (checked when the ids are at hand). Such a view shares the memory but not the graph:
    a write through it in the graph is refused, as for a reshaped view, since one value
    written per element cannot follow two."""
    if index is None:  # (the callers that can give it cheaply, broadcast, do)
        ids = window(np.arange(x._data.size).reshape(x.shape))
        index = np.unravel_index(ids, x.shape)
        overlaps = overlaps and np.unique(ids).size != ids.size
    out = ops.StridedView.apply(x, window=window, index=index)
    return x._as_view(out) if overlaps else x._as_view(out, index)


def writable_like(view: np.ndarray, source: np.ndarray) -> np.ndarray:
    """`view` writable when its source is (NumPy's np.diagonal is read-only by default)."""
    if source.flags.writeable and not view.flags.writeable:
        view.flags.writeable = True
    return view


def placed(values: np.ndarray, axes: tuple[int, ...], rank: int) -> np.ndarray:
    """`values` (of len(axes) dims) laid along output axes `axes` of an index of `rank`
    dims, 1 elsewhere: one piece of a broadcast (unmaterialised) index."""
    shape = [1] * rank
    for axis, n in zip(axes, values.shape):
        shape[axis] = n
    order = np.argsort(axes)  # the values' axes in the output's order
    return np.transpose(values, order).reshape(shape)


class MemoryMethods:
    """The mixin of Tensor's methods about its memory."""

    __slots__ = ()

    def __dlpack__(self, *, stream: Any = None, max_version: Any = None,
                   dl_device: Any = None, copy: Any = None) -> Any:
        """The DLPack capsule of this tensor's memory (shared), for from_dlpack."""
        if self.requires_grad:
            raise BackwardError("__dlpack__: can't export a tensor that requires grad; use "
                                "tensor.detach()")
        kwargs = {} if max_version is None else {"max_version": max_version}
        if copy is not None:
            kwargs["copy"] = copy
        return self._data.__dlpack__(stream=stream, **kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        return (1, 0)  # kDLCPU, device 0

    def new_empty_strided(self, size: Any, stride: Any, *, dtype: Any = None,
                          device: Any = None, requires_grad: bool = False,
                          layout: Any = None, pin_memory: bool = False) -> Tensor:
        """A zero-filled tensor of shape size and strides stride (in elements), of this
        tensor's dtype unless dtype says otherwise (PyTorch's leaves it uninitialised)."""
        check_device("new_empty_strided", device)
        dtype = self.dtype if dtype is None else as_dtype("new_empty_strided", dtype)
        out = new_tensor(strided_zeros("new_empty_strided", size, stride, dtype))
        return out.requires_grad_() if requires_grad else out

    def dim_order(self, *, ambiguity_check: Any = False) -> tuple[int, ...]:
        """The dims from the outermost in memory to the innermost: stable-sorted by
        decreasing stride (a row-major tensor: 0, 1, ..., n - 1)."""
        if not isinstance(ambiguity_check, bool | list | tuple):
            raise ArgumentTypeError(f"dim_order: ambiguity_check must be a bool or a list of "
                                    f"memory formats, got {type(ambiguity_check).__name__}")
        strides = self.stride()
        return tuple(sorted(range(self.ndim), key=lambda d: -strides[d]))

    @takes_axis
    def narrow_copy(self, dim: int, start: int, length: int) -> Tensor:
        """`narrow(dim, start, length)` copied into new memory."""
        return self.narrow(dim, start, length).clone(memory_format=contiguous_format)

