"""The in-place twins of the elementwise math and arithmetic methods, as PyTorch names them
(`floor_`, `erfinv_`, `atan2_`, `lerp_`, `eq_`, `logical_not_`, `addmm_` and more).

Each is `x.name_(...)` = write `x.name(...)` into x itself, through the one way a tensor is
written (tensor_methods/inplace.py, `_write`): version counters, views, the refusal on a leaf
that requires grad, and the write recorded as a node of the graph all come from there. The
result must fit x in place: the same shape (x does not broadcast) and a dtype x can hold
(`erf_` on an integer tensor is refused, as PyTorch's). The comparisons and logical ops
write 1 and 0 in x's dtype; their gradient is 0, recorded as a write of a constant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..dtypes import as_dtype
from ..errors import DTypeError
from .inplace import _copied

if TYPE_CHECKING:
    from ..tensor import Tensor


class InplaceMathMethods:
    """The mixin of Tensor's in-place elementwise math."""

    __slots__ = ()

    # ---- one input
    def acos_(self) -> Tensor:
        return self._write("acos_", lambda t: t.acos())

    def acosh_(self) -> Tensor:
        return self._write("acosh_", lambda t: t.acosh())

    def asin_(self) -> Tensor:
        return self._write("asin_", lambda t: t.asin())

    def asinh_(self) -> Tensor:
        return self._write("asinh_", lambda t: t.asinh())

    def atan_(self) -> Tensor:
        return self._write("atan_", lambda t: t.atan())

    def atanh_(self) -> Tensor:
        return self._write("atanh_", lambda t: t.atanh())

    arccos_, arccosh_, arcsin_, arcsinh_ = acos_, acosh_, asin_, asinh_
    arctan_, arctanh_ = atan_, atanh_

    def sinh_(self) -> Tensor:
        return self._write("sinh_", lambda t: t.sinh())

    def cosh_(self) -> Tensor:
        return self._write("cosh_", lambda t: t.cosh())

    def tan_(self) -> Tensor:
        return self._write("tan_", lambda t: t.tan())

    def exp2_(self) -> Tensor:
        return self._write("exp2_", lambda t: t.exp2())

    def expm1_(self) -> Tensor:
        return self._write("expm1_", lambda t: t.expm1())

    def log2_(self) -> Tensor:
        return self._write("log2_", lambda t: t.log2())

    def log10_(self) -> Tensor:
        return self._write("log10_", lambda t: t.log10())

    def log1p_(self) -> Tensor:
        return self._write("log1p_", lambda t: t.log1p())

    def logit_(self, eps: float | None = None) -> Tensor:
        return self._write("logit_", lambda t: t.logit(eps))

    def erf_(self) -> Tensor:
        return self._write("erf_", lambda t: t.erf())

    def erfc_(self) -> Tensor:
        return self._write("erfc_", lambda t: t.erfc())

    def erfinv_(self) -> Tensor:
        return self._write("erfinv_", lambda t: t.erfinv())

    def reciprocal_(self) -> Tensor:
        return self._write("reciprocal_", lambda t: t.reciprocal())

    def rsqrt_(self) -> Tensor:
        return self._write("rsqrt_", lambda t: t.rsqrt())

    def square_(self) -> Tensor:
        return self._write("square_", lambda t: t.square())

    def negative_(self) -> Tensor:
        return self._write("negative_", lambda t: -t)

    def floor_(self) -> Tensor:
        return self._write("floor_", lambda t: t.floor())

    def ceil_(self) -> Tensor:
        return self._write("ceil_", lambda t: t.ceil())

    def trunc_(self) -> Tensor:
        return self._write("trunc_", lambda t: t.trunc())

    fix_ = trunc_

    def round_(self, decimals: int = 0) -> Tensor:
        return self._write("round_", lambda t: t.round(decimals))

    def frac_(self) -> Tensor:
        return self._write("frac_", lambda t: t.frac())

    def absolute_(self) -> Tensor:
        return self._write("absolute_", lambda t: t.abs())

    def sgn_(self) -> Tensor:
        return self._write("sgn_", lambda t: t.sign())

    def clamp_min_(self, min: Any) -> Tensor:  # noqa: A002
        return self._write("clamp_min_", lambda t: t.clamp(min=min))

    def clamp_max_(self, max: Any) -> Tensor:  # noqa: A002
        return self._write("clamp_max_", lambda t: t.clamp(max=max))

    def deg2rad_(self) -> Tensor:
        return self._write("deg2rad_", lambda t: t.deg2rad())

    def rad2deg_(self) -> Tensor:
        return self._write("rad2deg_", lambda t: t.rad2deg())

    def nan_to_num_(self, nan: float = 0.0, posinf: float | None = None,
                    neginf: float | None = None) -> Tensor:
        return self._write("nan_to_num_", lambda t: t.nan_to_num(nan, posinf, neginf))

    def bitwise_not_(self) -> Tensor:
        return self._write("bitwise_not_", lambda t: t.bitwise_not())

    def logical_not_(self) -> Tensor:
        return self._write("logical_not_", lambda t: _copied(t, t.logical_not()))

    # ---- arithmetic in PyTorch's spellings
    def subtract_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return self._write("subtract_", lambda t: t.sub(other, alpha=alpha))

    def multiply_(self, other: Any) -> Tensor:
        return self._write("multiply_", lambda t: t * other)

    def divide_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        return self._write("divide_", lambda t: t.div(other, rounding_mode=rounding_mode))

    def true_divide_(self, other: Any) -> Tensor:
        return self._write("true_divide_", lambda t: t / other)

    def floor_divide_(self, other: Any) -> Tensor:
        return self._write("floor_divide_", lambda t: t.floor_divide(other))

    def remainder_(self, other: Any) -> Tensor:
        return self._write("remainder_", lambda t: t.remainder(other))

    def fmod_(self, other: Any) -> Tensor:
        return self._write("fmod_", lambda t: t.fmod(other))

    def atan2_(self, other: Any) -> Tensor:
        return self._write("atan2_", lambda t: t.atan2(other))

    arctan2_ = atan2_

    def hypot_(self, other: Any) -> Tensor:
        return self._write("hypot_", lambda t: t.hypot(other))

    def copysign_(self, other: Any) -> Tensor:
        return self._write("copysign_", lambda t: t.copysign(other))

    def xlogy_(self, other: Any) -> Tensor:
        return self._write("xlogy_", lambda t: t.xlogy(other))

    def addcmul_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        return self._write("addcmul_", lambda t: t.addcmul(tensor1, tensor2, value=value))

    def addcdiv_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        return self._write("addcdiv_", lambda t: t.addcdiv(tensor1, tensor2, value=value))

    def float_power_(self, exponent: Any) -> Tensor:
        return self._write("float_power_", lambda t: t.float_power(exponent))

    def ldexp_(self, other: Any) -> Tensor:
        return self._write("ldexp_", lambda t: t.ldexp(other))

    def lerp_(self, end: Any, weight: Any) -> Tensor:
        return self._write("lerp_", lambda t: t.lerp(end, weight))

    def addmm_(self, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return self._write("addmm_", lambda t: t.addmm(mat1, mat2, beta=beta, alpha=alpha))

    def addmv_(self, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return self._write("addmv_", lambda t: t.addmv(mat, vec, beta=beta, alpha=alpha))

    def baddbmm_(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        return self._write("baddbmm_",
                           lambda t: t.baddbmm(batch1, batch2, beta=beta, alpha=alpha))

    # ---- shape-keeping methods of other concerns (scans, triangles)
    def cumsum_(self, dim: int, dtype: Any = None) -> Tensor:
        """The running sums along dim, written in place; `dtype`, if given, must be the
        tensor's own (as PyTorch: an in-place result keeps the tensor's dtype)."""
        if dtype is not None and as_dtype("cumsum_", dtype) != self.dtype:
            raise DTypeError(f"cumsum_: dtype {np.dtype(dtype)} must be the tensor's dtype "
                             f"{self.dtype} (an in-place result keeps it)")
        return self._write("cumsum_", lambda t: t.cumsum(dim))

    def tril_(self, diagonal: int = 0) -> Tensor:
        return self._write("tril_", lambda t: t.tril(diagonal))

    def triu_(self, diagonal: int = 0) -> Tensor:
        return self._write("triu_", lambda t: t.triu(diagonal))

    # ---- integer bit operations (no gradient: integer and bool tensors only)
    def bitwise_and_(self, other: Any) -> Tensor:
        return self._write("bitwise_and_", lambda t: t.bitwise_and(other))

    def bitwise_or_(self, other: Any) -> Tensor:
        return self._write("bitwise_or_", lambda t: t.bitwise_or(other))

    def bitwise_xor_(self, other: Any) -> Tensor:
        return self._write("bitwise_xor_", lambda t: t.bitwise_xor(other))

    def bitwise_left_shift_(self, other: Any) -> Tensor:
        return self._write("bitwise_left_shift_", lambda t: t.bitwise_left_shift(other))

    def bitwise_right_shift_(self, other: Any) -> Tensor:
        return self._write("bitwise_right_shift_", lambda t: t.bitwise_right_shift(other))

    def gcd_(self, other: Any) -> Tensor:
        return self._write("gcd_", lambda t: t.gcd(other))

    def lcm_(self, other: Any) -> Tensor:
        return self._write("lcm_", lambda t: t.lcm(other))

    def heaviside_(self, values: Any) -> Tensor:
        return self._write("heaviside_", lambda t: _copied(t, t.heaviside(values)))

    # ---- comparisons and logic: 1 and 0 in x's dtype, gradient 0
    def eq_(self, other: Any) -> Tensor:
        return self._write("eq_", lambda t: _copied(t, t.eq(other)))

    def ne_(self, other: Any) -> Tensor:
        return self._write("ne_", lambda t: _copied(t, t.ne(other)))

    def lt_(self, other: Any) -> Tensor:
        return self._write("lt_", lambda t: _copied(t, t.lt(other)))

    def le_(self, other: Any) -> Tensor:
        return self._write("le_", lambda t: _copied(t, t.le(other)))

    def gt_(self, other: Any) -> Tensor:
        return self._write("gt_", lambda t: _copied(t, t.gt(other)))

    def ge_(self, other: Any) -> Tensor:
        return self._write("ge_", lambda t: _copied(t, t.ge(other)))

    not_equal_, less_, less_equal_, greater_, greater_equal_ = ne_, lt_, le_, gt_, ge_

    def logical_and_(self, other: Any) -> Tensor:
        return self._write("logical_and_", lambda t: _copied(t, t.logical_and(other)))

    def logical_or_(self, other: Any) -> Tensor:
        return self._write("logical_or_", lambda t: _copied(t, t.logical_or(other)))

    def logical_xor_(self, other: Any) -> Tensor:
        return self._write("logical_xor_", lambda t: _copied(t, t.logical_xor(other)))
