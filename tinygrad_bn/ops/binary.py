"""Elementwise ops of two inputs: add, subtract, multiply, divide, power, the rounded
quotients and remainders, max, min, where, copysign, hypot and x log y.

Inputs broadcast as in NumPy; a backward may return the broadcast-shaped gradient, which
the engine sums back to each input's shape (`autograd.engine.unbroadcast`), and a jvp
rule may return a tangent of one input's shape (forward_ad broadcasts it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..autograd.primitive import Function, new_tensor, or_zeros, sum_tangents
from .quiet import quiet

if TYPE_CHECKING:
    from ..tensor import Tensor


class Add(Function):
    """z = x + y;  dx = g, dy = g."""

    reads_no_values = True

    def forward(self, x, y):
        return x + y

    def backward(self, g):
        return g, g

    def jvp(self, tx, ty):
        """tz = tx + ty."""
        return sum_tangents(tx, ty)


class Sub(Function):
    """z = x - y;  dx = g, dy = -g."""

    reads_no_values = True

    def forward(self, x, y):
        return x - y

    def backward(self, g):
        return g, -g if self.parents[1].requires_grad else None

    def jvp(self, tx, ty):
        """tz = tx - ty."""
        return sum_tangents(tx, None if ty is None else -ty)


class Mul(Function):
    """z = x * y;  dx = g * y, dy = g * x."""

    saves_inputs = (0, 1)

    def forward(self, x, y):
        return x * y

    def needed_inputs(self):
        """y for dx, x for dy: only those whose partner requires grad."""
        x, y = self.parents
        return (1,) * x.requires_grad + (0,) * y.requires_grad

    def backward(self, g):
        x, y = self.parents
        return (g * y if x.requires_grad else None), (g * x if y.requires_grad else None)

    def jvp(self, tx, ty):
        """tz = tx y + x ty."""
        x, y = self.parents
        return sum_tangents(None if tx is None else tx * y, None if ty is None else x * ty)


@quiet
class Div(Function):
    """z = x / y;  dx = g / y, dy = -g * (x / y) / y.

    dy as -g z / y rather than -g x / y**2: differentiated again (1 / y's second
    derivative, 2 / y**3) it stays inf at y = 0 and 0 at y = +-inf, as PyTorch's
    reciprocal, where y * y meets a zero inner derivative and gives NaN."""

    saves_inputs = (0, 1)

    def forward(self, x, y):
        return x / y

    def needed_inputs(self):
        """y for dx, x and y for dy."""
        return (0, 1) if self.parents[1].requires_grad else (1,)

    def backward(self, g):
        x, y = self.parents
        gx = g / y if x.requires_grad else None
        gy = -g * (x / y) / y if y.requires_grad else None
        return gx, gy

    def jvp(self, tx, ty):
        """tz = tx / y - ty (x / y) / y."""
        x, y = self.parents
        return sum_tangents(None if tx is None else tx / y,
                            None if ty is None else -ty * (x / y) / y)


@quiet
class Pow(Function):
    """z = x ** y;  dx = g * y * x**(y-1), dy = g * z * log(x).

    At base 0 the formulas meet 0 * inf: as PyTorch, the y = 0 term of dx is exactly 0
    (x**0 is constant), and dy is 0 where x = 0 and y >= 0 (z is 0 or 1 there; the
    limit of z log x is 0). Both are made with `where` on a safe operand (exponent 1,
    base 1), so the gradients stay differentiable and finite second derivatives elsewhere.
    Integers to a negative integer power follow PyTorch: 1, +-1 for base -1, else 0.
    """

    uses_output = True
    saves_inputs = (0, 1)

    def forward(self, x, y):
        if y.dtype.kind in "iu" and x.dtype.kind in "biu" and (y < 0).any():
            # PyTorch's integer powers: 1 ** -n = 1, (-1) ** -n = +-1, any other base 0
            # (NumPy refuses negative integer exponents)
            z = x ** np.maximum(y, 0)
            unit = np.where(y % 2 == 0, 1, x).astype(z.dtype)  # x ** -n for x = +-1
            return np.where(y >= 0, z, np.where(np.abs(x) == 1, unit, 0).astype(z.dtype))
        return x**y

    def reads_output(self):
        """z only for dy."""
        return self.parents[1].requires_grad

    def backward(self, g):
        x, y = self.parents
        gx = g * y * x ** (self._safe_exponent() - 1) if x.requires_grad else None
        gy = g * self.output * self._safe_base().log() if y.requires_grad else None
        return gx, gy

    def jvp(self, tx, ty):
        """tz = tx y x**(y-1) + ty z log(x) (the same guards at base 0)."""
        x, y = self.parents
        return sum_tangents(None if tx is None else tx * y * x ** (self._safe_exponent() - 1),
                            None if ty is None else ty * self.output * self._safe_base().log())

    def _safe_exponent(self) -> Tensor:
        """y, with 1 where x = y = 0: there y * x**(y - 1) is 0 (x**0 is constant), not
        0 * 0**-1 = NaN."""
        x, y = self.parents
        both_zero = (x._data == 0) & (y._data == 0)
        return Where.apply(_one(y), y, cond=both_zero) if both_zero.any() else y

    def _safe_base(self) -> Tensor:
        """x, with 1 where x = 0 and y >= 0: there the limit of z log x is 0 = z log 1."""
        x, y = self.parents
        limit = (x._data == 0) & (y._data >= 0)
        return Where.apply(_one(x), x, cond=limit) if limit.any() else x


class _RoundedQuotient(Function):
    """z = x / y rounded to an integer;  dx = dy = 0 (a step function: PyTorch's
    div(rounding_mode=...) has a zero gradient, also where y = 0).

    tz = 0."""

    reads_no_values = True

    def backward(self, g):
        zero = g * 0
        return zero, zero

    def jvp(self, tx, ty):
        return sum_tangents(None if tx is None else tx * 0, None if ty is None else ty * 0)


@quiet
class FloorDivide(_RoundedQuotient):
    """z = floor(x / y), Python's x // y (exact for integers; 3. // -inf is -1);  dx = dy = 0.

    tz = 0."""

    def forward(self, x, y):
        return np.floor_divide(x, y)


@quiet
class TruncDivide(_RoundedQuotient):
    """z = trunc(x / y), the quotient rounded towards 0 (C's integer division);  dx = dy = 0.

    tz = 0."""

    def forward(self, x, y):
        if x.dtype.kind == "f":
            return np.trunc(x / y)
        q = np.floor_divide(x, y)  # exact; one up where the floor went below 0's side
        return q + ((np.remainder(x, y) != 0) & ((x < 0) != (y < 0))).astype(q.dtype)


class _Remainder(Function):
    """z = x - q(x, y) y for a rounded quotient q;  dx = g, dy = -g q (as PyTorch: q is
    piecewise constant). `ufunc` computes z, `quotient` q."""

    saves_inputs = (0, 1)
    quotient: type[Function]
    ufunc: np.ufunc

    def forward(self, x, y):
        return self.ufunc(x, y)

    def needed_inputs(self):
        """x and y only for dy."""
        return (0, 1) if self.parents[1].requires_grad else ()

    def backward(self, g):
        return g, -g * self._quotient() if self.parents[1].requires_grad else None

    def jvp(self, tx, ty):
        """tz = tx - ty q."""
        return sum_tangents(tx, None if ty is None else -ty * self._quotient())

    def _quotient(self) -> Tensor:
        x, y = self.parents
        return new_tensor(self.quotient().forward(x._data, y._data))


@quiet
class Remainder(_Remainder):
    """z = x - floor(x / y) y, with y's sign (Python's %);  dx = g, dy = -g floor(x / y).

    tz = tx - ty floor(x / y)."""

    quotient, ufunc = FloorDivide, np.remainder


@quiet
class Fmod(_Remainder):
    """z = x - trunc(x / y) y, with x's sign (C's fmod);  dx = g, dy = -g trunc(x / y).

    tz = tx - ty trunc(x / y)."""

    quotient, ufunc = TruncDivide, np.fmod


class _Extremum(Function):
    """max or min of x and y elementwise: `pick` chooses z, `loses(a, b)` says where a
    is not chosen (less for maximum, greater for minimum). g goes to the chosen input,
    split evenly on ties; where x or y is NaN (z is NaN) neither loses, so both get g, as
    PyTorch's masked_fill of the loser."""

    saves_inputs = (0, 1)
    pick: np.ufunc
    loses: np.ufunc

    def forward(self, x, y):
        return self.pick(x, y)

    def backward(self, g):
        share_x, share_y = self._shares()
        return g * share_x.astype(g.dtype), g * share_y.astype(g.dtype)

    def jvp(self, tx, ty):
        """tz = tx or ty from the chosen input; ties average the two."""
        share_x, share_y = self._shares()
        return sum_tangents(None if tx is None else tx * share_x.astype(tx.dtype),
                            None if ty is None else ty * share_y.astype(ty.dtype))

    def _shares(self) -> tuple[np.ndarray, np.ndarray]:
        """Each input's share of g: 1/2 on ties, 0 where it loses, 1 otherwise."""
        x, y = (p._data for p in self.parents)
        tie = (x == y) * 0.5
        return np.where(self.loses(x, y), 0, 1) - tie, np.where(self.loses(y, x), 0, 1) - tie


class Maximum(_Extremum):
    """z = max(x, y) elementwise;  g goes to the larger input, split evenly on ties; where
    x or y is NaN (z is NaN) both get g, as PyTorch's (neither is smaller).

    tz = tx or ty from the larger input; ties average the two."""

    pick, loses = np.maximum, np.less


class Minimum(_Extremum):
    """z = min(x, y) elementwise;  g goes to the smaller input, split evenly on ties (both
    get g where one is NaN, as PyTorch).

    tz = tx or ty from the smaller input; ties average the two.

    Its own op, not -maximum(-x, -y): negation overflows integers (-(-2**31) in int32) and
    is undefined for bools."""

    pick, loses = np.minimum, np.greater


class Where(Function):
    """z = x where cond else y;  dx = g where cond, dy = g elsewhere (cond: no gradient).
    The gradients select, as PyTorch's, rather than multiply by the mask: a NaN or inf that
    g carries where a branch was not taken (0 * inf from a composite's unused branch)
    stays out of that branch's gradient."""

    def forward(self, x, y):
        return np.where(self.cond, x, y)

    def backward(self, g):
        zero = new_tensor(np.zeros((), g.dtype))
        return Where.apply(g, zero, cond=self.cond), Where.apply(zero, g, cond=self.cond)

    def jvp(self, tx, ty):
        """tz = where(cond, tx, ty)."""
        tx, ty = or_zeros(self.parents, (tx, ty))
        return Where.apply(tx, ty, cond=self.cond)


@quiet
class CopySign(Function):
    """z = |x| with y's sign bit (-0.0's too);  dx = g z / x (0 at x = 0, NaN at x = +-inf,
    as PyTorch's), dy = 0 (z is piecewise constant in y; zeros, as PyTorch's).

    tz = tx z / x."""

    saves_inputs = (0, 1)

    def forward(self, x, y):
        return np.copysign(x, y)

    def backward(self, g):
        x, y = self.parents
        dy = new_tensor(np.zeros(y.shape, y.dtype)) if y.requires_grad else None
        return (g * self._slope() if x.requires_grad else None), dy

    def jvp(self, tx, ty):
        return None if tx is None else tx * self._slope()

    def _slope(self) -> np.ndarray:
        """z / x, 0 where x = 0 (a constant: its own derivative is 0 almost everywhere)."""
        x, y = (p._data for p in self.parents)
        return np.where(x == 0, 0, np.copysign(x, y) / np.where(x == 0, 1, x))


@quiet
class Hypot(Function):
    """z = sqrt(x^2 + y^2) without overflow or underflow in the squares (np.hypot: +inf if
    either is infinite, NaN otherwise too);  dx = g x / z, dy = g y / z (NaN at x = y = 0,
    as PyTorch's).

    tz = (tx x + ty y) / z."""

    uses_output = True
    saves_inputs = (0, 1)

    def forward(self, x, y):
        return np.hypot(x, y)

    def backward(self, g):
        x, y = self.parents
        z = self.output
        return (g * x / z if x.requires_grad else None), (g * y / z if y.requires_grad else None)

    def jvp(self, tx, ty):
        x, y = self.parents
        return sum_tangents(None if tx is None else tx * x, None if ty is None else ty * y) / \
            self.output


@quiet
class XLogY(Function):
    """z = x log y, 0 where x = 0 and y is not NaN;  dx = g log y (0 where x = 0 and
    y <= 0), dy = g x / y (NaN at x = y = 0, as PyTorch's).

    tz = tx log y (as dx) + ty x / y."""

    saves_inputs = (0, 1)

    def forward(self, x, y):
        return np.where((x == 0) & ~np.isnan(y), 0, x * np.log(y)).astype(x.dtype, copy=False)

    def backward(self, g):
        x, y = self.parents
        return (self._log_y(g) if x.requires_grad else None), \
            (g * x / y if y.requires_grad else None)

    def jvp(self, tx, ty):
        x, y = self.parents
        return sum_tangents(None if tx is None else self._log_y(tx),
                            None if ty is None else ty * x / y)

    def _log_y(self, t: Tensor) -> Tensor:
        """t log y (xlogy of t and y), 0 where x = 0 and y <= 0."""
        x, y = self.parents
        out = XLogY.apply(t, y)
        undefined = (x._data == 0) & (y._data <= 0)
        zero = new_tensor(np.zeros((), out.dtype))
        return Where.apply(zero, out, cond=undefined) if undefined.any() else out


def _one(like: Tensor) -> Tensor:
    """The constant 1 in `like`'s dtype (a 0-d tensor, broadcast by the op that takes it)."""
    return new_tensor(np.ones((), dtype=like.dtype))
