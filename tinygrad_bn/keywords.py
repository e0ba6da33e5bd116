"""Arguments as ops take them: axes, sizes, and PyTorch's words beside NumPy's.

Every op that takes an axis accepts both spellings (`dim=` for `axis=`, `keepdim=` for
`keepdims=`); giving both at once is an ArgumentError (they name the same argument, so
one of them would be ignored). Axes are checked and made positive in one place
(`normalize_axes`), sizes in another (`int_sizes`, `parse_size`).
"""

from __future__ import annotations

import builtins
import operator
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .errors import ArgumentError, ArgumentTypeError, AxisError, ShapeError


def axis_keywords(op: str, axis: Any, keepdims: Any, dim: Any, keepdim: Any
                  ) -> tuple[Any, Any]:
    """(axis, keepdims) after folding in PyTorch's `dim` and `keepdim` (None: not given)."""
    return one_of(op, "axis", axis, "dim", dim), one_of(op, "keepdims", keepdims or None,
                                                         "keepdim", keepdim, default=False)


def every_axis_if_empty(dim: Any) -> Any:
    """PyTorch's reading of an empty `dim` (() or []) in sum, mean, var, std, nansum,
    logsumexp, count_nonzero: every axis (None), where NumPy's axis=() reduces none."""
    return None if isinstance(dim, tuple | list) and not dim else dim


def dim_keywords(op: str, dim: Any, keepdim: bool, axis: Any, keepdims: Any
                 ) -> tuple[Any, bool]:
    """(dim, keepdim) of a method whose signature is PyTorch's (`dim`, `keepdim=False`),
    with NumPy's `axis=` / `keepdims=` (None: not given) folded in."""
    dim = one_of(op, "dim", dim, "axis", axis)
    if keepdims is not None:
        if keepdim:
            raise ArgumentError(f"{op}: got both keepdim={keepdim!r} and keepdims={keepdims!r}; "
                                f"they are the same argument (PyTorch's and NumPy's word), pass "
                                f"one")
        keepdim = keepdims
    return dim, bool(keepdim)


def one_of(op: str, name: str, value: Any, alias: str, alias_value: Any,
           default: Any = None) -> Any:
    """`value` or `alias_value`, whichever was given (None means not given), else `default`."""
    if alias_value is None:
        return default if value is None else value
    if value is not None:
        raise ArgumentError(f"{op}: got both {name}={value!r} and {alias}={alias_value!r}; "
                            f"they are the same argument (NumPy's and PyTorch's word), pass one")
    return alias_value


def unbiased_overload(op: str, dim: Any, unbiased: Any) -> tuple[Any, Any]:
    """(dim, unbiased) with PyTorch's overload `var(x, unbiased)` read: a bool where the
    dim goes (`x.var(True)`, `torch.std_mean(x, False)`) is `unbiased`, over every axis."""
    if not isinstance(dim, bool | np.bool_):
        return dim, unbiased
    if unbiased is not None:
        raise ArgumentTypeError(f"{op}: got a bool ({dim!r}) as dim and unbiased={unbiased!r}; "
                                f"{op}(x, unbiased) takes no dim, {op}(x, dim, unbiased) "
                                f"takes a dim as an int or a tuple of ints")
    return None, bool(dim)


def correction_of(op: str, correction: Any, unbiased: Any, ddof: Any) -> float:
    """The variance's correction (n - correction in the denominator): PyTorch's
    `correction` (an int or a float, default 1), its older `unbiased` (True: 1, False: 0)
    or NumPy's `ddof`; giving two of them is an ArgumentError."""
    given = {name: value for name, value in
             (("correction", correction), ("unbiased", unbiased), ("ddof", ddof))
             if value is not None}
    if len(given) > 1:
        raise ArgumentError(f"{op}: got {', '.join(f'{k}={v!r}' for k, v in given.items())}; "
                            f"they all set the correction, pass one")
    if unbiased is not None:
        if not isinstance(unbiased, bool | np.bool_):
            raise ArgumentTypeError(f"{op}: unbiased must be True or False, got {unbiased!r}")
        return float(unbiased)
    name, value = next(iter(given.items()), ("correction", 1))
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number) \
            or value != value:
        raise ArgumentTypeError(f"{op}: {name} must be a number, got "
                                f"{type(value).__name__} {value!r}")
    return float(value)


def normalize_axes(op: str, axis: int | Sequence[int] | None, ndim: int,
                   scalar_axis: bool = False) -> tuple[int, ...]:
    """Turn `axis` (None, int or tuple, negatives allowed) into sorted positive axes.
    `scalar_axis`: as NumPy's and PyTorch's reductions and squeeze, a 0-d tensor takes
    axis 0 (or -1), which names no axis at all: the result is ()."""
    if axis is None:
        return tuple(range(ndim))
    if type(axis) is int and -ndim <= axis < ndim:  # the common case, checked cheaply
        return (axis % ndim,)
    try:
        axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    except TypeError as error:  # a float, a string ...: PyTorch's binding says TypeError
        raise ArgumentTypeError(f"{op}: axis must be None, an int or a tuple of ints, "
                                f"got {axis!r}") from error
    result = []
    for a in axes:
        if not isinstance(a, int | np.integer):
            raise ArgumentTypeError(f"{op}: axis must be an int or a tuple of ints, got "
                                    f"{axis!r}")
        if ndim == 0 and scalar_axis and a in (0, -1):
            result.append(0)
            continue
        if not -ndim <= a < ndim:  # as NumPy: a 0-d tensor has no axis at all
            valid = f"valid: {-ndim}..{ndim - 1}" if ndim else "a 0-d tensor has no axes"
            raise AxisError(f"{op}: axis {a} is out of range for a tensor with {ndim} dims "
                            f"({valid})")
        result.append(int(a) % ndim)
    if len(set(result)) != len(result):
        raise AxisError(f"{op}: repeated axis in {axis!r}")
    return tuple(sorted(result)) if ndim else ()


def _index(n: Any) -> int | None:
    """n as a size: an int, a NumPy integer or (as PyTorch's) a one-element integer tensor
    (`x.sum()` of an int tensor); None for anything else (floats, even 2.0, strings, bools)."""
    if isinstance(n, builtins.bool | np.bool_):
        return None
    if isinstance(n, int | np.integer):
        return int(n)
    if type(n).__name__ == "Tensor" and n.dtype.kind in "iu" and n.numel() == 1:
        return int(n.item())
    return None


def int_sizes(op: str, sizes: Sequence[Any]) -> tuple[int, ...]:
    """`sizes` as Python ints; floats (even 2.0), strings and bools are refused, not cast."""
    if all(type(n) is int for n in sizes):  # the common case, without a call per size
        return tuple(sizes)
    out = tuple(_index(n) for n in sizes)
    for n, m in zip(sizes, out):
        if m is None:
            raise ArgumentTypeError(f"{op}: sizes must be ints, got {type(n).__name__} {n!r} "
                                    f"in {tuple(sizes)}")
    return out


def parse_size(op: str, size: Sequence[Any]) -> tuple[int, ...]:
    """A shape given as varargs `(2, 3)` or one sequence `((2, 3),)`: non-negative ints."""
    if len(size) == 1 and (isinstance(size[0], Sequence | np.ndarray) or (
            type(size[0]).__name__ == "Tensor" and size[0].ndim == 1)):
        size = tuple(size[0])
    out = tuple(_index(n) for n in size)
    if any(n is None or n < 0 for n in out):
        raise ShapeError(f"{op}: size must be non-negative ints (varargs or one tuple), "
                         f"got {tuple(size)!r}")
    return out


def one_axis(op: str, ndim: int, axis: Any, dim: Any, required: bool = True) -> int | None:
    """The one axis (`axis=` or `dim=`) of an op that takes a single axis, made positive;
    None when neither is given and the axis is optional."""
    axis = one_of(op, "axis", axis, "dim", dim)
    if axis is None:
        if required:
            raise AxisError(f"{op}: needs an axis (axis= or dim=)")
        return None
    if not isinstance(axis, int | np.integer):
        raise ArgumentTypeError(f"{op}: takes one axis (an int), got {axis!r}")
    return normalize_axes(op, int(axis), ndim)[0]


class Size(tuple):
    """A tensor's shape, PyTorch's `torch.Size`: a tuple of ints that also counts its
    elements (`numel()`). It prints as the tuple it is, `(2, 3)`, where PyTorch prints
    `torch.Size([2, 3])`: shapes read the same in every message and print, and nothing
    names a module `torch` that is not there (docs/coming-from-pytorch.md). As PyTorch's,
    `Size(items)` takes ints (anything with `__index__`: NumPy ints, bools, one-element int
    tensors) and refuses floats, strings and None; a tensor's `shape` is made with
    `Size.of`, which skips the check. A slice, a sum with a tuple (either side) and a
    repetition are Sizes again (`x.shape[1:].numel()`), as PyTorch's."""

    __slots__ = ()

    def __new__(cls, items: Any = ()) -> Size:
        if not isinstance(items, Iterable):
            raise ArgumentTypeError(f"Size: takes an iterable of ints, got "
                                    f"{type(items).__name__} {items!r}")
        values = []
        for k, n in enumerate(items):
            try:
                values.append(operator.index(n))
            except TypeError:
                raise ArgumentTypeError(f"Size: takes an iterable of ints, but item {k} is "
                                        f"{type(n).__name__} {n!r}") from None
        return tuple.__new__(cls, values)

    @classmethod
    def of(cls, shape: tuple[int, ...]) -> Size:
        """An ndarray's shape (ints already) as a Size, without the check."""
        return tuple.__new__(cls, shape)

    def numel(self) -> int:
        count = 1
        for n in self:
            count *= n
        return count

    def __getitem__(self, index: Any) -> Any:
        item = tuple.__getitem__(self, index)
        return tuple.__new__(Size, item) if isinstance(index, slice) else item

    def __add__(self, other: Any) -> Size:
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(self, other))

    def __radd__(self, other: Any) -> Size:
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(other, self))

    def __mul__(self, count: Any) -> Size:
        return tuple.__new__(Size, tuple.__mul__(self, count))

    __rmul__ = __mul__
