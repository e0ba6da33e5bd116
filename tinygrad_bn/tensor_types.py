"""PyTorch's legacy typed constructors: `tg.FloatTensor`, `tg.LongTensor`, ...

Old tutorials build tensors with `torch.FloatTensor([1, 2])` or `torch.LongTensor(3)`
and test them with `isinstance(x, torch.FloatTensor)`. Here each name is a class whose
call makes a `Tensor` of its dtype, and whose `isinstance` asks what PyTorch's asks: is
this a tensor of that dtype. A call takes what PyTorch's takes: nothing (an empty
tensor), sizes as ints or a `tg.Size` (a zero-filled tensor: PyTorch leaves it
uninitialised), or data (a list, tuple, ndarray or a tensor already of the dtype), copied.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .creation import tensor, zeros
from .dtypes import TENSOR_TYPES
from .errors import DTypeError
from .keywords import Size
from .tensor import Tensor

__all__ = ["BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor",
           "HalfTensor", "IntTensor", "LongTensor", "ShortTensor"]


class _LegacyTensorType(type):
    """The metaclass of the typed constructors: calling makes a Tensor, isinstance checks
    the dtype."""

    legacy_dtype: np.dtype

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.legacy_dtype

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:
        name, dtype = cls.__name__, cls.legacy_dtype
        if not args:
            return zeros(0, dtype=dtype, device=device)
        if isinstance(args[0], Size) or all(isinstance(a, int | np.integer) and
                                            not isinstance(a, bool) for a in args):
            return zeros(*args, dtype=dtype, device=device)
        if len(args) > 1:
            raise DTypeError(f"{name}: takes sizes (ints or a tg.Size) or one piece of data, "
                             f"got {len(args)} arguments of types "
                             f"{', '.join(type(a).__name__ for a in args)}")
        data = args[0]
        if isinstance(data, str | bytes):
            raise DTypeError(f"{name}: expected sizes or numeric data, got the string {data!r}")
        if isinstance(data, Tensor) and data.dtype != dtype:
            raise DTypeError(f"{name}: expected a tensor of dtype {dtype}, got one of dtype "
                             f"{data.dtype} (use .type(tg.{name}) or .to(dtype) to convert)")
        return tensor(data, dtype=dtype, device=device)


def _legacy(name: str) -> type:
    dtype = next(d for d, n in TENSOR_TYPES.items() if n == name)
    return _LegacyTensorType(name, (), {
        "legacy_dtype": dtype, "__module__": __name__,
        "__doc__": f"`tg.{name}(data)` or `tg.{name}(*sizes)`: a tensor of dtype {dtype}; "
                   f"`isinstance(x, tg.{name})`: whether x is a tensor of that dtype."})


HalfTensor = _legacy("HalfTensor")
FloatTensor = _legacy("FloatTensor")
DoubleTensor = _legacy("DoubleTensor")
CharTensor = _legacy("CharTensor")
ByteTensor = _legacy("ByteTensor")
ShortTensor = _legacy("ShortTensor")
IntTensor = _legacy("IntTensor")
LongTensor = _legacy("LongTensor")
BoolTensor = _legacy("BoolTensor")
