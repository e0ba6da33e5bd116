"""Allocations the machine may refuse: NumPy's MemoryError turned into an AllocationError
that names the op, the shape and the bytes asked for (counted in Python ints, so an absurd
shape cannot wrap around)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from .errors import AllocationError


def nbytes(shape: Sequence[int], dtype: Any) -> int:
    """Bytes of an array of `shape` and `dtype`: prod(shape) * itemsize, exactly."""
    return math.prod(int(n) for n in shape) * np.dtype(dtype).itemsize


@contextmanager
def allocating(op: str, shape: Sequence[int], dtype: Any) -> Iterator[None]:
    """Run the block; a MemoryError inside it becomes an AllocationError naming `op`."""
    try:
        yield
    except MemoryError as error:
        if isinstance(error, AllocationError):
            raise
        raise AllocationError(
            f"{op}: cannot allocate {nbytes(shape, dtype):,} bytes for an array of shape "
            f"{tuple(shape)} and dtype {np.dtype(dtype)}") from error


def empty(op: str, shape: Sequence[int], dtype: Any) -> np.ndarray:
    """np.empty(shape, dtype), or an AllocationError naming `op` and the bytes."""
    with allocating(op, shape, dtype):
        return np.empty(shape, dtype=dtype)
