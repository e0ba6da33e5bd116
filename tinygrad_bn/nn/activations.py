"""Activations, as functions and as Modules: relu, leaky_relu, elu, gelu (exact and tanh),
silu, softplus, softmax, log_softmax, Softmin and Softmax2d, plus Identity.

Every activation is a composite of primitive ops (its gradient and second derivative
follow from theirs); erf is one (ops/special.py: Erf), softmax and log_softmax are the
Tensor methods. Semantics and defaults are PyTorch's. `inplace=` is accepted where
PyTorch has it and changes nothing here: the result is a new tensor
either way (an in-place op would overwrite a value the graph needs).
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from typing import Any

import numpy as np

from ..errors import ArgumentError, ShapeError, names_errors
from ..tensor import Tensor, as_tensor, where
from .arguments import floating_input, resolve_axis
from .module import Module

__all__ = [
    "ELU", "GELU", "Identity", "LeakyReLU", "LogSoftmax", "ReLU", "SiLU", "Sigmoid", "Softmax",
    "Softmax2d", "Softmin", "Softplus", "Tanh", "elu", "erf", "gelu", "leaky_relu",
    "log1p_exp", "log_softmax", "relu", "sigmoid", "silu", "softmax", "softplus", "tanh",
]

@names_errors("erf")
def erf(x: Any) -> Tensor:
    """The error function, elementwise (Tensor.erf: integers in float32)."""
    return as_tensor(x).erf()


@names_errors("relu")
def relu(input: Any, inplace: bool = False) -> Tensor:  # noqa: A002
    """max(x, 0)."""
    return as_tensor(input).relu()


@names_errors("sigmoid")
def sigmoid(input: Any) -> Tensor:  # noqa: A002
    """1 / (1 + e^-x)."""
    return as_tensor(input).sigmoid()


@names_errors("tanh")
def tanh(input: Any) -> Tensor:  # noqa: A002
    """tanh x."""
    return as_tensor(input).tanh()


@names_errors("leaky_relu")
def leaky_relu(input: Any, negative_slope: float = 0.01,  # noqa: A002
               inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    x = floating_input("leaky_relu", input)
    return where(x._data > 0, x, x * negative_slope)


@names_errors("elu")
def elu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """x unless x <= 0 (NaN included, as PyTorch), alpha (e^x - 1) where x <= 0. The
    exponent is 0 outside x <= 0, so that the unused branch has no inf or NaN (which
    would turn its zero gradient into NaN)."""
    x = floating_input("elu", input)
    low = x._data <= 0
    return where(~low, x, (where(low, x, 0.0).exp() - 1.0) * alpha)


@names_errors("gelu")
def gelu(x: Any, approximate: str = "none") -> Tensor:
    """x Phi(x) with Phi the standard normal CDF: x/2 (1 + erf(x / sqrt 2)) (approximate=
    "none"), or PyTorch's tanh form x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    x = floating_input("gelu", x)
    if approximate == "none":
        inner = erf(x * (1.0 / math.sqrt(2.0)))
    elif approximate == "tanh":
        inner = ((x + x * x * x * 0.044715) * math.sqrt(2.0 / math.pi)).tanh()
    else:
        raise ArgumentError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return x * (inner + 1.0) * 0.5


@names_errors("silu")
def silu(input: Any, inplace: bool = False) -> Tensor:  # noqa: A002
    """x sigmoid(x) (also called swish)."""
    x = floating_input("silu", input)
    return x * x.sigmoid()


@names_errors("softplus")
def softplus(x: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (as PyTorch: there
    the two agree to float precision)."""
    x = floating_input("softplus", x)
    if beta == 0:
        raise ArgumentError("softplus: beta must be nonzero")
    z = x * beta
    above = z._data > threshold
    # the unused branch sees 0 above the threshold: log1p_exp(inf) is NaN, and a NaN there
    # would turn its zero gradient into NaN (elu guards its unused branch the same way)
    return where(above, x, log1p_exp(where(above, 0.0, z)) * (1.0 / beta))


def log1p_exp(x: Any) -> Tensor:
    """log(1 + e^x) = m + log(e^-m + e^(x - m)) with the constant m = max(x, 0): no exponent
    is positive, so nothing overflows, and the gradient is sigmoid(x) whatever m is.
    At x = +inf it is x itself (gradient 1, sigmoid's limit): there x - m is inf - inf,
    whose NaN the formula is kept from seeing (it gets 0 there, its branch unused)."""
    x = as_tensor(x)
    top = np.isposinf(x._data)
    if top.any():  # (a rare input: the common one pays one test)
        return where(top, x, log1p_exp(where(top, 0.0, x)))
    m = np.maximum(x._data, 0)
    return (Tensor(np.exp(-m)) + (x - Tensor(m)).exp()).log() + Tensor(m)


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _caller_level() -> int:
    """The `stacklevel` that makes a warning issued by the function calling this one point
    at the first frame outside tinygrad_bn (the user's line), however many of our frames
    lie between (a module's forward with or without hooks, F.softmin's own call)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level


def implicit_dim(op: str, x: Tensor, dim: Any) -> Any:
    """dim, or when it is None PyTorch's legacy choice for the softmaxes (dim 0 of a 0-, 1-
    or 3-d input, else dim 1) with its deprecation warning, at the user's line."""
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {op} has been deprecated. Change the call "
                  f"to include dim=X as an argument.", UserWarning, stacklevel=_caller_level())
    return 0 if x.ndim in (0, 1, 3) else 1


def log_softmax(input: Any, axis: int = -1, *, dim: int | None = None,  # noqa: A002
                _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """Tensor.log_softmax along `axis` or PyTorch's `dim`, x cast to `dtype` first when
    given. No dim: the last axis, as the charter (shared/design.md) spells F.log_softmax;
    PyTorch's implicit choice is its modules' (nn.LogSoftmax()), not this function's
    (docs/coming-from-pytorch.md). `_stacklevel` is PyTorch's, accepted and unused."""
    return as_tensor(input).log_softmax(resolve_axis("log_softmax", axis, dim, -1), dtype)


def softmax(input: Any, axis: int = -1, *, dim: int | None = None,  # noqa: A002
            _stacklevel: int = 3, dtype: Any = None) -> Tensor:
    """Tensor.softmax along `axis` or PyTorch's `dim`, x cast to `dtype` first when given.
    No dim: the last axis, as the charter (shared/design.md) spells F.softmax; PyTorch's
    implicit choice is its modules' (nn.Softmax()), not this function's
    (docs/coming-from-pytorch.md). `_stacklevel` is PyTorch's, accepted and unused."""
    return as_tensor(input).softmax(resolve_axis("softmax", axis, dim, -1), dtype)


# ------------------------------------------------------------------ modules

class Identity(Module):
    """Returns its input unchanged (constructor arguments are accepted and ignored)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Tensor:
        return as_tensor(input)


class _Activation(Module):
    """An elementwise activation with PyTorch's (ignored) `inplace` flag."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ReLU(_Activation):
    """max(x, 0)."""

    def forward(self, input: Any) -> Tensor:
        # a Tensor straight to its method: F.relu's layers (error naming, conversion)
        # have nothing to do for one
        return input.relu() if type(input) is Tensor else relu(input)


class Sigmoid(Module):
    """1 / (1 + e^-x)."""

    def forward(self, input: Any) -> Tensor:
        return sigmoid(input)


class Tanh(Module):
    """tanh x."""

    def forward(self, input: Any) -> Tensor:
        return tanh(input)


class SiLU(_Activation):
    """x sigmoid(x)."""

    def forward(self, input: Any) -> Tensor:
        return silu(input)


class LeakyReLU(_Activation):
    """x for x > 0, negative_slope * x otherwise."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.negative_slope = negative_slope

    def forward(self, input: Any) -> Tensor:
        return leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(_Activation):
    """x for x > 0, alpha (e^x - 1) otherwise."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.alpha = alpha

    def forward(self, input: Any) -> Tensor:
        return elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """x Phi(x), exact (approximate="none") or by PyTorch's tanh formula ("tanh")."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ArgumentError(f"GELU: approximate must be 'none' or 'tanh', got "
                                f"{approximate!r}")
        self.approximate = approximate

    def forward(self, input: Any) -> Tensor:
        return gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """log(1 + e^(beta x)) / beta, linear above the threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        if beta == 0:
            raise ArgumentError("Softplus: beta must be nonzero")
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Any) -> Tensor:
        return softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class _SoftmaxBase(Module):
    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def _axis(self, x: Tensor) -> int:
        """dim, or PyTorch's legacy choice when it is None, with its warning (pointing at
        the line calling the module)."""
        op = type(self).__name__.lower().replace("log", "log_")
        return implicit_dim(op, x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_SoftmaxBase):
    """softmax along `dim`."""

    def forward(self, input: Any) -> Tensor:
        input = as_tensor(input)
        return softmax(input, self._axis(input))


class LogSoftmax(_SoftmaxBase):
    """log_softmax along `dim`."""

    def forward(self, input: Any) -> Tensor:
        input = as_tensor(input)
        return log_softmax(input, self._axis(input))


class Softmin(_SoftmaxBase):
    """softmax(-x) along `dim`: the smallest entries get the largest weights."""

    def forward(self, input: Any) -> Tensor:
        input = as_tensor(input)
        return softmax(-input, self._axis(input))


class Softmax2d(Module):
    """softmax over the channels of each position: dim -3 of (N, C, H, W) or (C, H, W)."""

    def forward(self, input: Any) -> Tensor:
        input = as_tensor(input)
        if input.ndim not in (3, 4):
            raise ShapeError(f"Softmax2d: expected input of shape (N, C, H, W) or (C, H, W), "
                             f"got {input.shape}")
        return softmax(input, -3)
