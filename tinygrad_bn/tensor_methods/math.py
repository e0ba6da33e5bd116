"""Elementwise math as Tensor methods: logarithms and exponentials (log1p expm1 log2 log10
exp2 logaddexp xlogy logit), trigonometric and hyperbolic functions and their inverses,
rounding (floor ceil round trunc frac), and PyTorch's spellings of arithmetic (add/sub with
alpha, mul, div with rounding_mode, true_divide, floor_divide, remainder, fmod, pow, neg,
reciprocal, rsqrt, square, atan2, hypot, copysign, lerp).

The transcendental functions and rounding are primitive ops (tinygrad_bn/ops/special.py);
the rest are composites of primitives, so their gradients follow. As PyTorch: remainder
takes the divisor's sign (x - floor(x / y) y), fmod the dividend's (x - trunc(x / y) y),
and both are differentiable in x (1) and y (-floor(x / y) or -trunc(x / y)).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops
from ..autograd.function import is_tensor
from ..errors import ArgumentError, ArgumentTypeError, ShapeError
from .elementwise import where

if TYPE_CHECKING:
    from ..tensor import Tensor


class MathMethods:
    """The mixin of Tensor's elementwise math."""

    __slots__ = ()

    # ---- logarithms and exponentials
    def log1p(self) -> Tensor:
        return ops.Log1p.apply(self)

    def expm1(self) -> Tensor:
        return ops.Expm1.apply(self)

    def log2(self) -> Tensor:
        return ops.Log2.apply(self)

    def log10(self) -> Tensor:
        return ops.Log10.apply(self)

    def exp2(self) -> Tensor:
        return ops.Exp2.apply(self)

    def logaddexp(self, other: Any) -> Tensor:
        """log(e^x + e^y), computed as max + log1p(e^-|x - y|) (no overflow)."""
        other = self._coerce(other, "logaddexp")
        high = ops.Maximum.apply(self, other)
        return high + (-(self - other).abs()).exp().log1p()

    def xlogy(self, other: Any) -> Tensor:
        """x log y, 0 where x = 0 (whatever y, as PyTorch; NaN y stays NaN)."""
        other = self._coerce(other, "xlogy")
        try:  # the masks below are NumPy's: their broadcast error would name no op
            np.broadcast_shapes(self.shape, other.shape)
        except ValueError:
            raise ShapeError(f"xlogy: shapes {self.shape} and {other.shape} do not "
                             f"broadcast") from None
        zero = self._data == 0
        safe = where(zero & ~np.isnan(other._data), 1.0, other) if zero.any() else other
        return where(zero & ~np.isnan(other._data), 0.0, self * safe.log())

    def logit(self, eps: float | None = None) -> Tensor:
        """log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given."""
        if eps is not None and (isinstance(eps, bool) or not isinstance(eps, int | float)):
            raise ArgumentTypeError(f"logit: eps must be a float or None, got "
                                    f"{type(eps).__name__} {eps!r}")
        p = self if eps is None else self.clip(eps, 1 - eps)
        return p.log() - (1 - p).log()

    # ---- trigonometric and hyperbolic
    def tan(self) -> Tensor:
        return ops.Tan.apply(self)

    def asin(self) -> Tensor:
        return ops.Arcsin.apply(self)

    def acos(self) -> Tensor:
        return ops.Arccos.apply(self)

    def atan(self) -> Tensor:
        return ops.Arctan.apply(self)

    def sinh(self) -> Tensor:
        return ops.Sinh.apply(self)

    def cosh(self) -> Tensor:
        return ops.Cosh.apply(self)

    def asinh(self) -> Tensor:
        return ops.Arcsinh.apply(self)

    def acosh(self) -> Tensor:
        return ops.Arccosh.apply(self)

    def atanh(self) -> Tensor:
        return ops.Arctanh.apply(self)

    arcsin, arccos, arctan = asin, acos, atan
    arcsinh, arccosh, arctanh = asinh, acosh, atanh

    def atan2(self, other: Any) -> Tensor:
        """The angle of the point (other, self) in (-pi, pi]: atan2(y=self, x=other)."""
        return ops.Arctan2.apply(self, self._coerce(other, "atan2"))

    arctan2 = atan2

    def hypot(self, other: Any) -> Tensor:
        """sqrt(x^2 + y^2)."""
        other = self._coerce(other, "hypot")
        return (self * self + other * other).sqrt()

    # ---- rounding
    def floor(self) -> Tensor:
        return self if self.dtype.kind in "biu" else ops.Floor.apply(self)

    def ceil(self) -> Tensor:
        return self if self.dtype.kind in "biu" else ops.Ceil.apply(self)

    def trunc(self) -> Tensor:
        return self if self.dtype.kind in "biu" else ops.Trunc.apply(self)

    fix = trunc

    def round(self, decimals: int = 0) -> Tensor:
        """Round half to even, to `decimals` places (negative: tens, hundreds, ...)."""
        if isinstance(decimals, bool) or not isinstance(decimals, int | np.integer):
            raise ArgumentError(f"round: decimals must be an int, got {decimals!r}")
        if self.dtype.kind in "biu" and decimals >= 0:
            return self
        return ops.Round.apply(self, decimals=int(decimals))

    def frac(self) -> Tensor:
        """x - trunc(x): the fractional part, with x's sign; gradient 1."""
        return self - self.trunc()

    # ---- arithmetic in PyTorch's spellings
    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """x + alpha * other."""
        return self + (other if alpha == 1 else self._coerce(other, "add") * alpha)

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """x - alpha * other."""
        return self - (other if alpha == 1 else self._coerce(other, "sub") * alpha)

    subtract = sub

    def mul(self, other: Any) -> Tensor:
        return self * other

    multiply = mul

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """x / other; rounding_mode "trunc" rounds the quotient towards 0, "floor" down
        (gradient 0 then, as PyTorch); integer inputs keep an integer dtype when rounded."""
        if rounding_mode is None:
            return self / other
        if rounding_mode not in ("trunc", "floor"):
            raise ArgumentError(f"div: rounding_mode must be None, 'trunc' or 'floor', got "
                                f"{rounding_mode!r}")
        other = self._coerce(other, "div")
        if self.dtype.kind in "biu" and other.dtype.kind in "biu":
            q = np.floor_divide(self._data, other._data) if rounding_mode == "floor" else \
                np.trunc(np.true_divide(self._data, other._data)).astype(
                    np.result_type(self._data, other._data))
            return type(self)._from_op(q, None)
        q = self / other
        return q.floor() if rounding_mode == "floor" else q.trunc()

    divide = div

    def true_divide(self, other: Any) -> Tensor:
        return self / other

    def floor_divide(self, other: Any) -> Tensor:
        """floor(x / other), as PyTorch since 1.13."""
        return self.div(other, rounding_mode="floor")

    def remainder(self, other: Any) -> Tensor:
        """x - floor(x / y) y: the result takes y's sign (Python's %)."""
        other = self._coerce(other, "remainder")
        if self.dtype.kind in "biu" and other.dtype.kind in "biu":
            return type(self)._from_op(np.remainder(self._data, other._data), None)
        return self - (self / other).floor() * other

    def fmod(self, other: Any) -> Tensor:
        """x - trunc(x / y) y: the result takes x's sign (C's fmod)."""
        other = self._coerce(other, "fmod")
        if self.dtype.kind in "biu" and other.dtype.kind in "biu":
            return type(self)._from_op(np.fmod(self._data, other._data), None)
        return self - (self / other).trunc() * other

    def __mod__(self, other: Any) -> Tensor:
        return self.remainder(other)

    def __rmod__(self, other: Any) -> Tensor:
        return self._coerce(other, "%").remainder(self)

    def __floordiv__(self, other: Any) -> Tensor:
        return self.floor_divide(other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return self._coerce(other, "//").floor_divide(self)

    def pow(self, exponent: Any) -> Tensor:
        return self ** exponent

    def neg(self) -> Tensor:
        return -self

    negative = neg

    def reciprocal(self) -> Tensor:
        return 1 / self

    def rsqrt(self) -> Tensor:
        """1 / sqrt(x)."""
        return 1 / self.sqrt()

    def square(self) -> Tensor:
        return self * self

    def copysign(self, other: Any) -> Tensor:
        """|x| with the sign of other (of -0.0 too); no gradient to other."""
        other = self._coerce(other, "copysign")
        negative = np.signbit(other._data)
        return where(negative, -self.abs(), self.abs())

    def lerp(self, end: Any, weight: Any) -> Tensor:
        """x + weight (end - x)."""
        end = self._coerce(end, "lerp")
        weight = weight if is_tensor(weight) or isinstance(weight, int | float) else \
            self._coerce(weight, "lerp")
        return self + weight * (end - self)
