"""Power-average pooling, PyTorch's lp_pool1d/2d/3d and LPPool1d/2d/3d: over each window
(no padding),

    y = (sum_window x^p)^(1/p)

computed as PyTorch does, from average pooling of x^p times the window's cell count, with
sign(s) relu(|s|) in front of the root (so the gradient of every order is average
pooling's and the powers'). p = inf is max pooling in the limit; PyTorch computes it with
the same formula, as here. A partial window of ceil_mode is still multiplied by the full
cell count (PyTorch's).
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import names_errors
from ..tensor import Tensor, as_tensor
from .activations import relu
from .arguments import real_number
from .conv_layers import _tuple
from .module import Module
from .pooling import avg_pool2d
from .pooling3d import avg_pool3d
from .pooling_extra import avg_pool1d

_AVERAGES = (avg_pool1d, avg_pool2d, avg_pool3d)


def _lp_pool(op: str, dims: int, input: Any, norm_type: Any, kernel_size: Any,  # noqa: A002
             stride: Any, ceil_mode: bool) -> Tensor:
    p = float(real_number(op, "norm_type", norm_type))
    kernel = _tuple(op, "kernel_size", kernel_size, dims, 1)
    stride = kernel if stride is None else _tuple(op, "stride", stride, dims, 1)
    powered = as_tensor(input) ** p
    sums = _AVERAGES[dims - 1](powered, kernel, stride, 0, ceil_mode) * math.prod(kernel)
    return (sums.sign() * relu(sums.abs())) ** (1.0 / p)


@names_errors("lp_pool1d")
def lp_pool1d(input: Any, norm_type: Any, kernel_size: Any, stride: Any = None,  # noqa: A002
              ceil_mode: bool = False) -> Tensor:
    """(sum over each window of x^p)^(1/p) on (N, C, L) or (C, L)."""
    return _lp_pool("lp_pool1d", 1, input, norm_type, kernel_size, stride, ceil_mode)


@names_errors("lp_pool2d")
def lp_pool2d(input: Any, norm_type: Any, kernel_size: Any, stride: Any = None,  # noqa: A002
              ceil_mode: bool = False) -> Tensor:
    """(sum over each window of x^p)^(1/p) on (N, C, H, W) or (C, H, W)."""
    return _lp_pool("lp_pool2d", 2, input, norm_type, kernel_size, stride, ceil_mode)


@names_errors("lp_pool3d")
def lp_pool3d(input: Any, norm_type: Any, kernel_size: Any, stride: Any = None,  # noqa: A002
              ceil_mode: bool = False) -> Tensor:
    """(sum over each window of x^p)^(1/p) on (N, C, D, H, W) or (C, D, H, W)."""
    return _lp_pool("lp_pool3d", 3, input, norm_type, kernel_size, stride, ceil_mode)


_LP_POOLS = (lp_pool1d, lp_pool2d, lp_pool3d)


class _LPPoolNd(Module):
    """The layer of lp_pool{dims}d; the arguments kept as given (PyTorch's repr)."""

    dims = 1

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        name = type(self).__name__
        real_number(name, "norm_type", norm_type)
        _tuple(name, "kernel_size", kernel_size, self.dims, 1)
        if stride is not None:
            _tuple(name, "stride", stride, self.dims, 1)
        self.norm_type, self.kernel_size, self.stride = norm_type, kernel_size, stride
        self.ceil_mode = ceil_mode

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return _LP_POOLS[self.dims - 1](input, self.norm_type, self.kernel_size, self.stride,
                                        self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """lp_pool1d with fixed arguments."""

    dims = 1


class LPPool2d(_LPPoolNd):
    """lp_pool2d with fixed arguments."""

    dims = 2


class LPPool3d(_LPPoolNd):
    """lp_pool3d with fixed arguments."""

    dims = 3
