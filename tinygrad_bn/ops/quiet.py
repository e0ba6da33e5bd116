"""`quiet`: an op whose forward meets NumPy's floating-point errors by design (log of 0,
sqrt of a negative, 1/0, overflow) returns inf or NaN silently, as PyTorch's ops do,
instead of letting NumPy's RuntimeWarning reach the user.

Applied per op class, not in Function.apply: `np.errstate` costs ~1.7 us per call, which
the ops that cannot meet such an error (movement, indexing, comparisons) should not pay.
"""

from __future__ import annotations

import functools
from typing import TypeVar

import numpy as np

from ..autograd.function import Function

F = TypeVar("F", bound=type[Function])


def quiet(cls: F) -> F:
    """Wrap cls.forward in np.errstate(all="ignore")."""
    forward = cls.forward

    @functools.wraps(forward)
    def silent(self, *arrays):
        with np.errstate(all="ignore"):
            return forward(self, *arrays)

    cls.forward = silent
    return cls
