"""Comparisons and logic as Tensor methods, with PyTorch's names: eq ne lt le gt ge (and
their long names), equal, isclose, allclose, the logical and bitwise ops, and dtype
queries. Every result is a bool (or, bitwise, integer) tensor without a graph: these
functions are piecewise constant, so there is no gradient to pass.

isclose(a, b) is |a - b| <= atol + rtol |b| (PyTorch's and NumPy's rule, asymmetric in b),
with equal_nan deciding whether two NaNs match.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..autograd.primitive import is_tensor, new_tensor
from ..errors import (
    ArgumentError,
    ArgumentTypeError,
    DTypeError,
    DTypeMismatchError,
    ShapeError,
    short_repr,
)
from ..foreign_operands import refuse_in_method

if TYPE_CHECKING:
    from ..tensor import Tensor


class ComparisonMethods:
    """The mixin of Tensor's comparison, logic and dtype queries."""

    __slots__ = ()

    def eq(self, other: Any) -> Tensor:
        refuse_in_method(self, other, "eq", "==")
        return self == other

    def ne(self, other: Any) -> Tensor:
        refuse_in_method(self, other, "ne", "!=")
        return self != other

    def lt(self, other: Any) -> Tensor:
        refuse_in_method(self, other, "lt", "<")
        return self < other

    def le(self, other: Any) -> Tensor:
        refuse_in_method(self, other, "le", "<=")
        return self <= other

    def gt(self, other: Any) -> Tensor:
        refuse_in_method(self, other, "gt", ">")
        return self > other

    def ge(self, other: Any) -> Tensor:
        refuse_in_method(self, other, "ge", ">=")
        return self >= other

    not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge

    def equal(self, other: Any) -> bool:
        """True when both have one shape and the same elements (NaN never equals)."""
        if not is_tensor(other):  # as PyTorch: a number is no tensor to compare with
            raise ArgumentTypeError(f"equal: other must be a Tensor, got "
                                    f"{type(other).__name__} {short_repr(other)}")
        return self.shape == other.shape and bool(np.array_equal(self._data, other._data))

    def isclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
                equal_nan: bool = False) -> Tensor:
        if is_tensor(other) and other.dtype != self.dtype:
            raise DTypeMismatchError(f"isclose: the tensors' dtypes {self.dtype} and "
                                     f"{other.dtype} differ (as PyTorch, they must match)")
        other = self._coerce(other, "isclose")
        for name, tolerance in (("rtol", rtol), ("atol", atol)):
            if not tolerance >= 0:  # NaN too
                raise ArgumentError(f"isclose: {name} must be >= 0 (as PyTorch's), got "
                                    f"{tolerance}")
        try:
            close = np.isclose(self._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan)
        except ValueError as error:
            raise ShapeError(f"isclose: shapes {self.shape} and {other.shape} do not "
                             f"broadcast") from error
        return new_tensor(np.asarray(close))

    def allclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
                 equal_nan: bool = False) -> bool:
        return bool(self.isclose(other, rtol, atol, equal_nan)._data.all())

    # ---- logic: any nonzero is True
    def _logic(self, other: Any, op: Any, name: str) -> Tensor:
        other = self._coerce(other, name)
        try:
            return new_tensor(op(self._data.astype(bool), other._data.astype(bool)))
        except ValueError as error:
            raise ShapeError(f"{name}: shapes {self.shape} and {other.shape} do not "
                             f"broadcast") from error

    def logical_and(self, other: Any) -> Tensor:
        return self._logic(other, np.logical_and, "logical_and")

    def logical_or(self, other: Any) -> Tensor:
        return self._logic(other, np.logical_or, "logical_or")

    def logical_xor(self, other: Any) -> Tensor:
        return self._logic(other, np.logical_xor, "logical_xor")

    def logical_not(self) -> Tensor:
        return new_tensor(np.logical_not(self._data))

    # ---- bitwise, on bool and integer tensors
    def _bitwise(self, other: Any, op: Any, name: str, reflected: bool = False) -> Tensor:
        other = self._coerce(other, name)
        for t in (self, other):
            if t.dtype.kind not in "biu":
                raise DTypeError(f"{name}: needs bool or integer tensors, got dtype {t.dtype}")
        x, y = self._operands(other, name)  # PyTorch's result dtype, not NumPy's
        if x.dtype.kind == y.dtype.kind == "b" and "shift" in name:  # (promoted: bool)
            raise DTypeError(f"{name}: not implemented for bool tensors (as PyTorch); "
                             f"convert them first, e.g. .to(tg.uint8)")
        if reflected:  # `number << tensor`: the number shifted
            x, y = y, x
        try:
            return new_tensor(np.asarray(op(x._data, y._data)))
        except ValueError as error:
            raise ShapeError(f"{name}: shapes {self.shape} and {other.shape} do not "
                             f"broadcast") from error

    def bitwise_and(self, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_and, "bitwise_and")

    def bitwise_or(self, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_or, "bitwise_or")

    def bitwise_xor(self, other: Any) -> Tensor:
        return self._bitwise(other, np.bitwise_xor, "bitwise_xor")

    def bitwise_left_shift(self, other: Any) -> Tensor:
        return self._bitwise(other, np.left_shift, "bitwise_left_shift")

    def bitwise_right_shift(self, other: Any) -> Tensor:
        return self._bitwise(other, np.right_shift, "bitwise_right_shift")

    def bitwise_not(self) -> Tensor:
        if self.dtype.kind not in "biu":
            raise DTypeError(f"bitwise_not: needs a bool or integer tensor, got dtype "
                             f"{self.dtype}")
        return new_tensor(np.invert(self._data))

    def __and__(self, other: Any) -> Tensor:
        return self.bitwise_and(other)

    def __or__(self, other: Any) -> Tensor:
        return self.bitwise_or(other)

    def __xor__(self, other: Any) -> Tensor:
        return self.bitwise_xor(other)

    def __invert__(self) -> Tensor:
        return self.bitwise_not()

    def __lshift__(self, other: Any) -> Tensor:
        return self.bitwise_left_shift(other)

    def __rshift__(self, other: Any) -> Tensor:
        return self.bitwise_right_shift(other)

    def __rlshift__(self, other: Any) -> Tensor:
        return self._bitwise(other, np.left_shift, "bitwise_left_shift", reflected=True)

    def __rrshift__(self, other: Any) -> Tensor:
        return self._bitwise(other, np.right_shift, "bitwise_right_shift", reflected=True)

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    # ---- dtype queries
    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"

    def is_complex(self) -> bool:
        return self.dtype.kind == "c"
