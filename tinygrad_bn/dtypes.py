"""PyTorch's dtype names, as NumPy scalar types: `tg.float32`, `tg.int64`, `tg.long`, ...

A tensor's `dtype` is a NumPy dtype, and `np.dtype("float32") == np.float32`,
so `x.dtype == tg.float32` reads as in PyTorch. The PyTorch aliases are
`float` (float32), `double` (float64), `half` (float16), `long` (int64),
`int` (int32), `short` (int16) and `bool`.
"""

from __future__ import annotations

import builtins
import functools
import math
import numbers
import threading
from typing import Any

import numpy as np

from .errors import ArgumentError, DTypeError, ShapeError, short_repr

float16 = half = np.float16
float32 = float = np.float32  # noqa: A001 (PyTorch's name)
float64 = double = np.float64
int8 = np.int8
int16 = short = np.int16
int32 = int = np.int32  # noqa: A001
int64 = long = np.int64
uint8 = np.uint8
bool = np.bool_  # noqa: A001
# complex dtypes name ComplexTensor's values (tinygrad_bn/complex_tensors/); a Tensor holds
# real numbers only, so as_dtype refuses them
complex64 = cfloat = np.complex64
complex128 = cdouble = np.complex128


class UnsupportedDType:
    """A PyTorch dtype NumPy has no counterpart for (`tg.bfloat16`): the name exists, so a
    script that spells it gets this module's error naming the dtype and what to use, not an
    AttributeError; every use refuses, because NumPy asks for `.dtype` of anything passed
    as a dtype (`np.dtype(tg.bfloat16)`, `x.astype(...)`, `np.zeros(..., dtype=...)`) and
    that property raises. No emulation: rounding every op's result to bfloat16 would need a
    hook after every op of the core."""

    __slots__ = ("name", "advice")

    def __init__(self, name: str, advice: str) -> None:
        self.name, self.advice = name, advice

    def error(self, op: str = "") -> DTypeError:
        return DTypeError(f"{op + ': ' if op else ''}torch.{self.name} is not supported: "
                          f"{self.advice}")

    @property
    def dtype(self) -> np.dtype:
        raise self.error()

    def __repr__(self) -> str:  # shown by callers that wrap the error: names the advice too
        return f"torch.{self.name} (unsupported: {self.advice})"


bfloat16 = UnsupportedDType(
    "bfloat16", "NumPy has no bfloat16 dtype and tinygrad_bn does not emulate one; use "
    "tg.float32 (or tg.float16 for half the memory, with its smaller range)")
_UNSUPPORTED = {"bfloat16": bfloat16}



class _DTypeKind(type):
    def __instancecheck__(cls, obj: Any) -> builtins.bool:
        return isinstance(obj, np.dtype | UnsupportedDType) or (
            isinstance(obj, type) and issubclass(obj, np.generic))


class DType(metaclass=_DTypeKind):
    """PyTorch's `torch.dtype`, for `isinstance(x, tg.dtype)` and annotations: a dtype here
    is a NumPy dtype (a tensor's `.dtype`) or a NumPy scalar type (`tg.float32`); no
    instances of this class are made."""

    def __new__(cls, *args: Any, **kwargs: Any) -> DType:
        raise DTypeError("tg.dtype cannot be constructed: use tg.float32, tg.int64, ... "
                         "(as torch.dtype)")


_BY_NAME = {"float16": float16, "half": float16, "float32": float32, "float": float32,
            "float64": float64, "double": float64, "int8": int8, "int16": int16,
            "short": int16, "int32": int32, "int": int32, "int64": int64, "long": int64,
            "uint8": uint8, "bool": bool}


def numpy_dtype(op: str, dtype: Any, hint: str = "") -> np.dtype:
    """np.dtype(dtype), any dtype NumPy knows; a refused one (tg.bfloat16) raises its own
    error, anything else that is no dtype a DTypeError naming op (and the hint)."""
    try:
        return np.dtype(dtype)
    except DTypeError:
        raise
    except (TypeError, ValueError) as error:
        raise DTypeError(f"{op}: {short_repr(dtype)} is not a dtype{hint}") from error


def as_dtype(op: str, dtype: Any) -> np.dtype:
    """`dtype` (a NumPy dtype or scalar type, one of this module's names, or a name such as
    "float32" or "torch.long") as a NumPy dtype of a kind tensors support."""
    if isinstance(dtype, str):
        key = dtype.removeprefix("torch.")
        if key in _UNSUPPORTED:
            raise _UNSUPPORTED[key].error(op)
        if key not in _BY_NAME:
            raise DTypeError(f"{op}: unknown dtype name {dtype!r} (known: "
                             f"{', '.join(sorted(_BY_NAME))})")
        dtype = _BY_NAME[key]
    if isinstance(dtype, UnsupportedDType):
        raise dtype.error(op)
    try:
        result = np.dtype(dtype)
    except TypeError as error:
        raise DTypeError(f"{op}: {dtype!r} is not a dtype") from error
    if result.kind == "c":
        raise DTypeError(f"{op}: dtype {result}: a Tensor holds real numbers; complex ones "
                         f"are ComplexTensors (tg.complex, tg.view_as_complex, tg.fft)")
    if result.kind not in "biuf":
        raise DTypeError(f"{op}: unsupported dtype {result}; expected a boolean, integer or "
                         f"floating dtype")
    return result


_default_float = [np.dtype(np.float32)]  # one process-wide setting, as PyTorch's
_default_lock = threading.Lock()


def get_default_dtype() -> np.dtype:
    """The floating dtype Python floats, `int / int` and the creation functions take
    (float32 unless `set_default_dtype` changed it)."""
    return _default_float[0]


def set_default_dtype(dtype: Any) -> None:
    """Make `dtype` (float16, float32 or float64) the default floating dtype, as
    `torch.set_default_dtype`: for the whole process (not per thread), as in PyTorch."""
    chosen = as_dtype("set_default_dtype", dtype)
    if chosen.kind != "f":
        raise DTypeError(f"set_default_dtype: only floating dtypes can be the default, got "
                         f"{chosen}")
    with _default_lock:
        _default_float[0] = chosen


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}  # PyTorch's order: bool < integer < floating


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """PyTorch's promotion of two dtypes: the higher category wins whatever its size
    (int64 with float16 is float16); within a category, the smallest dtype holding both."""
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def result_type(a: np.dtype, a_has_axes: bool, b: np.dtype, b_has_axes: bool) -> np.dtype:
    """The dtype of an op on two tensors, as PyTorch's: a 0-d tensor beside a tensor with
    axes changes the result only when its category is higher (a float32 matrix plus a 0-d
    float64 stays float32; an int matrix plus a 0-d float64 is float64)."""
    if a_has_axes == b_has_axes:
        return promote_types(a, b)
    axes, zero_d = (a, b) if a_has_axes else (b, a)
    return zero_d if _CATEGORY[zero_d.kind] > _CATEGORY[axes.kind] else axes


def can_cast(src: np.dtype, dst: np.dtype, casting: str) -> builtins.bool:
    """Whether an in-place op may write a result of dtype src into a tensor of dtype dst:
    "same_kind" is PyTorch's rule (no float into an integer, no number into a bool; any
    width within a category, uint8 and the signed integers alike), the other names are
    NumPy's."""
    if casting == "same_kind":
        return _CATEGORY[np.dtype(src).kind] <= _CATEGORY[np.dtype(dst).kind]
    return np.can_cast(src, dst, casting=casting)


def fits(value: Any, dtype: np.dtype) -> bool:
    """Whether a number, truncated towards 0 as PyTorch casts a float (2.7 -> 2), lies in
    the range of an integer dtype; inf and NaN never do. PyTorch's check lets an int down
    to -max into an unsigned dtype (wrapped: -5 as uint8 is 251), not a negative float."""
    if isinstance(value, bool | np.bool_):
        return True
    info = np.iinfo(dtype)
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        if not math.isfinite(value) or (info.min == 0 and value <= -1):
            return False
        value = int(value)
    if not isinstance(value, numbers.Integral):
        return False
    low = -info.max if info.min == 0 else info.min
    return low <= int(value) <= info.max


def python_array(op: str, source: Any, dtype: np.dtype) -> np.ndarray:
    """Python numbers (nested lists) as an array of `dtype`, as PyTorch converts them: an
    integer dtype takes floats truncated and ints that fit (an unsigned one also negative
    ints down to -max, wrapped: -4 as uint8 is 252); anything else is refused naming the
    op, not wrapped silently."""
    try:
        raw = np.array(source)
    except ValueError as error:  # ragged nesting
        raise ShapeError(f"{op}: cannot make an array of {short_repr(source)}: {error}"
                         ) from error
    if dtype.kind in "iu" and raw.dtype.kind in "iufO" and raw.size:
        if not all(fits(v, dtype) for v in raw.reshape(-1).tolist()):
            raise ArgumentError(f"{op}: a value of {short_repr(source)} cannot be converted "
                                f"to {dtype} without overflow (as PyTorch)")
        if raw.dtype.kind == "O":
            raw = raw.astype(np.float64 if any(isinstance(v, float) for v in
                                               raw.reshape(-1).tolist()) else np.int64)
    try:
        return raw.astype(dtype)
    except (TypeError, ValueError) as error:
        raise DTypeError(f"{op}: cannot convert {short_repr(source)} to {dtype}: {error}"
                         ) from error


def scalar_dtype(value: builtins.bool | builtins.int | builtins.float) -> np.dtype:
    """The dtype PyTorch gives a Python number on its own: bool, int64, the default float."""
    if isinstance(value, builtins.bool | np.bool_):
        return np.dtype(bool)
    if isinstance(value, builtins.int):
        return np.dtype(int64)
    return get_default_dtype()


def result_type_of(*operands: tuple[np.dtype, bool]) -> np.dtype:
    """result_type of any number of (dtype, has_axes) operands, as PyTorch's: the tensors
    with axes and the 0-d ones promoted apart, then the latter count where their category
    is higher (a bool matrix clamped by 0-d float32 and float64 bounds is float64)."""
    axes = [d for d, has_axes in operands if has_axes]
    zero_d = [d for d, has_axes in operands if not has_axes]
    if not axes or not zero_d:
        return functools.reduce(promote_types, axes or zero_d)
    return result_type(functools.reduce(promote_types, axes), True,
                       functools.reduce(promote_types, zero_d), False)


# PyTorch's legacy tensor-type names (`x.type()`, `tg.FloatTensor`), by dtype
TENSOR_TYPES = {np.dtype(float16): "HalfTensor", np.dtype(float32): "FloatTensor",
                np.dtype(float64): "DoubleTensor", np.dtype(int8): "CharTensor",
                np.dtype(uint8): "ByteTensor", np.dtype(int16): "ShortTensor",
                np.dtype(int32): "IntTensor", np.dtype(int64): "LongTensor",
                np.dtype(bool): "BoolTensor"}


def tensor_type_dtype(op: str, name: str) -> np.dtype:
    """The dtype of a legacy type name such as 'torch.FloatTensor' (or 'FloatTensor')."""
    for dtype, known in TENSOR_TYPES.items():
        if name.removeprefix("torch.") == known:
            return dtype
    raise DTypeError(f"{op}: invalid type {name!r}; expected one of "
                     f"{', '.join('torch.' + n for n in TENSOR_TYPES.values())}")


class finfo:  # noqa: N801 (PyTorch's name)
    """The limits of a floating dtype, by PyTorch's attribute names (`tg.finfo(tg.float32)`;
    no argument: the default dtype): bits, eps (the gap between 1 and the next number),
    max, min, tiny = smallest_normal (the smallest positive normal number), resolution
    (10^-precision, precision the decimal digits the dtype keeps) and dtype (its name)."""

    def __init__(self, type: Any = None) -> None:  # noqa: A002 (PyTorch's name)
        dtype = get_default_dtype() if type is None else as_dtype("finfo", type)
        if dtype.kind != "f":
            raise DTypeError(f"finfo: needs a floating dtype, got {dtype} (use tg.iinfo for "
                             f"integers)")
        info = np.finfo(dtype)
        self.bits = info.bits
        self.eps = builtins.float(info.eps)
        self.max = builtins.float(info.max)
        self.min = builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.smallest_normal)
        self.resolution = 10.0 ** -info.precision
        self.dtype = dtype.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:  # noqa: N801 (PyTorch's name)
    """The limits of an integer dtype, by PyTorch's attribute names: bits, max, min, dtype."""

    def __init__(self, type: Any) -> None:  # noqa: A002 (PyTorch's name)
        dtype = as_dtype("iinfo", type)
        if dtype.kind not in "iu":
            raise DTypeError(f"iinfo: needs an integer dtype, got {dtype} (use tg.finfo for "
                             f"floating dtypes)")
        info = np.iinfo(dtype)
        self.bits, self.dtype = info.bits, dtype.name
        self.max, self.min = builtins.int(info.max), builtins.int(info.min)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


_FACTORS: dict[tuple[Any, Any], np.ndarray] = {}


def factor(value: builtins.float, dtype: Any) -> np.ndarray:
    """`value` as a read-only 0-d array of `dtype`: the value NumPy casts a Python number to
    when it meets an array of that dtype, so `a * factor(v, a.dtype)` has the bits of
    `a * v`, without the promotion rules NumPy runs for a Python scalar on every call
    (~0.7 us per use on a 100-element vector) nor a new array per call. Kept per (value,
    dtype); zeros are not kept (0.0 == -0.0 would share one entry), and the cache is
    emptied past 256 entries (a factor that changes every step, such as a cumulative
    average's 1 / n, must not grow it without bound)."""
    key = (value, dtype)
    array = _FACTORS.get(key)
    if array is None:
        array = np.array(value, dtype)
        if value:
            array.flags.writeable = False  # shared: nobody may write it
            if len(_FACTORS) >= 256:
                _FACTORS.clear()
            _FACTORS[key] = array
    return array
