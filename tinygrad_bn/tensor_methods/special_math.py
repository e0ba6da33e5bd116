"""Special functions and floating-point bits as Tensor methods: the gamma family (lgamma,
digamma, polygamma, mvlgamma), the modified Bessel function i0, sinc, logaddexp2, and the
representation queries frexp, signbit, nextafter (and positive, PyTorch's unary plus).

lgamma, digamma, polygamma and i0 are primitive ops (tinygrad_bn/ops/gamma.py), each
derivative the next member of its family; sinc, logaddexp2 and frexp's mantissa are
composites, so their gradients follow. As PyTorch: integer inputs compute in the default
float dtype (frexp, logaddexp2 and nextafter refuse them), sinc(0) = 1 with slope 0 there,
frexp's mantissa has gradient 2^-e and its int32 exponent none, nextafter's gradient is 1
for x and 0 for the direction.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops, return_types
from ..autograd.primitive import is_tensor, new_tensor
from ..errors import ArgumentError, ArgumentTypeError, DTypeError
from ..ops.incomplete_gamma import Igamma, Igammac
from .elementwise import floating, where
from .math import distance
from .operands import float_operands

if TYPE_CHECKING:
    from ..tensor import Tensor

LN2 = math.log(2.0)


def _floating_only(op: str, *tensors: Tensor) -> None:
    """PyTorch's refusal of integer and bool inputs to the functions defined on floats only."""
    for t in tensors:
        if t.dtype.kind != "f":
            raise DTypeError(f"{op}: only supports floating-point dtypes, got {t.dtype}")


class SpecialMathMethods:
    """The mixin of Tensor's special functions and floating-point queries."""

    __slots__ = ()

    # ---- the gamma family and Bessel's i0
    def lgamma(self) -> Tensor:
        """ln |Gamma(x)| (+inf at 0 and the negative integers)."""
        return ops.Lgamma.apply(floating(self))

    def digamma(self) -> Tensor:
        """psi(x) = Gamma'(x) / Gamma(x) (-inf at +0, +inf at -0, NaN at negative integers)."""
        return ops.Polygamma.apply(floating(self), n=0)

    def polygamma(self, n: int) -> Tensor:
        """The n-th derivative of digamma at x: psi^(n)(x) (`x.polygamma(n)`, while the
        function is `tg.polygamma(n, x)`, as PyTorch's)."""
        if isinstance(n, bool) or not isinstance(n, int | np.integer):
            raise ArgumentTypeError(f"polygamma: n must be an int, got {type(n).__name__} "
                                    f"{n!r}")
        if n < 0:
            raise ArgumentError(f"polygamma: n must be non-negative, got {n}")
        return ops.Polygamma.apply(floating(self), n=int(n))

    def mvlgamma(self, p: int) -> Tensor:
        """The multivariate log-gamma of dimension p: p (p - 1)/4 ln pi + sum_{j<p}
        lgamma(x - j/2) (defined for x > (p - 1)/2; below, the same sum, as PyTorch's)."""
        if isinstance(p, bool) or not isinstance(p, int | np.integer) or p < 1:
            raise ArgumentError(f"mvlgamma: p has to be an int >= 1, got {p!r}")
        x = floating(self)
        total = x.lgamma()
        for j in range(1, int(p)):
            total = total + (x - j / 2).lgamma()
        return total + p * (p - 1) / 4 * math.log(math.pi)

    def i0(self) -> Tensor:
        """The modified Bessel function of the first kind of order 0: sum_k (x^2/4)^k / k!^2."""
        return ops.BesselI0.apply(floating(self))

    def igamma(self, other: Any) -> Tensor:
        """P(self, other), the regularized lower incomplete gamma function (tg.special.gammainc;
        differentiable in other only, as PyTorch)."""
        return Igamma.apply(*float_operands(self, other, "igamma", integers=False))

    def igammac(self, other: Any) -> Tensor:
        """Q(self, other) = 1 - P(self, other) (tg.special.gammaincc)."""
        return Igammac.apply(*float_operands(self, other, "igammac", integers=False))

    # ---- composites
    def sinc(self) -> Tensor:
        """sin(pi x) / (pi x), 1 at x = 0 (its limit; the slope there is 0, as PyTorch's)."""
        x = floating(self)
        zero = x._data == 0
        if not zero.any():
            return (x * math.pi).sin() / (x * math.pi)
        safe = where(zero, 1.0, x) * math.pi  # no 0/0 in the value or in any derivative
        return where(zero, 1.0, safe.sin() / safe)

    def logaddexp2(self, other: Any) -> Tensor:
        """log2(2^x + 2^y), as max + log2(1 + 2^-|x - y|) (no overflow; equal infinities
        give themselves)."""
        x, y = self._operands(other, "logaddexp2")
        _floating_only("logaddexp2", x, y)
        return ops.Maximum.apply(x, y) + (-distance(x, y)).exp2().log1p() * (1 / LN2)

    def positive(self) -> Tensor:
        """x itself (PyTorch's unary plus; refused for bool, as PyTorch)."""
        if self.dtype.kind == "b":
            raise DTypeError("positive: the `+` operator on a bool tensor is not supported; "
                             "use logical_or or bitwise_or instead")
        return self

    def signbit(self) -> Tensor:
        """Whether each element's sign bit is set (True for -0.0 and negative NaN); bool,
        no gradient."""
        return new_tensor(np.signbit(self._data))

    def frexp(self) -> return_types.frexp:
        """PyTorch's named tuple (mantissa, exponent): x = mantissa 2^exponent with
        0.5 <= |mantissa| < 1 (0, inf and NaN keep exponent 0); the exponent is int32."""
        _floating_only("frexp", self)
        _, exponent = np.frexp(self._data)
        # 2^-e in two factors: each stays finite for subnormal x (e down to -1073), so the
        # value is exact; the gradient is their product, 2^-e, as PyTorch's
        half = exponent // 2
        mantissa = self * np.ldexp(np.ones((), self.dtype), -half) * \
            np.ldexp(np.ones((), self.dtype), half - exponent)
        return return_types.frexp(mantissa, new_tensor(exponent.astype(np.int32)))

    def nextafter(self, other: Tensor) -> Tensor:
        """The next float after x towards other (x itself where they are equal); gradient
        1 for x and 0 for other, as PyTorch's."""
        if not is_tensor(other):
            raise ArgumentTypeError(f"nextafter: other must be a Tensor, got "
                                    f"{type(other).__name__} {other!r}")
        x, y = self._operands(other, "nextafter")
        _floating_only("nextafter", x, y)
        return ops.NextAfter.apply(x, y)

