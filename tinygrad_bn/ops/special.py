"""Elementwise math beyond the basic ops: logarithms and exponentials of other bases and
near 0, the entropy term and the logit, the trigonometric and hyperbolic functions and their
inverses, atan2, the error function, its complement and its inverse, and rounding.

Each derivative is written with Tensor ops of the input (or of the output, where that is
cheaper), so it is differentiable again. Rounding (floor, ceil, round, trunc) is piecewise
constant: its gradient is 0 everywhere, as PyTorch's (also at the jumps).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..autograd.primitive import Function, new_tensor, sum_tangents
from .binary import Where
from .quiet import quiet

if TYPE_CHECKING:
    from ..tensor import Tensor

LN2, LN10 = math.log(2.0), math.log(10.0)
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


class _Unary(Function):
    """z = f(x), a one-input op whose f'(x) is `derivative()` (a Tensor);  dx = g f'(x)

    tz = tx f'(x)."""

    saves_inputs = (0,)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "forward" in vars(cls):  # log of 0, arcsin of 2 ...: inf or NaN, no warning
            quiet(cls)

    def derivative(self):
        raise NotImplementedError

    def backward(self, g):
        return g * self.derivative()

    def jvp(self, tx):
        return tx * self.derivative()


class Log1p(_Unary):
    """z = ln(1 + x), exact for small x;  dx = g / (1 + x).

    tz = tx / (1 + x)."""

    def forward(self, x):
        return np.log1p(x)

    def derivative(self):
        return 1 / (self.parents[0] + 1)


class Expm1(_Unary):
    """z = e^x - 1, exact for small x;  dx = g (z + 1).

    tz = tx (z + 1)."""

    saves_inputs = ()
    uses_output = True

    def forward(self, x):
        return np.expm1(x)

    def derivative(self):
        return self.output + 1


class Log2(_Unary):
    """z = log2 x;  dx = g / (x ln 2).

    tz = tx / (x ln 2)."""

    def forward(self, x):
        return np.log2(x)

    def derivative(self):
        return 1 / (self.parents[0] * LN2)


class Log10(_Unary):
    """z = log10 x;  dx = g / (x ln 10).

    tz = tx / (x ln 10)."""

    def forward(self, x):
        return np.log10(x)

    def derivative(self):
        return 1 / (self.parents[0] * LN10)


class Exp2(_Unary):
    """z = 2^x;  dx = g z ln 2.

    tz = tx z ln 2."""

    saves_inputs = ()
    uses_output = True

    def forward(self, x):
        return np.exp2(x)

    def derivative(self):
        return self.output * LN2


class Tan(_Unary):
    """z = tan x;  dx = g (1 + z^2).

    tz = tx (1 + z^2)."""

    saves_inputs = ()
    uses_output = True

    def forward(self, x):
        return np.tan(x)

    def derivative(self):
        return self.output * self.output + 1


class Arcsin(_Unary):
    """z = asin x (|x| <= 1);  dx = g / sqrt(1 - x^2).

    tz = tx / sqrt(1 - x^2)."""

    def forward(self, x):
        return np.arcsin(x)

    def derivative(self):
        x = self.parents[0]
        return 1 / (1 - x * x).sqrt()


class Arccos(_Unary):
    """z = acos x (|x| <= 1);  dx = -g / sqrt(1 - x^2).

    tz = -tx / sqrt(1 - x^2)."""

    def forward(self, x):
        return np.arccos(x)

    def derivative(self):
        x = self.parents[0]
        return -1 / (1 - x * x).sqrt()


class Arctan(_Unary):
    """z = atan x;  dx = g / (1 + x^2).

    tz = tx / (1 + x^2)."""

    def forward(self, x):
        return np.arctan(x)

    def derivative(self):
        x = self.parents[0]
        return 1 / (x * x + 1)


class Sinh(_Unary):
    """z = sinh x;  dx = g cosh x.

    tz = tx cosh x."""

    def forward(self, x):
        return np.sinh(x)

    def derivative(self):
        return Cosh.apply(self.parents[0])


class Cosh(_Unary):
    """z = cosh x;  dx = g sinh x.

    tz = tx sinh x."""

    def forward(self, x):
        return np.cosh(x)

    def derivative(self):
        return Sinh.apply(self.parents[0])


class Arcsinh(_Unary):
    """z = asinh x;  dx = g / sqrt(x^2 + 1).

    tz = tx / sqrt(x^2 + 1)."""

    def forward(self, x):
        return np.arcsinh(x)

    def derivative(self):
        x = self.parents[0]
        return 1 / (x * x + 1).sqrt()


class Arccosh(_Unary):
    """z = acosh x (x >= 1);  dx = g / sqrt(x^2 - 1).

    tz = tx / sqrt(x^2 - 1)."""

    def forward(self, x):
        return np.arccosh(x)

    def derivative(self):
        x = self.parents[0]
        return 1 / (x * x - 1).sqrt()


class Arctanh(_Unary):
    """z = atanh x (|x| < 1);  dx = g / (1 - x^2).

    tz = tx / (1 - x^2)."""

    def forward(self, x):
        return np.arctanh(x)

    def derivative(self):
        x = self.parents[0]
        return 1 / (1 - x * x)


class Entr(_Unary):
    """z = -x ln x for x > 0, 0 at x = 0, -inf for x < 0 (NaN stays NaN);  dx = -g (1 + ln x)
    everywhere, as PyTorch's: inf at 0, NaN below 0 (and at -inf), -inf at inf.

    tz = -tx (1 + ln x)."""

    def forward(self, x):
        inside = -x * np.log(np.where(x > 0, x, 1))
        return np.where(x > 0, inside, np.where(x == 0, 0, np.where(np.isnan(x), x, -np.inf))
                        ).astype(x.dtype)

    def derivative(self):
        return -(self.parents[0].log() + 1)


class Logit(_Unary):
    """z = ln(x / (1 - x)), x first clamped to [eps, 1 - eps] if eps;  dx = g / (x (1 - x))
    on [lo, hi], outside it NaN without eps (lo, hi = 0, 1) and 0 with eps (lo, hi = eps,
    1 - eps): PyTorch's rule (a NaN x gives NaN).

    tz = the same of tx."""

    def forward(self, x):
        if self.eps is not None:
            x = np.clip(x, self.eps, 1 - self.eps)
        return np.log(x / (1 - x))

    def backward(self, g):
        return self._scaled(g)

    def jvp(self, tx):
        return self._scaled(tx)

    def _scaled(self, g):
        x = self.parents[0]
        lo, hi = (0.0, 1.0) if self.eps is None else (self.eps, 1.0 - self.eps)
        outside = (x._data < lo) | (x._data > hi)
        fill = new_tensor(np.array(np.nan if self.eps is None else 0.0, g.dtype))
        return Where.apply(fill, g / (x * (1 - x)), cond=outside)


class Arctan2(Function):
    """z = atan2(y, x), the angle of the point (x, y);  dy = g x / (x^2 + y^2),
    dx = -g y / (x^2 + y^2); both 0 at the origin (as PyTorch's, not 0 / 0)."""

    saves_inputs = (0, 1)

    def forward(self, y, x):
        return np.arctan2(y, x)

    def backward(self, g):
        y, x = self.parents
        r2 = self._squared_radius()
        return (g * x / r2 if y.requires_grad else None,
                -g * y / r2 if x.requires_grad else None)

    def jvp(self, ty, tx):
        """tz = (x ty - y tx) / (x^2 + y^2)."""
        y, x = self.parents
        r2 = self._squared_radius()
        return sum_tangents(None if ty is None else ty * x / r2,
                            None if tx is None else -tx * y / r2)

    def _squared_radius(self) -> Tensor:
        """x^2 + y^2, with inf at the origin: there x / inf = 0 is PyTorch's gradient."""
        y, x = self.parents
        r2 = x * x + y * y
        origin = r2._data == 0
        if not origin.any():
            return r2
        return Where.apply(new_tensor(np.full((), np.inf, r2.dtype)), r2, cond=origin)


# ufuncs (np.frompyfunc), not np.vectorize: called on a traced array they dispatch to
# tg.compile's recorder (np.vectorize converts its input first and hides it). NumPy has no
# erf; math's is exact to float64's precision.
_erf = np.frompyfunc(math.erf, 1, 1)
_erfc = np.frompyfunc(math.erfc, 1, 1)


def _elementwise(ufunc: np.ufunc, x: np.ndarray) -> np.ndarray:
    """A ufunc of Python floats on x, in float64 (flattened: on a 0-d array a ufunc of
    objects returns a Python float, not an array)."""
    return ufunc(x.reshape(-1)).astype(np.float64).reshape(x.shape)


class Erf(_Unary):
    """z = erf x = 2/sqrt(pi) int_0^x e^(-t^2) dt;  dx = g 2/sqrt(pi) e^(-x^2).

    tz = tx 2/sqrt(pi) e^(-x^2)."""

    def forward(self, x):
        return _elementwise(_erf, x).astype(x.dtype, copy=False)

    def derivative(self):
        x = self.parents[0]
        return (-(x * x)).exp() * TWO_OVER_SQRT_PI


class Erfc(_Unary):
    """z = erfc x = 1 - erf x, exact in the right tail;  dx = -g 2/sqrt(pi) e^(-x^2).

    tz = -tx 2/sqrt(pi) e^(-x^2)."""

    def forward(self, x):
        return _elementwise(_erfc, x).astype(x.dtype, copy=False)

    def derivative(self):
        x = self.parents[0]
        return (-(x * x)).exp() * -TWO_OVER_SQRT_PI


class Erfinv(_Unary):
    """z = erfinv x, the y with erf y = x (|x| <= 1);  dx = g sqrt(pi)/2 e^(z^2).

    tz = tx sqrt(pi)/2 e^(z^2)."""

    saves_inputs = ()
    uses_output = True

    def forward(self, x):
        return erfinv(x.astype(np.float64)).astype(x.dtype, copy=False)

    def derivative(self):
        z = self.output
        return (z * z).exp() * (1 / TWO_OVER_SQRT_PI)


_WINITZKI_A = 0.147  # Winitzki's constant: the closed form below is within 2e-3 of erfinv
_SERIES_BELOW = 1e-3  # below: erfinv x ~ sqrt(pi)/2 (x + pi x^3 / 12), within 1e-12


class Erfcx(_Unary):
    """z = erfcx x = e^(x^2) erfc x, finite where erfc underflows;  dx = g (2 x erfcx x -
    2/sqrt(pi)).

    tz = tx (2 x erfcx x - 2/sqrt(pi))."""

    def forward(self, x):
        return erfcx(x.astype(np.float64)).astype(x.dtype, copy=False)

    def derivative(self):
        x = self.parents[0]
        return x * Erfcx.apply(x) * 2 - TWO_OVER_SQRT_PI


_ERFCX_FRACTION_FROM = 2.0  # below: e^(x^2) erfc x loses at most ~x^2 ulp to e^(x^2)
_ERFCX_TERMS = 80  # the continued fraction's terms: float64's precision from x = 2 on


def erfcx(x: np.ndarray) -> np.ndarray:
    """e^(x^2) erfc x of float64 x: the product below x = 2 (inf past x ~ -26.6, as the
    function), above it erfc's continued fraction 1/sqrt(pi) / (x + (1/2)/(x + 1/(x +
    (3/2)/(x + ...)))) summed from its tail, which never forms e^(x^2)."""
    out = np.empty_like(x)
    near = x < _ERFCX_FRACTION_FROM
    xn = x[near]
    out[near] = np.exp(xn * xn) * _elementwise(_erfc, xn)
    far = ~near  # NaN lands here and stays NaN
    xf = x[far]
    tail = xf.copy()
    for n in range(_ERFCX_TERMS, 0, -1):
        tail = xf + (n / 2) / tail
    out[far] = 1 / (math.sqrt(math.pi) * tail)
    return out


def erfinv(x: np.ndarray) -> np.ndarray:
    """erfinv of float64 x to float64's precision, by NumPy alone: a closed-form start
    (Winitzki's, or the Taylor series near 0, where the closed form cancels) refined by
    Halley steps on f(y) = erf y - |x| for |x| <= 1/2, and on f(y) = (1 - |x|) - erfc y
    beyond, where 1 - |x| is exact and erfc keeps the digits that erf y ~ 1 loses. Both
    have f'' = -2 y f', so a step is y -= f / (f' + y f); from 2e-3 three steps reach
    rounding (cubic convergence). +-1 give +-inf, |x| > 1 and NaN give NaN."""
    a = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log = np.log1p(-a * a)
        head = 2 / (math.pi * _WINITZKI_A) + log / 2
        y = np.sqrt(np.sqrt(head * head - log / _WINITZKI_A) - head)
        y = np.where(a < _SERIES_BELOW, (a + (math.pi / 12) * a ** 3) / TWO_OVER_SQRT_PI, y)
        inner = a <= 0.5
        tail = 1 - a  # exact for a in [1/2, 1] (Sterbenz)
        # finite starts only: the steps would turn inf into NaN (a = 1 is set at the end)
        y = np.where(np.isfinite(y), y, 0.0)
        for _ in range(3):
            f = np.where(inner, _elementwise(_erf, y) - a, tail - _elementwise(_erfc, y))
            slope = TWO_OVER_SQRT_PI * np.exp(-y * y)
            y = y - f / (slope + y * f)
        y = np.where(a == 1, np.inf, np.where(a > 1, np.nan, y))
    return np.copysign(y, x)


class _Rounding(Function):
    """z = a piecewise-constant function of x;  dx = 0 (a zero Tensor: graphs stay whole)

    tz = 0."""

    reads_no_values = True

    def backward(self, g):
        return g * 0

    def jvp(self, tx):
        return tx * 0


class Floor(_Rounding):
    """z = floor x (the largest integer <= x);  dx = 0.

    tz = 0."""

    def forward(self, x):
        return np.floor(x)


class Ceil(_Rounding):
    """z = ceil x (the smallest integer >= x);  dx = 0.

    tz = 0."""

    def forward(self, x):
        return np.ceil(x)


class Trunc(_Rounding):
    """z = x rounded towards 0;  dx = 0.

    tz = 0."""

    def forward(self, x):
        return np.trunc(x)


class Round(_Rounding):
    """z = x rounded to `decimals` places, halves to even (as PyTorch);  dx = 0.

    tz = 0."""

    def forward(self, x):
        return np.round(x, self.decimals)
