"""Local response normalisation (Krizhevsky et al. 2012, AlexNet), PyTorch's
F.local_response_norm and nn.LocalResponseNorm: each channel c of (N, C, *) divided by the
activity of its `size` neighbouring channels,

    b_c = a_c / (k + alpha / size * sum_{c' = c - size//2}^{c + (size-1)//2} a_{c'}^2)^beta,

channels outside [0, C) counting as zeros (the sum is always divided by size, as PyTorch's
average pool over the zero-padded channels). A composite of Tensor ops.
"""

from __future__ import annotations

from typing import Any

from ..errors import ArgumentError, ShapeError
from ..tensor import Tensor, as_tensor
from .arguments import positive_ints
from .module import Module

__all__ = ["LocalResponseNorm", "local_response_norm"]


def local_response_norm(input: Any, size: int, alpha: float = 1e-4,  # noqa: A002
                        beta: float = 0.75, k: float = 1.0) -> Tensor:
    """b_c = a_c / (k + alpha / size * (window sum of a^2))^beta over the channels."""
    x = as_tensor(input)
    positive_ints("local_response_norm", size=size)
    if x.ndim < 3:
        raise ShapeError(f"local_response_norm: expected an input of 3 or more dims (N, C, *), "
                         f"got shape {x.shape}")
    if x.shape[1] == 0:
        return x
    c = x.shape[1]
    squares = x * x
    widths = [(0, 0)] * x.ndim
    widths[1] = (size // 2, (size - 1) // 2)
    padded = squares.pad(widths, value=0.0)
    window = padded[:, 0:c]
    for offset in range(1, size):
        window = window + padded[:, offset:offset + c]
    return x / (window * (alpha / size) + k) ** beta


class LocalResponseNorm(Module):
    """local_response_norm with fixed size, alpha, beta and k."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        positive_ints("LocalResponseNorm", size=size)
        for name, value in (("alpha", alpha), ("beta", beta), ("k", k)):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ArgumentError(f"LocalResponseNorm: {name} must be a number, got "
                                    f"{value!r}")
        self.size, self.alpha, self.beta, self.k = int(size), alpha, beta, k

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
