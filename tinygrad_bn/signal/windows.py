"""PyTorch's `torch.signal.windows`: window functions of length M, symmetric by default
(sym=True: w[n] = w[M - 1 - n], for filter design) or periodic (sym=False: the first M
values of the symmetric window of length M + 1, for spectral analysis). With N = M - 1
(symmetric) and 0 <= n < M:

    general_cosine(a)   w[n] = sum_k (-1)^k a_k cos(2 pi k n / N)
    hann                 general_cosine([0.5, 0.5])
    hamming              general_cosine([0.54, 0.46]); general_hamming(alpha): [alpha, 1 - alpha]
    blackman             general_cosine([0.42, 0.5, 0.08])
    nuttall              general_cosine([0.3635819, 0.4891775, 0.1365995, 0.0106411])
    bartlett             w[n] = 1 - |2 n / N - 1|
    cosine               w[n] = sin(pi (n + 1/2) / M)
    gaussian(std)        w[n] = exp(-(n - N/2)^2 / (2 std^2))
    exponential(tau)     w[n] = exp(-|n - center| / tau), center N/2 unless given
    kaiser(beta)         w[n] = I0(beta sqrt(1 - (2 n / N - 1)^2)) / I0(beta)

Computed in float64, returned in `dtype` (the default float dtype unless given; float32
or float64). Windows are constants: no gradient flows into their parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..device import check_device
from ..dtypes import as_dtype, get_default_dtype
from ..errors import ArgumentError, ArgumentTypeError
from ..tensor import Tensor

__all__ = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine",
           "general_hamming", "hamming", "hann", "kaiser", "nuttall"]


def _window(op: str, M: int, sym: bool,  # noqa: N803 (PyTorch's name)
            values: Callable[[np.ndarray, int], np.ndarray], dtype: Any, layout: Any,
            device: Any, requires_grad: bool) -> Tensor:
    """The window of length M from `values(n, N)` (the symmetric formula over n = 0..N),
    periodic ones taken from the symmetric window one longer."""
    check_device(op, device)
    if isinstance(M, bool) or not isinstance(M, int | np.integer):
        raise ArgumentTypeError(f"{op}: the window length M must be an int, got {M!r}")
    if M < 0:
        raise ArgumentError(f"{op}: the window length M must be non-negative, got {M}")
    if layout not in (None, "strided"):
        raise ArgumentError(f"{op}: is implemented for the dense 'strided' layout only, got "
                            f"{layout!r}")
    # PyTorch checks the dtype in Python and raises a ValueError (not its TypeError)
    if dtype is not None and "complex" in str(dtype):
        raise ArgumentError(f"{op}: expects float32 or float64 dtypes, got {dtype}")
    chosen = get_default_dtype() if dtype is None else as_dtype(op, dtype)
    if chosen not in (np.float32, np.float64):
        raise ArgumentError(f"{op}: expects float32 or float64 dtypes, got {chosen}")
    length = int(M) if sym else int(M) + 1
    if M == 0:
        array = np.zeros(0)
    elif M == 1:  # one sample is 1, periodic or not (PyTorch's)
        array = np.ones(1)
    else:
        array = values(np.arange(length, dtype=np.float64), length - 1)[:M]
    out = Tensor(np.ascontiguousarray(array, dtype=chosen))
    return out.requires_grad_() if requires_grad else out


def general_cosine(M: int, *, a: Sequence[float], sym: bool = True,  # noqa: N803
                   dtype: Any = None, layout: Any = None, device: Any = None,
                   requires_grad: bool = False) -> Tensor:
    """sum_k (-1)^k a_k cos(2 pi k n / N): the cosine-sum windows' family."""
    if isinstance(a, str) or not isinstance(a, Sequence | np.ndarray):
        raise ArgumentTypeError(f"general_cosine: a must be a list or tuple of coefficients, "
                                f"got {a!r}")
    if not len(a):
        raise ArgumentError("general_cosine: the coefficients a cannot be empty")
    if any(isinstance(c, bool) or not isinstance(c, int | float | np.number) for c in a):
        raise ArgumentTypeError(f"general_cosine: the coefficients a must be numbers, got "
                                f"{list(a)!r}")
    coefficients = [float(c) for c in a]

    def values(n: np.ndarray, big_n: int) -> np.ndarray:
        phase = 2.0 * np.pi * n / big_n
        return sum((-1.0) ** k * c * np.cos(k * phase) for k, c in enumerate(coefficients))
    return _window("general_cosine", M, sym, values, dtype, layout, device, requires_grad)


def general_hamming(M: int, *, alpha: float = 0.54, sym: bool = True,  # noqa: N803
                    dtype: Any = None, layout: Any = None, device: Any = None,
                    requires_grad: bool = False) -> Tensor:
    """general_cosine([alpha, 1 - alpha])."""
    if isinstance(alpha, bool) or not isinstance(alpha, int | float | np.number):
        raise ArgumentTypeError(f"general_hamming: alpha must be a number, got {alpha!r}")
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, layout=layout,
                          device=device, requires_grad=requires_grad)


def hann(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None,  # noqa: N803
         device: Any = None, requires_grad: bool = False) -> Tensor:
    """general_hamming with alpha = 0.5."""
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, layout=layout,
                           device=device, requires_grad=requires_grad)


def hamming(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None,  # noqa: N803
            device: Any = None, requires_grad: bool = False) -> Tensor:
    """general_hamming with alpha = 0.54."""
    return general_hamming(M, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)


def blackman(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None,  # noqa: N803
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """general_cosine([0.42, 0.5, 0.08])."""
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, layout=layout,
                          device=device, requires_grad=requires_grad)


def nuttall(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None,  # noqa: N803
            device: Any = None, requires_grad: bool = False) -> Tensor:
    """general_cosine with Nuttall's four coefficients."""
    return general_cosine(M, a=[0.3635819, 0.4891775, 0.1365995, 0.0106411], sym=sym,
                          dtype=dtype, layout=layout, device=device, requires_grad=requires_grad)


def bartlett(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None,  # noqa: N803
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """The triangle 1 - |2 n / N - 1|."""
    return _window("bartlett", M, sym, lambda n, big_n: 1.0 - np.abs(2.0 * n / big_n - 1.0),
                   dtype, layout, device, requires_grad)


def cosine(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None,  # noqa: N803
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """The sine arch sin(pi (n + 1/2) / M) (M = N + 1)."""
    return _window("cosine", M, sym, lambda n, big_n: np.sin(np.pi * (n + 0.5) / (big_n + 1)),
                   dtype, layout, device, requires_grad)


def _positive(op: str, name: str, value: Any, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number) or \
            not (value >= 0 if allow_zero else value > 0):
        kind = "non-negative" if allow_zero else "positive"
        raise ArgumentError(f"{op}: {name} must be {kind}, got {value!r}")
    return float(value)


def gaussian(M: int, *, std: float = 1.0, sym: bool = True, dtype: Any = None,  # noqa: N803
             layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """exp(-(n - N/2)^2 / (2 std^2))."""
    s = _positive("gaussian", "std", std)
    return _window("gaussian", M, sym,
                   lambda n, big_n: np.exp(-((n - big_n / 2.0) ** 2) / (2.0 * s * s)),
                   dtype, layout, device, requires_grad)


def exponential(M: int, *, center: float | None = None, tau: float = 1.0,  # noqa: N803
                sym: bool = True, dtype: Any = None, layout: Any = None, device: Any = None,
                requires_grad: bool = False) -> Tensor:
    """exp(-|n - center| / tau), center N/2 by default (only a periodic window may move it,
    as PyTorch)."""
    t = _positive("exponential", "tau", tau)
    if sym and center is not None:
        raise ArgumentError("exponential: center must be None for symmetric windows")

    def values(n: np.ndarray, big_n: int) -> np.ndarray:
        c = big_n / 2.0 if center is None else float(center)
        return np.exp(-np.abs(n - c) / t)
    return _window("exponential", M, sym, values, dtype, layout, device, requires_grad)


def kaiser(M: int, *, beta: float = 12.0, sym: bool = True, dtype: Any = None,  # noqa: N803
           layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """I0(beta sqrt(1 - (2 n / N - 1)^2)) / I0(beta)."""
    b = _positive("kaiser", "beta", beta, allow_zero=True)
    return _window("kaiser", M, sym,
                   lambda n, big_n: np.i0(b * np.sqrt(np.clip(
                       1.0 - (2.0 * n / big_n - 1.0) ** 2, 0.0, None))) / np.i0(b),
                   dtype, layout, device, requires_grad)
