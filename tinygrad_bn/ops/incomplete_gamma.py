"""The regularized incomplete gamma functions and Hurwitz's zeta function, as ops:

    P(a, x) = gamma(a, x) / Gamma(a) = int_0^x t^(a-1) e^-t dt / Gamma(a)   (Igamma)
    Q(a, x) = 1 - P(a, x)                                                   (Igammac)
    zeta(s, q) = sum_{k>=0} (k + q)^-s                                      (Zeta)

Derivatives, as PyTorch's: dP/dx = x^(a-1) e^-x / Gamma(a) = -dQ/dx, and none in a (a
backward or jvp that would need one raises UnsupportedError, PyTorch's NotImplementedError);
dzeta/dq = -s zeta(s + 1, q), none in s.

Values in float64, vectorised: P by its power series e^-x x^a / Gamma(a + 1) sum_n x^n /
((a+1)...(a+n)) where x < a + 1, else Q by Legendre's continued fraction (modified Lentz);
each iterated until every entry's term is below float64's precision (the count grows like
sqrt(max(a, x))). Edge values are PyTorch's: P(0, x > 0) = 1, P(a, 0) = 0, P(a, inf) = 1,
P(inf, x < inf) = 0; NaN for a < 0, x < 0 or P(0, 0). zeta: Euler-Maclaurin, the first
max(9, 10 - q) terms summed directly, then Bernoulli corrections (exact to float64 for
s > 1); inf at s = 1 and at the poles q = 0, -1, ...; NaN for s < 1, and for q < 0 unless
s is an integer (as Cephes, PyTorch's).
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.primitive import Function, new_tensor
from ..errors import UnsupportedError
from .gamma import BERNOULLI, lgamma
from .quiet import quiet

__all__ = ["Igamma", "Igammac", "Zeta", "igamma", "igammac", "zeta"]

_EPS = np.finfo(np.float64).eps
_TINY = np.finfo(np.float64).tiny / _EPS  # Lentz's stand-in for a zero denominator
_MAX_TERMS = 100000


def _log_prefactor(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """log(x^a e^-x / Gamma(a))."""
    return a * np.log(x) - x - lgamma(a)


def _series_p(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """P(a, x) by the power series (x < a + 1)."""
    term = 1.0 / a
    total = term.copy()
    active = np.ones(a.shape, dtype=bool)
    n = 0
    while active.any() and n < _MAX_TERMS:
        n += 1
        term = np.where(active, term * x / (a + n), term)
        total = np.where(active, total + term, total)
        active &= np.abs(term) > np.abs(total) * _EPS
    return np.exp(_log_prefactor(a, x)) * total


def _fraction_q(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Q(a, x) by Legendre's continued fraction (x >= a + 1), modified Lentz."""
    b = x + 1.0 - a
    c = np.full(a.shape, 1.0 / _TINY)
    d = 1.0 / b
    h = d.copy()
    active = np.ones(a.shape, dtype=bool)
    n = 0
    while active.any() and n < _MAX_TERMS:
        n += 1
        an = -n * (n - a)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < _TINY, _TINY, d)
        c = b + an / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        d = 1.0 / d
        delta = d * c
        h = np.where(active, h * delta, h)
        active &= np.abs(delta - 1.0) > _EPS
    return np.exp(_log_prefactor(a, x)) * h


def igamma(a: np.ndarray, x: np.ndarray, upper: bool = False) -> np.ndarray:
    """P(a, x) (Q(a, x) with upper=True) of float64 arrays, broadcast."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    out = np.full(a.shape, np.nan)
    with np.errstate(all="ignore"):
        lower = np.full(a.shape, np.nan)
        ok = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
        series = ok & (x < a + 1)
        fraction = ok & ~series
        lower[series] = _series_p(a[series], x[series])
        lower[fraction] = 1.0 - _fraction_q(a[fraction], x[fraction])
        upper_values = np.full(a.shape, np.nan)
        upper_values[series] = 1.0 - lower[series]
        upper_values[fraction] = _fraction_q(a[fraction], x[fraction])
        # edges (PyTorch's): P(a, 0) = 0, P(0, x > 0) = 1, P(., inf) = 1, P(inf, x) = 0
        edge_p = np.full(a.shape, np.nan)
        edge_p[(x == 0) & (a > 0)] = 0.0
        edge_p[(a == 0) & (x > 0)] = 1.0
        edge_p[np.isposinf(x) & (a >= 0)] = 1.0
        edge_p[np.isposinf(a) & (x >= 0) & np.isfinite(x)] = 0.0
        edge = ~ok & ~np.isnan(edge_p)
        out = upper_values if upper else lower
        out[edge] = (1.0 - edge_p[edge]) if upper else edge_p[edge]
    return out


def igammac(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    return igamma(a, x, upper=True)


# Euler-Maclaurin for zeta: B_2k / (2k)!
_EM = [float(b) / math.factorial(2 * k) for k, b in enumerate(BERNOULLI[:9], start=1)]
_EM_N = 9


def zeta(s: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Hurwitz's zeta of float64 arrays, broadcast (module docstring)."""
    s, q = np.broadcast_arrays(np.asarray(s, np.float64), np.asarray(q, np.float64))
    out = np.full(s.shape, np.nan)
    with np.errstate(all="ignore"):
        out[s == 1] = np.inf
        pole = (q <= 0) & (q == np.floor(q)) & (s > 1)
        out[pole] = np.inf
        ok = (s > 1) & ~pole & ((q > 0) | (s == np.floor(s)))
        ss, qq = s[ok], q[ok]
        # sum the first n terms directly, n >= 9 and q + n >= 10 (a negative q reaches the
        # range where the tail's expansion holds)
        n = np.maximum(_EM_N, np.ceil(10 - qq)).astype(np.int64) if qq.size else qq
        total = np.zeros(ss.shape)
        for k in range(int(n.max()) if qq.size else 0):
            total += np.where(k < n, (qq + k) ** -ss, 0.0)
        w = qq + n
        total += w ** (1 - ss) / (ss - 1) + 0.5 * w ** -ss
        rising = ss.copy()  # s (s+1) ... (s+2k-2)
        power = w ** (-ss - 1)
        for k, coefficient in enumerate(_EM, start=1):
            total += coefficient * rising * power
            rising = rising * (ss + 2 * k - 1) * (ss + 2 * k)
            power = power / (w * w)
        out[ok] = total
    return out


def _cast(dtype: np.dtype, values: np.ndarray) -> np.ndarray:
    return values.astype(dtype, copy=False)


def _no_grad_for(op: str, name: str) -> UnsupportedError:
    return UnsupportedError(f"{op}: the derivative with respect to {name} is not implemented "
                            f"(as PyTorch: the derivative for '{op}: {name}' is not "
                            "implemented)")


class _IncompleteGamma(Function):
    """P or Q: the gradient in x by Tensor ops (so it has its own derivatives), none in a."""

    saves_inputs = (0, 1)
    upper = False

    def forward(self, a, x):
        return _cast(np.result_type(a, x), igamma(a, x, upper=self.upper))

    def _slope(self):
        """dP/dx = x^(a-1) e^-x / Gamma(a) (Q's is its negative)."""
        a, x = self.parents
        slope = ((a - 1).xlogy(x) - x - a.lgamma()).exp()
        return -slope if self.upper else slope

    def backward(self, g):
        a, x = self.parents
        if a.requires_grad:
            raise _no_grad_for("igammac" if self.upper else "igamma", "input")
        return None, (g * self._slope() if x.requires_grad else None)

    def jvp(self, ta, tx):
        """tz = tx dP/dx."""
        if ta is not None:
            raise _no_grad_for("igammac" if self.upper else "igamma", "input")
        return None if tx is None else tx * self._slope()


@quiet
class Igamma(_IncompleteGamma):
    """z = P(a, x), the regularized lower incomplete gamma function;  dx = g x^(a-1) e^-x /
    Gamma(a), none in a.

    tz = tx x^(a-1) e^-x / Gamma(a)"""


@quiet
class Igammac(_IncompleteGamma):
    """z = Q(a, x) = 1 - P(a, x);  dx = -g x^(a-1) e^-x / Gamma(a), none in a.

    tz = -tx x^(a-1) e^-x / Gamma(a)"""

    upper = True


@quiet
class Zeta(Function):
    """z = zeta(s, q) = sum_k (k + q)^-s;  dq = -g s zeta(s + 1, q), none in s."""

    saves_inputs = (0, 1)

    def forward(self, s, q):
        return _cast(np.result_type(s, q), zeta(s, q))

    def _slope(self):
        s, q = self.parents
        return -s * Zeta.apply(s + new_tensor(np.ones((), s.dtype)), q)

    def backward(self, g):
        s, q = self.parents
        if s.requires_grad:
            raise _no_grad_for("zeta", "self")
        return None, (g * self._slope() if q.requires_grad else None)

    def jvp(self, ts, tq):
        """tz = -tq s zeta(s + 1, q)."""
        if ts is not None:
            raise _no_grad_for("zeta", "self")
        return None if tq is None else tq * self._slope()
