"""Argument checks shared by the functional ops and the layers: one wording for one mistake."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError

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
