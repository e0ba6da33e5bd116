"""Fractional max pooling (Graham, 2014), PyTorch's F.fractional_max_pool2d and
nn.FractionalMaxPool2d: windows of a fixed size k whose start positions advance by a
fractional stride alpha = (in - k) / (out - 1), drawn per (sample, channel) plane from one
uniform sample u in [0, 1) per axis:

    start_i = floor((i + u) alpha) - floor(u alpha)  for i < out - 1,  start_(out-1) = in - k

(alpha and the products in the input's dtype, as PyTorch's kernel computes them, so that the
same samples give the same windows). Each output is the maximum of its k_h x k_w window (a
NaN wins, as PyTorch's); the index is its flat position h * W + w in the plane. The result
gathers the input at those indices, so the gradient (scattered back to the maxima) and the
second derivative follow from the gather. `_random_samples` (N, C, 2) fixes the draws (its
[..., 0] for the width, [..., 1] for the height, as PyTorch's); else they come from the
default generator.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError, ShapeError
from ..tensor import Tensor, as_tensor
from .init import random
from .module import Module

__all__ = ["FractionalMaxPool2d", "fractional_max_pool2d",
           "fractional_max_pool2d_with_indices"]


def ntuple(op: str, name: str, value: Any, n: int) -> tuple[Any, ...]:
    """value as n numbers: a number repeated, or a sequence of n."""
    values = tuple(value) if isinstance(value, tuple | list) else (value,) * n
    if len(values) != n:
        raise ArgumentError(f"{op}: {name} must be a number or a "
                            f"{ {2: 'pair', 3: 'triple'}[n] }, got {value!r}")
    return values


def _pair(op: str, name: str, value: Any) -> tuple[Any, ...]:
    return ntuple(op, name, value, 2)


def _starts(sample: np.floating, size: int, out: int, pool: int) -> np.ndarray:
    """The window starts along one axis for one uniform sample (see the module docstring)."""
    starts = np.empty(out, dtype=np.int64)
    if out > 1:
        alpha = sample.dtype.type(size - pool) / sample.dtype.type(out - 1)
        i = np.arange(out - 1).astype(sample.dtype)
        starts[:-1] = ((i + sample) * alpha).astype(np.int64) - np.int64(sample * alpha)
    if out > 0:
        starts[-1] = size - pool
    return starts


def floating_input(op: str, input: Any, axes: str) -> Tensor:  # noqa: A002
    """input as a floating Tensor of shape (N, C, *axes) or (C, *axes)."""
    x = as_tensor(input)
    dims = len(axes.split(","))
    if x.ndim not in (dims + 1, dims + 2):
        raise ShapeError(f"{op}: expected input of shape (N, C, {axes}) or (C, {axes}), got "
                         f"{x.shape}")
    if x.dtype.kind != "f":
        raise ArgumentError(f"{op}: input must be floating, got dtype {x.dtype}")
    return x


def window_maxima(plane: np.ndarray, flat: np.ndarray) -> np.ndarray:
    """The position (of `flat` (..., k): each window's flat positions in `plane`) of each
    window's first maximum, or its first NaN (PyTorch's `val > max || isnan(val)`)."""
    values = plane[flat]
    nan = np.isnan(values)
    pick = np.where(nan.any(-1), nan.argmax(-1), values.argmax(-1))
    return np.take_along_axis(flat, pick[..., None], -1)[..., 0]


def _output_size(op: str, shape: tuple[int, ...], output_size: Any, output_ratio: Any
                 ) -> tuple[int, int]:
    if output_size is None and output_ratio is None:
        raise ArgumentError(f"{op}: requires specifying either an output_size or an "
                            f"output_ratio")
    if output_size is not None:
        return tuple(int(n) for n in _pair(op, "output_size", output_size))  # type: ignore
    ratio = _pair(op, "output_ratio", output_ratio)
    if not all(0 < r < 1 for r in ratio):
        raise ArgumentError(f"{op}: output_ratio must be between 0 and 1, got {output_ratio!r}")
    return int(shape[-2] * ratio[0]), int(shape[-1] * ratio[1])


def given_samples(op: str, given: Any, shape: tuple[int, int, int],
                  input_shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """The (N, C, dims) uniform samples that place the pooling windows: drawn when not
    given; given ones may have more rows than the batch (PyTorch's rule: at least N, the
    first N used; an unbatched input is a batch of 1)."""
    n, c, dims = shape
    if given is None:
        return random(shape, None, op).astype(dtype)
    samples = np.asarray(given._data if isinstance(given, Tensor) else given)
    if samples.ndim != 3 or samples.shape[0] < n or samples.shape[1:] != (c, dims):
        raise ShapeError(f"{op}: _random_samples must have shape (M, {c}, {dims}) with "
                         f"M >= {n} for input of shape {input_shape}, got {samples.shape}")
    return samples[:n].astype(dtype)


def fractional_max_pool2d_with_indices(input: Any, kernel_size: Any,  # noqa: A002
                                       output_size: Any = None, output_ratio: Any = None,
                                       return_indices: bool = False,
                                       _random_samples: Any = None) -> tuple[Tensor, Tensor]:
    """(values, indices) of fractional max pooling (see the module docstring) of (N, C, H, W)
    or (C, H, W) input."""
    op = "fractional_max_pool2d"
    x = floating_input(op, input, "H, W")
    kh, kw = (int(k) for k in _pair(op, "kernel_size", kernel_size))
    oh, ow = _output_size(op, x.shape, output_size, output_ratio)
    unbatched = x.ndim == 3
    planes = x.reshape(1, *x.shape) if unbatched else x
    n, c, h, w = planes.shape
    if kh < 1 or kw < 1:
        raise ArgumentError(f"{op}: kernel_size must be positive, got {kernel_size!r}")
    if oh + kh - 1 > h or ow + kw - 1 > w or oh < 1 or ow < 1:
        raise ShapeError(f"{op}: output size ({oh}, {ow}) with kernel ({kh}, {kw}) does not "
                         f"fit input of shape {x.shape} (needs output + kernel - 1 <= input "
                         f"on each axis)")
    samples = given_samples(op, _random_samples, (n, c, 2), x.shape, x.dtype)
    data = planes._data
    indices = np.empty((n, c, oh, ow), dtype=np.int64)
    window = np.arange(kh)[:, None] * w + np.arange(kw)[None, :]  # flat offsets in a plane
    for b in range(n):
        for ch in range(c):
            rows = _starts(samples[b, ch, 1], h, oh, kh)
            cols = _starts(samples[b, ch, 0], w, ow, kw)
            corners = rows[:, None] * w + cols[None, :]  # (oh, ow) window origins
            flat = corners[..., None, None] + window  # (oh, ow, kh, kw) flat positions
            indices[b, ch] = window_maxima(data[b, ch].reshape(-1), flat.reshape(oh, ow, -1))
    out = planes.reshape(n, c, h * w).gather(2, indices.reshape(n, c, oh * ow))
    out = out.reshape(n, c, oh, ow)
    index_tensor = Tensor(indices)
    if unbatched:
        return out.reshape(c, oh, ow), index_tensor.reshape(c, oh, ow)
    return out, index_tensor


def fractional_max_pool2d(input: Any, kernel_size: Any, output_size: Any = None,  # noqa: A002
                          output_ratio: Any = None, return_indices: bool = False,
                          _random_samples: Any = None) -> Any:
    """Fractional max pooling of (N, C, H, W) or (C, H, W) input; with return_indices also
    the flat index h * W + w of each maximum in its plane."""
    out, indices = fractional_max_pool2d_with_indices(input, kernel_size, output_size,
                                                      output_ratio, return_indices,
                                                      _random_samples)
    return (out, indices) if return_indices else out


class FractionalMaxPoolNd(Module):
    """The layers' shared arguments: kernel_size, output_size or output_ratio (one of
    them), return_indices and `_random_samples` (a buffer: (N, C, dims) samples fix the
    windows, a reproducible run; else each call draws them)."""

    dims = 2

    def __init__(self, kernel_size: Any, output_size: Any = None, output_ratio: Any = None,
                 return_indices: bool = False, _random_samples: Any = None) -> None:
        super().__init__()
        op = type(self).__name__
        self.kernel_size = ntuple(op, "kernel_size", kernel_size, self.dims)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", None if _random_samples is None else
                             np.asarray(_random_samples._data
                                        if isinstance(_random_samples, Tensor)
                                        else _random_samples))
        self.output_size = None if output_size is None else ntuple(
            op, "output_size", output_size, self.dims)
        self.output_ratio = None if output_ratio is None else ntuple(
            op, "output_ratio", output_ratio, self.dims)
        if output_size is None and output_ratio is None:
            raise ArgumentError(f"{op} requires specifying either an output size, or a "
                                f"pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ArgumentError(f"{op}: only one of output_size and output_ratio may be "
                                f"specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ArgumentError(f"{op}: output_ratio must be between 0 and 1 (got "
                                f"{output_ratio})")

    def pool(self, input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        raise NotImplementedError

    def forward(self, input: Any) -> Any:  # noqa: A002
        return self.pool(input, self.kernel_size, self.output_size, self.output_ratio,
                         self.return_indices, _random_samples=self._random_samples)


class FractionalMaxPool2d(FractionalMaxPoolNd):
    """fractional_max_pool2d with fixed arguments; `_random_samples` (N, C, 2)."""

    dims = 2
    pool = staticmethod(fractional_max_pool2d)
