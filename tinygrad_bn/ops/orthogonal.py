"""The classical orthogonal polynomials of torch.special as NumPy kernels in float64, by
their three-term recurrences (PyTorch's definitions: n is truncated to an integer, a
negative n gives 0; PyTorch gives them no gradient, so they are no ops):

    Chebyshev T, U, V, W   p_{k+1} = 2x p_k - p_{k-1};  p_1 = x, 2x, 2x - 1, 2x + 1
    shifted T, U, V, W     the same at 2x - 1 (on [0, 1])
    Hermite H (physicists')    H_{k+1} = 2x H_k - 2k H_{k-1},  H_1 = 2x
    Hermite He (probabilists') He_{k+1} = x He_k - k He_{k-1},  He_1 = x
    Laguerre L             (k + 1) L_{k+1} = (2k + 1 - x) L_k - k L_{k-1},  L_1 = 1 - x
    Legendre P             (k + 1) P_{k+1} = (2k + 1) x P_k - k P_{k-1},  P_1 = x

Where PyTorch switches to a closed form (the Chebyshev ones at |x| = 1 and, for n above
6 or 8 inside (-1, 1), cos(n acos x) and its kin), the same forms are used here, so the
values agree to rounding.
"""

from __future__ import annotations

import numpy as np

__all__ = ["POLYNOMIALS", "evaluate"]


def _recurrence(x: np.ndarray, n: np.ndarray, first: np.ndarray, step) -> np.ndarray:
    """p_n(x) from p_0 = 1, p_1 = first and p_{k+1} = step(k, p_k, p_{k-1}), elementwise
    for each n (n >= 0)."""
    out = np.where(n == 0, 1.0, first)
    top = int(n.max(initial=0))
    previous, current = np.ones_like(x), first
    for k in range(1, top):
        previous, current = current, step(k, current, previous)
        out = np.where(n == k + 1, current, out)
    return out


def _chebyshev(kind: str, x: np.ndarray, n: np.ndarray) -> np.ndarray:
    first = {"t": x, "u": 2 * x, "v": 2 * x - 1, "w": 2 * x + 1}[kind]
    out = _recurrence(x, n, first, lambda k, p, q: 2 * x * p - q)
    even = n % 2 == 0
    with np.errstate(all="ignore"):
        # PyTorch's values at x = +-1 and its trigonometric forms inside (-1, 1)
        theta = np.arccos(np.clip(x, -1, 1))
        inside = np.abs(x) < 1
        if kind == "t":
            ends = np.where((x > 0) | even, 1.0, -1.0)
            trig, trig_from = np.cos(n * theta), 6
        elif kind == "u":
            ends = np.where((x > 0) | even, n + 1.0, -(n + 1.0))
            sin_theta = np.sin(theta)
            trig = np.where(sin_theta != 0, np.sin((n + 1) * theta) / sin_theta,
                            (n + 1) * np.cos((n + 1) * theta) / x)
            trig_from = 8
        elif kind == "v":
            ends = np.where(x > 0, 1.0, np.where(even, 2 * n + 1.0, -(2 * n + 1.0)))
            half = np.sin(theta / 2)
            trig = np.where(half != 1, np.cos((n + 0.5) * theta) / np.cos(theta / 2),
                            np.where(even, 2 * n + 1.0, -(2 * n + 1.0)))
            trig_from = 8
        else:
            ends = np.where(x > 0, 2 * n + 1.0, np.where(even, 1.0, -1.0))
            half = np.cos(theta / 2)
            trig = np.where(half != 1, np.sin((n + 0.5) * theta) / np.sin(theta / 2),
                            np.where(x > 0, 2 * n + 1.0, np.where(even, 1.0, -1.0)))
            trig_from = 8
    out = np.where(inside & (n > trig_from), trig, out)
    return np.where(np.abs(x) == 1, ends, out)


def _shifted(kind: str, x: np.ndarray, n: np.ndarray) -> np.ndarray:
    return _chebyshev(kind, 2 * x - 1, n)


def _hermite_h(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    return _recurrence(x, n, 2 * x, lambda k, p, q: 2 * x * p - 2 * k * q)


def _hermite_he(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    return _recurrence(x, n, x.copy(), lambda k, p, q: x * p - k * q)


def _laguerre(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    out = _recurrence(x, n, 1 - x, lambda k, p, q: ((2 * k + 1 - x) * p - k * q) / (k + 1))
    return np.where(x == 0, 1.0, out)


def _legendre(x: np.ndarray, n: np.ndarray) -> np.ndarray:
    out = _recurrence(x, n, x.copy(), lambda k, p, q: ((2 * k + 1) * x * p - k * q) / (k + 1))
    ends = np.where((x > 0) | (n % 2 == 0), 1.0, -1.0)  # 1, or (-1)^n at -1
    return np.where(np.abs(x) == 1, ends, out)


POLYNOMIALS = {
    "chebyshev_polynomial_t": lambda x, n: _chebyshev("t", x, n),
    "chebyshev_polynomial_u": lambda x, n: _chebyshev("u", x, n),
    "chebyshev_polynomial_v": lambda x, n: _chebyshev("v", x, n),
    "chebyshev_polynomial_w": lambda x, n: _chebyshev("w", x, n),
    "shifted_chebyshev_polynomial_t": lambda x, n: _shifted("t", x, n),
    "shifted_chebyshev_polynomial_u": lambda x, n: _shifted("u", x, n),
    "shifted_chebyshev_polynomial_v": lambda x, n: _shifted("v", x, n),
    "shifted_chebyshev_polynomial_w": lambda x, n: _shifted("w", x, n),
    "hermite_polynomial_h": _hermite_h,
    "hermite_polynomial_he": _hermite_he,
    "laguerre_polynomial_l": _laguerre,
    "legendre_polynomial_p": _legendre,
}


def evaluate(name: str, x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """POLYNOMIALS[name] at float64 x and n (broadcast; n truncated toward 0; 0 for n < 0
    and for a NaN or infinite n, whose integer cast is PyTorch's most negative int64)."""
    x, n = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(n, np.float64))
    bad_n = ~np.isfinite(n)
    whole = np.trunc(np.where(bad_n, 0.0, n))
    valid = (whole >= 0) & ~bad_n
    with np.errstate(all="ignore"):
        values = POLYNOMIALS[name](x, np.where(valid, whole, 0.0))
    return np.where(valid, values, 0.0)
