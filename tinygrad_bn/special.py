"""`tg.special`: PyTorch's torch.special namespace, with its names and signatures.

Most are the package's functions under their SciPy-style names (expit is sigmoid,
gammaln is lgamma, psi is digamma, multigammaln is mvlgamma); the rest are composites
whose gradients follow: i1 (a primitive op, tinygrad_bn/ops/gamma.py), xlog1py
(x log(1 + y), 0 where x = 0), entr (-x ln x, 0 at 0, -inf below), ndtr (the standard
normal CDF, erfc(-x / sqrt 2) / 2), ndtri (its inverse, sqrt 2 erfinv(2p - 1)) and
log_ndtr (ln ndtr, through erfc: -inf once ndtr underflows, near x = -38, where PyTorch's
scaled erfc goes further).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import method_functions as _f
from . import ops
from .errors import names_errors
from .tensor import Tensor, as_tensor, where
from .tensor_methods.elementwise import floating

__all__ = ["digamma", "entr", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammaln",
           "i0", "i1", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp",
           "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round", "sinc", "softmax",
           "xlog1py", "xlogy"]

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
    return ops.BesselI1.apply(floating(as_tensor(input)))


@names_errors("xlog1py")
def xlog1py(input: Any, other: Any) -> Tensor:  # noqa: A002
    """x log(1 + y), 0 where x = 0 (unless y is NaN), as xlogy is x log y."""
    x = other._coerce(input, "xlog1py") if isinstance(other, Tensor) and \
        not isinstance(input, Tensor) else as_tensor(input)
    x, y = (floating(t) for t in x._operands(other, "xlog1py"))
    zero = (x._data == 0) & ~np.isnan(y._data)
    if not zero.any():
        return x * y.log1p()
    return where(zero, 0.0, x * where(zero, 0.0, y).log1p())


@names_errors("entr")
def entr(input: Any) -> Tensor:  # noqa: A002
    """-x ln x for x > 0, 0 at x = 0, -inf for x < 0 (NaN stays NaN)."""
    x = floating(as_tensor(input))
    positive = x._data > 0
    inside = -x * where(positive, x, 1.0).log()
    return where(positive, inside, where(x._data == 0, 0.0, np.where(
        np.isnan(x._data), np.nan, -np.inf).astype(x.dtype)))


@names_errors("ndtr")
def ndtr(input: Any) -> Tensor:  # noqa: A002
    """The standard normal CDF: erfc(-x / sqrt 2) / 2 (erfc keeps the left tail's digits)."""
    return (floating(as_tensor(input)) * -SQRT_HALF).erfc() * 0.5


@names_errors("ndtri")
def ndtri(input: Any) -> Tensor:  # noqa: A002
    """The inverse of ndtr: sqrt 2 erfinv(2p - 1) (-inf at 0, inf at 1, NaN outside)."""
    return (floating(as_tensor(input)) * 2 - 1).erfinv() * math.sqrt(2.0)


@names_errors("log_ndtr")
def log_ndtr(input: Any) -> Tensor:  # noqa: A002
    """ln ndtr(x): for x > 0 as log1p(-ndtr(-x)), which keeps the digits of a value near 0
    (see the module docstring for the left end)."""
    x = floating(as_tensor(input))
    right = x._data > 0
    left_value = ((where(right, 0.0, x) * -SQRT_HALF).erfc() * 0.5).log()
    if not right.any():
        return left_value
    right_value = (-(where(right, x, 1.0) * SQRT_HALF).erfc() * 0.5).log1p()
    return where(right, right_value, left_value)
