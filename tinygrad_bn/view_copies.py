"""PyTorch's `*_copy` functions: each view op's result in new, row-major memory
(`tg.view_copy(x, (3, 2))` is `x.view(3, 2).clone(memory_format=tg.contiguous_format)`),
differentiable as the view op and the copy are; `as_strided_scatter`, the inverse of
as_strided (src written at the positions as_strided would read); and `nonzero_static`,
nonzero with a fixed number of rows.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from .autograd.primitive import as_tensor, is_tensor, new_tensor
from .errors import ArgumentError, ArgumentTypeError, ShapeError, names_errors
from .memory_format import contiguous_format
from .tensor import Tensor
from .tensor_methods.axis_alias import takes_axis
from .tensor_methods.memory_views import int_sequence

# name of the copy function: the view it copies, as a function of (x, *args, **kwargs)
_VIEWS: dict[str, Callable[..., Any]] = {
    "alias_copy": lambda x: x,
    "as_strided_copy": lambda x, size, stride, storage_offset=None: x.as_strided(
        size, stride, storage_offset),
    "detach_copy": lambda x: x.detach(),
    "diagonal_copy": lambda x, offset=0, dim1=0, dim2=1: x.diagonal(offset, dim1, dim2),
    "expand_copy": lambda x, size, *, implicit=False: x.expand(
        int_sequence("expand_copy", "size", size)),
    "narrow_copy": lambda x, dim, start, length: x.narrow(dim, start, length),
    "permute_copy": lambda x, dims: x.permute(int_sequence("permute_copy", "dims", dims)),
    "select_copy": lambda x, dim, index: x.select(dim, index),
    "slice_copy": lambda x, dim=0, start=None, end=None, step=1: x[
        (slice(None),) * (dim % max(x.ndim, 1)) + (slice(start, end, step),)],
    "split_copy": lambda x, split_size, dim=0: x.split(split_size, dim),
    "split_with_sizes_copy": lambda x, split_sizes, dim=0: x.split(list(split_sizes), dim),
    "squeeze_copy": lambda x, dim=None: x.squeeze() if dim is None else x.squeeze(dim),
    "t_copy": lambda x: x.t(),
    "transpose_copy": lambda x, dim0, dim1: x.transpose(dim0, dim1),
    "unbind_copy": lambda x, dim=0: x.unbind(dim),
    "unfold_copy": lambda x, dimension, size, step: x.unfold(dimension, size, step),
    "unsqueeze_copy": lambda x, dim: x.unsqueeze(dim),
    "view_copy": lambda x, size: x.view(size),
}

__all__ = sorted(_VIEWS) + ["as_strided_scatter", "nonzero_static"]


def _copied(result: Any) -> Any:
    if isinstance(result, tuple | list):
        return tuple(_copied(r) for r in result)
    return result.clone(memory_format=contiguous_format)


def _copy_function(name: str, view: Callable[..., Any]) -> Callable[..., Any]:
    if "dim" in inspect.signature(view).parameters:  # axis=, PyTorch's alias for dim=
        view.__name__ = name
        view = takes_axis(view)

    def function(input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002 (PyTorch's)
        if not is_tensor(input):
            raise ArgumentTypeError(f"{name}: input must be a Tensor, got "
                                    f"{type(input).__name__}")
        return _copied(view(input, *args, **kwargs))

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"PyTorch's {name}: the result of {name[:-5]} in new memory."
    return names_errors(name)(function)


for _name, _view in _VIEWS.items():
    globals()[_name] = _copy_function(_name, _view)


@names_errors("as_strided_scatter")
def as_strided_scatter(input: Tensor, src: Tensor, size: Any, stride: Any,  # noqa: A002
                       storage_offset: int | None = None) -> Tensor:
    """A copy of input (row-major) whose elements at the positions of as_strided(size,
    stride, storage_offset) are src's: gradient g to input where not overwritten, and
    g at those positions to src."""
    x, src = as_tensor(input), as_tensor(src)
    shape, steps = int_sequence("as_strided_scatter", "size", size), \
        int_sequence("as_strided_scatter", "stride", stride)
    if tuple(src.shape) != shape:
        raise ShapeError(f"as_strided_scatter: src of shape {tuple(src.shape)} must have the "
                         f"shape size {shape}")
    if len(shape) != len(steps):
        raise ShapeError(f"as_strided_scatter: size {shape} and stride {steps} differ in length")
    offset = 0 if storage_offset is None else int(storage_offset)
    positions = np.full(shape, offset, np.int64)
    for axis, (n, s) in enumerate(zip(shape, steps)):
        positions += (np.arange(n, dtype=np.int64) * s).reshape(
            (-1,) + (1,) * (len(shape) - axis - 1))
    if positions.size and (positions.min() < 0 or positions.max() >= x.numel()):
        raise ShapeError(f"as_strided_scatter: size {shape}, stride {steps} and offset "
                         f"{offset} reach outside the {x.numel()} elements of input "
                         f"(shape {tuple(x.shape)})")
    values = src.reshape(-1) if src.dtype == x.dtype else src.reshape(-1).to(x.dtype)
    flat = x.reshape(-1).index_put((new_tensor(positions.reshape(-1)),), values)
    return flat.reshape(x.shape)


@names_errors("nonzero_static")
def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1) -> Tensor:  # noqa: A002
    """nonzero(input) with exactly `size` rows: cut after size, or padded with rows of
    fill_value."""
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 0:
        raise ArgumentError(f"nonzero_static: size must be a non-negative int, got {size!r}")
    found = as_tensor(input).nonzero()._data[:size]
    rows = np.full((int(size), found.shape[1]), fill_value, np.int64)
    rows[:len(found)] = found
    return new_tensor(rows)
