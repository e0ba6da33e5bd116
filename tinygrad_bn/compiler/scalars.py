"""Python numbers in a replayed ufunc call, given to it as 0-d arrays of their cast type.

NumPy 2 treats a Python int or float operand as a *weak* scalar (NEP 50): it is cast to
the dtype of the array operands, and the loop for that dtype runs. Resolving that costs
~1 us per call (promotion, a conversion of the Python object), which on the small arrays
of a training step is as much as the arithmetic: `np.equal(labels, -100)` took 2.3 us
against 1.1 us with `np.array(-100, np.int64)` in its place, `np.less(np.int64(3), 0)`
3.0 against 1.5 us (a one-off timing at load 5). A recorded call whose array operands
all have one dtype D, and whose number NumPy casts to D (`np.result_type(D, number) is
D`, and NumPy can make that 0-d array: an int out of D's range cannot), gets the 0-d
array of D holding the cast value: the same loop on the same values, so the same bits.
Any other call keeps its number (a float with integer arrays, mixed dtypes, bools).

A comparison of a 0-d integer result (a NumPy scalar on replay: a label's minimum) with
a Python int in its dtype's range is written as the operator, `v < 0`, which NumPy's
scalar arithmetic answers without a ufunc call (0.5 us against 1.5-3 us, the same
timing): integers compare exactly, and the result is the same np.bool_.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_COMPARISONS = {np.less: "<", np.less_equal: "<=", np.greater: ">", np.greater_equal: ">=",
                np.equal: "==", np.not_equal: "!="}


def comparison(ufunc: np.ufunc, args: tuple, kwargs: dict, values: list[Any]) -> str | None:
    """The operator a recorded comparison can be written as (see the module doc), or None."""
    op = _COMPARISONS.get(ufunc)
    if op is None or kwargs or len(args) != 2:
        return None
    numbers = [a for a in args if a[0] == "pyconst" and type(a[1]) is int]
    arrays = [values[a[1]] for a in args if a[0] == "slot"]
    if len(numbers) != 1 or len(arrays) != 1 or not isinstance(arrays[0], np.ndarray) or \
            arrays[0].ndim != 0 or arrays[0].dtype.kind not in "iu":
        return None
    try:
        np.array(numbers[0][1], arrays[0].dtype)  # in range (NumPy refuses it otherwise)
    except OverflowError:
        return None
    return op


def _dtype(enc: Any, values: list[Any]) -> np.dtype | None:
    """The dtype of an encoded array operand (None: not an array, or unknown)."""
    kind = enc[0]
    if kind == "slot":
        value = values[enc[1]]
        return value.dtype if isinstance(value, np.ndarray) else None
    if kind == "view":
        return enc[5]
    if kind in ("ref", "const") and isinstance(enc[1], np.ndarray):
        return enc[1].dtype
    return None


def typed(ufunc: np.ufunc, args: tuple, kwargs: dict, values: list[Any]
          ) -> dict[int, np.ndarray]:
    """The positions of a ufunc call's Python numbers that can be 0-d arrays, and those
    arrays (see the module doc). Only inputs, and only without keywords that change how
    the loop is chosen (dtype, signature, casting)."""
    inputs = args[:ufunc.nin]
    numbers = [i for i, a in enumerate(inputs)
               if a[0] == "pyconst" and type(a[1]) in (int, float)]
    if not numbers or set(kwargs) - {"out", "where"}:
        return {}
    dtypes = {_dtype(a, values) for i, a in enumerate(inputs) if i not in numbers}
    if len(dtypes) != 1 or None in dtypes:
        return {}
    (dtype,) = dtypes
    if dtype.kind not in "iuf":
        return {}
    arrays = {}
    for i in numbers:
        value = args[i][1]
        try:
            if np.result_type(dtype, value) != dtype:
                continue
            with np.errstate(over="raise"):  # a float beyond D's range: NumPy's warning stays
                array = np.array(value, dtype)
        except (OverflowError, TypeError, ValueError, FloatingPointError):  # an int beyond D's
            continue
        arrays[i] = array
    return arrays
