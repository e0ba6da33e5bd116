"""The operands of Tensor methods of two inputs whose result dtype is not simply the
promoted one, as PyTorch gives it: a function of real numbers (atan2, copysign, xlogy,
ldexp: integers in the default float, each cast from its own value) and an integer
function (gcd, lcm: bools beside integers, no floats); and the one rule for an operand
where PyTorch's binding takes only a Tensor (refuse_numbers)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..autograd.primitive import new_tensor
from ..dtypes import get_default_dtype, result_type
from ..errors import ArgumentTypeError, DTypeError, ShapeError

if TYPE_CHECKING:
    from ..tensor import Tensor


_NUMBERS = (bool, int, float)


def refuse_numbers(op: str, args: tuple[Any, ...], positions: tuple[int, ...]) -> None:
    """Where PyTorch's binding takes only a Tensor (no Scalar overload: torch.maximum(t, 2),
    torch.atan2(t, 2.0), torch.special.entr(0.5)) a Python number is refused with its
    TypeError, naming the argument; arrays and lists are welcome as everywhere else here
    (PyTorch refuses them too: docs/coming-from-pytorch.md, "Arrays are welcome")."""
    for at in positions:
        if at < len(args) and type(args[at]) in _NUMBERS:
            what = "input" if at == 0 else f"argument {at + 1}"
            raise ArgumentTypeError(f"{op}: {what} must be a tensor (as PyTorch's), got "
                                    f"{type(args[at]).__name__} {args[at]!r}; "
                                    f"tg.tensor({args[at]!r}) makes one")


def float_operands(x: Tensor, other: Any, op: str, integers: bool = True
                    ) -> tuple[Tensor, Tensor]:
    """x and other both in PyTorch's result dtype of a function of real numbers: the
    promoted one if floating, else the default float (two integer or bool operands
    refused unless `integers`, as PyTorch's hypot and logaddexp refuse them). Integer
    operands are cast to that float from their own values, not through the integer
    promotion (uint8 [3] with a 0-d int8 -3: -3.0, not 253.0, as PyTorch)."""
    if isinstance(other, int) and not isinstance(other, bool) and x.dtype.kind != "f":
        b = new_tensor(np.asarray(other, np.int64))  # (a number: its value, whatever x's)
    else:
        b = x._coerce(other, op)
    a = x
    dtype = result_type(a.dtype, a.ndim > 0, b.dtype, b.ndim > 0)
    if dtype.kind != "f":
        if not integers:
            raise DTypeError(f"{op}: only supports floating-point dtypes, got {dtype} (one "
                             f"floating operand is enough, as PyTorch)")
        dtype = get_default_dtype()
    return (a if a.dtype == dtype else a.astype(dtype)), (b if b.dtype == dtype else
                                                          b.astype(dtype))


def integer_ufunc(x: Tensor, y: Tensor, op: str, ufunc: np.ufunc) -> Tensor:
    """ufunc of two integer tensors in PyTorch's promoted dtype (a bool beside an integer
    counts as one; two bools, as floats, are refused)."""
    dtype = result_type(x.dtype, x.ndim > 0, y.dtype, y.ndim > 0)
    if dtype.kind not in "iu" or x.dtype.kind not in "biu" or y.dtype.kind not in "biu":
        raise DTypeError(f"{op}: needs integer tensors, got dtypes {x.dtype} and {y.dtype}")
    try:
        return new_tensor(np.asarray(ufunc(x._data.astype(dtype), y._data.astype(dtype))))
    except ValueError as error:
        raise ShapeError(f"{op}: shapes {x.shape} and {y.shape} do not broadcast") from error
