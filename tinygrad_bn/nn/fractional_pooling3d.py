"""Fractional max pooling over volumes, PyTorch's F.fractional_max_pool3d and
nn.FractionalMaxPool3d: fractional_pooling.py's windows along three axes. Each
(sample, channel) volume draws one uniform sample per axis (`_random_samples` (N, C, 3):
[..., 0] for the depth T, [..., 1] for the height, [..., 2] for the width, as PyTorch's
kernel reads them), the window starts follow from it, each output is the maximum of its
k_t x k_h x k_w window (a NaN wins), and the index is its flat position
(t * H + h) * W + w in the volume. The result gathers the input at those indices, so the
gradient goes to the maxima and the second derivative follows from the gather.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError, ShapeError
from ..tensor import Tensor
from .fractional_pooling import (
    FractionalMaxPoolNd,
    _starts,
    floating_input,
    given_samples,
    ntuple,
    window_maxima,
)

__all__ = ["FractionalMaxPool3d", "fractional_max_pool3d",
           "fractional_max_pool3d_with_indices"]


def _triple(op: str, name: str, value: Any) -> tuple[Any, ...]:
    return ntuple(op, name, value, 3)


def _output_size(op: str, shape: tuple[int, ...], output_size: Any, output_ratio: Any
                 ) -> tuple[int, ...]:
    if output_size is None and output_ratio is None:
        raise ArgumentError(f"{op}: requires specifying either an output_size or an "
                            f"output_ratio")
    if output_size is not None:
        return tuple(int(n) for n in _triple(op, "output_size", output_size))
    ratio = _triple(op, "output_ratio", output_ratio)
    if not all(0 < r < 1 for r in ratio):
        raise ArgumentError(f"{op}: output_ratio must be between 0 and 1, got {output_ratio!r}")
    return tuple(int(s * r) for s, r in zip(shape[-3:], ratio))


def fractional_max_pool3d_with_indices(input: Any, kernel_size: Any,  # noqa: A002
                                       output_size: Any = None, output_ratio: Any = None,
                                       return_indices: bool = False,
                                       _random_samples: Any = None) -> tuple[Tensor, Tensor]:
    """(values, indices) of fractional max pooling of (N, C, T, H, W) or (C, T, H, W)
    input (see the module docstring)."""
    op = "fractional_max_pool3d"
    x = floating_input(op, input, "T, H, W")
    kernel = tuple(int(k) for k in _triple(op, "kernel_size", kernel_size))
    out_size = _output_size(op, x.shape, output_size, output_ratio)
    unbatched = x.ndim == 4
    volumes = x.reshape(1, *x.shape) if unbatched else x
    n, c, *size = volumes.shape
    if min(kernel) < 1:
        raise ArgumentError(f"{op}: kernel_size must be positive, got {kernel_size!r}")
    if min(out_size) < 1:
        raise ShapeError(f"{op}: output size {out_size} must be positive")
    for axis, o, k, s in zip(("time", "height", "width"), out_size, kernel, size):
        if o + k - 1 >= s:  # strict, unlike the 2-d check: PyTorch's 3-d kernel's
            raise ShapeError(f"{op}: pool {axis} {k} too large relative to input {axis} "
                             f"{s} for output size {o} (needs output + kernel - 1 < input; "
                             f"input shape {x.shape})")
    samples = given_samples(op, _random_samples, (n, c, 3), x.shape, x.dtype)
    (t, h, w), (ot, oh, ow), (kt, kh, kw) = size, out_size, kernel
    window = (np.arange(kt)[:, None, None] * h + np.arange(kh)[None, :, None]) * w \
        + np.arange(kw)[None, None, :]  # flat offsets in a volume
    data = volumes._data
    indices = np.empty((n, c, ot, oh, ow), dtype=np.int64)
    for b in range(n):
        for ch in range(c):
            starts = [_starts(samples[b, ch, axis], s, o, k) for axis, (s, o, k)
                      in enumerate(zip(size, out_size, kernel))]
            corners = (starts[0][:, None, None] * h + starts[1][None, :, None]) * w \
                + starts[2][None, None, :]
            flat = corners[..., None, None, None] + window
            indices[b, ch] = window_maxima(data[b, ch].reshape(-1),
                                           flat.reshape(ot, oh, ow, -1))
    out = volumes.reshape(n, c, t * h * w).gather(2, indices.reshape(n, c, -1))
    out = out.reshape(n, c, ot, oh, ow)
    index_tensor = Tensor(indices)
    if unbatched:
        return out.reshape(c, ot, oh, ow), index_tensor.reshape(c, ot, oh, ow)
    return out, index_tensor


def fractional_max_pool3d(input: Any, kernel_size: Any, output_size: Any = None,  # noqa: A002
                          output_ratio: Any = None, return_indices: bool = False,
                          _random_samples: Any = None) -> Any:
    """Fractional max pooling of (N, C, T, H, W) or (C, T, H, W) input; with
    return_indices also the flat index (t * H + h) * W + w of each maximum."""
    out, indices = fractional_max_pool3d_with_indices(input, kernel_size, output_size,
                                                      output_ratio, return_indices,
                                                      _random_samples)
    return (out, indices) if return_indices else out


class FractionalMaxPool3d(FractionalMaxPoolNd):
    """fractional_max_pool3d with fixed arguments; `_random_samples` (N, C, 3)."""

    dims = 3
    pool = staticmethod(fractional_max_pool3d)
