"""Adaptive average pooling: an output of a fixed size whatever the input's size."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor, as_tensor
from .arguments import int_pair
from .module import Module


def _bin_means(n_in: int, n_out: int, dtype: np.dtype) -> np.ndarray:
    """The (n_out, n_in) matrix whose row i averages the inputs floor(i n_in / n_out) ..
    ceil((i + 1) n_in / n_out) - 1: PyTorch's bins (they overlap when n_out does not
    divide n_in)."""
    matrix = np.zeros((n_out, n_in), dtype=dtype)
    for i in range(n_out):
        start, stop = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
        matrix[i, start:stop] = 1.0 / (stop - start)
    return matrix


def adaptive_avg_pool2d(x: Any, output_size: Any) -> Tensor:
    """Mean over PyTorch's adaptive bins of (N, C, H, W) or (C, H, W) input, as two
    matrix products y = A_h x A_w^T with the bin-averaging matrices A (so the gradient is
    A_h^T g A_w). An output size of None keeps that input size."""
    x = as_tensor(x)
    if x.ndim not in (3, 4):
        raise ShapeError(f"adaptive_avg_pool2d: expected input of shape (N, C, H, W) or "
                         f"(C, H, W), got {x.shape}")
    h, w = x.shape[-2:]
    sizes = output_size if isinstance(output_size, tuple | list) else (output_size,) * 2
    sizes = tuple(s if s is not None else d for s, d in zip(sizes, (h, w)))
    out_h, out_w = int_pair("adaptive_avg_pool2d", "output_size", sizes, 1)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    rows, cols = Tensor(_bin_means(h, out_h, dtype)), Tensor(_bin_means(w, out_w, dtype).T)
    return rows @ x.astype(dtype) @ cols if x.dtype != dtype else rows @ x @ cols


class AdaptiveAvgPool2d(Module):
    """adaptive_avg_pool2d to `output_size` (an int, a pair, or None entries to keep)."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Any) -> Tensor:
        return adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
