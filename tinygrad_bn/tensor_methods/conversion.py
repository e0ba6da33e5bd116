"""Tensor methods about the tensor itself rather than its values' math: sizes
(size, numel, dim), dtypes and devices (to, float, double, ..., type, type_as), memory
layout (contiguous, is_contiguous), and new tensors of the same kind (new_zeros, new_empty,
new_full, new_tensor, clone).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops
from ..autograd.primitive import is_tensor
from ..device import Device, check_device
from ..dtypes import TENSOR_TYPES, as_dtype, python_array, tensor_type_dtype
from ..errors import ArgumentTypeError, BackwardError
from ..keywords import Size, normalize_axes, one_of, parse_size
from ..memory_format import (
    checked_format,
    contiguous_format,
    laid_out,
    memory_order,
    preserve_format,
)

if TYPE_CHECKING:
    from ..tensor import Tensor

_CPU = Device("cpu")


class ConversionMethods:
    """The mixin of Tensor's size, dtype, device and copy methods."""

    __slots__ = ()

    # ---- sizes ----
    def size(self, dim: int | None = None, *, axis: int | None = None
             ) -> tuple[int, ...] | int:
        """PyTorch's `size()`: the shape (a tuple), or with `dim` the length of that axis
        (the element count is `numel()`)."""
        if axis is not None:  # PyTorch's alias for dim
            dim = one_of("size", "dim", dim, "axis", axis)
        if dim is None:
            return Size.of(self._data.shape)
        return self._data.shape[normalize_axes("size", dim, self.ndim)[0]]

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel  # PyTorch's older name, still common in tutorials

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim  # PyTorch's older name

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes of the elements (numel() * element_size())."""
        return self._data.nbytes

    def detach_(self) -> Tensor:
        """This tensor cut from the graph in place: a leaf that does not require grad, its
        values and memory unchanged (PyTorch's detach_). A view (x[:1], x.view(...)) is
        refused as PyTorch refuses it: its base would keep a graph the view no longer has."""
        if self._data.base is not None and getattr(self, "_base", None) is not None and \
                self._data is not self._base._data:
            raise BackwardError(f"detach_: the tensor (shape {self.shape}) is a view of "
                                f"another one and cannot be detached in place (as PyTorch); "
                                f"use detach() instead")
        self._ctx = None
        self.requires_grad = False
        return self

    def data_ptr(self) -> int:
        """The address of the first element: equal for a tensor and a view of it that
        starts at the same element (scripts compare it to tell a view from a copy)."""
        return int(self._data.__array_interface__["data"][0])

    def stride(self, dim: int | None = None, *, axis: int | None = None
               ) -> tuple[int, ...] | int:
        """Steps in elements between neighbours along each axis (with `dim`, that axis's):
        0 along a broadcast axis, as PyTorch's expand."""
        if axis is not None:  # PyTorch's alias for dim
            dim = one_of("stride", "dim", dim, "axis", axis)
        steps = tuple(s // self._data.itemsize for s in self._data.strides)
        return steps if dim is None else steps[normalize_axes("stride", dim, self.ndim)[0]]

    # ---- dtypes and devices ----
    @property
    def device(self) -> Device:
        """Where the tensor lives: always the CPU (`tg.device("cpu")`)."""
        return _CPU

    @property
    def is_cuda(self) -> bool:
        return False

    def to(self, *args: Any, dtype: Any = None, device: Any = None, copy: bool = False,
           non_blocking: bool = False, memory_format: Any = preserve_format) -> Tensor:
        """PyTorch's `to`: `to(dtype)`, `to("cpu")`, `to(device, dtype)`, `to(other_tensor)`
        (its dtype), or keywords. The device must be the CPU; `copy=True` always returns a
        new tensor; `memory_format=tg.channels_last` lays it out so (tinygrad_bn/
        memory_format.py). Positional True/False after the target are PyTorch's
        `non_blocking` then `copy` (`to(device, dtype, False, True)`)."""
        fmt = checked_format("to", memory_format)
        flags = [arg for arg in args if isinstance(arg, bool)]
        if len(flags) > 2 or flags and isinstance(args[0], bool):
            raise ArgumentTypeError(f"to: expected to(device, dtype, non_blocking, copy), "
                                    f"to(dtype, non_blocking, copy) or to(tensor, "
                                    f"non_blocking, copy), got the arguments {args!r:.80}")
        copy = copy or (len(flags) == 2 and flags[1])
        for arg in (arg for arg in args if not isinstance(arg, bool)):
            if is_tensor(arg):
                dtype = one_of("to", "dtype", dtype, "other tensor's dtype", arg.dtype)
            elif isinstance(arg, str | Device):
                device = one_of("to", "device", device, "positional device", arg)
            else:
                dtype = one_of("to", "dtype", dtype, "positional dtype", arg)
        check_device("to", device)
        out = self if dtype is None else self._to_dtype(dtype)
        out = ops.Clone.apply(out) if copy and out is self else out
        return out if fmt is preserve_format else out.contiguous(memory_format=fmt)

    def _to_dtype(self, dtype: Any) -> Tensor:
        """x as `dtype`. Between floating dtypes the cast is differentiable; any other target
        (int, bool) gives a tensor without a graph, as in PyTorch."""
        return self.astype(as_dtype("to", dtype))

    def _cast(self, op: str, dtype: Any, memory_format: Any) -> Tensor:
        """x as `dtype`, laid out in `memory_format` (PyTorch's casts `x.float()`,
        `x.int()`... take it; preserve_format keeps x's layout)."""
        fmt = checked_format(op, memory_format)
        out = self._to_dtype(dtype)
        return out if fmt is preserve_format else out.contiguous(memory_format=fmt)

    def cpu(self) -> Tensor:
        return self

    def float(self, *, memory_format: Any = preserve_format) -> Tensor:
        return self._cast("float", np.float32, memory_format)

    def double(self, *, memory_format: Any = preserve_format) -> Tensor:
        return self._cast("double", np.float64, memory_format)

    def half(self, *, memory_format: Any = preserve_format) -> Tensor:
        return self._cast("half", np.float16, memory_format)

    def long(self, *, memory_format: Any = preserve_format) -> Tensor:
        return self._cast("long", np.int64, memory_format)

    def int(self, *, memory_format: Any = preserve_format) -> Tensor:
        return self._cast("int", np.int32, memory_format)

    def bool(self, *, memory_format: Any = preserve_format) -> Tensor:
        return self._cast("bool", np.bool_, memory_format)

    def type_as(self, other: Tensor) -> Tensor:
        return self._to_dtype(other.dtype)

    def type(self, dtype: Any = None, non_blocking: bool = False) -> str | Tensor:
        """PyTorch's `type`: without an argument the legacy type name ('torch.FloatTensor');
        with a dtype, a legacy name ('torch.DoubleTensor') or a legacy class
        (`tg.DoubleTensor`), this tensor cast to it (itself when it already is)."""
        if dtype is None:
            return "torch." + TENSOR_TYPES[self.dtype]
        if isinstance(dtype, str):
            return self._to_dtype(tensor_type_dtype("type", dtype))
        legacy = getattr(dtype, "legacy_dtype", None)  # tg.FloatTensor and the like
        if legacy is not None:
            return self._to_dtype(legacy)
        if isinstance(dtype, type) and not issubclass(dtype, np.generic):
            raise ArgumentTypeError(f"type: expected a dtype, a type name such as "
                                    f"'torch.FloatTensor' or a tensor type, got the class "
                                    f"{dtype.__name__}")
        return self._to_dtype(dtype)

    # ---- new tensors ----
    def clone(self, *, memory_format: Any = preserve_format) -> Tensor:
        """A copy in new memory (row-major, or laid out in `memory_format`); the gradient
        passes through unchanged."""
        fmt = checked_format("clone", memory_format)
        out = ops.Clone.apply(self)
        return out if fmt is preserve_format else out.contiguous(memory_format=fmt)

    def contiguous(self, memory_format: Any = contiguous_format) -> Tensor:
        """This tensor when its memory is in row-major order (or in `memory_format`, e.g.
        tg.channels_last), else such a copy (the gradient passes through), as PyTorch's."""
        fmt = checked_format("contiguous", memory_format, preserve=False)
        if laid_out(self._data, fmt):
            return self
        order = memory_order("contiguous", fmt, self.shape)
        if order is None:
            return ops.Clone.apply(self)
        # a row-major copy of the axes in memory order, viewed back in the tensor's order
        return ops.Clone.apply(self.permute(*order)).permute(*np.argsort(order).tolist())

    def is_contiguous(self, memory_format: Any = contiguous_format) -> bool:
        """Whether the elements lie in memory without gaps in row-major order (False for a
        transpose or a strided slice, as in PyTorch), or in `memory_format`'s order."""
        return laid_out(self._data, checked_format("is_contiguous", memory_format,
                                                   preserve=False))

    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
        return self._new_filled("new_zeros", size, 0, dtype, device, requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
        return self._new_filled("new_ones", size, 1, dtype, device, requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
        """PyTorch's uninitialised tensor of this dtype; zero-filled here, as tg.empty."""
        return self._new_filled("new_empty", size, 0, dtype, device, requires_grad)

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
        if is_tensor(data) or isinstance(data, np.ndarray | np.generic):
            array = np.array(data._data if is_tensor(data) else data, dtype=dtype)
        else:  # Python data: checked as PyTorch converts it (no raw NumPy error)
            array = python_array("new_tensor", data, dtype)
        return type(self)(array, requires_grad=requires_grad)
