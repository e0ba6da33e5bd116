"""PyTorch's in-place activation functions (F.relu_, elu_, leaky_relu_, hardtanh_, threshold_,
celu_, selu_, rrelu_), F.softmin, and the randomized leaky ReLU (F.rrelu, nn.RReLU).

The in-place functions write their input, as the Tensor's in-place methods do
(`Tensor._write`: the write is recorded in the graph and counted by the version counter, and
a leaf that requires grad is refused, as PyTorch's). The `inplace=` flag of the out-of-place
functions and layers is accepted and ignored (nn/activations.py).

rrelu: x for x >= 0, a x below, a drawn uniformly from [lower, upper] per element in training
mode and (lower + upper) / 2 otherwise; the gradient is 1 or a, a held constant.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError, names_errors
from ..seeding import generator as numpy_generator
from ..tensor import Tensor, as_tensor, where
from .activations import elu, implicit_dim, leaky_relu, softmax
from .activations_extra import celu, hardtanh, selu, threshold
from .arguments import floating_input
from .module import Module

__all__ = ["RReLU", "celu_", "elu_", "hardtanh_", "leaky_relu_", "relu_", "rrelu", "rrelu_",
           "selu_", "softmin", "threshold_"]


def _target(op: str, input: Any) -> Tensor:  # noqa: A002
    if not isinstance(input, Tensor):
        raise ArgumentTypeError(f"{op}: writes its input in place, so it needs a Tensor, got "
                                f"{type(input).__name__}")
    return input


def relu_(input: Tensor) -> Tensor:  # noqa: A002
    """max(x, 0), written into x."""
    return _target("relu_", input).relu_()


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """elu(x, alpha), written into x."""
    return _target("elu_", input)._write("elu_", lambda t: elu(t, alpha))


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:  # noqa: A002
    """leaky_relu(x, negative_slope), written into x."""
    return _target("leaky_relu_", input)._write("leaky_relu_",
                                                lambda t: leaky_relu(t, negative_slope))


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:  # noqa: A002
    """hardtanh(x, min_val, max_val), written into x."""
    return _target("hardtanh_", input)._write("hardtanh_",
                                              lambda t: hardtanh(t, min_val, max_val))


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: A002
    """threshold(x, threshold, value), written into x."""
    limit = threshold
    return _target("threshold_", input)._write(
        "threshold_", lambda t: _threshold(t, limit, value))


_threshold = threshold  # the parameter `threshold` of threshold_ shadows the function


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """celu(x, alpha), written into x."""
    return _target("celu_", input)._write("celu_", lambda t: celu(t, alpha))


def selu_(input: Tensor) -> Tensor:  # noqa: A002
    """selu(x), written into x."""
    return _target("selu_", input)._write("selu_", selu)


@names_errors("softmin")
def softmin(input: Any, dim: int | None = None, _stacklevel: int = 3,  # noqa: A002
            dtype: Any = None) -> Tensor:
    """softmax(-x) along dim; dim None: PyTorch's legacy choice (axis 0 for 0-, 1- and 3-d
    input, else 1), with its warning at the caller's line (`_stacklevel`: PyTorch's,
    accepted; the line is found by implicit_dim)."""
    x = as_tensor(input)
    return softmax(-x, dim=implicit_dim("softmin", x, dim), dtype=dtype)


def _check_bounds(op: str, lower: Any, upper: Any) -> None:
    for name, value in (("lower", lower), ("upper", upper)):
        if isinstance(value, bool) or not isinstance(value, int | float | np.number):
            raise ArgumentTypeError(f"{op}: {name} must be a number, got {value!r}")
    if lower > upper:
        raise ArgumentError(f"{op}: lower ({lower}) must not exceed upper ({upper})")


def _slopes(x: Tensor, lower: float, upper: float, training: bool) -> Any:
    if not training:
        return (lower + upper) / 2
    draws = numpy_generator(None, "rrelu").uniform(lower, upper, size=x.shape)
    return Tensor(draws.astype(x.dtype))


def rrelu(input: Any, lower: float = 1.0 / 8, upper: float = 1.0 / 3,  # noqa: A002
          training: bool = False, inplace: bool = False) -> Tensor:
    """x for x >= 0, a x below (see the module docstring); `inplace` is ignored, as by the
    other activations."""
    _check_bounds("rrelu", lower, upper)
    x = floating_input("rrelu", input)  # (at 0 the gradient is the slope, as PyTorch's)
    return where(x._data > 0, x, x * _slopes(x, lower, upper, training))


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,  # noqa: A002
           training: bool = False) -> Tensor:
    """rrelu, written into x."""
    _check_bounds("rrelu_", lower, upper)
    return _target("rrelu_", input)._write("rrelu_",
                                           lambda t: rrelu(t, lower, upper, training))


class RReLU(Module):
    """The randomized leaky ReLU: slopes drawn from [lower, upper] in training mode, their
    mean in eval mode."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                 inplace: bool = False) -> None:
        super().__init__()
        _check_bounds("RReLU", lower, upper)
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return rrelu(input, self.lower, self.upper, self.training)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace
                                                            else "")
