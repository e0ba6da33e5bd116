"""PyTorch's legacy loss arguments `size_average=` and `reduce=`, mapped to `reduction` as
PyTorch maps them (each left out counts as True):

    reduce False                -> "none"   (size_average is then ignored)
    reduce True, size_average True  -> "mean"
    reduce True, size_average False -> "sum"

with PyTorch's deprecation warning. A string in either slot is refused: it is almost
always a reduction passed positionally in the order of an older signature, which PyTorch
would silently read as size_average=True."""

from __future__ import annotations

import warnings
from typing import Any

from ..errors import ArgumentError, ArgumentTypeError

__all__ = ["REDUCTIONS", "check_reduction", "legacy_reduction"]

REDUCTIONS = ("mean", "sum", "none")


def check_reduction(op: str, reduction: Any) -> None:
    """reduction is one of REDUCTIONS, else an error naming the op."""
    if not isinstance(reduction, str):
        raise ArgumentError(f"{op}: reduction must be one of {REDUCTIONS}, got a "
                            f"{type(reduction).__name__} ({reduction!r})")
    if reduction not in REDUCTIONS:
        raise ArgumentError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _flag(op: str, name: str, value: Any) -> bool:
    if isinstance(value, str):
        raise ArgumentTypeError(
            f"{op}: {name} must be a bool or None, got the string {value!r} (a reduction "
            f"given positionally? PyTorch's losses take it as reduction={value!r})")
    return True if value is None else bool(value)


def legacy_reduction(op: str, size_average: Any, reduce: Any, reduction: Any) -> str:
    """The reduction in force: `reduction` unless size_average or reduce is given (then
    their mapping, with PyTorch's warning)."""
    if size_average is None and reduce is None:
        return reduction
    average, reduced = _flag(op, "size_average", size_average), _flag(op, "reduce", reduce)
    result = ("mean" if average else "sum") if reduced else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{result}' instead.", UserWarning, stacklevel=3)
    return result
