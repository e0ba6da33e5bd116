"""`quiet`: an op whose forward meets NumPy's floating-point errors by design (log of 0,
sqrt of a negative, 1/0, overflow) returns inf or NaN silently, as PyTorch's ops do,
instead of letting NumPy's RuntimeWarning reach the user.

Applied per op class, not in Function.apply: `np.errstate` costs ~1.7 us per call, which
the ops that cannot meet such an error (movement, indexing, comparisons) should not pay.
The hottest ops (add, sub, mul, casts) do not pay it either: NumPy's floating-point
warnings raised from tinygrad_bn's own code (inf * 0, a float64 beyond float32's range
cast down) are ignored by one warnings filter, set here at import, matched by message and
module, that costs nothing until a warning is raised. A user's own filter set later
(`-W error`, `simplefilter("error")`) goes before it and still sees them.
"""

from __future__ import annotations

import functools
import warnings
from typing import TypeVar

import numpy as np

from ..autograd.primitive import Function

F = TypeVar("F", bound=type[Function])

warnings.filterwarnings("ignore", r"(overflow|invalid value|divide by zero|underflow) "
                        r"encountered in", RuntimeWarning, r"tinygrad_bn(\.|$)")


def quiet(cls: F) -> F:
    """Wrap cls.forward in np.errstate(all="ignore")."""
    forward = cls.forward

    @functools.wraps(forward)
    def silent(self, *arrays):
        with np.errstate(all="ignore"):
            return forward(self, *arrays)

    cls.forward = silent
    return cls
