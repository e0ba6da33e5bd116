"""Elementwise Tensor methods (exp, log, tanh, clamp, masked_fill, isnan, ...) and the
elementwise functions of several tensors (`where`, `maximum`, `minimum`).

Each differentiable method is one primitive op (tinygrad_bn/ops/unary.py, binary.py) or a
composite of them, so its gradient follows; the queries (isnan, isfinite, isinf) return
bool tensors without a graph, as in PyTorch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops
from ..autograd.primitive import as_tensor, is_tensor, new_tensor
from ..dtypes import get_default_dtype, result_type_of
from ..errors import ArgumentError, ArgumentTypeError, DTypeError, ShapeError
from .operands import refuse_numbers

if TYPE_CHECKING:
    from ..tensor import Tensor


def floating(x: Tensor) -> Tensor:
    """x itself if floating, else x in the default dtype (float32 unless
    tg.set_default_dtype changed it): what PyTorch's functions of real numbers (exp, log,
    sin, erf, atan2 ...) compute an integer or bool input in (NumPy would give float64,
    or float16 for bools)."""
    return x if x._data.dtype.kind == "f" else x.astype(get_default_dtype())


def no_bool(op: str, x: Tensor) -> None:
    """PyTorch's refusal of a bool tensor where an op has no boolean kernel (abs, floor,
    relu, median, topk, ...)."""
    if x._data.dtype.kind == "b":
        raise DTypeError(f"{op}: not implemented for bool tensors (as PyTorch); convert "
                         f"first, e.g. x.int() or x.float()")


class ElementwiseMethods:
    """The mixin of Tensor's elementwise methods."""

    __slots__ = ()

    def exp(self) -> Tensor:
        return ops.Exp.apply(floating(self))

    def log(self) -> Tensor:
        return ops.Log.apply(floating(self))

    def sqrt(self) -> Tensor:
        return ops.Sqrt.apply(floating(self))

    def abs(self) -> Tensor:
        no_bool("abs", self)
        return ops.Abs.apply(self)

    def sin(self) -> Tensor:
        return ops.Sin.apply(floating(self))

    def cos(self) -> Tensor:
        return ops.Cos.apply(floating(self))

    def tanh(self) -> Tensor:
        return ops.HyperbolicTangent.apply(floating(self))

    def sigmoid(self) -> Tensor:
        return ops.Logistic.apply(floating(self))

    def relu(self) -> Tensor:
        if self._data.dtype.kind == "b":  # tested here: a layer's call, no_bool's frame
            no_bool("relu", self)
        return ops.Rectify.apply(self)

    def sign(self) -> Tensor:
        """-1, 0 or 1 (a bool tensor's sign is itself, as PyTorch's)."""
        if self._data.dtype.kind == "b":
            return new_tensor(self._data.copy())
        return ops.Sign.apply(self)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
        """min(max(x, min), max) with number bounds; the gradient passes where min <= x <= max."""
        if min is None and max is None:
            raise ShapeError("clip: give at least one of min and max")
        if self._data.dtype.kind != "f" and (isinstance(min, float) or isinstance(max, float)):
            return floating(self).clip(min, max)  # PyTorch: an int tensor meets a float
        if self._data.dtype.kind == "b":  # PyTorch: int bounds make it int64, bools refused
            if all(type(b) in (bool, type(None)) for b in (min, max)):
                no_bool("clip", self)
            return self.astype(np.int64).clip(min, max)
        if self._data.dtype.kind in "iu":
            info = np.iinfo(self._data.dtype)
            for b in (min, max):
                if isinstance(b, int | np.integer) and not info.min <= b <= info.max:
                    raise ArgumentError(f"clamp: the bound {b} is out of range for the "
                                        f"tensor's dtype {self.dtype}; cast the tensor first")
        return ops.Clip.apply(self, low=min, high=max)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        """min(max(x, min), max) with number or tensor bounds (broadcasting); with min > max
        every value is max, and a NaN in x or a bound gives NaN, as PyTorch. PyTorch's
        gradients: x gets g where min <= x <= max; min where x < min < max; max where
        x > max or max < min; nobody at a NaN (nor where x < min == max)."""
        if min is None and max is None:
            raise ArgumentError("clamp: give at least one of min and max")
        min, max = _scalar_bounds(min, max)
        if not isinstance(min, np.ndarray) and not is_tensor(min) and \
                not isinstance(max, np.ndarray) and not is_tensor(max):
            return self.clip(min, max)
        low = None if min is None else self._coerce(min)
        high = None if max is None else self._coerce(max)
        try:
            np.broadcast_shapes(self.shape, *(b.shape for b in (low, high) if b is not None))
        except ValueError:
            raise ShapeError(f"clamp: the bounds' shapes {None if low is None else low.shape} "
                             f"and {None if high is None else high.shape} do not broadcast "
                             f"with the tensor's shape {self.shape}") from None
        dtype = result_type_of(*((t.dtype, t.ndim > 0) for t in (self, low, high)
                                 if t is not None))
        if dtype != self.dtype:  # PyTorch's promotion: an int tensor clamped by floats
            return self.astype(dtype).clamp(min, max)
        if low is not None and high is not None:  # PyTorch: bool min or max alone is fine
            no_bool("clamp", self)
        x = self._data
        value = x if low is None else np.maximum(x, low._data)
        value = value if high is None else np.minimum(value, high._data)
        inside = np.ones(np.shape(value), dtype=bool)
        out = new_tensor(value.astype(x.dtype, copy=False))  # NaN, or min == max: no gradient
        if high is not None:
            inside = inside & (x <= high._data)
            above = x > high._data
            if low is not None:  # min > max gives max; a NaN min gives NaN (value's)
                above = (above | (high._data < low._data)) & ~np.isnan(low._data)
            out = where(above, high, out)
        if low is not None:
            inside = inside & (x >= low._data)
            below = x < low._data
            if high is not None:
                below = below & (low._data < high._data)
            out = where(below, low, out)
        return where(inside, self, out)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """x with `value` where the bool `mask` is True (x and mask broadcast together, as
        PyTorch's out-of-place masked_fill); the gradient of x is g where the mask is
        False, that of a tensor value the sum of g where it is True."""
        return self._masked_fill("masked_fill", mask, value)

    def _masked_fill(self, op: str, mask: Any, value: Any, grow: bool = True) -> Tensor:
        """masked_fill; `grow` False (masked_fill_): the mask must broadcast to x's shape."""
        cond = mask._data if is_tensor(mask) else np.asarray(mask)
        if cond.dtype != np.bool_:
            raise DTypeError(f"{op}: the mask must be a bool tensor, got dtype {cond.dtype}")
        try:
            if not grow and np.broadcast_shapes(cond.shape, self.shape) != self.shape:
                raise ValueError("it would grow the tensor")
            np.broadcast_shapes(cond.shape, self.shape)
        except ValueError as error:
            raise ShapeError(f"{op}: mask of shape {cond.shape} does not broadcast to "
                             f"the tensor's shape {self.shape}: {error}") from None
        # a Python float is converted once, into x's dtype (2.9999999999999996 into int: 2)
        fill = new_tensor(np.asarray(value)) if type(value) is float else \
            self._coerce(value, op)
        if fill._data.ndim:
            raise ShapeError(f"{op}: value must be a number or a 0-d tensor (as PyTorch's), "
                             f"got shape {fill.shape}")
        if fill.dtype != self.dtype:  # PyTorch keeps x's dtype (a bool mask filled with 0)
            if self.dtype.kind in "iu" and not (np.isfinite(fill._data).all() and np.iinfo(
                    self.dtype).min <= fill._data.item() <= np.iinfo(self.dtype).max):
                raise ArgumentError(f"{op}: the value {fill._data.item()} cannot be converted "
                                    f"to the tensor's dtype {self.dtype}")
            if fill.requires_grad and self.dtype.kind != "f":
                raise DTypeError(f"{op}: a value that requires grad cannot fill a tensor of "
                                 f"dtype {self.dtype} (no gradient flows into integers)")
            fill = fill.astype(self.dtype)
        return where(cond, fill.reshape(()), self)

    def isnan(self) -> Tensor:
        """A bool tensor: True at NaNs."""
        return new_tensor(np.isnan(self._data))

    def isfinite(self) -> Tensor:
        """A bool tensor: True where the value is neither NaN nor infinite."""
        return new_tensor(np.isfinite(self._data))

    def isinf(self) -> Tensor:
        """A bool tensor: True at +inf and -inf."""
        return new_tensor(np.isinf(self._data))


def _scalar_bounds(low: Any, high: Any) -> tuple[Any, Any]:
    """clamp's bounds as PyTorch takes them: two numbers or two tensors (either may be None).
    With one of each, the tensor must be 0-d and need no gradient, and is read as a
    number; PyTorch refuses any other mix (TypeError)."""
    arrays = [isinstance(b, np.ndarray) or is_tensor(b) for b in (low, high)]
    if low is None or high is None or arrays[0] == arrays[1]:
        return low, high
    bound = low if arrays[0] else high
    if bound.ndim or getattr(bound, "requires_grad", False):
        raise ArgumentTypeError(f"clamp: bounds are two numbers or two tensors (as PyTorch); "
                                f"got a number and a tensor of shape {tuple(bound.shape)}"
                                f"{' that requires grad' if not bound.ndim else ''}; "
                                f"make both tensors")
    value = np.asarray(bound).item()
    return (value, high) if arrays[0] else (low, value)


def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """x where condition else y (broadcasting); the condition gets no gradient. With the
    condition alone, PyTorch's `where(condition)`: `condition.nonzero(as_tuple=True)`."""
    if x is None and y is None:
        return as_tensor(condition).nonzero(as_tuple=True)
    if x is None or y is None:
        raise ArgumentTypeError("where: give both x and y, or neither (where(condition) "
                                "gives the indices of the nonzero elements)")
    raw = condition._data if is_tensor(condition) else condition
    kind = np.asarray(raw).dtype.kind if not isinstance(raw, np.ndarray) else raw.dtype.kind
    if kind not in "biuf":  # a string or an object would silently count as True
        raise ArgumentTypeError(f"where: the condition must be a bool tensor or array (or "
                                f"numbers), got {type(condition).__name__} {condition!r:.60}")
    cond = np.asarray(raw, dtype=bool)
    if _is_number(x) and _is_number(y):  # two Python numbers: PyTorch's dtype of the pair
        x = new_tensor(np.asarray(x, dtype=bool if type(x) is type(y) is bool else
                                  get_default_dtype() if float in (type(x), type(y)) else
                                  np.int64))
    x = x if is_tensor(x) else (y._coerce(x, "where") if is_tensor(y) else as_tensor(x))
    return ops.Where.apply(*x._operands(y, "where"), cond=cond)  # PyTorch's promotion


def constant_in_graph(value: Tensor, x: Tensor) -> Tensor:
    """`value` (broadcast to x's shape; x's dtype) as a result computed from x, whose
    gradient to x is zero and to value the gradient summed over the broadcast: what
    PyTorch returns for an op whose result does not depend on an input (fill,
    matrix_power(A, 0)): it requires grad whenever an input does, so backward through it
    runs (and gives zeros) rather than refusing a result that does not require grad."""
    value = value if value.dtype == x.dtype else value.astype(x.dtype)
    return ops.Where.apply(value, x, cond=np.True_)


def _is_number(value: Any) -> bool:
    return type(value) in (bool, int, float)


def maximum(x: Any, y: Any) -> Tensor:
    """Elementwise max (PyTorch's promotion); the gradient goes to the larger input (split
    on ties)."""
    return ops.Maximum.apply(*_two_tensors("maximum", x, y))


def minimum(x: Any, y: Any) -> Tensor:
    """Elementwise min (PyTorch's promotion); the gradient goes to the smaller input."""
    return ops.Minimum.apply(*_two_tensors("minimum", x, y))


def _two_tensors(op: str, x: Any, y: Any) -> tuple[Tensor, Tensor]:
    """x and y promoted for maximum/minimum: no Python number (PyTorch has no Scalar
    overload; clamp takes one), arrays welcome (operands.refuse_numbers)."""
    refuse_numbers(op, (x, y), (0, 1))
    return as_tensor(x)._operands(y, op)
