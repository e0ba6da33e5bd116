"""`tg.special`: PyTorch's torch.special namespace, with its names and signatures.

Most are the package's functions under their SciPy-style names (expit is sigmoid,
gammaln is lgamma, psi is digamma, multigammaln is mvlgamma); the rest are composites
whose gradients follow: gammainc, gammaincc and zeta (primitive ops differentiable in
their second argument only, as PyTorch's: tinygrad_bn/ops/incomplete_gamma.py), i1, i0e,
i1e (primitive ops, tinygrad_bn/ops/gamma.py), erfcx
(a primitive op, tinygrad_bn/ops/special.py), xlog1py
(x log(1 + y), 0 where x = 0), entr (-x ln x, 0 at 0, -inf below), ndtr (the standard
normal CDF, erfc(-x / sqrt 2) / 2), ndtri (its inverse, sqrt 2 erfinv(2p - 1)) and
log_ndtr (ln ndtr, through erfc, and its asymptotic series far in the left tail). The
Bessel and Airy functions and the orthogonal polynomials, which PyTorch gives no
gradient, are special_no_grad.py's.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import method_functions as _f
from . import ops
from . import special_no_grad as _no_grad
from .autograd.primitive import new_tensor
from .errors import names_errors
from .ops.incomplete_gamma import Igamma, Igammac, Zeta
from .tensor import Tensor, as_tensor, where
from .tensor_methods.elementwise import floating
from .tensor_methods.operands import float_operands

__all__ = ["digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1",
           "gammainc", "gammaincc", "gammaln", "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr",
           "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma",
           "psi", "round", "sinc", "softmax", "xlog1py", "xlogy", "zeta"]

digamma = psi = _f.digamma
erf, erfc, erfinv = _f.erf, _f.erfc, _f.erfinv
exp2, expm1, log1p = _f.exp2, _f.expm1, _f.log1p
expit = _f.sigmoid
gammaln = _f.lgamma
i0 = _f.i0
logit = _f.logit
log_softmax, softmax, logsumexp = _f.log_softmax, _f.softmax, _f.logsumexp
multigammaln = _f.mvlgamma
polygamma = _f.polygamma
round = _f.round  # noqa: A001 (PyTorch's name)
sinc = _f.sinc
xlogy = _f.xlogy
SQRT_HALF = math.sqrt(0.5)


@names_errors("i1")
def i1(input: Any) -> Tensor:  # noqa: A002 (PyTorch's name)
    """The modified Bessel function of the first kind of order 1:
    sum_k (x/2)^(2k+1) / (k! (k+1)!)."""
    return ops.BesselI1.apply(floating(_f.tensor_input("i1", input)))


@names_errors("erfcx")
def erfcx(input: Any) -> Tensor:  # noqa: A002 (PyTorch's name)
    """The scaled complementary error function e^(x^2) erfc x (finite where erfc
    underflows, ~ 1 / (x sqrt pi) for large x)."""
    return ops.Erfcx.apply(floating(_f.tensor_input("erfcx", input)))


@names_errors("i0e")
def i0e(input: Any) -> Tensor:  # noqa: A002 (PyTorch's name)
    """e^-|x| I0(x): i0 scaled to stay finite for large |x|."""
    return ops.BesselI0e.apply(floating(_f.tensor_input("i0e", input)))


@names_errors("i1e")
def i1e(input: Any) -> Tensor:  # noqa: A002 (PyTorch's name)
    """e^-|x| I1(x): i1 scaled to stay finite for large |x|."""
    return ops.BesselI1e.apply(floating(_f.tensor_input("i1e", input)))


def _pair(input: Any, other: Any, op: str, integers: bool = True) -> tuple[Tensor, Tensor]:  # noqa: A002
    """The two operands in their floating result dtype (a number may come first, not
    both: PyTorch's TypeError)."""
    _f.refuse_numbers(op, (input,), (0,) if type(other) in (bool, int, float) else ())
    if isinstance(other, Tensor) and not isinstance(input, Tensor):
        y, x = float_operands(other, input, op, integers)
        return x, y
    return float_operands(as_tensor(input), other, op, integers)


@names_errors("gammainc")
def gammainc(input: Any, other: Any) -> Tensor:  # noqa: A002 (PyTorch's name)
    """The regularized lower incomplete gamma function P(a, x) = int_0^x t^(a-1) e^-t dt /
    Gamma(a), a = input, x = other; differentiable in x only (as PyTorch)."""
    _f.refuse_numbers("gammainc", (input, other), (0, 1))
    return Igamma.apply(*_pair(input, other, "gammainc", integers=False))


@names_errors("gammaincc")
def gammaincc(input: Any, other: Any) -> Tensor:  # noqa: A002 (PyTorch's name)
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x);
    differentiable in x only (as PyTorch)."""
    _f.refuse_numbers("gammaincc", (input, other), (0, 1))
    return Igammac.apply(*_pair(input, other, "gammaincc", integers=False))


@names_errors("zeta")
def zeta(input: Any, other: Any) -> Tensor:  # noqa: A002 (PyTorch's name)
    """Hurwitz's zeta function sum_k (k + q)^-s, s = input, q = other; differentiable in q
    only (as PyTorch)."""
    return Zeta.apply(*_pair(input, other, "zeta"))


@names_errors("xlog1py")
def xlog1py(input: Any, other: Any) -> Tensor:  # noqa: A002
    """x log(1 + y), 0 where x = 0 (unless y is NaN), as xlogy is x log y."""
    _f.refuse_numbers("xlog1py", (input,), (0,) if type(other) in (bool, int, float) else ())
    if isinstance(other, Tensor) and not isinstance(input, Tensor):  # a number first
        y, x = float_operands(other, input, "xlog1py")
    else:
        x, y = float_operands(as_tensor(input), other, "xlog1py")
    zero = (x._data == 0) & ~np.isnan(y._data)
    if not zero.any():
        return x * y.log1p()
    return where(zero, 0.0, x * where(zero, 0.0, y).log1p())


@names_errors("entr")
def entr(input: Any) -> Tensor:  # noqa: A002
    """-x ln x for x > 0, 0 at x = 0, -inf for x < 0 (NaN stays NaN); ops.Entr, whose
    gradient -(1 + ln x) is PyTorch's also outside the domain."""
    return ops.Entr.apply(floating(_f.tensor_input("entr", input)))


@names_errors("ndtr")
def ndtr(input: Any) -> Tensor:  # noqa: A002
    """The standard normal CDF: erfc(-x / sqrt 2) / 2 (erfc keeps the left tail's digits)."""
    return (floating(_f.tensor_input("ndtr", input)) * -SQRT_HALF).erfc() * 0.5


@names_errors("ndtri")
def ndtri(input: Any) -> Tensor:  # noqa: A002
    """The inverse of ndtr: sqrt 2 erfinv(2p - 1) (-inf at 0, inf at 1, NaN outside). For
    p < 1/2, 2p - 1 rounds away p's low digits, so the value is polished by two Newton
    steps on ndtr(y) = p (ndtr through erfc, exact in the left tail); the gradient is the
    composite's, sqrt(2 pi) e^(y^2/2). Below p ~ 1e-16, 2p - 1 is -1 and the value -inf
    (PyTorch's rational approximation goes on to p ~ 1e-308)."""
    p = floating(_f.tensor_input("ndtri", input))
    y = (p * 2 - 1).erfinv() * math.sqrt(2.0)
    data = y._data.astype(np.float64)
    target = p._data.astype(np.float64)
    left = np.isfinite(data) & (target < 0.5)
    if not left.any():
        return y
    z = data[left]
    for _ in range(2):
        cdf = 0.5 * _erfc(-z * SQRT_HALF)
        z = z - (cdf - target[left]) * math.sqrt(2 * math.pi) * np.exp(z * z / 2)
    step = np.zeros_like(data)
    step[left] = z - data[left]
    return y + new_tensor(step.astype(y.dtype))


def _erfc(x: np.ndarray) -> np.ndarray:
    return ops.Erfc.apply(new_tensor(x))._data


@names_errors("log_ndtr")
def log_ndtr(input: Any) -> Tensor:  # noqa: A002
    """ln ndtr(x): for x > 0 as log1p(-ndtr(-x)), which keeps the digits of a value near 0;
    below -20, where erfc nears its underflow, the asymptotic series -x^2/2 - ln(-x) -
    ln(2 pi)/2 + ln(1 - 1/x^2 + 3/x^4 - 15/x^6 ...)."""
    x = floating(_f.tensor_input("log_ndtr", input))
    right = x._data > 0
    far = x._data < _FAR_LEFT
    middle = where(right | far, -1.0, x)
    value = ((middle * -SQRT_HALF).erfc() * 0.5).log()
    if right.any():
        right_value = (-(where(right, x, 1.0) * SQRT_HALF).erfc() * 0.5).log1p()
        value = where(right, right_value, value)
    if far.any():
        t = where(far, x, _FAR_LEFT)
        w = 1 / (t * t)
        series, term = 1.0, 1.0
        for k in range(1, 12):  # (-1)^k (2k - 1)!! / x^2k
            term = term * -(2 * k - 1) * w
            series = series + term
        tail = -(t * t) * 0.5 - (-t).log() - 0.5 * math.log(2 * math.pi) + series.log()
        value = where(far, tail, value)
    return value


_FAR_LEFT = -20.0

# the functions PyTorch gives no gradient: Bessel, Airy, the orthogonal polynomials
__all__ += _no_grad.__all__
globals().update({_name: getattr(_no_grad, _name) for _name in _no_grad.__all__})
