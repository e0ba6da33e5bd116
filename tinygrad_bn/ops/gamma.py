"""The gamma function's family and the modified Bessel functions of the first kind:
lgamma, digamma and polygamma, i0 and i1 and their scaled e^-|x| i0e and i1e, each
derivative written with the family (lgamma' = digamma = psi, psi^(n)' = psi^(n+1), i0' =
i1, i1' = i0 - i1 / x, i0e' = i1e - sign(x) i0e), so every order of derivative is there.

NumPy has none of them (and SciPy is not a dependency): each is computed here, vectorised,
in float64, then cast back. The method for each is the textbook one: shift the argument by
the recurrence into the range where the asymptotic series converges to float64's
precision, or sum the Taylor series where that converges; reflection for negative
arguments. Constants: Bernoulli numbers B_2k, and zeta(k) - 1 (summed once, at import).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..autograd.primitive import Function, new_tensor
from .binary import Where
from .quiet import quiet

EULER_GAMMA = 0.57721566490153286061
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
# B_2, B_4, ..., B_20
BERNOULLI = [Fraction(1, 6), Fraction(-1, 30), Fraction(1, 42), Fraction(-1, 30), Fraction(5, 66),
             Fraction(-691, 2730), Fraction(7, 6), Fraction(-3617, 510), Fraction(43867, 798),
             Fraction(-174611, 330)]


def _zeta_minus_one(k: int) -> float:
    """zeta(k) - 1 = sum_{n>=2} n^-k for k >= 2: the terms below N = 16 summed, the tail
    by Euler-Maclaurin (integral, half the first term, Bernoulli corrections), exact in
    rationals until the final rounding to well below float64's precision."""
    n_max = 16
    head = sum(Fraction(1, n ** k) for n in range(2, n_max))
    tail = Fraction(1, (k - 1) * n_max ** (k - 1)) + Fraction(1, 2 * n_max ** k)
    rising = Fraction(k)  # k (k+1) ... (k+2j-2)
    for j, b in enumerate(BERNOULLI[:6], start=1):
        tail += b / math.factorial(2 * j) * rising / Fraction(n_max) ** (k + 2 * j - 1)
        rising *= (k + 2 * j - 1) * (k + 2 * j)
    return float(head + tail)


# lgamma(2 + z) = (1 - gamma) z + sum_{k>=2} (-1)^k (zeta(k) - 1) / k z^k, |z| <= 1/2
_LGAMMA2_SERIES = [1 - EULER_GAMMA] + [(-1) ** k * _zeta_minus_one(k) / k for k in range(2, 40)]
# Stirling's series: lgamma(x) - ((x - 1/2) ln x - x + ln(2 pi)/2) = sum B_2k / (2k(2k-1) x^(2k-1))
_STIRLING = [float(b / (2 * k * (2 * k - 1))) for k, b in enumerate(BERNOULLI[:9], start=1)]
# digamma: psi(x) - ln x + 1/(2x) = -sum B_2k / (2k x^2k)
_PSI_SERIES = [float(b / (2 * k)) for k, b in enumerate(BERNOULLI[:9], start=1)]
_ASYMPTOTIC_FROM = 10.0


def _horner(coefficients: list[float], z: np.ndarray) -> np.ndarray:
    """sum_k coefficients[k] z^k."""
    total = np.full_like(z, coefficients[-1])
    for c in reversed(coefficients[:-1]):
        total = total * z + c
    return total


def _lgamma_near_two(z: np.ndarray) -> np.ndarray:
    """lgamma(2 + z) for |z| <= 1/2, by its Taylor series (no cancellation at its zero)."""
    return z * _horner(_LGAMMA2_SERIES, z)


def lgamma(x: np.ndarray) -> np.ndarray:
    """ln |Gamma(x)| of float64 x: Stirling's series from 10 up; below, the recurrence
    Gamma(x + 1) = x Gamma(x) down (or up) to [3/2, 5/2), where the Taylor series about 2
    is used; reflection Gamma(x) Gamma(1 - x) = pi / sin(pi x) for x < 0. Poles give +inf."""
    x = np.asarray(x, np.float64)
    out = np.empty_like(x)
    with np.errstate(all="ignore"):
        big = x >= _ASYMPTOTIC_FROM
        xb = x[big]
        w = 1 / xb
        out[big] = (xb - 0.5) * np.log(xb) - xb + HALF_LOG_2PI + w * _horner(_STIRLING, w * w)
        out[np.isposinf(x)] = np.inf
        mid = (x >= 0) & ~big
        out[mid] = _lgamma_small(x[mid])
        negative = (x < 0) & np.isfinite(x)
        if negative.any():
            xn = x[negative]
            reduced = xn - np.round(xn)  # sin(pi x) = +-sin(pi r): r exact, |r| <= 1/2
            out[negative] = np.log(math.pi / np.abs(np.sin(math.pi * reduced))) - \
                lgamma(1 - xn)
        out[np.isneginf(x)] = np.inf  # as PyTorch
        out[np.isnan(x)] = np.nan
    return out


def _lgamma_small(x: np.ndarray) -> np.ndarray:
    """lgamma on [0, 10), by recurrence onto the Taylor series about 2."""
    out = np.empty_like(x)
    low = x < 0.5  # lgamma(x) = lgamma(x + 2) - ln x - ln(1 + x)
    out[low] = _lgamma_near_two(x[low]) - np.log(x[low]) - np.log1p(x[low])
    one = (x >= 0.5) & (x < 1.5)  # lgamma(x) = lgamma(x + 1) - ln x, z = x - 1 exact
    out[one] = _lgamma_near_two(x[one] - 1) - np.log(x[one])
    up = x >= 1.5  # lgamma(x) = lgamma(x - m) + ln prod_{j=1}^{m} (x - j), x - m in [1.5, 2.5)
    xu = x[up]
    steps = np.floor(xu - 1.5)
    product = np.ones_like(xu)
    for j in range(1, 9):
        product = np.where(steps >= j, product * (xu - j), product)
    out[up] = _lgamma_near_two(xu - steps - 2) + np.log(product)
    return out


def digamma(x: np.ndarray) -> np.ndarray:
    """psi(x) of float64 x: the asymptotic series from 10 up, the recurrence
    psi(x) = psi(x + 1) - 1/x below, reflection psi(x) = psi(1 - x) - pi / tan(pi x) for
    x < 0. psi(+-0) = -+inf; NaN at the negative integers and at -inf."""
    x = np.asarray(x, np.float64)
    out = np.empty_like(x)
    with np.errstate(all="ignore"):
        positive = x >= 0
        xp = x[positive]
        shift = np.maximum(np.ceil(_ASYMPTOTIC_FROM - xp), 0)
        total = np.zeros_like(xp)
        y = xp.copy()
        for _ in range(int(shift.max(initial=0))):
            moving = shift > 0
            total = np.where(moving, total + 1 / y, total)
            y = np.where(moving, y + 1, y)
            shift = shift - 1
        w = 1 / (y * y)
        series = np.log(y) - 0.5 / y - w * _horner(_PSI_SERIES, w)
        out[positive] = np.where(np.isposinf(y), np.inf, series) - total
        out[x == 0] = -np.copysign(np.inf, x[x == 0])  # psi ~ -1/x
        negative = x < 0
        if negative.any():
            xn = x[negative]
            reduced = xn - np.round(xn)
            value = digamma(1 - xn) - math.pi / np.tan(math.pi * reduced)
            out[negative] = np.where((reduced == 0) | np.isinf(xn), np.nan, value)
        out[np.isnan(x)] = np.nan
    return out


def _hurwitz_zeta(s: int, q: np.ndarray) -> np.ndarray:
    """zeta(s, q) = sum_{k>=0} (q + k)^-s for an int s >= 2 and q > 0: the terms until
    q + k >= 10 + s summed, the rest by Euler-Maclaurin (its terms fall like
    ((s + 2j) / (2 pi y))^2 each)."""
    start = _ASYMPTOTIC_FROM + s
    shift = np.maximum(np.ceil(start - q), 0)
    total = np.zeros_like(q)
    y = q.copy()
    for _ in range(int(shift.max(initial=0))):
        moving = shift > 0
        total = np.where(moving, total + y ** -s, total)
        y = np.where(moving, y + 1, y)
        shift = shift - 1
    tail = y ** (1 - s) / (s - 1) + 0.5 * y ** -s
    rising = float(s)  # s (s+1) ... (s+2j-2)
    power = y ** (-s - 1)
    for j, b in enumerate(BERNOULLI, start=1):
        tail = tail + float(b) / math.factorial(2 * j) * rising * power
        rising *= (s + 2 * j - 1) * (s + 2 * j)
        power = power / (y * y)
    return total + tail


def polygamma(n: int, x: np.ndarray) -> np.ndarray:
    """psi^(n)(x) of float64 x, n >= 1: (-1)^(n+1) n! zeta(n + 1, x); for x < 0 not an
    integer, zeta(s, x) = zeta(s, f) + (-1)^s (zeta(s, 1 - f) - zeta(s, 1 - x)) with
    f = x - floor x (the terms of negative base summed as positive ones). Poles (x = 0, -1,
    ...) give (-1)^(n+1) inf."""
    if n == 0:
        return digamma(x)
    x = np.asarray(x, np.float64)
    s = n + 1
    sign = (-1.0) ** (n + 1) * math.factorial(n)
    out = np.empty_like(x)
    with np.errstate(all="ignore"):
        positive = x > 0
        out[positive] = sign * _hurwitz_zeta(s, x[positive])
        pole = (x <= 0) & (x == np.floor(x))
        out[pole] = sign * np.inf
        negative = (x < 0) & ~pole & np.isfinite(x)
        xn = x[negative]
        f = xn - np.floor(xn)
        zeta = _hurwitz_zeta(s, f) + (-1) ** s * (_hurwitz_zeta(s, 1 - f) -
                                                 _hurwitz_zeta(s, 1 - xn))
        out[negative] = sign * zeta
        out[np.isnan(x) | np.isneginf(x)] = np.nan
    return out


def _bessel_series(x: np.ndarray, order: int) -> np.ndarray:
    """I_order(x) = sum_k (x/2)^(2k+order) / (k! (k+order)!) for |x| < 30, where every term
    is positive (for x >= 0) and 100 terms reach float64's precision."""
    quarter = x * x / 4
    term = np.ones_like(x) if order == 0 else x / 2
    total = term.copy()
    for k in range(1, 100):
        term = term * quarter / (k * (k + order))
        total = total + term
    return total


def _bessel_asymptotic(x: np.ndarray, order: int) -> np.ndarray:
    """I_order(x) for x >= 30: e^x times the scaled series (_bessel_scaled_asymptotic); e^x
    split in two halves so that it overflows only where the result does."""
    half = np.exp(x / 2)
    return half * (half * _bessel_scaled_asymptotic(x, order))


def _bessel_scaled_asymptotic(x: np.ndarray, order: int) -> np.ndarray:
    """e^-x I_order(x) for x >= 30: sum_k (-1)^k prod_{j<=k} (4 order^2 - (2j - 1)^2) /
    (k! (8x)^k) / sqrt(2 pi x)."""
    mu = 4 * order * order
    term = np.ones_like(x)
    total = term.copy()
    for k in range(1, 30):
        term = -term * (mu - (2 * k - 1) ** 2) / (k * 8 * x)
        total = total + term
    return total / np.sqrt(2 * math.pi * x)


def bessel_ie(order: int, x: np.ndarray) -> np.ndarray:
    """The exponentially scaled e^-|x| I_0(x) (even) or e^-|x| I_1(x) (odd) of float64 x:
    finite for every finite x, where I overflows past |x| ~ 713."""
    x = np.asarray(x, np.float64)
    a = np.abs(x)
    out = np.empty_like(x)
    with np.errstate(all="ignore"):
        small = a < 30
        out[small] = np.exp(-a[small]) * _bessel_series(a[small], order)
        large = ~small
        out[large] = np.where(np.isinf(a[large]), 0.0, _bessel_scaled_asymptotic(a[large],
                                                                                 order))
        out[np.isnan(x)] = np.nan
    return out if order == 0 else np.copysign(out, x)


def bessel_i(order: int, x: np.ndarray) -> np.ndarray:
    """I_0 (even) or I_1 (odd) of float64 x."""
    x = np.asarray(x, np.float64)
    a = np.abs(x)
    out = np.empty_like(x)
    with np.errstate(all="ignore"):
        small = a < 30
        out[small] = _bessel_series(a[small], order)
        large = ~small
        out[large] = np.where(np.isinf(a[large]), np.inf,
                              _bessel_asymptotic(a[large], order))
        out[np.isnan(x)] = np.nan
    return out if order == 0 else np.copysign(out, x)


def _as(x: np.ndarray, values: np.ndarray) -> np.ndarray:
    return values.astype(x.dtype, copy=False)


@quiet
class Lgamma(Function):
    """z = ln |Gamma(x)|;  dx = g psi(x)."""

    saves_inputs = (0,)

    def forward(self, x):
        return _as(x, lgamma(x))

    def backward(self, g):
        return g * Polygamma.apply(self.parents[0], n=0)

    def jvp(self, tx):
        """tz = tx psi(x)."""
        return tx * Polygamma.apply(self.parents[0], n=0)


@quiet
class Polygamma(Function):
    """z = psi^(n)(x) (n = 0: digamma);  dx = g psi^(n+1)(x)."""

    saves_inputs = (0,)

    def forward(self, x):
        return _as(x, polygamma(self.n, x))

    def backward(self, g):
        return g * Polygamma.apply(self.parents[0], n=self.n + 1)

    def jvp(self, tx):
        """tz = tx psi^(n+1)(x)."""
        return tx * Polygamma.apply(self.parents[0], n=self.n + 1)


@quiet
class BesselI0(Function):
    """z = I0(x) = sum_k (x^2/4)^k / k!^2;  dx = g I1(x)."""

    saves_inputs = (0,)

    def forward(self, x):
        return _as(x, bessel_i(0, x))

    def backward(self, g):
        return g * BesselI1.apply(self.parents[0])

    def jvp(self, tx):
        """tz = tx I1(x)."""
        return tx * BesselI1.apply(self.parents[0])


@quiet
class BesselI1(Function):
    """z = I1(x) = sum_k (x/2)^(2k+1) / (k! (k+1)!);  dx = g (I0(x) - I1(x) / x) (1/2 at 0)."""

    saves_inputs = (0,)

    def forward(self, x):
        return _as(x, bessel_i(1, x))

    def backward(self, g):
        return g * self._derivative()

    def jvp(self, tx):
        """tz = tx (I0(x) - I1(x) / x)."""
        return tx * self._derivative()

    def _derivative(self):
        return _half_at_zero(self.parents[0],
                             lambda x: BesselI0.apply(x) - BesselI1.apply(x) / x)


@quiet
class BesselI0e(Function):
    """z = e^-|x| I0(x);  dx = g (i1e(x) - sign(x) i0e(x))."""

    saves_inputs = (0,)

    def forward(self, x):
        return _as(x, bessel_ie(0, x))

    def backward(self, g):
        return g * self._derivative()

    def jvp(self, tx):
        """tz = tx (i1e(x) - sign(x) i0e(x))."""
        return tx * self._derivative()

    def _derivative(self):
        x = self.parents[0]
        sign = new_tensor(np.sign(x._data))  # constant: its derivative is 0 (but at 0)
        return BesselI1e.apply(x) - sign * BesselI0e.apply(x)


@quiet
class BesselI1e(Function):
    """z = e^-|x| I1(x);  dx = g (i0e(x) - i1e(x) / x - sign(x) i1e(x)) (1/2 at 0)."""

    saves_inputs = (0,)

    def forward(self, x):
        return _as(x, bessel_ie(1, x))

    def backward(self, g):
        return g * self._derivative()

    def jvp(self, tx):
        """tz = tx (i0e(x) - i1e(x) / x - sign(x) i1e(x))."""
        return tx * self._derivative()

    def _derivative(self):
        def slope(x):
            scaled = BesselI1e.apply(x)
            sign = new_tensor(np.sign(x._data))  # constant, as in BesselI0e
            return BesselI0e.apply(x) - scaled / x - sign * scaled

        return _half_at_zero(self.parents[0], slope)


def _half_at_zero(x, slope):
    """slope(x), with its limit 1/2 where x = 0 (I1(x) / x -> 1/2 there): x is replaced by
    1 at those places before `slope` sees it, so no 0/0 enters the graph."""
    zero = x._data == 0
    if not zero.any():
        return slope(x)
    safe = Where.apply(new_tensor(np.ones((), x.dtype)), x, cond=zero)
    return Where.apply(new_tensor(np.full((), 0.5, x.dtype)), slope(safe), cond=zero)


@quiet
class NextAfter(Function):
    """z = the next float after x towards y;  dx = g, dy = 0 (as PyTorch's)."""

    def forward(self, x, y):
        return np.nextafter(x, y)

    def backward(self, g):
        y = self.parents[1]
        return g, new_tensor(np.zeros(y.shape, y.dtype))

    def jvp(self, tx, ty):
        """tz = tx."""
        return tx
