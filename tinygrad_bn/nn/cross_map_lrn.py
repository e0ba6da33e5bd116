"""PyTorch's nn.CrossMapLRN2d, the legacy (Lua torch) local response normalisation over
channels of (N, C, H, W) input:

    y_c = x_c (k + alpha / size * sum_{j in W(c)} x_j^2)^(-beta),

with PyTorch's windows W(c) exactly as its running-sum kernel builds them (p =
(size - 1) // 2 + 1): channels max(0, c - p + 1) .. min(C - 1, c + p - 1), and channel 0 as
well for every c >= p (its kernel never subtracts channel 0's square; nn.LocalResponseNorm
is the centred window). A composite of Tensor ops (the window sums are one product with a
0/1 matrix), so its gradient is the derivative of this forward. PyTorch's own backward is
not (its gradcheck fails for every size; for size 1 it raises): the gradients here are the
true ones and differ from PyTorch's, the values are PyTorch's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor, as_tensor
from .arguments import positive_ints
from .module import Module

__all__ = ["CrossMapLRN2d"]


def _windows(channels: int, size: int) -> np.ndarray:
    """M (C, C): M[c, j] = 1 when channel j's square counts for channel c."""
    p = (size - 1) // 2 + 1
    c = np.arange(channels)[:, None]
    j = np.arange(channels)[None, :]
    inside = (j >= c - p + 1) & (j <= c + p - 1)
    return (inside | ((j == 0) & (c >= p))).astype(np.float64)


class CrossMapLRN2d(Module):
    """y_c = x_c (k + alpha / size * sum_{j in W(c)} x_j^2)^(-beta) (see the module)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1) -> None:
        super().__init__()
        positive_ints("CrossMapLRN2d", size=size)
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        x = as_tensor(input)
        if x.ndim != 4:
            raise ShapeError(f"CrossMapLRN2d: Expected input to be 4D (N, C, H, W), got "
                             f"{x.ndim}D instead (shape {x.shape})")
        windows = Tensor(_windows(x.shape[1], self.size).astype(x.dtype))
        sums = ((x * x).permute(0, 2, 3, 1) @ windows.T).permute(0, 3, 1, 2)
        return x * (sums * (self.alpha / self.size) + self.k) ** (-self.beta)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
