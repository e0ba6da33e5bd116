"""Parameter initialisation, in place on `tensor.data` (no graph is recorded), and the
project's random generator.

Randomness: every function that draws numbers (here, and `F.dropout`) takes an
optional `rng` (a `np.random.Generator`); without one it uses the project's generator
(tinygrad_bn/seeding.py), which `tg.manual_seed(seed)` replaces by a freshly seeded one. So a
script that calls `tg.manual_seed(0)` first builds and trains reproducibly,
and a test can pass its own `rng` without touching the global state.

Fans of a weight of shape (out, in, *kernel): fan_in = in * prod(kernel),
fan_out = out * prod(kernel), as in PyTorch (Linear (out, in), conv OIHW).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError, DTypeError, ShapeError
from ..recording import replay_as_call
from ..seeding import generator, manual_seed  # noqa: F401 (public here too)
from ..tensor import Tensor


@replay_as_call  # tg.compile draws afresh on every replay (tinygrad_bn/recording.py)
def random(shape: tuple[int, ...], rng: np.random.Generator | None = None,
           op: str = "random") -> np.ndarray:
    """Uniform draws in [0, 1) of `shape` from `rng`, else from the generator
    `manual_seed` seeds (read at the moment of the call)."""
    return generator(rng, op).random(shape)


def _target(op: str, tensor: Tensor) -> np.ndarray:
    if not isinstance(tensor, Tensor):
        raise ArgumentTypeError(f"{op}: expects a Tensor (e.g. a Parameter), got "
                                f"{type(tensor).__name__}")
    if tensor.dtype.kind != "f":
        raise DTypeError(f"{op}: needs a floating tensor, got dtype {tensor.dtype}")
    return tensor.data


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel)."""
    if len(shape) < 2:
        raise ShapeError(f"fans: need a weight with at least 2 dims (out, in, ...), got shape "
                         f"{shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain that keeps activations' variance through `nonlinearity`: 1 for linear,
    conv2d and sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + a^2)) for leaky_relu
    with negative slope a (default 0.01)."""
    if nonlinearity in ("linear", "conv2d", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1.0 + slope**2))
    raise ArgumentError(f"calculate_gain: unknown nonlinearity {nonlinearity!r} (known: linear, "
                        f"conv2d, sigmoid, tanh, relu, leaky_relu)")


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0,
             rng: np.random.Generator | None = None) -> Tensor:
    """Fill with draws from U(a, b)."""
    data = _target("uniform_", tensor)
    if not a <= b:
        raise ArgumentError(f"uniform_: needs a <= b, got a={a}, b={b}")
    data[...] = generator(rng, "uniform_").uniform(a, b, size=data.shape)
    return tensor


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            rng: np.random.Generator | None = None) -> Tensor:
    """Fill with draws from N(mean, std^2)."""
    data = _target("normal_", tensor)
    if not std >= 0:
        raise ArgumentError(f"normal_: std must be >= 0, got {std}")
    data[...] = generator(rng, "normal_").normal(mean, std, size=data.shape)
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


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu",
                     rng: np.random.Generator | None = None) -> Tensor:
    """He initialisation: U(-bound, bound) with bound = gain * sqrt(3 / fan), so the
    variance is gain^2 / fan. (a = sqrt(5) gives PyTorch's Linear/Conv default,
    bound = 1 / sqrt(fan_in).)"""
    fan = _fan("kaiming_uniform_", tensor, mode)
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound, rng)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu",
                    rng: np.random.Generator | None = None) -> Tensor:
    """He initialisation: N(0, std^2) with std = gain / sqrt(fan)."""
    fan = _fan("kaiming_normal_", tensor, mode)
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan), rng)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0,
                    rng: np.random.Generator | None = None) -> Tensor:
    """Glorot initialisation: U(-bound, bound) with bound = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(tensor.shape)
    bound = gain * math.sqrt(6.0 / max(fan_in + fan_out, 1))
    return uniform_(tensor, -bound, bound, rng)


def xavier_normal_(tensor: Tensor, gain: float = 1.0,
                   rng: np.random.Generator | None = None) -> Tensor:
    """Glorot initialisation: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(tensor.shape)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / max(fan_in + fan_out, 1)), rng)
