"""PyTorch's memory formats: `tg.contiguous_format`, `tg.channels_last`,
`tg.channels_last_3d`, `tg.preserve_format` (instances of `tg.memory_format`).

A format is the order in which a tensor's elements lie in memory; the values are the
same in every format. Row-major (`contiguous_format`) puts the last axis innermost;
`channels_last` lays an (N, C, H, W) tensor out as (N, H, W, C) (strides
(HWC, 1, WC, C)), `channels_last_3d` an (N, C, D, H, W) one as (N, D, H, W, C). A
tensor's array is a NumPy array with those strides, so `x.stride()` reads as PyTorch's,
and NumPy's elementwise operations keep the layout of their input (as PyTorch's do);
convolutions and matrix products give row-major results here.

As in PyTorch, a dimension of size 1 has no say in whether a tensor is laid out in a
format (its stride is free).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ArgumentError, ArgumentTypeError, ShapeError

__all__ = ["channels_last", "channels_last_3d", "contiguous_format", "memory_format",
           "preserve_format"]


class memory_format:  # noqa: N801 (PyTorch's class name)
    """A memory format; compare with `is` or `==` against `tg.channels_last` and friends."""

    __slots__ = ("_name",)
    _NAMES = ("contiguous_format", "channels_last", "channels_last_3d", "preserve_format")

    def __init__(self, name: str) -> None:
        # PyTorch makes no new formats; here the four below are built by name, once
        if name not in self._NAMES:
            raise ArgumentError(f"memory_format: no format {name!r}; use tg.contiguous_format, "
                                f"tg.channels_last, tg.channels_last_3d or tg.preserve_format")
        self._name = name

    def __repr__(self) -> str:
        return f"torch.{self._name}"

    def __reduce__(self) -> str:  # copies and pickles are the module's instance
        return self._name


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")

# axes from the outermost in memory to the innermost
_ORDERS = {channels_last: (0, 2, 3, 1), channels_last_3d: (0, 2, 3, 4, 1)}


def checked_format(op: str, fmt: Any, preserve: bool = True) -> memory_format:
    """`fmt` when it is a memory format (`preserve_format` only where `preserve`)."""
    if not isinstance(fmt, memory_format):
        raise ArgumentTypeError(f"{op}: memory_format must be a tg.memory_format such as "
                                f"tg.channels_last, got {type(fmt).__name__} {fmt!r}")
    if fmt is preserve_format and not preserve:
        raise ArgumentError(f"{op}: preserve_format is not supported here (as in PyTorch); "
                            f"use contiguous_format, channels_last or channels_last_3d")
    return fmt


def memory_order(op: str, fmt: memory_format, shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """The axes from the outermost in memory to the innermost for `fmt` (None: row-major),
    refusing a channels-last format for a tensor of another rank."""
    order = _ORDERS.get(fmt)
    if order is not None and len(shape) != len(order):
        raise ShapeError(f"{op}: {fmt!r} needs a tensor of {len(order)} dimensions, got shape "
                         f"{tuple(shape)}")
    return order


def laid_out(array: np.ndarray, fmt: memory_format) -> bool:
    """Whether `array`'s elements lie without gaps in `fmt`'s order."""
    order = _ORDERS.get(fmt)
    if order is None:
        return bool(array.flags.c_contiguous)
    if array.ndim != len(order):
        return False
    expected = array.itemsize
    for axis in reversed(order):
        if array.shape[axis] != 1:
            if array.strides[axis] != expected:
                return False
            expected *= array.shape[axis]
    return True


def array_in_format(op: str, array: np.ndarray, fmt: memory_format) -> np.ndarray:
    """The same values with `fmt`'s strides (`array` itself when it already has them)."""
    if fmt is preserve_format or laid_out(array, fmt):
        return array
    order = memory_order(op, fmt, array.shape)
    if order is None:
        return np.ascontiguousarray(array)
    return np.ascontiguousarray(array.transpose(order)).transpose(np.argsort(order))
