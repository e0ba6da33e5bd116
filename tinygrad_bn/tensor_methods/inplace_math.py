"""The in-place twins of the elementwise math and arithmetic methods, as PyTorch names them
(`floor_`, `erfinv_`, `atan2_`, `lerp_`, `eq_`, `logical_not_`, `addmm_` and more).

Each is `x.name_(...)` = write `x.name(...)` into x itself, through the one way a tensor is
written (tensor_methods/inplace.py, `_write`): version counters, views, the refusal on a leaf
that requires grad, and the write recorded as a node of the graph all come from there. The
result must fit x in place: the same shape (x does not broadcast) and a dtype x can hold
(`erf_` on an integer tensor is refused, as PyTorch's). The comparisons and logical ops
write 1 and 0 in x's dtype; their gradient is 0, recorded as a write of a constant.
The twins whose only argument is `other` (or none) are made by `_twin`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..dtypes import as_dtype
from ..errors import DTypeError
from .axis_alias import takes_axis
from .inplace import _copied

if TYPE_CHECKING:
    from ..tensor import Tensor


def _twin(method: str, binary: bool = False, as_flags: bool = False) -> Callable[..., Tensor]:
    """`x.method_()` (or `x.method_(other)` when `binary`): x.method(...) written into x;
    `as_flags` for comparisons and logic, whose bool result is copied into x's dtype."""
    name = f"{method}_"

    def result(t: Tensor, *args: Any) -> Tensor:
        out = getattr(t, method)(*args)
        return _copied(t, out) if as_flags else out

    if binary:
        def twin(self: Tensor, other: Any) -> Tensor:
            return self._write(name, lambda t: result(t, other))
    else:
        def twin(self: Tensor) -> Tensor:
            return self._write(name, result)
    twin.__name__, twin.__qualname__ = name, f"InplaceMathMethods.{name}"
    twin.__doc__ = f"x.{method}({'other' if binary else ''}) written into x in place."
    return twin


class InplaceMathMethods:
    """The mixin of Tensor's in-place elementwise math."""

    __slots__ = ()

    # ---- one input
    acos_ = _twin("acos")
    acosh_ = _twin("acosh")
    asin_ = _twin("asin")
    asinh_ = _twin("asinh")
    atan_ = _twin("atan")
    atanh_ = _twin("atanh")

    arccos_, arccosh_, arcsin_, arcsinh_ = acos_, acosh_, asin_, asinh_
    arctan_, arctanh_ = atan_, atanh_

    sinh_ = _twin("sinh")
    cosh_ = _twin("cosh")
    tan_ = _twin("tan")
    exp2_ = _twin("exp2")
    expm1_ = _twin("expm1")
    log2_ = _twin("log2")
    log10_ = _twin("log10")
    log1p_ = _twin("log1p")

    def logit_(self, eps: float | None = None) -> Tensor:
        return self._write("logit_", lambda t: t.logit(eps))

    erf_ = _twin("erf")
    erfc_ = _twin("erfc")
    erfinv_ = _twin("erfinv")
    reciprocal_ = _twin("reciprocal")
    rsqrt_ = _twin("rsqrt")
    square_ = _twin("square")

    def negative_(self) -> Tensor:
        return self._write("negative_", lambda t: -t)

    floor_ = _twin("floor")
    ceil_ = _twin("ceil")
    trunc_ = _twin("trunc")

    fix_ = trunc_

    def round_(self, decimals: int = 0) -> Tensor:
        return self._write("round_", lambda t: t.round(decimals))

    frac_ = _twin("frac")

    def absolute_(self) -> Tensor:
        return self._write("absolute_", lambda t: t.abs())

    def sgn_(self) -> Tensor:
        return self._write("sgn_", lambda t: t.sign())

    def clamp_min_(self, min: Any) -> Tensor:  # noqa: A002
        return self._write("clamp_min_", lambda t: t.clamp(min=min))

    def clamp_max_(self, max: Any) -> Tensor:  # noqa: A002
        return self._write("clamp_max_", lambda t: t.clamp(max=max))

    deg2rad_ = _twin("deg2rad")
    rad2deg_ = _twin("rad2deg")

    def nan_to_num_(self, nan: float = 0.0, posinf: float | None = None,
                    neginf: float | None = None) -> Tensor:
        return self._write("nan_to_num_", lambda t: t.nan_to_num(nan, posinf, neginf))

    bitwise_not_ = _twin("bitwise_not")

    logical_not_ = _twin("logical_not", as_flags=True)

    # ---- arithmetic in PyTorch's spellings
    def subtract_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return self._write("subtract_", lambda t: t.sub(other, alpha=alpha))

    def multiply_(self, other: Any) -> Tensor:
        return self._write("multiply_", lambda t: t * other)

    def divide_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        return self._write("divide_", lambda t: t.div(other, rounding_mode=rounding_mode))

    def true_divide_(self, other: Any) -> Tensor:
        return self._write("true_divide_", lambda t: t / other)

    floor_divide_ = _twin("floor_divide", binary=True)
    remainder_ = _twin("remainder", binary=True)
    fmod_ = _twin("fmod", binary=True)
    atan2_ = _twin("atan2", binary=True)

    arctan2_ = atan2_

    hypot_ = _twin("hypot", binary=True)
    copysign_ = _twin("copysign", binary=True)
    xlogy_ = _twin("xlogy", binary=True)
    igamma_ = _twin("igamma", binary=True)
    igammac_ = _twin("igammac", binary=True)

    def addcmul_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        return self._write("addcmul_", lambda t: t.addcmul(tensor1, tensor2, value=value))

    def addcdiv_(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        return self._write("addcdiv_", lambda t: t.addcdiv(tensor1, tensor2, value=value))

    def float_power_(self, exponent: Any) -> Tensor:
        return self._write("float_power_", lambda t: t.float_power(exponent))

    ldexp_ = _twin("ldexp", binary=True)

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
    @takes_axis
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
    bitwise_and_ = _twin("bitwise_and", binary=True)
    bitwise_or_ = _twin("bitwise_or", binary=True)
    bitwise_xor_ = _twin("bitwise_xor", binary=True)
    bitwise_left_shift_ = _twin("bitwise_left_shift", binary=True)
    bitwise_right_shift_ = _twin("bitwise_right_shift", binary=True)
    gcd_ = _twin("gcd", binary=True)
    lcm_ = _twin("lcm", binary=True)

    # the augmented assignments Python would otherwise turn into a new tensor (`x //= 2`
    # rebinding x): written in place, as PyTorch's, so views and other names see them
    __iand__, __ior__, __ixor__ = bitwise_and_, bitwise_or_, bitwise_xor_
    __ilshift__, __irshift__ = bitwise_left_shift_, bitwise_right_shift_
    __ifloordiv__ = floor_divide_
    __imod__ = remainder_

    def heaviside_(self, values: Any) -> Tensor:
        return self._write("heaviside_", lambda t: _copied(t, t.heaviside(values)))

    # ---- comparisons and logic: 1 and 0 in x's dtype, gradient 0
    eq_ = _twin("eq", binary=True, as_flags=True)
    ne_ = _twin("ne", binary=True, as_flags=True)
    lt_ = _twin("lt", binary=True, as_flags=True)
    le_ = _twin("le", binary=True, as_flags=True)
    gt_ = _twin("gt", binary=True, as_flags=True)
    ge_ = _twin("ge", binary=True, as_flags=True)

    not_equal_, less_, less_equal_, greater_, greater_equal_ = ne_, lt_, le_, gt_, ge_

    logical_and_ = _twin("logical_and", binary=True, as_flags=True)
    logical_or_ = _twin("logical_or", binary=True, as_flags=True)
    logical_xor_ = _twin("logical_xor", binary=True, as_flags=True)
