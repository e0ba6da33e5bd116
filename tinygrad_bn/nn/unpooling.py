"""Max unpooling, PyTorch's max_unpool1d/2d/3d and MaxUnpool1d/2d/3d: the partial inverse of
max pooling. Each input value is written at its index (flattened over the spatial axes, as
max pooling's return_indices gives it) in an output of zeros:

    y.flatten(2)[n, c, indices[n, c, j]] = x.flatten(2)[n, c, j]

so the gradient in x gathers the upstream gradient at the indices (every input value
written to one cell gets that cell's gradient, as PyTorch's backward). The default output size
per axis is (n - 1) s - 2p + k, the input size of the pooling that made the indices.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import DTypeError, IndexOutOfRange, ShapeError, names_errors
from ..tensor import Tensor, as_tensor
from .conv_layers import _tuple
from .module import Module


def _unpool(op: str, dims: int, input: Any, indices: Any, kernel_size: Any,  # noqa: A002
            stride: Any, padding: Any, output_size: Any) -> Tensor:
    x, index = as_tensor(input), as_tensor(indices)
    kernel = _tuple(op, "kernel_size", kernel_size, dims, 1)
    stride = kernel if stride is None else _tuple(op, "stride", stride, dims, 1)
    padding = _tuple(op, "padding", padding, dims, 0)
    if x.ndim not in (dims + 1, dims + 2):
        raise ShapeError(f"{op}: input must be (N, C, {dims} spatial axes) or (C, {dims} "
                         f"spatial axes), got shape {x.shape}")
    if index.shape != x.shape:
        raise ShapeError(f"{op}: indices must have the input's shape {x.shape}, got "
                         f"{index.shape}")
    if index.dtype.kind not in "iu":
        raise DTypeError(f"{op}: indices must be integers (int64 from max pooling), got dtype "
                         f"{index.dtype}")
    single = x.ndim == dims + 1
    if single:
        x, index = x.unsqueeze(0), index.unsqueeze(0)
    spatial = tuple(x.shape[2:])
    if output_size is None:
        sizes = tuple((n - 1) * s - 2 * p + k
                      for n, s, p, k in zip(spatial, stride, padding, kernel))
    else:
        sizes = _tuple(op, "output_size", list(output_size)[-dims:], dims, 0)
        defaults = [(n - 1) * s - 2 * p + k for n, s, p, k in zip(spatial, stride, padding,
                                                                 kernel)]
        for size, default, s in zip(sizes, defaults, stride):
            if not default - s < size < default + s:
                raise ShapeError(f"{op}: output_size {tuple(output_size)} is not reachable "
                                 f"from input {tuple(spatial)}: each size must be within "
                                 f"{tuple(stride)} of {tuple(defaults)}")
    if min(sizes) < 1:
        raise ShapeError(f"{op}: the output would have size {sizes} for input {x.shape}, "
                         f"kernel_size {kernel}, stride {stride}, padding {padding}")
    n, c = x.shape[:2]
    total = int(np.prod(sizes))
    flat = index._data.reshape(n, c, -1)
    if flat.size and (flat.min() < 0 or flat.max() >= total):
        raise IndexOutOfRange(f"{op}: indices must lie in [0, {total}) for the output "
                                   f"size {sizes}, found {int(flat.min())} .. "
                                   f"{int(flat.max())}")
    zeros = Tensor(np.zeros((n, c, total), dtype=x.dtype))
    # (overlapping pooling windows can pick one cell twice: scatter writes one of them and
    # gives each the cell's gradient, as PyTorch's)
    y = zeros.scatter(-1, flat.astype(np.int64), x.reshape(n, c, flat.shape[-1]))
    y = y.reshape(n, c, *sizes)
    return y.squeeze(0) if single else y


@names_errors("max_unpool1d")
def max_unpool1d(input: Any, indices: Any, kernel_size: Any, stride: Any = None,  # noqa: A002
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """Max unpooling of (N, C, L) or (C, L) input with max_pool1d's indices."""
    return _unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding,
                   output_size)


@names_errors("max_unpool2d")
def max_unpool2d(input: Any, indices: Any, kernel_size: Any, stride: Any = None,  # noqa: A002
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """Max unpooling of (N, C, H, W) or (C, H, W) input with max_pool2d's indices."""
    return _unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding,
                   output_size)


@names_errors("max_unpool3d")
def max_unpool3d(input: Any, indices: Any, kernel_size: Any, stride: Any = None,  # noqa: A002
                 padding: Any = 0, output_size: Any = None) -> Tensor:
    """Max unpooling of (N, C, D, H, W) or (C, D, H, W) input with max_pool3d's indices."""
    return _unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding,
                   output_size)


class _MaxUnpoolNd(Module):
    """The layer of max_unpool{dims}d: kernel_size, stride (default: kernel_size), padding
    kept as tuples (PyTorch's repr); forward(input, indices, output_size=None)."""

    dims = 1

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        name, n = type(self).__name__, self.dims
        self.kernel_size = _tuple(name, "kernel_size", kernel_size, n, 1)
        self.stride = self.kernel_size if stride is None else _tuple(name, "stride", stride,
                                                                     n, 1)
        self.padding = _tuple(name, "padding", padding, n, 0)

    def forward(self, input: Any, indices: Any, output_size: Any = None) -> Tensor:  # noqa: A002
        return _unpool(type(self).__name__, self.dims, input, indices, self.kernel_size,
                       self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """max_unpool1d with fixed arguments."""

    dims = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """max_unpool2d with fixed arguments."""

    dims = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """max_unpool3d with fixed arguments."""

    dims = 3
