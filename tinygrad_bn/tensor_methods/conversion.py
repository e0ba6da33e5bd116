"""Tensor methods about the tensor itself rather than its values' math: sizes
(size, numel, dim), dtypes and devices (to, float, double, ..., type_as), new tensors of
the same kind (new_zeros, new_full, new_tensor, clone), and in-place writes outside a
graph (zero_, fill_, copy_).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops
from ..autograd.function import is_tensor, new_tensor
from ..device import Device, check_device
from ..dtypes import as_dtype
from ..errors import ArgumentError, BackwardError, ShapeError
from ..keywords import normalize_axes, one_of, parse_size
from ..modes import is_grad_enabled

if TYPE_CHECKING:
    from ..tensor import Tensor


class ConversionMethods:
    """The mixin of Tensor's size, dtype, device and copy methods."""

    __slots__ = ()

    # ---- sizes ----
    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """PyTorch's `size()`: the shape (a tuple), or with `dim` the length of that axis
        (the element count is `numel()`)."""
        if dim is None:
            return self.data.shape
        return self.data.shape[normalize_axes("size", dim, self.ndim)[0]]

    def numel(self) -> int:
        return int(self.data.size)

    def dim(self) -> int:
        return self.data.ndim

    # ---- dtypes and devices ----
    def to(self, *args: Any, dtype: Any = None, device: Any = None, copy: bool = False,
           non_blocking: bool = False) -> Tensor:
        """PyTorch's `to`: `to(dtype)`, `to("cpu")`, `to(device, dtype)`, `to(other_tensor)`
        (its dtype), or keywords. The device must be the CPU; `copy=True` always returns a
        new tensor."""
        for arg in args:
            if is_tensor(arg):
                dtype = one_of("to", "dtype", dtype, "other tensor's dtype", arg.dtype)
            elif isinstance(arg, str | Device):
                device = one_of("to", "device", device, "positional device", arg)
            else:
                dtype = one_of("to", "dtype", dtype, "positional dtype", arg)
        check_device("to", device)
        out = self if dtype is None else self._to_dtype(dtype)
        return ops.Clone.apply(out) if copy and out is self else out

    def _to_dtype(self, dtype: Any) -> Tensor:
        """x as `dtype`. Between floating dtypes the cast is differentiable; any other target
        (int, bool) gives a tensor without a graph, as in PyTorch."""
        dtype = as_dtype("to", dtype)
        if dtype == self.dtype:
            return self
        if dtype.kind == "f":
            return self.astype(dtype)
        return new_tensor(self.data.astype(dtype))

    def cpu(self) -> Tensor:
        return self

    def float(self) -> Tensor:
        return self._to_dtype(np.float32)

    def double(self) -> Tensor:
        return self._to_dtype(np.float64)

    def half(self) -> Tensor:
        return self._to_dtype(np.float16)

    def long(self) -> Tensor:
        return self._to_dtype(np.int64)

    def int(self) -> Tensor:
        return self._to_dtype(np.int32)

    def bool(self) -> Tensor:
        return self._to_dtype(np.bool_)

    def type_as(self, other: Tensor) -> Tensor:
        return self._to_dtype(other.dtype)

    # ---- new tensors ----
    def clone(self) -> Tensor:
        """A copy in new memory; the gradient passes through unchanged."""
        return ops.Clone.apply(self)

    def contiguous(self) -> Tensor:
        return self

    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
        return self._new_filled("new_zeros", size, 0, dtype, device, requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
        return self._new_filled("new_ones", size, 1, dtype, device, requires_grad)

    def new_full(self, size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
        return self._new_filled("new_full", (size,), fill_value, dtype, device, requires_grad)

    def _new_filled(self, op: str, size: tuple[Any, ...], value: Any, dtype: Any, device: Any,
                    requires_grad: bool) -> Tensor:
        """A tensor of `size` (varargs or a tuple) filled with `value`, with this tensor's
        dtype unless `dtype` is given."""
        check_device(op, device)
        dtype = self.dtype if dtype is None else as_dtype(op, dtype)
        return type(self)(np.full(parse_size(op, size), value, dtype),
                          requires_grad=requires_grad)

    def new_tensor(self, data: Any, dtype: Any = None, device: Any = None,
                   requires_grad: bool = False) -> Tensor:
        """A copy of `data` with this tensor's dtype unless `dtype` is given."""
        check_device("new_tensor", device)
        dtype = self.dtype if dtype is None else as_dtype("new_tensor", dtype)
        source = data.data if is_tensor(data) else data
        return type(self)(np.array(source, dtype=dtype), requires_grad=requires_grad)

    # ---- in place, outside a graph ----
    def _writable(self, op: str) -> np.ndarray:
        """The array, if writing it cannot corrupt a graph (else a BackwardError, as
        PyTorch's)."""
        if self._ctx is not None:
            raise BackwardError(f"{op}: the tensor (shape {self.shape}) is the output of "
                                f"{self._ctx.name} in a graph, whose backward may read its "
                                f"values; write into a copy: x.detach().clone().{op}(...)")
        if self.requires_grad and is_grad_enabled():
            raise BackwardError(f"{op}: a leaf tensor that requires grad (shape {self.shape}) "
                                f"cannot be modified in place while gradients are recorded; "
                                f"do it inside `with tg.no_grad():`")
        if not self.data.flags.writeable:
            raise ArgumentError(f"{op}: the tensor's array (shape {self.shape}) is a read-only "
                                f"view (e.g. from expand); clone() it first")
        return self.data

    def fill_(self, value: Any) -> Tensor:
        """Set every element to `value` (a number or a one-element tensor); returns self."""
        data = self._writable("fill_")
        array = value.data if is_tensor(value) else np.asarray(value)
        if array.size != 1:
            raise ShapeError(f"fill_: needs one value, got shape {array.shape}")
        data[...] = array.reshape(())
        return self

    def zero_(self) -> Tensor:
        """Set every element to 0; returns self."""
        self._writable("zero_")[...] = 0
        return self

    def copy_(self, src: Any) -> Tensor:
        """Copy `src` (broadcast to this shape, cast to this dtype) in; returns self."""
        data = self._writable("copy_")
        source = src.data if is_tensor(src) else np.asarray(src)
        try:
            if np.broadcast_shapes(source.shape, data.shape) != data.shape:
                raise ValueError("the source has more or larger axes")
        except ValueError as error:
            raise ShapeError(f"copy_: cannot copy a source of shape {source.shape} into a "
                             f"tensor of shape {data.shape}: {error}") from None
        np.copyto(data, source, casting="unsafe")
        return self
