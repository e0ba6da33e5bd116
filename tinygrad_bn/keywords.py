"""PyTorch's argument words beside NumPy's: `dim=` for `axis=`, `keepdim=` for `keepdims=`.

Every op that takes an axis accepts both spellings; giving both at once is an
ArgumentError (they name the same argument, so one of them would be ignored).
"""

from __future__ import annotations

from typing import Any

from .errors import ArgumentError


def axis_keywords(op: str, axis: Any, keepdims: Any, dim: Any, keepdim: Any
                  ) -> tuple[Any, Any]:
    """(axis, keepdims) after folding in PyTorch's `dim` and `keepdim` (None: not given)."""
    return one_of(op, "axis", axis, "dim", dim), one_of(op, "keepdims", keepdims or None,
                                                         "keepdim", keepdim, default=False)


def one_of(op: str, name: str, value: Any, alias: str, alias_value: Any,
           default: Any = None) -> Any:
    """`value` or `alias_value`, whichever was given (None means not given), else `default`."""
    if alias_value is None:
        return default if value is None else value
    if value is not None:
        raise ArgumentError(f"{op}: got both {name}={value!r} and {alias}={alias_value!r}; "
                            f"they are the same argument (NumPy's and PyTorch's word), pass one")
    return alias_value


def variance_ddof(op: str, ddof: int, correction: int | None, unbiased: bool | None) -> int:
    """The delta degrees of freedom from NumPy's `ddof` or PyTorch's `correction` /
    `unbiased` (True: 1, False: 0); giving two of them is an ArgumentError."""
    given = {name: value for name, value in
             (("ddof", ddof or None), ("correction", correction), ("unbiased", unbiased))
             if value is not None}
    if len(given) > 1:
        raise ArgumentError(f"{op}: got {', '.join(f'{k}={v!r}' for k, v in given.items())}; "
                            f"they all set the degrees of freedom, pass one")
    if unbiased is not None:
        return int(bool(unbiased))
    return int(correction) if correction is not None else ddof
