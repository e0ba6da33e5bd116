"""Argument checks shared by the functional ops and the layers: one wording for one mistake."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..device import check_device
from ..dtypes import as_dtype, get_default_dtype
from ..errors import ArgumentError, ArgumentTypeError, DTypeError
from ..keywords import one_of

Pair = tuple[int, int]


def int_pair(op: str, name: str, value: Any, minimum: int) -> Pair:
    """`value` (an int or a pair of ints, each >= `minimum`) as a (height, width) pair, or an
    ArgumentError naming `op` and `name`."""
    items = tuple(value) if isinstance(value, tuple | list) else (value, value)
    if len(items) != 2 or not all(isinstance(v, int | np.integer) and not isinstance(v, bool)
                                  and v >= minimum for v in items):
        raise ArgumentError(f"{op}: {name} must be an int >= {minimum} or a pair of them, "
                            f"got {value!r}")
    return int(items[0]), int(items[1])


def positive_ints(op: str, **sizes: Any) -> None:
    """Each keyword must be a positive int, or an ArgumentError names `op` and the keyword."""
    for name, value in sizes.items():
        if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 1:
            raise ArgumentError(f"{op}: {name} must be a positive int, got {value!r}")


# a tuple made once: `int | float | ...` inside a function builds a new union on every call
REAL_TYPES = (int, float, np.integer, np.floating)


def real_number(op: str, name: str, value: Any, expected: str = "a real number") -> Any:
    """`value` itself if it is a real number (an int or float, NumPy's included, not a bool),
    else an ArgumentTypeError naming `op`, `name` and what was `expected`."""
    if not isinstance(value, REAL_TYPES) or isinstance(value, bool):
        raise ArgumentTypeError(f"{op}: {name} must be {expected}, got "
                                f"{type(value).__name__} {value!r}")
    return value


def probability(op: str, p: Any) -> float:
    """`p` as a float in [0, 1]: an ArgumentTypeError for a non-number (a string, None, a
    bool), an ArgumentError for a number outside [0, 1] (or NaN), both naming `op`."""
    real_number(op, "p", p, "a number in [0, 1]")
    if not 0.0 <= p <= 1.0:
        raise ArgumentError(f"{op}: p must be a probability in [0, 1], got {p}")
    return float(p)


def resolve_axis(op: str, axis: Any, dim: Any, default: Any) -> Any:
    """The axis given as NumPy's `axis` or PyTorch's `dim`: `dim` when given (then `axis`
    must be left at its default), else `axis` (the wording of tinygrad_bn/keywords.py)."""
    return one_of(op, "axis", None if axis == default else axis, "dim", dim, default=default)


def factory_dtype(op: str, device: Any, dtype: Any) -> np.dtype:
    """The dtype of a module's parameters and floating buffers from PyTorch's factory
    keywords `device=` (the CPU only) and `dtype=` (a floating dtype; the default dtype if None)."""
    check_device(op, device)
    if dtype is None:
        return get_default_dtype()
    chosen = as_dtype(op, dtype)
    if chosen.kind != "f":
        raise DTypeError(f"{op}: dtype must be a floating dtype for its parameters, got "
                         f"{chosen}")
    return chosen
