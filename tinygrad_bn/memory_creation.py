"""Tensors made from memory as PyTorch lays it out: `empty_strided` and `empty_permuted`
(a tensor with chosen strides), `frombuffer` (the bytes of a Python buffer, shared), the
DLPack exchange (`from_dlpack`, `tg.utils.dlpack`: NumPy arrays and other libraries'
tensors, shared), and the deprecated `range` (both ends included).

Strides are in elements, as `x.stride()` reads them: element i of a tensor of strides s
lies at flat position sum_k i_k s_k of its memory.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .autograd.primitive import is_tensor
from .device import check_device
from .dtypes import as_dtype, get_default_dtype
from .errors import ArgumentError, ArgumentTypeError, names_errors
from .tensor import Tensor
from .tensor_methods.memory_views import int_sequence, strided_zeros

__all__ = ["empty_permuted", "empty_strided", "from_dlpack", "frombuffer", "range"]

_builtin_range = range


@names_errors("empty_strided")
def empty_strided(size: Sequence[int], stride: Sequence[int], *, dtype: Any = None,
                  layout: Any = None, device: Any = None, requires_grad: bool = False,
                  pin_memory: bool = False) -> Tensor:
    """PyTorch's uninitialised tensor of shape `size` and strides `stride` (in elements);
    zero-filled here, so no garbage can leak into results."""
    check_device("empty_strided", device)
    dtype = get_default_dtype() if dtype is None else as_dtype("empty_strided", dtype)
    return Tensor(strided_zeros("empty_strided", size, stride, dtype),
                  requires_grad=requires_grad)


@names_errors("empty_permuted")
def empty_permuted(size: Sequence[int], physical_layout: Sequence[int], *, dtype: Any = None,
                   layout: Any = None, device: Any = None, requires_grad: bool = False,
                   pin_memory: bool = False) -> Tensor:
    """A zero-filled tensor of shape `size` whose axes lie in memory in the order
    `physical_layout` (outermost first): `empty_permuted((N, C, H, W), (0, 2, 3, 1))` is
    channels-last."""
    shape = int_sequence("empty_permuted", "size", size)
    order = int_sequence("empty_permuted", "physical_layout", physical_layout)
    if sorted(order) != list(_builtin_range(len(shape))):
        raise ArgumentError(f"empty_permuted: physical_layout {order} is not a permutation of "
                            f"the {len(shape)} dims of size {shape}")
    check_device("empty_permuted", device)
    dtype = get_default_dtype() if dtype is None else as_dtype("empty_permuted", dtype)
    memory = np.zeros(tuple(shape[axis] for axis in order), dtype)
    return Tensor(memory.transpose(np.argsort(order)), requires_grad=requires_grad)


@names_errors("frombuffer")
def frombuffer(buffer: Any, *, dtype: Any, count: int = -1, offset: int = 0,
               requires_grad: bool = False) -> Tensor:
    """A 1-d tensor over the bytes of a Python buffer (bytes, bytearray, array.array,
    memoryview ...) from byte `offset`, `count` elements (-1: all that follow); it shares
    the buffer's memory, as PyTorch's."""
    dtype = as_dtype("frombuffer", dtype)
    try:
        view = memoryview(buffer)
    except TypeError as error:
        raise ArgumentTypeError(f"frombuffer: expects an object with the buffer protocol "
                                f"(bytes, bytearray, array.array ...), got "
                                f"{type(buffer).__name__}") from error
    length = view.nbytes
    if offset < 0 or offset >= max(length, 1):
        raise ArgumentError(f"frombuffer: offset {offset} must be in [0, {length}) for a "
                            f"buffer of {length} bytes")
    available = (length - offset) // dtype.itemsize
    if count == -1:
        if (length - offset) % dtype.itemsize:
            raise ArgumentError(f"frombuffer: {length - offset} bytes after offset {offset} "
                                f"are not a whole number of {dtype} elements "
                                f"({dtype.itemsize} bytes each)")
        count = available
    elif count <= 0 or count > available:
        raise ArgumentError(f"frombuffer: count {count} must be -1 or in [1, {available}] "
                            f"(the {dtype} elements after byte {offset})")
    array = np.frombuffer(view, dtype=dtype, count=count, offset=offset)
    return Tensor(array, requires_grad=requires_grad)


@names_errors("from_dlpack")
def from_dlpack(ext_tensor: Any) -> Tensor:
    """A tensor sharing the memory of another library's array through the DLPack protocol
    (any object with `__dlpack__`: a NumPy array, a tinygrad_bn or PyTorch tensor)."""
    if is_tensor(ext_tensor):
        return ext_tensor.detach()
    if type(ext_tensor).__name__ == "PyCapsule":  # a capsule from a to_dlpack
        ext_tensor = _Capsule(ext_tensor)
    if not hasattr(ext_tensor, "__dlpack__"):
        raise ArgumentTypeError(f"from_dlpack: expects an object with __dlpack__ (a NumPy "
                                f"array, a tensor of another library), got "
                                f"{type(ext_tensor).__name__}")
    return Tensor(np.from_dlpack(ext_tensor))


class _Capsule:
    """A DLPack capsule handed over as the protocol's producer (NumPy reads only those)."""

    def __init__(self, capsule: Any) -> None:
        self.capsule = capsule

    def __dlpack__(self, stream: Any = None, max_version: Any = None, dl_device: Any = None,
                   copy: Any = None) -> Any:
        return self.capsule

    def __dlpack_device__(self) -> tuple[int, int]:
        return (1, 0)  # kDLCPU, device 0: the only memory a capsule here can hold


@names_errors("range")
def range(start: float = 0, end: float | None = None, step: float = 1, *,  # noqa: A001
          dtype: Any = None, layout: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """PyTorch's deprecated `range`: start, start + step, ... up to end INCLUDED, float32
    (the default float dtype) unless dtype says otherwise; `arange` excludes the end."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).", UserWarning,
                  stacklevel=3)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ArgumentError("range: step must be nonzero")
    if (end - start) * step < 0:
        raise ArgumentError(f"range: upper bound and larger bound inconsistent with step "
                            f"sign (start {start}, end {end}, step {step})")
    count = math.floor((end - start) / step) + 1
    dtype = get_default_dtype() if dtype is None else as_dtype("range", dtype)
    check_device("range", device)
    values = start + step * np.arange(count, dtype=np.float64)
    return Tensor(values.astype(dtype), requires_grad=requires_grad)
