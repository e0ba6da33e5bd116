"""Layers: Linear, pooling, Flatten and Dropout, as Modules (convolutions: conv_layers.py;
activations: activations.py).

Each layer checks its input's shape and names itself (with its repr) in the
error, so a mistake deep inside a Sequential points at the right layer. The
default initialisation is PyTorch's: weights from kaiming_uniform_ with
a = sqrt(5), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and biases from the same
interval.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..allocation import empty
from ..errors import ArgumentTypeError, ShapeError
from ..tensor import Tensor, as_tensor
from . import functional as F
from . import init
from .arguments import factory_dtype, int_pair, probability, sizes
from .convolution import IntPair
from .module import Module, Parameter


class Linear(Module):
    """y = x W^T + b, W of shape (out_features, in_features), b (out_features,)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        sizes("Linear", in_features=in_features, out_features=out_features)
        dtype = factory_dtype("Linear", device, dtype)
        self.in_features, self.out_features = int(in_features), int(out_features)
        op = f"Linear({in_features}, {out_features})"
        self.weight = Parameter(empty(f"{op} weight", (out_features, in_features), dtype))
        self.register_parameter(
            "bias", Parameter(empty(f"{op} bias", (out_features,), dtype)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: weight and bias in U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_features) if self.in_features else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Any) -> Tensor:
        params = self._parameters  # one dict lookup each, not Module.__getattr__
        try:
            weight, bias = params["weight"], params["bias"]
        except KeyError:  # a parametrized tensor (nn.utils.parametrize) is a property
            weight, bias = self.weight, self.bias
        try:  # F.linear checks the shapes once (a try costs nothing until it raises)
            return F.linear(input, weight, bias)
        except ShapeError:
            shape = np.shape(input._data if isinstance(input, Tensor) else input)
            if not shape or shape[-1] != self.in_features:  # the input's fault: say whose
                raise ShapeError(f"{self!r}: expected input of shape (..., "
                                 f"{self.in_features}), got {shape}") from None
            raise

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class _Pool2d(Module):
    """Shared arguments of the pooling layers: kernel_size, stride (default: the kernel),
    padding, ceil_mode; the functions check the geometry against the input."""

    def __init__(self, kernel_size: IntPair, stride: IntPair | None = None,
                 padding: IntPair = 0, ceil_mode: bool = False) -> None:
        super().__init__()
        name = type(self).__name__
        int_pair(name, "kernel_size", kernel_size, 1, expand_one=True)
        int_pair(name, "padding", padding, 0, expand_one=True)
        if stride is not None:
            int_pair(name, "stride", stride, 1, expand_one=True)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.ceil_mode = padding, bool(ceil_mode)

    def _check(self, x: Any) -> Tensor:
        x = as_tensor(x)
        if x.ndim not in (3, 4):
            raise ShapeError(f"{self!r}: expected input of shape (N, C, H, W) or (C, H, W), "
                             f"got {x.shape}")
        return x

    def extra_repr(self) -> str:  # AvgPool2d's, PyTorch's: no ceil_mode
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """Maximum over each window (padding with -inf); see `F.max_pool2d`."""

    def __init__(self, kernel_size: IntPair, stride: IntPair | None = None,
                 padding: IntPair = 0, dilation: IntPair = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        int_pair("MaxPool2d", "dilation", dilation, 1, expand_one=True)
        self.dilation, self.return_indices = dilation, bool(return_indices)

    def forward(self, input: Any) -> Any:
        input = self._check(input)
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
                f", dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(_Pool2d):
    """Mean over each window (zero padding counted unless count_include_pad=False); see
    `F.avg_pool2d`."""

    def __init__(self, kernel_size: IntPair, stride: IntPair | None = None,
                 padding: IntPair = 0, ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad, self.divisor_override = bool(count_include_pad), divisor_override

    def forward(self, input: Any) -> Tensor:
        input = self._check(input)
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class Flatten(Module):
    """Merge dims start_dim..end_dim into one (by default all but the batch dim)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        for name, dim in (("start_dim", start_dim), ("end_dim", end_dim)):
            if not isinstance(dim, int | np.integer) or isinstance(dim, bool):
                raise ArgumentTypeError(f"Flatten: {name} must be an int, got "
                                        f"{type(dim).__name__} {dim!r}")
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, input: Any) -> Tensor:
        return as_tensor(input).flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Inverted dropout with probability p in training mode; the identity in eval mode."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = probability("Dropout", p)
        self.inplace = inplace  # PyTorch's flag; the result is computed out of place

    def forward(self, input: Any) -> Tensor:
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
