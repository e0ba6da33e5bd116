"""1-D pooling and adaptive max pooling, PyTorch's arguments, on top of pooling.py.

max_pool1d / avg_pool1d run the 2-D pools on (N, C, 1, L) with (1, k) windows.
adaptive_avg_pool1d is one product with pooling.py's bin-averaging matrix. Adaptive max
pooling takes, in each of PyTorch's bins (rows floor(i n / m) .. ceil((i + 1) n / m) - 1),
the position of the maximum (the first one on ties) and gathers the input there, so its
gradient is a scatter of the upstream gradient to those positions; `return_indices` gives
them flattened over the pooled axes, as PyTorch.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError, ShapeError, names_errors
from ..tensor import Tensor, as_tensor
from .arguments import floating_input
from .module import Module
from .pooling import _bin_means, avg_pool2d, max_pool2d, nonempty_sample, sliced_bin_means


def _one(op: str, name: str, value: Any, minimum: int) -> int:
    items = tuple(value) if isinstance(value, tuple | list) else (value,)
    if len(items) == 1 and (isinstance(items[0], bool) or
                            not isinstance(items[0], int | np.integer)):  # PyTorch's TypeError
        raise ArgumentTypeError(f"{op}: {name} must be an int (or a 1-tuple), got {value!r}")
    if len(items) != 1 or items[0] < minimum:
        raise ArgumentError(f"{op}: {name} must be an int >= {minimum} (or a 1-tuple), got "
                            f"{value!r}")
    return int(items[0])


def _lengthwise(op: str, x: Any) -> tuple[Tensor, bool]:
    """x as (N, C, 1, L) and whether it came as (C, L)."""
    x = as_tensor(x)
    if x.ndim not in (2, 3):
        raise ShapeError(f"{op}: input must be (N, C, L) or (C, L), got shape {x.shape}")
    single = x.ndim == 2
    nonempty_sample(op, x.unsqueeze(0) if single else x, "(C, L)" if single else "(N, C, L)",
                    single)
    return (x.unsqueeze(0).unsqueeze(-2) if single else x.unsqueeze(-2)), single


def _restore(y: Tensor, single: bool) -> Tensor:
    y = y.squeeze(-2)
    return y.squeeze(0) if single else y


@names_errors("max_pool1d")
def max_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """y[n, c, t] = max_i xpad[n, c, t s + i d] (-inf padding)."""
    op = "max_pool1d"
    k = _one(op, "kernel_size", kernel_size, 1)
    s = k if stride is None else _one(op, "stride", stride, 1)
    p, d = _one(op, "padding", padding, 0), _one(op, "dilation", dilation, 1)
    x, single = _lengthwise(op, input)
    out = max_pool2d(x, (1, k), (1, s), (0, p), (1, d), ceil_mode, return_indices)
    if return_indices:
        return _restore(out[0], single), _restore(out[1], single)
    return _restore(out, single)


@names_errors("avg_pool1d")
def avg_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """y[n, c, t] = mean of the window at t s (zero padding counted unless
    count_include_pad=False)."""
    op = "avg_pool1d"
    k = _one(op, "kernel_size", kernel_size, 1)
    s = k if stride is None else _one(op, "stride", stride, 1)
    p = _one(op, "padding", padding, 0)
    x, single = _lengthwise(op, input)
    return _restore(avg_pool2d(x, (1, k), (1, s), (0, p), ceil_mode, count_include_pad), single)


def adaptive_avg_pool1d(input: Any, output_size: Any) -> Tensor:  # noqa: A002
    """Means over PyTorch's adaptive bins of (N, C, L) or (C, L): x A^T."""
    x = floating_input("adaptive_avg_pool1d", input)  # (PyTorch has no integer kernel)
    if x.ndim not in (2, 3) or x.shape[-1] == 0:
        raise ShapeError(f"adaptive_avg_pool1d: input must be (N, C, L) or (C, L) with L > 0, "
                         f"got shape {x.shape}")
    m = _one("adaptive_avg_pool1d", "output_size", output_size, 0)
    dtype = x.dtype
    if not np.isfinite(x._data).all():
        return sliced_bin_means(x, -1, m)
    return x @ Tensor(_bin_means(x.shape[-1], m, dtype).T)


def _bins(n: int, m: int) -> list[tuple[int, int]]:
    return [((i * n) // m, -((-(i + 1) * n) // m)) for i in range(m)]


def _adaptive_max(op: str, x: Tensor, sizes: tuple[int, ...], return_indices: bool
                  ) -> Tensor | tuple[Tensor, Tensor]:
    """Adaptive max pooling over x's trailing len(sizes) axes (1, 2 or 3)."""
    k = len(sizes)
    spatial = x.shape[-k:]
    lead = x.shape[:-k]
    data = x._data
    index = np.empty(lead + sizes, dtype=np.int64)
    for cell in itertools.product(*(enumerate(_bins(n, m)) for n, m in zip(spatial, sizes))):
        starts = [a for _, (a, _) in cell]
        widths = [b - a for _, (a, b) in cell]
        window = data[(Ellipsis, *(slice(a, b) for _, (a, b) in cell))]
        pos = np.unravel_index(_argmax(window.reshape(lead + (int(np.prod(widths)),))), widths)
        coords = tuple(start + p for start, p in zip(starts, pos))
        index[(Ellipsis, *(i for i, _ in cell))] = np.ravel_multi_index(coords, spatial)
    flat = x.reshape(*lead, int(np.prod(spatial)))
    y = flat.gather(-1, index.reshape(lead + (int(np.prod(sizes)),))).reshape(*lead, *sizes)
    if return_indices:
        return y, Tensor(index)
    return y


def _argmax(window: np.ndarray) -> np.ndarray:
    """The first maximum's position along the last axis, or the last NaN's, as PyTorch's
    kernels (a NaN beats everything, a later one its predecessor)."""
    pos = np.argmax(window, axis=-1)
    if window.dtype.kind == "f":
        nan = np.isnan(window)
        if nan.any():
            last = window.shape[-1] - 1 - np.argmax(nan[..., ::-1], axis=-1)
            pos = np.where(nan.any(axis=-1), last, pos)
    return pos


def _output_sizes(op: str, output_size: Any, spatial: tuple[int, ...]) -> tuple[int, ...]:
    k = len(spatial)
    if output_size is None:  # (None keeps a size only as an entry of a tuple, as PyTorch)
        raise ArgumentTypeError(f"{op}: output_size must be an int or a tuple of {k} ints or "
                                f"None entries, got None")
    sizes = list(output_size) if isinstance(output_size, tuple | list) else [output_size] * k
    if len(sizes) != k:
        raise ArgumentError(f"{op}: output_size must be an int or {k} of them, got "
                            f"{output_size!r}")
    sizes = [n if s is None else s for s, n in zip(sizes, spatial)]
    for i, s in enumerate(sizes):  # 0 is an empty output, as PyTorch's
        if not isinstance(s, int | np.integer) or isinstance(s, bool):  # PyTorch's TypeError
            raise ArgumentTypeError(f"{op}: output_size[{i}] must be an int, got {s!r}")
        if s < 0:
            raise ArgumentError(f"{op}: output_size[{i}] must be an int >= 0, got {s}")
    return tuple(int(s) for s in sizes)


def adaptive_max_pool1d(input: Any, output_size: Any,  # noqa: A002
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over each adaptive bin of (N, C, L) or (C, L)."""
    x = floating_input("adaptive_max_pool1d", input)
    if x.ndim not in (2, 3) or x.shape[-1] == 0:
        raise ShapeError(f"adaptive_max_pool1d: input must be (N, C, L) or (C, L) with L > 0, "
                         f"got shape {x.shape}")
    return _adaptive_max("adaptive_max_pool1d", x,
                         _output_sizes("adaptive_max_pool1d", output_size, x.shape[-1:]),
                         return_indices)


def adaptive_max_pool2d(input: Any, output_size: Any,  # noqa: A002
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over each adaptive bin of (N, C, H, W) or (C, H, W)."""
    x = floating_input("adaptive_max_pool2d", input)
    if x.ndim not in (3, 4) or 0 in x.shape[-2:]:
        raise ShapeError(f"adaptive_max_pool2d: input must be (N, C, H, W) or (C, H, W) with "
                         f"H, W > 0, got shape {x.shape}")
    return _adaptive_max("adaptive_max_pool2d", x,
                         _output_sizes("adaptive_max_pool2d", output_size, x.shape[-2:]),
                         return_indices)


class MaxPool1d(Module):
    """max_pool1d with fixed arguments."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False, ceil_mode: bool = False
                 ) -> None:
        super().__init__()
        _one("MaxPool1d", "kernel_size", kernel_size, 1)
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = bool(return_indices), bool(ceil_mode)

    def forward(self, input: Any) -> Any:  # noqa: A002
        return max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


def _single(value: Any) -> Any:
    """PyTorch's _single: an int as a one-tuple, a sequence as a tuple."""
    return tuple(value) if isinstance(value, tuple | list) else (value,)


class AvgPool1d(Module):
    """avg_pool1d with fixed arguments."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__()
        _one("AvgPool1d", "kernel_size", kernel_size, 1)
        # one-tuples, as PyTorch's attributes (and repr) hold them
        self.kernel_size = _single(kernel_size)
        self.stride = _single(kernel_size if stride is None else stride)
        self.padding, self.ceil_mode = _single(padding), bool(ceil_mode)
        self.count_include_pad = bool(count_include_pad)

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool1d(Module):
    """adaptive_avg_pool1d to `output_size`."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return adaptive_avg_pool1d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(Module):
    """adaptive_max_pool1d to `output_size`."""

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, bool(return_indices)

    def forward(self, input: Any) -> Any:  # noqa: A002
        return adaptive_max_pool1d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """adaptive_max_pool2d to `output_size` (an int, a pair, None entries keep the size)."""

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, bool(return_indices)

    def forward(self, input: Any) -> Any:  # noqa: A002
        return adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
