"""Parameter initialisation, in place on the tensor's array (no graph is recorded).

Randomness: every function that draws numbers (here, and `F.dropout`) takes PyTorch's
optional `generator=` (a `tg.Generator` or a `np.random.Generator`); without one it
draws from `tg.default_generator` (tinygrad_bn/seeding.py), which `tg.manual_seed(seed)`
seeds. So a script that calls `tg.manual_seed(0)` first builds and trains reproducibly,
and a test can pass its own generator without touching the global state.

Fans of a weight of shape (out, in, *kernel): fan_in = in * prod(kernel),
fan_out = out * prod(kernel), as in PyTorch (Linear (out, in), conv OIHW).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..data_array import DataArray
from ..errors import ArgumentError, ArgumentTypeError, DTypeError, ShapeError
from ..recording import replay_as_call
from ..seeding import generator as numpy_generator
from ..seeding import manual_seed  # noqa: F401 (public here too)
from ..tensor import Tensor


@replay_as_call  # tg.compile draws afresh on every replay (tinygrad_bn/recording.py)
def random(shape: tuple[int, ...], generator: Any = None, op: str = "random") -> np.ndarray:
    """Uniform draws in [0, 1) of `shape` from `generator`, else from the default generator
    (read at the moment of the call)."""
    return numpy_generator(generator, op).random(shape)


def _target(op: str, tensor: Tensor) -> np.ndarray:
    if isinstance(tensor, DataArray):  # a tensor's .data, as PyTorch code passes it
        array = tensor.view(np.ndarray)
    elif isinstance(tensor, Tensor):
        array = tensor._data
    else:
        raise ArgumentTypeError(f"{op}: expects a Tensor (e.g. a Parameter) or its .data, got "
                                f"{type(tensor).__name__}")
    if array.dtype.kind != "f":
        raise DTypeError(f"{op}: needs a floating tensor, got dtype {array.dtype}")
    return array


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel)."""
    if len(shape) < 2:
        raise ShapeError(f"fans: need a weight with at least 2 dims (out, in, ...), got shape "
                         f"{shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain that keeps activations' variance through `nonlinearity`: 1 for linear, the
    convolutions (conv1d/2d/3d, conv_transpose1d/2d/3d) and sigmoid, 5/3 for tanh, sqrt(2)
    for relu, sqrt(2 / (1 + a^2)) for leaky_relu with negative slope a (default 0.01), 3/4
    for selu (PyTorch's choice for self-normalising networks)."""
    if nonlinearity in _UNIT_GAIN:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "selu":
        return 3.0 / 4.0
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, int | float) and not isinstance(param, bool):
            slope = param
        else:
            raise ArgumentError(f"calculate_gain: negative_slope {param!r} is not a valid "
                                f"number (leaky_relu takes an int or a float)")
        return math.sqrt(2.0 / (1.0 + slope**2))
    raise ArgumentError(f"calculate_gain: unknown nonlinearity {nonlinearity!r} (known: "
                        f"{', '.join(_UNIT_GAIN)}, tanh, relu, leaky_relu, selu)")


_UNIT_GAIN = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid")


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0,
             generator: Any = None) -> Tensor:
    """Fill with draws from U(a, b)."""
    data = _target("uniform_", tensor)
    if not a <= b:
        raise ArgumentError(f"uniform_: needs a <= b, got a={a}, b={b}")
    data[...] = numpy_generator(generator, "uniform_").uniform(a, b, size=data.shape)
    return tensor


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: Any = None) -> Tensor:
    """Fill with draws from N(mean, std^2)."""
    data = _target("normal_", tensor)
    if not std >= 0:
        raise ArgumentError(f"normal_: std must be >= 0, got {std}")
    data[...] = numpy_generator(generator, "normal_").normal(mean, std, size=data.shape)
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0."""
    _target("zeros_", tensor)[...] = 0
    return tensor


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    _target("ones_", tensor)[...] = 1
    return tensor


def _fan(op: str, tensor: Tensor, mode: str) -> int:
    fan_in, fan_out = fans(tensor.shape)
    if mode not in ("fan_in", "fan_out"):
        raise ArgumentError(f"{op}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:
        raise ShapeError(f"{op}: a weight of shape {tensor.shape} has {mode} 0")
    return fan


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """PyTorch's private helper, which layers' `reset_parameters` copied from PyTorch call:
    (fan_in, fan_out) of a weight of shape (out, in, *kernel)."""
    return fans(tuple(tensor.shape))


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    """PyTorch's private helper: fan_in or fan_out of `tensor` by `mode` (0 for an empty
    dimension, as PyTorch's)."""
    if mode not in ("fan_in", "fan_out"):
        raise ArgumentError(f"_calculate_correct_fan: mode must be 'fan_in' or 'fan_out', got "
                            f"{mode!r}")
    fan_in, fan_out = fans(tuple(tensor.shape))
    return fan_in if mode == "fan_in" else fan_out


def _zero_element(op: str, tensor: Tensor) -> Tensor:
    """A tensor without elements (a zero-size layer's weight, nn.Linear(8, 0)) has no fan to
    scale by: left as it is, with PyTorch's warning."""
    _target(op, tensor)
    warnings.warn(f"{op}: initializing zero-element tensors is a no-op (shape "
                  f"{tuple(tensor.shape)})", UserWarning, stacklevel=3)
    return tensor


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu",
                     generator: Any = None) -> Tensor:
    """He initialisation: U(-bound, bound) with bound = gain * sqrt(3 / fan), so the
    variance is gain^2 / fan. (a = sqrt(5) gives PyTorch's Linear/Conv default,
    bound = 1 / sqrt(fan_in).)"""
    if 0 in tensor.shape:
        return _zero_element("kaiming_uniform_", tensor)
    fan = _fan("kaiming_uniform_", tensor, mode)
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu",
                    generator: Any = None) -> Tensor:
    """He initialisation: N(0, std^2) with std = gain / sqrt(fan)."""
    if 0 in tensor.shape:
        return _zero_element("kaiming_normal_", tensor)
    fan = _fan("kaiming_normal_", tensor, mode)
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan), generator)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0,
                    generator: Any = None) -> Tensor:
    """Glorot initialisation: U(-bound, bound) with bound = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(tensor.shape)
    bound = gain * math.sqrt(6.0 / max(fan_in + fan_out, 1))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0,
                   generator: Any = None) -> Tensor:
    """Glorot initialisation: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(tensor.shape)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / max(fan_in + fan_out, 1)), generator)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with `val`."""
    _target("constant_", tensor)[...] = val
    return tensor


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: Any = None) -> Tensor:
    """Fill with draws from N(mean, std^2) conditioned on [a, b] (absolute bounds, as in
    PyTorch): draws outside are redrawn until every value lies inside."""
    data = _target("trunc_normal_", tensor)
    if not std > 0 or not a < b:
        raise ArgumentError(f"trunc_normal_: needs std > 0 and a < b, got std={std}, a={a}, "
                            f"b={b}")
    if a > mean + 6 * std or b < mean - 6 * std:
        raise ArgumentError(f"trunc_normal_: [a, b] = [{a}, {b}] lies more than 6 std from "
                            f"mean {mean}: almost no draw would land inside")
    rng = numpy_generator(generator, "trunc_normal_")
    values = rng.normal(mean, std, size=data.shape)
    outside = (values < a) | (values > b)
    while outside.any():  # rejection: each round keeps the draws that landed inside
        values[outside] = rng.normal(mean, std, size=int(outside.sum()))
        outside = (values < a) | (values > b)
    data[...] = values
    return tensor


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix times `gain`: the tensor seen as
    (rows, prod(other dims)) has orthonormal rows or columns, from the QR decomposition of a
    Gaussian matrix with the signs of R's diagonal folded into Q (uniform over the
    orthogonal group)."""
    data = _target("orthogonal_", tensor)
    if data.ndim < 2:
        raise ShapeError(f"orthogonal_: needs a tensor with at least 2 dims, got shape "
                         f"{data.shape}")
    if data.size == 0:  # nothing to fill (PyTorch's no-op, without a warning)
        return tensor
    rows, cols = data.shape[0], data.size // data.shape[0]
    flat = numpy_generator(generator, "orthogonal_").normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    data[...] = (gain * q).reshape(data.shape)
    return tensor


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-d tensor with the identity: ones on the main diagonal, zeros elsewhere
    (a non-square one gets min(rows, cols) ones), so a Linear layer starts as a projection."""
    data = _target("eye_", tensor)
    if data.ndim != 2:
        raise ShapeError(f"eye_: needs a 2-d tensor, got shape {data.shape}")
    data[...] = np.eye(*data.shape, dtype=data.dtype)
    return tensor


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-d convolution weight (out, in, *kernel) with the Dirac delta: out
    channel j of each of the `groups` groups (out / groups channels each) is 1 at in channel
    j and the kernel's centre (the index k // 2 of each side), 0 elsewhere, so the
    convolution passes its first min(out / groups, in) input channels through."""
    data = _target("dirac_", tensor)
    if data.ndim not in (3, 4, 5):
        raise ShapeError(f"dirac_: needs a 3-, 4- or 5-d tensor (out, in, *kernel), got shape "
                         f"{data.shape}")
    if isinstance(groups, bool) or not isinstance(groups, int | np.integer) or groups < 1 \
            or data.shape[0] % groups:
        raise ArgumentError(f"dirac_: groups must be a positive int dividing the {data.shape[0]} "
                            f"output channels, got {groups!r}")
    per_group = data.shape[0] // groups
    centre = tuple(k // 2 for k in data.shape[2:])
    data[...] = 0
    for g in range(groups):
        for j in range(min(per_group, data.shape[1])):
            data[(g * per_group + j, j) + centre] = 1
    return tensor


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01,
            generator: Any = None) -> Tensor:
    """Fill a 2-d tensor with draws from N(0, std^2), then zero ceil(sparsity * rows)
    randomly chosen rows of each column (Martens 2010)."""
    data = _target("sparse_", tensor)
    if data.ndim != 2:
        raise ShapeError(f"sparse_: only tensors with 2 dimensions are supported, got shape "
                         f"{data.shape}")
    if isinstance(sparsity, bool) or not isinstance(sparsity, int | float) or \
            not 0 <= sparsity <= 1:
        raise ArgumentError(f"sparse_: sparsity must be a fraction in [0, 1], got {sparsity!r}")
    rows, cols = data.shape
    draws = numpy_generator(generator, "sparse_")
    data[...] = draws.normal(0.0, std, size=data.shape)
    zeros = math.ceil(sparsity * rows)
    for col in range(cols):
        data[draws.permutation(rows)[:zeros], col] = 0
    return tensor


def _deprecated(function: Any) -> Any:
    """PyTorch's old name of an initialiser (without the trailing underscore): warns."""
    old = function.__name__[:-1]

    def deprecated(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(f"`nn.init.{old}` is now deprecated in favor of "
                      f"`nn.init.{function.__name__}`.", FutureWarning, stacklevel=2)
        return function(*args, **kwargs)

    deprecated.__name__ = deprecated.__qualname__ = old
    deprecated.__doc__ = f"Deprecated spelling of {function.__name__} (warns, as PyTorch's)."
    return deprecated


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
eye = _deprecated(eye_)
dirac = _deprecated(dirac_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
sparse = _deprecated(sparse_)

generator = numpy_generator  # its old path, nn.init.generator
