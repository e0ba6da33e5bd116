"""More activations with PyTorch's names, arguments and defaults, as functions and Modules:
hardtanh relu6 hardsigmoid hardswish mish selu celu glu softsign logsigmoid tanhshrink
softshrink hardshrink threshold, and one_hot. Each is a composite of primitive ops (clip,
where, exp, tanh, ...), so gradients of every order follow; at the kinks the gradient is
the one of the piece `where`/`clip` selects.

    hardtanh(x) = clip(x, min_val, max_val)        relu6(x) = clip(x, 0, 6)
    hardsigmoid(x) = clip(x / 6 + 1/2, 0, 1)       hardswish(x) = x hardsigmoid(x)
    mish(x) = x tanh(softplus(x))                  softsign(x) = x / (1 + |x|)
    selu(x) = scale (max(0, x) + min(0, alpha (e^x - 1))), PyTorch's alpha and scale
    celu(x) = max(0, x) + min(0, alpha (e^(x / alpha) - 1))
    glu(x) = a sigmoid(b), a and b the halves of x along dim
    logsigmoid(x) = -softplus(-x)                  tanhshrink(x) = x - tanh x
    softshrink(x) = x - lambd sign(x) where |x| > lambd, else 0
    hardshrink(x) = x where |x| > lambd, else 0    threshold(x) = x where x > t, else value
    gumbel_softmax(x) = softmax((x + G) / tau) along dim, G standard Gumbel draws; hard=True
        gives the one-hot of its argmax, with softmax's gradient (straight-through)
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..autograd.primitive import new_tensor
from ..errors import ArgumentError, ArgumentTypeError, DTypeError, ShapeError, names_errors
from ..keywords import one_axis
from ..tensor import Tensor, as_tensor, minimum, where
from .activations import _Activation, softplus
from .arguments import (
    factory_dtype,
    floating_input,
    layer_input,
    real_number,
    same_dtype,
    sizes,
)
from .init import random
from .module import Module, Parameter

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


@names_errors("hardtanh")
def hardtanh(input: Any, min_val: float = -1.0, max_val: float = 1.0,  # noqa: A002
             inplace: bool = False) -> Tensor:
    if min_val > max_val:
        raise ArgumentError(f"hardtanh: min_val ({min_val}) must not exceed max_val "
                            f"({max_val})")
    x = as_tensor(input)
    if x.dtype.kind == "b":
        raise DTypeError("hardtanh: not implemented for bool tensors (as PyTorch)")
    if x.dtype.kind in "iu":  # PyTorch's integer kernel: the bounds as integers, x's dtype
        return x.clip(int(min_val), int(max_val))
    # the gradient passes strictly inside (min, max): 0 at the bounds, as PyTorch's
    inside = (x._data > min_val) & (x._data < max_val)
    return where(inside, x, x.detach().clip(min_val, max_val))


@names_errors("relu6")
def relu6(input: Any, inplace: bool = False) -> Tensor:  # noqa: A002
    return hardtanh(input, 0.0, 6.0)


@names_errors("hardsigmoid")
def hardsigmoid(input: Any, inplace: bool = False) -> Tensor:  # noqa: A002
    """x / 6 + 1/2 clipped to [0, 1]; the gradient 1/6 strictly inside (-3, 3), 0 at the
    bounds too, as PyTorch's (hardswish's gradient there follows: 0 at -3, 1 at 3)."""
    x = floating_input("hardsigmoid", input)
    inside = (x._data > -3) & (x._data < 3)
    return where(inside, x / 6 + 0.5, (x.detach() / 6 + 0.5).clip(0.0, 1.0))


@names_errors("hardswish")
def hardswish(input: Any, inplace: bool = False) -> Tensor:  # noqa: A002
    x = floating_input("hardswish", input)
    return x * hardsigmoid(x)


@names_errors("mish")
def mish(input: Any, inplace: bool = False) -> Tensor:  # noqa: A002
    x = floating_input("mish", input)
    return x * softplus(x).tanh()


def _negative_part(x: Tensor, alpha: float, scale_in: float) -> Tensor:
    """alpha (e^(min(x, 0) scale_in) - 1): min(0, alpha (e^(x scale_in) - 1)) for alpha > 0,
    with e^ of the negative part only (nothing overflows)."""
    return (x.clip(None, 0.0) * scale_in).expm1() * alpha


@names_errors("selu")
def selu(input: Any, inplace: bool = False) -> Tensor:  # noqa: A002
    x = floating_input("selu", input)
    return (x.relu() + _negative_part(x, SELU_ALPHA, 1.0)) * SELU_SCALE


@names_errors("celu")
def celu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    if alpha == 0:
        raise ArgumentError("celu: alpha must be nonzero")
    x = floating_input("celu", input)
    return x.relu() + _negative_part(x, alpha, 1.0 / alpha)


@names_errors("glu")
def glu(input: Any, dim: int = -1) -> Tensor:  # noqa: A002
    x = floating_input("glu", input)
    if x.ndim:
        dim = one_axis("glu", x.ndim, None, dim)
    if x.ndim == 0 or x.shape[dim] % 2:
        raise ShapeError(f"glu: dim {dim} must have an even length, got shape {x.shape}")
    a, b = x.chunk(2, dim)
    return a * b.sigmoid()


@names_errors("softsign")
def softsign(input: Any) -> Tensor:  # noqa: A002
    x = as_tensor(input)
    return x / (x.abs() + 1)


@names_errors("logsigmoid")
def logsigmoid(input: Any) -> Tensor:  # noqa: A002
    """min(x, 0) - log(1 + e^-|x|), PyTorch's formula: -inf at -inf, no overflow."""
    x = floating_input("logsigmoid", input)
    return minimum(x, Tensor(np.zeros((), x.dtype))) - (-x.abs()).exp().log1p()


@names_errors("tanhshrink")
def tanhshrink(input: Any) -> Tensor:  # noqa: A002
    x = as_tensor(input)
    return x - x.tanh()


@names_errors("softshrink")
def softshrink(input: Any, lambd: float = 0.5) -> Tensor:  # noqa: A002
    if lambd < 0:
        raise ArgumentError(f"softshrink: lambd must be >= 0, got {lambd}")
    x = floating_input("softshrink", input)
    # x * 0 inside: a NaN stays NaN, as PyTorch's
    return where(x._data > lambd, x - lambd, where(x._data < -lambd, x + lambd, x * 0))


@names_errors("hardshrink")
def hardshrink(input: Any, lambd: float = 0.5) -> Tensor:  # noqa: A002
    x = floating_input("hardshrink", input)
    return where(~(np.abs(x._data) <= lambd), x, 0.0)  # a NaN stays NaN, as PyTorch's


@names_errors("threshold")
def threshold(input: Any, threshold: float, value: float,  # noqa: A002
              inplace: bool = False) -> Tensor:
    if isinstance(threshold, bool) or not isinstance(threshold, int | float | np.number):
        raise ArgumentTypeError(f"threshold: threshold must be a number, got "
                                f"{type(threshold).__name__} {threshold!r}")
    x = as_tensor(input)
    if x.dtype.kind in "iub":  # PyTorch keeps x's dtype: the value cast to it (1.5 -> 1)
        value = np.asarray(value).astype(x.dtype)
    return where(~(x._data <= threshold), x, value)  # a NaN stays NaN, as PyTorch's


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """int64 (*, num_classes) with a 1 at each index (num_classes -1: the largest + 1)."""
    idx = tensor._data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if idx.dtype != np.int64:  # PyTorch takes int64 (LongTensor) only
        raise DTypeError(f"one_hot: needs an int64 tensor of class indices, got dtype "
                         f"{idx.dtype}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int | np.integer) or \
            num_classes < -1:
        raise ArgumentError(f"one_hot: num_classes must be an int >= 0 (or -1: the largest "
                            f"class + 1), got {num_classes!r}")
    if not idx.size and num_classes <= 0:
        raise ArgumentError(f"one_hot: an empty tensor needs num_classes > 0 (as PyTorch: "
                            f"nothing to infer it from), got {num_classes}")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        raise ArgumentError(f"one_hot: class values must lie in [0, {num_classes}), got "
                            f"{idx.min()}..{idx.max()}")
    out = np.zeros(idx.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, idx[..., None].astype(np.int64), 1, axis=-1)
    return new_tensor(out)


def prelu(input: Any, weight: Any) -> Tensor:  # noqa: A002
    """max(0, x) + a min(0, x), a = weight: one slope (shape (1,) or ()) for every element
    or one per channel (dim 1 of (N, C, *); an input of fewer dims has one channel)."""
    a = as_tensor(weight)
    x = layer_input(input, a.dtype)
    if x.dtype.kind != "f":  # (PyTorch has no integer kernel)
        floating_input("prelu", x)
    same_dtype("prelu", x.dtype, weight=a)
    channels = x.shape[1] if x.ndim >= 2 else 1  # PyTorch: no channel dim below 2 dims
    slopes = a.numel()
    if a.ndim > 1 or slopes not in (1, channels):
        raise ShapeError(f"prelu: weight of shape {a.shape} must hold 1 slope or one per "
                         f"channel ({channels}) of the input of shape {x.shape}")
    if slopes == 1:
        a = a.reshape(())
    else:
        a = a.reshape((1, slopes) + (1,) * (x.ndim - 2))
    # a times x's negative part only: a * x where x > 0 would be an unused branch whose
    # gradient 0 * a is NaN for an infinite a (PyTorch's gradient there is 1)
    positive = x._data > 0
    return where(positive, x, a * where(positive, 0.0, x))


def gumbel_softmax(logits: Any, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """A differentiable sample of the categorical distribution softmax(logits) along dim:
    y = softmax((logits + G) / tau), G = -log(-log U) standard Gumbel noise (U uniform, from
    tg.default_generator: tg.manual_seed makes it reproducible); as tau -> 0, y tends to the
    one-hot of argmax(logits + G), a sample of that distribution. hard=True returns that
    one-hot in the forward pass, with y's gradient (y_hard - y.detach() + y). `eps` is
    accepted as PyTorch's (deprecated, unused there too)."""
    x = as_tensor(logits)
    if x.dtype.kind != "f":
        raise DTypeError(f"gumbel_softmax: logits must be floating, got dtype {x.dtype}")
    if real_number("gumbel_softmax", "tau", tau) <= 0:
        raise ArgumentError(f"gumbel_softmax: tau must be > 0, got {tau}")
    with np.errstate(divide="ignore"):  # U = 0 (probability 2^-53): G = -inf, weight 0
        gumbels = -np.log(-np.log(random(x.shape, None, "gumbel_softmax")))
    y = ((x + new_tensor(gumbels.astype(x.dtype))) / tau).softmax(dim)
    if not hard:
        return y
    if y.ndim == 0:  # one category: the one-hot is 1
        return new_tensor(np.ones_like(y._data)) - y.detach() + y
    if y.shape[dim] == 0:
        raise ShapeError(f"gumbel_softmax: hard=True takes the argmax along dim {dim}, which "
                         f"is empty in shape {y.shape}")
    index = np.expand_dims(np.argmax(y._data, axis=dim), dim)
    one_hot = np.zeros_like(y._data)
    np.put_along_axis(one_hot, index, 1.0, axis=dim)
    return new_tensor(one_hot) - y.detach() + y


class Hardtanh(_Activation):
    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None) -> None:
        super().__init__(inplace)
        # PyTorch's old spellings, with its FutureWarning
        if min_value is not None:
            warnings.warn("keyword argument `min_value` is deprecated and renamed to "
                          "`min_val`", FutureWarning, stacklevel=2)
            min_val = min_value
        if max_value is not None:
            warnings.warn("keyword argument `max_value` is deprecated and renamed to "
                          "`max_val`", FutureWarning, stacklevel=2)
            max_val = max_value
        if min_val > max_val:  # refused here, as PyTorch, not at the first call
            raise ArgumentError(f"Hardtanh: min_val ({min_val}) must not exceed max_val "
                                f"({max_val})")
        self.min_val, self.max_val = min_val, max_val

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + (
            ", inplace=True" if self.inplace else "")


class ReLU6(_Activation):
    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return relu6(input)


class Hardsigmoid(_Activation):
    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return hardsigmoid(input)

    def extra_repr(self) -> str:  # PyTorch's shows no inplace here
        return ""


class Hardswish(_Activation):
    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return hardswish(input)

    def extra_repr(self) -> str:  # PyTorch's shows no inplace here
        return ""


class Mish(_Activation):
    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return mish(input)


class SELU(_Activation):
    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return selu(input)


class CELU(_Activation):
    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.alpha = alpha

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return celu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GLU(Module):
    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class PReLU(Module):
    """max(0, x) + a min(0, x) with learned slopes a: one shared (num_parameters=1) or one
    per channel, initialised to `init`."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        sizes("PReLU", num_parameters=num_parameters)
        real_number("PReLU", "init", init)
        self.num_parameters, self.init = int(num_parameters), init
        self.weight = Parameter(np.full(self.num_parameters, init,
                                        factory_dtype("PReLU", device, dtype)))

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Softsign(Module):
    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return softsign(input)


class LogSigmoid(Module):
    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return logsigmoid(input)


class Tanhshrink(Module):
    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return tanhshrink(input)


class Softshrink(Module):
    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Hardshrink(Softshrink):
    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return hardshrink(input, self.lambd)


class Threshold(_Activation):
    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.threshold, self.value = threshold, value

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return threshold(input, self.threshold, self.value)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + (
            ", inplace=True" if self.inplace else "")
