"""PyTorch's `torch.testing`: `assert_close` and `make_tensor`, for test suites written
against PyTorch.

`assert_close(actual, expected)` passes when every pair of values satisfies

    |actual - expected| <= atol + rtol * |expected|

(infinities of the same sign are close, NaNs only with `equal_nan=True`), with `rtol` and
`atol` by default those of the inputs' dtype (the larger of the two dtypes' when they
differ and `check_dtype=False`): float16 1e-3 / 1e-5, float32 1.3e-6 / 1e-5, float64 1e-7 /
1e-7, exact for integers and bools. Tensors, NumPy arrays and Python numbers compare with
their own kind only; lists/tuples and mappings compare item by item.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..dtypes import as_dtype, get_default_dtype
from ..errors import ArgumentError, ArgumentTypeError, ComparisonError
from ..seeding import generator as _generator
from ..tensor import Tensor

__all__ = ["assert_close", "make_tensor"]

# (rtol, atol) by dtype: PyTorch's defaults (about 1000 ulps relative, a small absolute floor)
_TOLERANCES = {np.dtype(np.float16): (1e-3, 1e-5), np.dtype(np.float32): (1.3e-6, 1e-5),
               np.dtype(np.float64): (1e-7, 1e-7)}


def _tolerances(*dtypes: np.dtype) -> tuple[float, float]:
    pairs = [_TOLERANCES.get(np.dtype(d), (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _dtype_name(dtype: np.dtype) -> str:
    return f"tinygrad_bn.{np.dtype(dtype).name}"


def _shape_text(shape: tuple[int, ...]) -> str:
    return f"Size({list(shape)})"


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True,
                 rtol: float | None = None, atol: float | None = None,
                 equal_nan: bool = False, check_device: bool = True,
                 check_dtype: bool = True, check_layout: bool = True,
                 check_stride: bool = False,
                 msg: str | Callable[[str], str] | None = None) -> None:
    """Raise `ComparisonError` (an AssertionError) unless `actual` and `expected` are close:
    same kind, shape and (with `check_dtype`) dtype, and every value within
    atol + rtol |expected| (module docstring). `msg` replaces the message (a callable gets
    the generated one). Device, layout and strides are not compared: there is one of each."""
    if (rtol is None) != (atol is None):
        raise ArgumentError(f"assert_close: both 'rtol' and 'atol' must be either specified "
                            f"or omitted, but got rtol={rtol!r} and atol={atol!r}")
    problem = _compare(actual, expected, rtol, atol, equal_nan, check_dtype, allow_subclasses,
                       ())
    if problem is not None:
        if callable(msg):
            problem = msg(problem)
        elif msg is not None:
            problem = msg
        raise ComparisonError(problem)


def _compare(actual: Any, expected: Any, rtol: float | None, atol: float | None,
             equal_nan: bool, check_dtype: bool, allow_subclasses: bool,
             where: tuple[Any, ...]) -> str | None:
    """The first difference found, as PyTorch words it, or None."""
    if _is_array_like(actual) and _is_array_like(expected):
        if not _same_kind(actual, expected, allow_subclasses):
            _refuse(actual, expected)
        return _at(where, _compare_arrays(actual, expected, rtol, atol, equal_nan,
                                          check_dtype))
    if _is_number(actual) and _is_number(expected):
        return _at(where, _compare_numbers(actual, expected, rtol, atol, equal_nan,
                                           check_dtype))
    if actual is None and expected is None:
        return None
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        if missing or extra:
            return _at(where, "The keys of the mappings do not match:\n"
                       f"Missing keys in the actual mapping: {sorted(missing, key=repr)}\n"
                       f"Additional keys in the actual mapping: {sorted(extra, key=repr)}")
        for key in expected:
            problem = _compare(actual[key], expected[key], rtol, atol, equal_nan, check_dtype,
                               allow_subclasses, (*where, key))
            if problem is not None:
                return problem
        return None
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            return _at(where, f"The length of the sequences mismatch: {len(actual)} != "
                       f"{len(expected)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            problem = _compare(a, e, rtol, atol, equal_nan, check_dtype, allow_subclasses,
                               (*where, i))
            if problem is not None:
                return problem
        return None
    _refuse(actual, expected)


def _refuse(actual: Any, expected: Any) -> None:
    raise ArgumentTypeError(f"assert_close: cannot compare inputs of type {type(actual)} and "
                            f"{type(expected)}: both must be tensors, both NumPy arrays, both "
                            f"numbers, or sequences/mappings of those")


def _at(where: tuple[Any, ...], problem: str | None) -> str | None:
    if problem is None or not where:
        return problem
    path = "".join(f"[{key!r}]" for key in where)
    return f"{problem}\n\nThe failure occurred for item {path}"


def _is_array_like(value: Any) -> bool:
    return isinstance(value, Tensor | np.ndarray)


def _is_number(value: Any) -> bool:
    return isinstance(value, bool | int | float | complex | np.number | np.bool_)


def _is_sequence(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _same_kind(actual: Any, expected: Any, allow_subclasses: bool) -> bool:
    if allow_subclasses:
        return (isinstance(actual, Tensor) and isinstance(expected, Tensor)) or (
            isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray))
    return type(actual) is type(expected)


def _compare_arrays(actual: Any, expected: Any, rtol: float | None, atol: float | None,
                    equal_nan: bool, check_dtype: bool) -> str | None:
    a = actual.detach().numpy() if isinstance(actual, Tensor) else actual
    e = expected.detach().numpy() if isinstance(expected, Tensor) else expected
    if a.shape != e.shape:
        return (f"The values for attribute 'shape' do not match: {_shape_text(a.shape)} != "
                f"{_shape_text(e.shape)}.")
    if check_dtype and a.dtype != e.dtype:
        return (f"The values for attribute 'dtype' do not match: {_dtype_name(a.dtype)} != "
                f"{_dtype_name(e.dtype)}.")
    if rtol is None:
        rtol, atol = _tolerances(a.dtype, e.dtype)
    exact = rtol == 0 and atol == 0
    if a.dtype != e.dtype:  # compared in the type both promote to, as PyTorch's
        common = np.promote_types(a.dtype, e.dtype)
        a, e = a.astype(common), e.astype(common)
    bad = ~_close(a, e, rtol, atol, equal_nan)
    if not bad.any():
        return None
    return _report(a, e, bad, rtol, atol, exact)


def _close(a: np.ndarray, e: np.ndarray, rtol: float, atol: float,
           equal_nan: bool) -> np.ndarray:
    if a.dtype == np.bool_:
        return a == e
    if a.dtype.kind in "iu":
        if rtol == 0 and atol == 0:
            return a == e
        a, e = a.astype(np.float64), e.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        # an infinity is close to itself only (inf - finite is inf, within inf * rtol)
        close = (a == e) | (np.isfinite(a) & np.isfinite(e)
                            & (np.abs(a - e) <= atol + rtol * np.abs(e)))
    if equal_nan:
        close |= np.isnan(a) & np.isnan(e)
    return close


def _report(a: np.ndarray, e: np.ndarray, bad: np.ndarray, rtol: float, atol: float,
            exact: bool) -> str:
    """PyTorch's message: how many elements differ, the greatest absolute and relative
    difference and where (a 0-d tensor's is a scalar's)."""
    if a.ndim == 0:
        return _scalar_message(a.item(), e.item(), rtol, atol, exact)
    wide = np.float64 if a.dtype.kind in "biu" else a.dtype
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        diff = np.abs(a.astype(wide) - e.astype(wide))
        relative = diff / np.abs(e.astype(wide))
    diff = np.where(bad, diff, 0)  # the greatest differences among the mismatches
    relative = np.where(bad, relative, 0)
    total, count = a.size, int(bad.sum())
    kind = "equal" if exact else "close"
    lines = [f"Tensor-likes are not {kind}!", "",
             f"Mismatched elements: {count} / {total} ({100 * count / total:.1f}%)"]
    for label, values, tolerance in (("absolute", diff, atol), ("relative", relative, rtol)):
        nan = np.isnan(values)
        flat = int(np.flatnonzero(nan)[0]) if nan.any() else int(np.argmax(values))
        index = np.unravel_index(flat, values.shape) if values.ndim else ()
        value = values.reshape(-1)[flat].item()
        if a.dtype.kind in "biu" and label == "absolute":
            value = int(value)
        allowed = "" if exact else f" (up to {tolerance} allowed)"
        lines.append(f"Greatest {label} difference: {value} at index "
                     f"{tuple(int(i) for i in index)}{allowed}")
    return "\n".join(lines)


def _compare_numbers(actual: Any, expected: Any, rtol: float | None, atol: float | None,
                     equal_nan: bool, check_dtype: bool) -> str | None:
    a_type, e_type = _number_type(actual), _number_type(expected)
    if check_dtype and a_type is not e_type:
        return f"The (d)types do not match: {a_type} != {e_type}."
    if rtol is None:
        kinds = {int: (0.0, 0.0), bool: (0.0, 0.0)}
        rtol, atol = max(kinds.get(t, _TOLERANCES[np.dtype(np.float64)])
                          for t in (a_type, e_type))
    if actual == expected or (equal_nan and _isnan(actual) and _isnan(expected)):
        return None
    difference = abs(actual - expected)
    finite = not (_isinf(actual) or _isinf(expected))
    if finite and difference <= atol + rtol * abs(expected):
        return None
    return _scalar_message(actual, expected, rtol, atol, rtol == 0 and atol == 0)


def _scalar_message(actual: Any, expected: Any, rtol: float, atol: float,
                    exact: bool) -> str:
    difference = abs(actual - expected)
    with np.errstate(invalid="ignore"):
        relative = difference / abs(expected) if expected != 0 else math.inf
    if exact:
        return ("Scalars are not equal!\n\n"
                f"Expected {expected} but got {actual}.\n"
                f"Absolute difference: {difference}\n"
                f"Relative difference: {float(relative)}")
    return ("Scalars are not close!\n\n"
            f"Expected {expected} but got {actual}.\n"
            f"Absolute difference: {difference} (up to {atol} allowed)\n"
            f"Relative difference: {relative} (up to {rtol} allowed)")


def _number_type(value: Any) -> type:
    if isinstance(value, bool | np.bool_):
        return bool
    if isinstance(value, int | np.integer):
        return int
    if isinstance(value, complex | np.complexfloating):
        return complex
    return float


def _isnan(value: Any) -> bool:
    return isinstance(value, float | np.floating) and math.isnan(value)


def _isinf(value: Any) -> bool:
    return isinstance(value, float | np.floating) and math.isinf(value)


def make_tensor(*shape: Any, dtype: Any, device: Any = None, low: float | None = None,
                high: float | None = None, requires_grad: bool = False,
                noncontiguous: bool = False, exclude_zero: bool = False,
                memory_format: Any = None) -> Tensor:
    """A tensor of `shape` filled with uniform draws from [low, high) (PyTorch's
    `torch.testing.make_tensor`): floats default to [-9, 9), integers to [-9, 10) (from 0
    for unsigned ones), bools to False/True; `exclude_zero` replaces zeros by the smallest
    normal float (1 for integers). Draws come from the default generator."""
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        shape = tuple(shape[0])
    if not all(isinstance(n, int | np.integer) and n >= 0 for n in shape):
        raise ArgumentError(f"make_tensor: a shape is non-negative integers, got {shape!r}")
    kind = np.dtype(as_dtype("make_tensor", dtype) if dtype is not None
                    else get_default_dtype())
    if requires_grad and kind.kind != "f":
        raise ArgumentError(f"make_tensor: requires_grad must be False for the non-float "
                            f"dtype {kind.name}")
    rng = _generator(None, "make_tensor")
    size = tuple(int(n) for n in shape)
    if low is not None and high is not None and low > high:
        raise ArgumentError(f"make_tensor: low={low!r} is greater than high={high!r}")
    if kind == np.bool_:
        values = rng.integers(0, 2, size).astype(np.bool_)
    elif kind.kind in "iu":
        info = np.iinfo(kind)
        lo = max(info.min, math.ceil(low) if low is not None else (0 if kind.kind == "u"
                                                                    else -9))
        hi = min(info.max, math.ceil(high) if high is not None else 10)
        values = rng.integers(lo, max(hi, lo + 1), size, dtype=np.int64).astype(kind)
        if exclude_zero:
            values[values == 0] = 1
    else:
        lo = -9.0 if low is None else float(low)
        hi = 9.0 if high is None else float(high)
        values = rng.uniform(lo, hi, size).astype(kind)
        if exclude_zero:
            values[values == 0] = np.finfo(kind).tiny
    return Tensor(values, requires_grad=requires_grad)
