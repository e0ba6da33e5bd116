"""Elementwise math as Tensor methods: logarithms and exponentials (log1p expm1 log2 log10
exp2 logaddexp xlogy logit), trigonometric and hyperbolic functions and their inverses,
the error function (erf erfc erfinv), rounding (floor ceil round trunc frac), PyTorch's
spellings of arithmetic (add/sub with alpha, mul, div with rounding_mode, true_divide,
floor_divide, remainder, fmod, pow, neg, reciprocal, rsqrt, square, atan2, hypot, copysign,
lerp, addcmul, addcdiv, float_power, ldexp, absolute, sgn, clamp_min, clamp_max,
nan_to_num, deg2rad, rad2deg), integer and step functions without gradient (gcd lcm
heaviside), and the normalized exponentials along one axis (softmax log_softmax).

The transcendental functions and rounding are primitive ops (tinygrad_bn/ops/special.py);
the rest are composites of primitives, so their gradients follow. As PyTorch: remainder
takes the divisor's sign (x - floor(x / y) y), fmod the dividend's (x - trunc(x / y) y),
and both are differentiable in x (1) and y (-floor(x / y) or -trunc(x / y)).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops
from ..autograd.primitive import is_tensor, new_tensor
from ..dtypes import as_dtype, result_type, result_type_of
from ..errors import ArgumentError, ArgumentTypeError, DTypeError
from ..foreign_operands import refuse_in_method
from ..keywords import normalize_axes, one_of
from .elementwise import floating, no_bool, where
from .operands import float_operands, integer_ufunc

if TYPE_CHECKING:
    from ..tensor import Tensor


class MathMethods:
    """The mixin of Tensor's elementwise math."""

    __slots__ = ()

    # ---- logarithms and exponentials
    def log1p(self) -> Tensor:
        return ops.Log1p.apply(floating(self))

    def expm1(self) -> Tensor:
        return ops.Expm1.apply(floating(self))

    def log2(self) -> Tensor:
        return ops.Log2.apply(floating(self))

    def log10(self) -> Tensor:
        return ops.Log10.apply(floating(self))

    def exp2(self) -> Tensor:
        return ops.Exp2.apply(floating(self))

    def logaddexp(self, other: Any) -> Tensor:
        """log(e^x + e^y), computed as max + log1p(e^-|x - y|) (no overflow; equal
        infinities give themselves). Floating inputs only, as PyTorch."""
        x, y = float_operands(self, other, "logaddexp", integers=False)
        return ops.Maximum.apply(x, y) + (-distance(x, y)).exp().log1p()

    def xlogy(self, other: Any) -> Tensor:
        """x log y, 0 where x = 0 (whatever y, as PyTorch; NaN y stays NaN)."""
        return ops.XLogY.apply(*float_operands(self, other, "xlogy"))

    def logit(self, eps: float | None = None) -> Tensor:
        """log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given (ops.Logit: the
        gradient outside the domain is PyTorch's)."""
        if eps is not None and (isinstance(eps, bool) or not isinstance(eps, int | float)):
            raise ArgumentTypeError(f"logit: eps must be a float or None, got "
                                    f"{type(eps).__name__} {eps!r}")
        return ops.Logit.apply(floating(self), eps=None if eps is None else float(eps))

    # ---- trigonometric and hyperbolic
    def tan(self) -> Tensor:
        return ops.Tan.apply(floating(self))

    def asin(self) -> Tensor:
        return ops.Arcsin.apply(floating(self))

    def acos(self) -> Tensor:
        return ops.Arccos.apply(floating(self))

    def atan(self) -> Tensor:
        return ops.Arctan.apply(floating(self))

    def sinh(self) -> Tensor:
        return ops.Sinh.apply(floating(self))

    def cosh(self) -> Tensor:
        return ops.Cosh.apply(floating(self))

    def asinh(self) -> Tensor:
        return ops.Arcsinh.apply(floating(self))

    def acosh(self) -> Tensor:
        return ops.Arccosh.apply(floating(self))

    def atanh(self) -> Tensor:
        return ops.Arctanh.apply(floating(self))

    arcsin, arccos, arctan = asin, acos, atan
    arcsinh, arccosh, arctanh = asinh, acosh, atanh

    def atan2(self, other: Any) -> Tensor:
        """The angle of the point (other, self) in (-pi, pi]: atan2(y=self, x=other)."""
        y, x = float_operands(self, other, "atan2")
        return ops.Arctan2.apply(y, x)

    arctan2 = atan2

    def hypot(self, other: Any) -> Tensor:
        """sqrt(x^2 + y^2) without overflow in the squares (ops.Hypot); not both integer (as
        PyTorch: one float operand is enough)."""
        x, other = float_operands(self, other, "hypot", integers=False)
        return ops.Hypot.apply(x, other)

    # ---- the error function
    def erf(self) -> Tensor:
        """erf x = 2/sqrt(pi) int_0^x e^(-t^2) dt; integers in the default dtype."""
        return ops.Erf.apply(floating(self))

    def erfc(self) -> Tensor:
        """erfc x = 1 - erf x, without erf's cancellation for large x."""
        return ops.Erfc.apply(floating(self))

    def erfinv(self) -> Tensor:
        """The inverse of erf on [-1, 1] (+-inf at +-1, NaN outside)."""
        return ops.Erfinv.apply(floating(self))

    # ---- rounding
    def floor(self) -> Tensor:
        no_bool("floor", self)
        return self if self.dtype.kind in "iu" else ops.Floor.apply(self)

    def ceil(self) -> Tensor:
        no_bool("ceil", self)
        return self if self.dtype.kind in "iu" else ops.Ceil.apply(self)

    def trunc(self) -> Tensor:
        no_bool("trunc", self)
        return self if self.dtype.kind in "iu" else ops.Trunc.apply(self)

    fix = trunc

    def round(self, decimals: int = 0) -> Tensor:
        """Round half to even, to `decimals` places (negative: tens, hundreds, ...)."""
        if isinstance(decimals, bool) or not isinstance(decimals, int | np.integer):
            raise ArgumentError(f"round: decimals must be an int, got {decimals!r}")
        no_bool("round", self)
        if self.dtype.kind in "iu":
            if decimals:  # PyTorch has no integer kernel for round(decimals=...)
                raise DTypeError(f"round: decimals={decimals} is not implemented for integer "
                                 f"tensors (dtype {self.dtype}), as PyTorch")
            return self
        return ops.Round.apply(self, decimals=int(decimals))

    def frac(self) -> Tensor:
        """x - trunc(x): the fractional part, with x's sign; gradient 1. Floating only."""
        if self.dtype.kind != "f":
            raise DTypeError(f"frac: not implemented for dtype {self.dtype} (floating only, as "
                             f"PyTorch)")
        return self - self.trunc()

    # ---- arithmetic in PyTorch's spellings
    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """x + alpha * other."""
        refuse_in_method(self, other, "add", "+")
        return self + (other if alpha == 1 else _scaled_by(self, "add", other, alpha))

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """x - alpha * other."""
        refuse_in_method(self, other, "sub", "-")
        if alpha != 1:  # (checked before scaling, which would make a bool other an int)
            no_bool_subtraction(self, other)
        return self - (other if alpha == 1 else _scaled_by(self, "sub", other, alpha))

    subtract = sub

    def mul(self, other: Any) -> Tensor:
        refuse_in_method(self, other, "mul", "*")
        return self * other

    multiply = mul

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """x / other; rounding_mode "trunc" rounds the quotient towards 0, "floor" down
        (gradient 0 then, as PyTorch); integer inputs keep an integer dtype when rounded."""
        if rounding_mode is None:
            refuse_in_method(self, other, "div", "/")
            return self / other
        if rounding_mode not in ("trunc", "floor"):
            raise ArgumentError(f"div: rounding_mode must be None, 'trunc' or 'floor', got "
                                f"{rounding_mode!r}")
        op = ops.FloorDivide if rounding_mode == "floor" else ops.TruncDivide
        return op.apply(*_quotient_operands(self, other, "div"))

    divide = div

    def true_divide(self, other: Any) -> Tensor:
        refuse_in_method(self, other, "true_divide", "/")
        return self / other

    def floor_divide(self, other: Any) -> Tensor:
        """floor(x / other), as PyTorch since 1.13."""
        return self.div(other, rounding_mode="floor")

    def remainder(self, other: Any) -> Tensor:
        """x - floor(x / y) y: the result takes y's sign (Python's %)."""
        return ops.Remainder.apply(*_quotient_operands(self, other, "remainder"))

    def fmod(self, other: Any) -> Tensor:
        """x - trunc(x / y) y: the result takes x's sign (C's fmod)."""
        return ops.Fmod.apply(*_quotient_operands(self, other, "fmod"))

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
        x = self.astype(np.int64) if self._data.dtype == np.bool_ else self  # PyTorch: int64
        return x * x

    def copysign(self, other: Any) -> Tensor:
        """|x| with the sign of other (of -0.0 too); other's gradient is 0. Floating, as
        PyTorch's (integers in the default dtype)."""
        return ops.CopySign.apply(*float_operands(self, other, "copysign"))

    def lerp(self, end: Any, weight: Any) -> Tensor:
        """x + weight (end - x) for |weight| < 1/2, else end - (end - x)(1 - weight) (exact
        at weight 1, and -inf for x = inf past it, as PyTorch's): x floating, end (and a
        weight tensor of dims) of x's dtype."""
        if self.dtype.kind != "f":
            raise DTypeError(f"lerp: not implemented for dtype {self.dtype} (floating only)")
        for name, t in (("end", end), ("weight", weight)):
            if is_tensor(t) and t.dtype != self.dtype and (name == "end" or t.ndim):
                raise DTypeError(f"lerp: expected dtype {self.dtype} for `{name}` but got "
                                 f"dtype {t.dtype}")
        end = self._coerce(end, "lerp")
        weight = weight if is_tensor(weight) or isinstance(weight, int | float) else \
            self._coerce(weight, "lerp")
        diff = end - self
        if not is_tensor(weight):
            return self + weight * diff if abs(weight) < 0.5 else end - diff * (1 - weight)
        return where(weight.abs()._data < 0.5, self + weight * diff, end - diff * (1 - weight))

    # ---- more of PyTorch's elementwise spellings (issue 22)
    def absolute(self) -> Tensor:
        return self.abs()

    def sgn(self) -> Tensor:
        """sign(x) (x / |x| for complex numbers in PyTorch; real ones only here)."""
        return self.sign()

    def clamp_min(self, min: Any) -> Tensor:  # noqa: A002
        """max(x, min), a number or a tensor bound (clamp's gradients)."""
        return self.clamp(min=_bound(self, min, "clamp_min"))

    def clamp_max(self, max: Any) -> Tensor:  # noqa: A002
        """min(x, max), a number or a tensor bound (clamp's gradients)."""
        return self.clamp(max=_bound(self, max, "clamp_max"))

    def deg2rad(self) -> Tensor:
        """x pi / 180; integers in the default dtype."""
        return floating(self) * (math.pi / 180)

    def rad2deg(self) -> Tensor:
        """x 180 / pi; integers in the default dtype."""
        return floating(self) * (180 / math.pi)

    def addcmul(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        """x + value t1 t2."""
        t1, t2 = self._coerce(tensor1, "addcmul"), self._coerce(tensor2, "addcmul")
        dtype = result_type_of(*((t.dtype, t.ndim > 0) for t in (self, t1, t2)))
        if dtype.kind == "b":  # PyTorch has no bool kernel
            raise DTypeError("addcmul: not implemented for bool tensors (as PyTorch)")
        product = t1.astype(dtype) * t2.astype(dtype)  # in the result's dtype, as PyTorch's
        return self + (product if value == 1 else product * value)

    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        """x + value t1 / t2 (integer t1 and t2 refused, as PyTorch since 1.5)."""
        t1, t2 = self._coerce(tensor1, "addcdiv"), self._coerce(tensor2, "addcdiv")
        if t1.dtype.kind in "biu" and t2.dtype.kind in "biu":
            raise DTypeError(f"addcdiv: integer division of {t1.dtype} by {t2.dtype} is not "
                             f"supported; use x + value * (t1 / t2).trunc() for the old "
                             f"integer result, or float tensors")
        quotient = t1 / t2
        return self + (quotient if value == 1 else quotient * value)

    def float_power(self, exponent: Any) -> Tensor:
        """x ** exponent computed in float64, whatever the dtypes."""
        base = self.astype(np.float64)
        return base ** (exponent.astype(np.float64) if is_tensor(exponent) else exponent)

    def ldexp(self, other: Any) -> Tensor:
        """x 2^other in PyTorch's dtype: the two promoted, integers to the default float; a
        bool exponent of a floating x is refused, as PyTorch's."""
        exponent = self._coerce(other, "ldexp")
        if exponent.dtype.kind == "b" and self.dtype.kind == "f":
            raise DTypeError("ldexp: not implemented for a bool exponent of a floating "
                             "tensor (as PyTorch); convert it first, e.g. .int()")
        x, exponent = float_operands(self, exponent, "ldexp")
        return x * 2.0 ** exponent

    def nan_to_num(self, nan: float = 0.0, posinf: float | None = None,
                   neginf: float | None = None) -> Tensor:
        """x with NaN, +inf and -inf replaced by `nan`, `posinf` and `neginf` (by default
        0, and the dtype's largest and smallest finite values); gradient 1 where x is
        finite, 0 where it was replaced."""
        for name, value in (("nan", nan), ("posinf", posinf), ("neginf", neginf)):
            if value is not None and (isinstance(value, bool) or
                                      not isinstance(value, int | float | np.number)):
                raise ArgumentTypeError(f"nan_to_num: {name} must be a number or None, got "
                                        f"{type(value).__name__} {value!r}")
        if self.dtype.kind != "f":
            return self
        finfo = np.finfo(self.dtype)
        x = self._data
        fill = np.where(np.isnan(x), nan, np.where(x > 0, finfo.max if posinf is None else
                                                   posinf, finfo.min if neginf is None
                                                   else neginf))
        return where(np.isfinite(x), self, new_tensor(fill.astype(self.dtype)))

    def gcd(self, other: Any) -> Tensor:
        """The greatest common divisor, elementwise, of integer tensors (non-negative)."""
        return integer_ufunc(self, self._coerce(other, "gcd"), "gcd", np.gcd)

    def lcm(self, other: Any) -> Tensor:
        """The least common multiple, elementwise, of integer tensors (non-negative)."""
        return integer_ufunc(self, self._coerce(other, "lcm"), "lcm", np.lcm)

    def heaviside(self, values: Any) -> Tensor:
        """`values` where x == 0, 1 where x > 0, else 0 (NaN included, as PyTorch); no
        gradient (PyTorch has none either)."""
        if not is_tensor(values):
            raise ArgumentTypeError(f"heaviside: values must be a Tensor, got "
                                    f"{type(values).__name__} {values!r}")
        if values.dtype != self.dtype:
            raise DTypeError(f"heaviside: values of dtype {values.dtype} must have the "
                             f"input's dtype {self.dtype}")
        x = self._data  # PyTorch's rule, not NumPy's: NaN gives 0 (it is not > 0)
        return new_tensor(np.where(x == 0, values._data, x > 0).astype(self.dtype))

    # ---- normalized exponentials along one axis
    def softmax(self, dim: int | None = None, dtype: Any = None, *,
                    axis: int | None = None) -> Tensor:
        """softmax(x)_i = e^(x_i - m) / sum_j e^(x_j - m) along `dim`, m = max_j x_j (a
        constant: softmax does not depend on it, and it keeps exp() from overflowing); x is
        cast to `dtype` first when given."""
        z, axes = _shifted(self, "softmax", dim if axis is None else
                           one_of("softmax", "dim", dim, "axis", axis), dtype)
        if self.ndim == 0:  # one element: softmax over it is 1 (PyTorch's 0-d rule)
            return z.reshape(1).softmax(0).reshape(())
        e = z.exp()
        if z._data.size == 0:  # the empty result (its sums over the axis would give 0 / 0)
            return e
        return e / e.sum(axis=axes, keepdims=True)

    def log_softmax(self, dim: int | None = None, dtype: Any = None, *,
                        axis: int | None = None) -> Tensor:
        """log softmax(x)_i = (x_i - m) - log sum_j e^(x_j - m), m = max_j x_j (stable for
        logits of any magnitude: every exponent is <= 0 and the sum is >= 1)."""
        z, axes = _shifted(self, "log_softmax", dim if axis is None else
                           one_of("log_softmax", "dim", dim, "axis", axis), dtype)
        if self.ndim == 0:
            return z.reshape(1).log_softmax(0).reshape(())
        if z._data.size == 0:  # the empty result (its sums over the axis would give log 0)
            return z.exp()
        return z - z.exp().sum(axis=axes, keepdims=True).log()


def _scaled_by(x: Tensor, op: str, other: Any, alpha: Any) -> Tensor:
    """alpha * other for x + alpha * other; as PyTorch, a float alpha with integer operands
    is refused (it would turn an integer sum into a float one)."""
    other = x._coerce(other, op)
    if isinstance(alpha, float) and x.dtype.kind in "biu" and other.dtype.kind in "biu":
        raise ArgumentError(f"{op}: for integer tensors ({x.dtype} and {other.dtype}) alpha "
                            f"must not be a float, got {alpha!r}")
    scaled = other * alpha
    # alpha does not take part in the promotion (bool + 2 * bool is bool, as PyTorch's)
    dtype = result_type(x.dtype, x.ndim > 0, other.dtype, other.ndim > 0)
    return scaled if scaled.dtype == dtype else scaled.astype(dtype)


def _quotient_operands(x: Tensor, other: Any, op: str) -> tuple[Tensor, Tensor]:
    """x and other in PyTorch's result type for a rounded quotient or a remainder: bools
    refused (PyTorch has no bool kernel for them), an integer divisor 0 refused (PyTorch
    raises; NumPy would give 0)."""
    a, b = x._operands(other, op)
    if a.dtype.kind == "b" and b.dtype.kind == "b":
        raise DTypeError(f"{op}: not implemented for bool tensors (as PyTorch); cast to an "
                         f"integer or float dtype first")
    if a.dtype.kind in "biu" and b.dtype.kind in "biu" and a._data.size and \
            not b._data.all():
        raise ArgumentError(f"{op}: integer division by zero (the divisor, of shape "
                            f"{b.shape}, holds a 0); divide floats to get inf or NaN")
    return a, b


def _bound(x: Tensor, bound: Any, op: str) -> Any:
    """A clamp bound as given if it is a number, None or a tensor; else x._coerce's tensor
    of it or its error naming `op`."""
    if bound is None or is_tensor(bound) or (isinstance(bound, int | float | np.number)
                                             and not isinstance(bound, bool)):
        return bound
    return x._coerce(bound, op)


def _shifted(x: Tensor, op: str, dim: Any, dtype: Any) -> tuple[Tensor, tuple[int, ...]]:
    """x (cast to `dtype` when given) minus its max along `dim`, and the axis normalized.
    The max is a constant (no graph). An empty x has no max: it is returned unshifted."""
    if dtype is not None:
        x = x.astype(as_dtype(op, dtype))
    if x.dtype.kind != "f":
        raise DTypeError(f"{op}: needs a floating tensor, got dtype {x.dtype} (pass "
                         f"dtype=tg.float32 to compute in floating point)")
    if dim is None:  # PyTorch's method and torch.softmax have no default dim (F.softmax has)
        raise ArgumentTypeError(f"{op}() missing the required argument dim (the axis to "
                                f"normalize along)")
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer):
        raise ArgumentTypeError(f"{op}: dim must be an int, got {type(dim).__name__} {dim!r}")
    axes = normalize_axes(op, dim, x.ndim, scalar_axis=True)  # 0-d: dim 0 or -1, axes ()
    if x._data.size == 0 or x.ndim == 0:
        return x, axes
    return x - new_tensor(np.max(x._data, axis=axes, keepdims=True)), axes


def distance(x: Tensor, y: Tensor) -> Tensor:
    """|x - y|, 0 where x = y (also equal infinities, where x - y is NaN). At x = y the
    gradient of logaddexp's second term is 0 either way, and max splits its own evenly."""
    equal = x._data == y._data
    if not equal.any():
        return (x - y).abs()
    return (where(equal, 0.0, x) - where(equal, 0.0, y)).abs()  # no inf - inf computed


def power(x: Tensor, other: Any, reflected: bool = False) -> Tensor:
    """x ** other (`reflected`: other ** x) with PyTorch's refusals and bool rule: an integer
    tensor to a negative Python int is refused, a bool tensor to True is itself and to False
    all True, two bool operands are refused."""
    if not reflected and x._data.dtype.kind in "biu" and type(other) is int and other < 0:
        raise ArgumentError(f"**: integers to negative integer powers are not allowed (a "
                            f"{x._data.dtype} tensor to the power {other}), as PyTorch; use "
                            f"a float tensor or a tensor exponent")
    if not reflected and x._data.dtype.kind == "b" and type(other) is bool:
        return x.clone() if other else new_tensor(np.ones(x.shape, bool))
    a, b = x._operands(other, "**")
    no_bool_power(a, b)
    dtype = np.result_type(a.dtype, b.dtype)  # one dtype for both: the gradient's log(x)
    a, b = a.astype(dtype), b.astype(dtype)  # in the result's precision (no-op if equal)
    return ops.Pow.apply(b, a) if reflected else ops.Pow.apply(a, b)


def no_bool_power(base: Tensor, exponent: Tensor) -> None:
    """PyTorch has no pow of two bools (NumPy's would be int8)."""
    if base._data.dtype.kind == "b" and exponent._data.dtype.kind == "b":
        raise DTypeError("**: pow is not implemented for two bool operands (as PyTorch); cast "
                         "one to an integer dtype first")


def no_bool_subtraction(x: Tensor, other: Any) -> None:
    """PyTorch's refusal of `-` with a bool operand (a bool tensor, or True / False with a
    tensor): NumPy would compute it as integers."""
    if x._data.dtype.kind == "b" or isinstance(other, bool | np.bool_) or (
            (is_tensor(other) or isinstance(other, np.ndarray)) and
            (other._data if is_tensor(other) else other).dtype.kind == "b"):
        raise DTypeError("-: subtraction with a bool tensor is not supported (as PyTorch); "
                         "to invert a bool tensor use ~ or logical_not()")
