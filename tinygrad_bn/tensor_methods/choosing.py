"""Elementwise choices and tests as PyTorch spells them on a Tensor: the methods fmax,
fmin (max and min that skip NaN), maximum, minimum and where (x.where(condition, y)),
isneginf, isposinf, isreal, angle, sum_to_size; and the function isin.

    fmax(x, y) = x where x >= y or y is NaN, else y   (NaN only where both are)
    fmin(x, y) = x where x <= y or y is NaN, else y
    angle(x)   = pi where x < 0, else 0 (NaN stays NaN): the argument of a real number

fmax and fmin are a `where` on a condition without gradient, so each element's gradient
goes to the input chosen (x on ties), PyTorch's rule; angle is constant (gradient 0).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..autograd.primitive import as_tensor, is_tensor, new_tensor
from ..errors import ArgumentTypeError, DTypeError, ShapeError
from ..keywords import parse_size
from .elementwise import floating, maximum, minimum, where
from .operands import refuse_numbers

if TYPE_CHECKING:
    from ..tensor import Tensor


class ChoosingMethods:
    """The mixin of Tensor's fmax, fmin, maximum, minimum, where, isneginf, isposinf,
    isreal, angle and sum_to_size."""

    __slots__ = ()

    def fmax(self, other: Any) -> Tensor:
        """The elementwise max ignoring NaN: x >= y or y NaN gives x, else y."""
        refuse_numbers("fmax", (self, other), (1,))
        x, y = _pair(self, other, "fmax")
        return where((x._data >= y._data) | np.isnan(y._data), x, y)

    def fmin(self, other: Any) -> Tensor:
        """The elementwise min ignoring NaN: x <= y or y NaN gives x, else y."""
        refuse_numbers("fmin", (self, other), (1,))
        x, y = _pair(self, other, "fmin")
        return where((x._data <= y._data) | np.isnan(y._data), x, y)

    def maximum(self, other: Any) -> Tensor:
        """tg.maximum(x, other): the elementwise max (NaN if either is)."""
        return maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        """tg.minimum(x, other): the elementwise min (NaN if either is)."""
        return minimum(self, other)

    def where(self, condition: Any, y: Any) -> Tensor:
        """x where condition else y: tg.where(condition, x, y)."""
        return where(condition, self, y)

    def isneginf(self) -> Tensor:
        """A bool tensor: True at -inf."""
        return new_tensor(np.isneginf(self._data) if self.dtype.kind == "f"
                          else np.zeros(self.shape, bool))

    def isposinf(self) -> Tensor:
        """A bool tensor: True at +inf."""
        return new_tensor(np.isposinf(self._data) if self.dtype.kind == "f"
                          else np.zeros(self.shape, bool))

    def isreal(self) -> Tensor:
        """A bool tensor: True where the imaginary part is 0, everywhere for a real dtype."""
        return new_tensor(np.ones(self.shape, bool))

    def angle(self) -> Tensor:
        """The argument of each element as a complex number: pi for negatives, 0 otherwise
        (NaN kept); floating (an integer input gives the default float dtype)."""
        x = floating(self)
        data = x._data
        out = np.where(data < 0, math.pi, 0.0).astype(x.dtype)
        out[np.isnan(data)] = np.nan
        if not x.requires_grad:
            return new_tensor(out)
        return where(np.zeros(x.shape, bool), x, new_tensor(out))  # recorded, gradient 0

    def sum_to_size(self, *size: Any) -> Tensor:
        """x summed down to `size`, which must broadcast to x's shape (the adjoint of
        expand: summed over the leading axes x has in excess and the axes of size 1)."""
        shape = parse_size("sum_to_size", size)
        try:
            fits = np.broadcast_shapes(shape, self.shape) == self.shape
        except ValueError:
            fits = False
        if not fits:
            raise ShapeError(f"sum_to_size: size {shape} is not expandable to x's shape "
                             f"{self.shape}")
        extra = self.ndim - len(shape)
        axes = tuple(range(extra)) + tuple(extra + i for i, n in enumerate(shape)
                                           if n == 1 and self.shape[extra + i] != 1)
        out = self.sum(axes, keepdim=True) if axes else self
        return out.reshape(shape)


def _pair(x: Tensor, other: Any, op: str) -> tuple[Tensor, Tensor]:
    """x and other as tensors of their promoted dtype, their shapes checked to broadcast."""
    x, y = x._operands(other, op)
    try:
        np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise ShapeError(f"{op}: shapes {x.shape} and {y.shape} do not broadcast") from None
    return x, y


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False,
         invert: bool = False) -> Tensor:
    """A bool tensor of elements' shape: True where the element is among test_elements
    (either may be a number; invert=True gives the negation)."""
    if not is_tensor(elements) and not is_tensor(test_elements):
        raise ArgumentTypeError(f"isin: elements or test_elements must be a Tensor, got "
                                f"{type(elements).__name__} and "
                                f"{type(test_elements).__name__}")
    a, b = as_tensor(elements)._data, as_tensor(test_elements)._data
    for name, array in (("elements", a), ("test_elements", b)):
        if array.dtype.kind not in "biuf":
            raise DTypeError(f"isin: {name} must hold numbers, got dtype {array.dtype}")
    return new_tensor(np.isin(a, b, assume_unique=assume_unique, invert=invert))
