"""Argument checks shared by the functional ops and the layers: one wording for one mistake."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..device import check_device
from ..dtypes import as_dtype, get_default_dtype
from ..errors import ArgumentError, ArgumentTypeError, DTypeError, DTypeMismatchError
from ..keywords import one_of
from ..tensor import Tensor, as_tensor

Pair = tuple[int, int]


def int_pair(op: str, name: str, value: Any, minimum: int, expand_one: bool = False) -> Pair:
    """`value` (an int or a pair of ints, each >= `minimum`) as a (height, width) pair, or an
    ArgumentError naming `op` and `name`. With `expand_one`, a 1-element sequence is its
    int for both (PyTorch's convolutions and pools take `padding=[1]`; fold, unfold and the
    adaptive pools do not)."""
    items = tuple(value) if isinstance(value, tuple | list) else (value, value)
    items = items * 2 if expand_one and len(items) == 1 else items
    if len(items) != 2 or not all(isinstance(v, int | np.integer) and not isinstance(v, bool)
                                  and v >= minimum for v in items):
        raise ArgumentError(f"{op}: {name} must be an int >= {minimum} or a pair of them, "
                            f"got {value!r}")
    return int(items[0]), int(items[1])


def nonzero_divisor(op: str, divisor_override: Any) -> int:
    """An average pool's divisor_override: any int but 0 (PyTorch's; a negative one flips
    the sign), else an ArgumentError naming `op`."""
    if isinstance(divisor_override, bool) or not isinstance(divisor_override, int | np.integer) \
            or divisor_override == 0:
        raise ArgumentError(f"{op}: divisor_override must be a nonzero int, got "
                            f"{divisor_override!r}")
    return int(divisor_override)


def positive_ints(op: str, **sizes: Any) -> None:
    """Each keyword must be a positive int, or an ArgumentError names `op` and the keyword."""
    for name, value in sizes.items():
        if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 1:
            raise ArgumentError(f"{op}: {name} must be a positive int, got {value!r}")


def sizes(op: str, **sizes: Any) -> None:
    """Each keyword must be an int >= 0, or an ArgumentError names `op` and the keyword: a
    layer's feature and channel counts, which PyTorch lets be 0 (zero-size parameters)."""
    for name, value in sizes.items():
        if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 0:
            raise ArgumentError(f"{op}: {name} must be an int >= 0, got {value!r}")


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


HALF_AND_SINGLE = {np.dtype(np.float16), np.dtype(np.float32)}


def same_dtype(op: str, dtype: np.dtype, mixed: bool = False, **others: Any) -> None:
    """PyTorch's layers do not promote: each of `others` that is a Tensor or an ndarray has
    the input's dtype, else a DTypeMismatchError (a RuntimeError too, as PyTorch's) names op
    and both dtypes. mixed: float16 and float32 may meet (PyTorch's CPU norms take a float16
    input with float32 parameters, computing in float32; the norms here compute a float16
    input in float32 too, with the parameters it came with)."""
    for name, other in others.items():
        theirs = getattr(other, "dtype", dtype)  # None, a list, a number: taken as constants
        if theirs == dtype or (mixed and {dtype, theirs} == HALF_AND_SINGLE):
            continue
        raise DTypeMismatchError(f"{op}: expected the input and {name} to have the same dtype, "
                                 f"but got {dtype} and {theirs} (PyTorch's layers do not "
                                 f"promote: cast the input or the module with .to(dtype))")


def layer_input(x: Any, dtype: Any) -> Tensor:
    """x itself if it is a Tensor; an ndarray or a list (a constant, the rule of every nn
    function) as a Tensor of the layer's dtype (None: the array's own)."""
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=dtype))


def floating_input(op: str, x: Any) -> Tensor:
    """x as a floating Tensor: an integer or bool Tensor is refused, as PyTorch's
    activations have no integer kernel; an ndarray or a list (a constant) of integers
    takes the default float dtype."""
    if isinstance(x, Tensor):
        if x.dtype.kind != "f":
            raise DTypeError(f"{op}: not implemented for dtype {x.dtype} (as PyTorch: a "
                             f"floating tensor only); cast it with .float() first")
        return x
    x = as_tensor(x)  # what is no array of numbers (a string) is refused here
    return x if x.dtype.kind == "f" else Tensor(x._data.astype(get_default_dtype()))


def state_dtype(*states: Any) -> np.dtype | None:
    """The dtype of the first of a layer's parameters or buffers that has one."""
    return next((s.dtype for s in states if hasattr(s, "dtype")), None)
