"""3-D pooling, PyTorch's arguments: max_pool3d, avg_pool3d, adaptive_avg_pool3d,
adaptive_max_pool3d and their layers, on (N, C, D, H, W) or unbatched (C, D, H, W) input.

Window geometry per axis: pooling.window_geometry (PyTorch's rule, ceil_mode's partial
windows reaching `extra` cells past the right padding).

    max_pool3d   the position of each window's first maximum is found on the arrays (the
                 -inf-padded input viewed as windows), then the input is gathered there: the
                 gradient is the scatter of the upstream gradient to those positions (every
                 order follows from gather's), and return_indices gives them flattened over
                 (D, H, W) as PyTorch does
    avg_pool3d   zero-padded window sums, separable: one strided sum of k slices per axis,
                 divided by the counted cells per window (the same sums over a 0/1 mask), or
                 by divisor_override
    adaptive_avg_pool3d  y = x A_d A_h A_w along each axis with pooling.py's bin means
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import DTypeError, ShapeError, names_errors
from ..tensor import Tensor, as_tensor
from .arguments import floating_input, nonzero_divisor
from .conv_layers import _tuple
from .module import Module
from .pooling import (
    _bin_means,
    first_tap,
    integer_average,
    nonempty_sample,
    window_geometry,
)
from .pooling_extra import _adaptive_max, _output_sizes

_LAYOUT = "(N, C, D, H, W) or (C, D, H, W)"


def _batched(op: str, x: Any) -> tuple[Tensor, bool]:
    x = as_tensor(x)
    if x.ndim == 4:
        return nonempty_sample(op, x.unsqueeze(0), "(C, D, H, W)", True), True
    if x.ndim != 5:
        raise ShapeError(f"{op}: input must be {_LAYOUT}, got shape {x.shape}")
    return nonempty_sample(op, x, "(N, C, D, H, W)", False), False


def _arguments(op: str, kernel_size: Any, stride: Any, padding: Any, dilation: Any
               ) -> tuple[tuple[int, ...], ...]:
    kernel = _tuple(op, "kernel_size", kernel_size, 3, 1)
    # PyTorch reads stride=None (and an empty stride) as the kernel size
    no_stride = stride is None or (isinstance(stride, tuple | list) and not stride)
    stride = kernel if no_stride else _tuple(op, "stride", stride, 3, 1)
    return (kernel, stride, _tuple(op, "padding", padding, 3, 0),
            _tuple(op, "dilation", dilation, 3, 1))


@names_errors("max_pool3d")
def max_pool3d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """y[n, c, t, r, s] = max over the window at (t, r, s) * stride of the -inf-padded input
    (cells d apart); the gradient goes to each window's first maximum."""
    op = "max_pool3d"
    x, single = _batched(op, input)
    if x.dtype == np.bool_:
        raise DTypeError(f"{op}: not implemented for bool (as PyTorch)")
    kernel, stride, padding, dilation = _arguments(op, kernel_size, stride, padding, dilation)
    spatial = tuple(x.shape[2:])
    sizes, extra = window_geometry(op, spatial, kernel, stride, padding, dilation, ceil_mode)
    data = x._data
    low = -np.inf if data.dtype.kind == "f" else np.iinfo(data.dtype).min
    padded = np.pad(data, [(0, 0), (0, 0)] + [(p, p + e) for p, e in zip(padding, extra)],
                    constant_values=low)
    spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    windows = np.lib.stride_tricks.sliding_window_view(padded, spans, axis=(2, 3, 4))
    windows = windows[(slice(None), slice(None),
                       *(slice(0, (o - 1) * s + 1, s) for o, s in zip(sizes, stride)),
                       *(slice(None, None, d) for d in dilation))]
    n, c = data.shape[:2]
    cells = int(np.prod(kernel))
    offset = np.argmax(windows.reshape(n, c, *sizes, cells), axis=-1)  # first max (or NaN)
    coords, firsts, inside = [], [], np.ones((n, c, *sizes), bool)
    for axis, (i, o, s, d, p, m) in enumerate(zip(np.unravel_index(offset, kernel), sizes,
                                                 stride, dilation, padding, spatial)):
        shape = [-1 if a == axis else 1 for a in range(3)]
        start = (np.arange(o) * s - p).reshape(shape)
        coords.append(start + i * d)
        inside &= (coords[-1] >= 0) & (coords[-1] < m)
        # PyTorch's index of a window that holds padding only (dilated windows can): its
        # first tap at or past 0, even past the input's end
        firsts.append(first_tap(o, s, p, d).reshape(shape))
    # -inf padding never beats a real cell: a maximum in the padding means no cell at all
    clipped = tuple(np.clip(a, 0, m - 1) for a, m in zip(coords, spatial))
    first = (firsts[0] * spatial[1] + firsts[1]) * spatial[2] + firsts[2]
    index = np.where(inside, np.ravel_multi_index(clipped, spatial), first)
    plane = int(np.prod(spatial))
    y = x.reshape(n, c, plane).gather(-1, np.where(inside, index, 0).reshape(
        n, c, int(np.prod(sizes)))).reshape(n, c, *sizes)
    if not inside.all():
        y = y.masked_fill(Tensor(~inside), low)
    if single:
        y, index = y.squeeze(0), index[0]
    return (y, Tensor(index.astype(np.int64))) if return_indices else y


def _window_sums(x: Tensor, kernel: tuple[int, ...], stride: tuple[int, ...],
                 sizes: tuple[int, ...]) -> Tensor:
    """Sums over the windows of the (already padded) trailing three axes: per axis, the
    k strided slices added."""
    for axis, (k, s, o) in enumerate(zip(kernel, stride, sizes)):
        lead = (slice(None),) * (x.ndim - 3 + axis)
        total = None
        for i in range(k):
            part = x[(*lead, slice(i, i + (o - 1) * s + 1, s))]
            total = part if total is None else total + part
        x = total
    return x


@names_errors("avg_pool3d")
def avg_pool3d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over each window of the zero-padded input: the window sum divided by its cells
    inside the padded input (count_include_pad, the default), inside the input itself
    (False), or by divisor_override; ceil_mode's extra cells are never counted."""
    op = "avg_pool3d"
    x, single = _batched(op, input)
    if x.dtype == np.float16:
        raise DTypeError(f"{op}: not implemented for float16 (as PyTorch's CPU kernel); cast "
                         f"the input with .float()")
    if x.dtype.kind != "f":
        return integer_average(op, x, lambda t: avg_pool3d(
            t.squeeze(0) if single else t, kernel_size, stride, padding, ceil_mode,
            count_include_pad, divisor_override))
    kernel, stride, padding, _ = _arguments(op, kernel_size, stride, padding, 1)
    spatial = tuple(x.shape[2:])
    if any(n < k for n, k in zip(spatial, kernel)):  # (PyTorch's check, padding not counted)
        raise ShapeError(f"{op}: the kernel size {kernel} is larger than the input (D, H, W) "
                         f"= {spatial} (as PyTorch's avg_pool3d, padding not counted)")
    sizes, extra = window_geometry(op, spatial, kernel, stride, padding, (1, 1, 1), ceil_mode)
    pairs = tuple((p, p + e) for p, e in zip(padding, extra))
    padded = x.pad(((0, 0), (0, 0), *pairs), value=0.0) if any(map(any, pairs)) else x
    sums = _window_sums(padded, kernel, stride, sizes)
    if divisor_override is not None:
        y = sums * (1.0 / nonzero_divisor(op, divisor_override))
    elif count_include_pad and not any(extra):
        y = sums * (1.0 / int(np.prod(kernel)))
    else:
        mask = np.zeros(tuple(padded.shape[2:]), dtype=x.dtype)
        counted = tuple(slice(0, n + 2 * p) if count_include_pad else slice(p, p + n)
                        for n, p in zip(spatial, padding))
        mask[counted] = 1
        counts = _window_sums(Tensor(mask), kernel, stride, sizes)._data
        y = sums / Tensor(counts)
    return y.squeeze(0) if single else y


@names_errors("adaptive_avg_pool3d")
def adaptive_avg_pool3d(input: Any, output_size: Any) -> Tensor:  # noqa: A002
    """Mean over PyTorch's adaptive bins (rows floor(i n / m) .. ceil((i + 1) n / m) - 1 per
    axis): one product with the bin-averaging matrix per axis; None keeps that size."""
    op = "adaptive_avg_pool3d"
    x = floating_input(op, input)  # (PyTorch has no integer kernel)
    if x.ndim not in (4, 5) or 0 in x.shape[-3:]:
        raise ShapeError(f"{op}: input must be {_LAYOUT} with D, H, W > 0, got shape "
                         f"{x.shape}")
    sizes = _output_sizes(op, output_size, tuple(x.shape[-3:]))
    dtype, y = x.dtype, x
    for axis, m in zip((-3, -2, -1), sizes):
        means = Tensor(_bin_means(y.shape[axis], m, dtype).T)
        y = y @ means if axis == -1 else (y.transpose(axis, -1) @ means).transpose(axis, -1)
    return y


@names_errors("adaptive_max_pool3d")
def adaptive_max_pool3d(input: Any, output_size: Any,  # noqa: A002
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over each adaptive bin (the first on ties; the gradient goes there); the
    indices are flattened over (D, H, W)."""
    op = "adaptive_max_pool3d"
    x = floating_input(op, input)
    if x.ndim not in (4, 5) or 0 in x.shape[-3:]:
        raise ShapeError(f"{op}: input must be {_LAYOUT} with D, H, W > 0, got shape "
                         f"{x.shape}")
    return _adaptive_max(op, x, _output_sizes(op, output_size, tuple(x.shape[-3:])),
                         return_indices)


class MaxPool3d(Module):
    """max_pool3d with fixed arguments."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False, ceil_mode: bool = False
                 ) -> None:
        super().__init__()
        _arguments("MaxPool3d", kernel_size, stride, padding, dilation)
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = bool(return_indices), bool(ceil_mode)

    def forward(self, input: Any) -> Any:  # noqa: A002
        return max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool3d(Module):
    """avg_pool3d with fixed arguments."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        _arguments("AvgPool3d", kernel_size, stride, padding, 1)
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.ceil_mode = padding, bool(ceil_mode)
        self.count_include_pad, self.divisor_override = bool(count_include_pad), divisor_override

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool3d(Module):
    """adaptive_avg_pool3d to `output_size` (an int, a triple, None entries keep the size)."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return adaptive_avg_pool3d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool3d(Module):
    """adaptive_max_pool3d to `output_size` (an int, a triple, None entries keep the size)."""

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, bool(return_indices)

    def forward(self, input: Any) -> Any:  # noqa: A002
        return adaptive_max_pool3d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
